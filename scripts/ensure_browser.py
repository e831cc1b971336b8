"""Make sure the browser tests have a Chromium to drive, and print its path.

    .venv/bin/python scripts/ensure_browser.py [--dry-run]

The browser tests drive the Chromium at CHROMIUM_PATH, by default Debian's package at
/usr/bin/chromium. When it is missing: as root on Debian, apt-get installs Debian's
chromium package; otherwise Playwright downloads its own Chromium into the user's
cache. When neither can be done this stops and says what to install, because a test
run without its browser tests would pass while testing less. `make test` hands the
printed path to pytest as CHROMIUM_PATH. --dry-run only says what it would do.
"""

# Django's translation needs configured settings, which this script runs without;
# the standard library's gettext reads the same kind of catalogues.
import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from gettext import gettext as _
from pathlib import Path

DEBIAN_CHROMIUM = "/usr/bin/chromium"
APT_INSTALL = (("apt-get", "update"), ("apt-get", "install", "-y", "chromium"))
PLAYWRIGHT_INSTALL = ((sys.executable, "-m", "playwright", "install", "chromium"),)


class NoBrowser(Exception):
    pass


@dataclass(frozen=True)
class Plan:
    commands: tuple[tuple[str, ...], ...]
    # Where the browser is once the commands have run: "configured" (CHROMIUM_PATH),
    # "debian" (/usr/bin/chromium) or "playwright" (Playwright's own download).
    source: str


def plan(browser: Path, *, is_root: bool, is_debian: bool, has_playwright: bool) -> Plan:
    if os.access(browser, os.X_OK):
        return Plan(commands=(), source="configured")
    if is_root and is_debian:
        return Plan(commands=APT_INSTALL, source="debian")
    if has_playwright:
        return Plan(commands=PLAYWRIGHT_INSTALL, source="playwright")
    raise NoBrowser(
        _(
            "The browser tests need Chromium and there is none at %(path)s. Install "
            "Debian's chromium package (apt-get install chromium, as root), or run "
            "`.venv/bin/python -m playwright install chromium` after `make setup`, or "
            "set CHROMIUM_PATH to a Chromium you have."
        )
        % {"path": browser}
    )


def playwright_chromium() -> str:
    """Where Playwright keeps (or will keep) its own Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        return playwright.chromium.executable_path


def browser_path(chosen: Plan, configured: Path) -> str:
    if chosen.source == "configured":
        return str(configured)
    if chosen.source == "debian":
        return DEBIAN_CHROMIUM
    return playwright_chromium()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=_("Make sure the browser tests have Chromium."))
    parser.add_argument("--dry-run", action="store_true", help=_("only say what would be done"))
    args = parser.parse_args(argv)
    configured = Path(os.environ.get("CHROMIUM_PATH") or DEBIAN_CHROMIUM)
    try:
        chosen = plan(
            configured,
            is_root=os.geteuid() == 0,
            is_debian=Path("/etc/debian_version").exists() and bool(shutil.which("apt-get")),
            has_playwright=importlib.util.find_spec("playwright") is not None,
        )
    except NoBrowser as missing:
        print(missing, file=sys.stderr)
        return 1
    # stdout carries only the browser's path; what the installers say goes to stderr.
    for command in chosen.commands:
        if args.dry_run:
            print(_("would run: %(command)s") % {"command": " ".join(command)}, file=sys.stderr)
            continue
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.run(command, stdout=sys.stderr, env=env).returncode:  # noqa: S603
            print(_("%(command)s failed.") % {"command": " ".join(command)}, file=sys.stderr)
            return 1
    path = browser_path(chosen, configured)
    if not args.dry_run and not os.access(path, os.X_OK):
        missing = _("Chromium was installed but %(path)s is missing.") % {"path": path}
        print(missing, file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
