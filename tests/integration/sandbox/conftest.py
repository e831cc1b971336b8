from tests.integration.providers.sandbox_setup import (  # noqa: F401
    iovox,
    paycall,
    phonon,
    phonon_keys,
    phonon_sandbox,
)
