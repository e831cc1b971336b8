"""Demo data for `make run`: a login per role, then each product area's examples.

Each area adds its loader to DEMO_LOADERS. Loaders are idempotent: running the demo
setup twice leaves the same data.
"""

import io
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils.module_loading import import_string

from .roles import ADMIN, CAMPAIGN_MANAGER, DESIGNER, VIEWER, assign_role

DEMO_USERS = (
    ("admin", ADMIN),
    ("designer", DESIGNER),
    ("manager", CAMPAIGN_MANAGER),
    ("viewer", VIEWER),
)

DEMO_LOADERS: list[str] = [
    "flows.demo.load",
    "phonelists.demo.load",
    "dialer_site.demo.load_sandbox",
    "campaigns.demo.load",
]


def demo_password(explicit: str | None) -> str:
    """The demo users' password: the one given, else one made once and kept in var/."""
    if explicit:
        return explicit
    path = settings.VAR_DIR / "demo-password.txt"
    if path.exists():
        return path.read_text().strip()
    password = secrets.token_urlsafe(12)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(password + "\n")
    path.chmod(0o600)
    return password


def create_demo_users(password: str) -> None:
    User = get_user_model()
    for username, role in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username)
        if created or not user.check_password(password):
            user.set_password(password)
        user.is_superuser = role == ADMIN
        user.save()
        assign_role(user, role)


def load_sandbox() -> str:
    """The sandbox stands in for the providers, so the product reaches it only as it
    would reach them: over HTTP, or here through the sandbox's own command."""
    out = io.StringIO()
    call_command("sandbox_setup_demo", stdout=out)
    return out.getvalue().strip()


def load_demo_data() -> list[str]:
    return [import_string(path)() for path in DEMO_LOADERS]
