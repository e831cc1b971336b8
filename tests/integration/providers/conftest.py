from .sandbox_setup import iovox, paycall, phonon, phonon_keys, phonon_sandbox  # noqa: F401
