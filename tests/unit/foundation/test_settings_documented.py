"""Every setting the product reads is in README's configuration tables, and the tuning
settings read with a default in code can be set from the environment."""

import re
from pathlib import Path

from dialer_site import settings as site_settings

ROOT = Path(__file__).resolve().parents[3]
PRODUCT = ("dialer_site", "flows", "phonelists", "campaigns", "providers", "sandbox")
# getattr(settings, "X", …), campaigns' _setting("X", …), phonelists' limit("X") and
# limits["X"]: the ways product code reads a setting that has a default in code.
READ_WITH_DEFAULT = re.compile(
    r"""(?:getattr\(\s*settings,\s*|\b_?setting\(\s*|\blimit\(\s*|limits\[\s*)"([A-Z][A-Z0-9_]+)\""""
)
ENV_READ = re.compile(r"""(?:\benv(?:\.\w+)?\(|os\.environ\.get\()\s*"([A-Z][A-Z0-9_]+)\"""")
# Not configuration: set by Django's own entry points.
NOT_CONFIGURATION = {"DJANGO_SETTINGS_MODULE"}


def product_sources() -> dict[Path, str]:
    return {
        path: path.read_text(encoding="utf-8")
        for package in PRODUCT
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }


def documented() -> set[str]:
    """The names in the first column of README's tables."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_cells = re.findall(r"^\| ([^|]*`[^|]*) \|", readme, flags=re.M)
    return {name for cell in first_cells for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}


def test_every_setting_read_with_a_default_is_documented_and_settable():
    names = {
        name for text in product_sources().values() for name in READ_WITH_DEFAULT.findall(text)
    }
    assert names, "the patterns no longer find how the product reads its settings"
    assert names - documented() == set()
    assert names - set(site_settings._TUNING) == set()


def test_every_environment_variable_is_documented():
    names = {name for text in product_sources().values() for name in ENV_READ.findall(text)}
    assert "SITE_URL" in names
    assert names - NOT_CONFIGURATION - documented() == set()
