"""scripts/ensure_browser.py: which Chromium `make test` installs for the browser tests."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "ensure_browser.py"
_spec = importlib.util.spec_from_file_location("ensure_browser", SCRIPT)
ensure_browser = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ensure_browser)
MISSING = Path("/nonexistent/chromium")


def test_a_browser_already_there_is_used_as_it_is(tmp_path):
    browser = tmp_path / "chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    chosen = ensure_browser.plan(browser, is_root=False, is_debian=False, has_playwright=False)
    assert chosen.commands == () and chosen.source == "configured"


def test_root_on_debian_installs_debians_chromium():
    chosen = ensure_browser.plan(MISSING, is_root=True, is_debian=True, has_playwright=True)
    assert chosen.commands == (("apt-get", "update"), ("apt-get", "install", "-y", "chromium"))
    assert chosen.source == "debian"


@pytest.mark.parametrize(("is_root", "is_debian"), [(False, True), (True, False), (False, False)])
def test_elsewhere_playwright_downloads_its_chromium(is_root, is_debian):
    chosen = ensure_browser.plan(MISSING, is_root=is_root, is_debian=is_debian, has_playwright=True)
    assert chosen.commands == ((sys.executable, "-m", "playwright", "install", "chromium"),)
    assert chosen.source == "playwright"


def test_with_no_way_to_install_it_says_what_to_install():
    with pytest.raises(ensure_browser.NoBrowser) as missing:
        ensure_browser.plan(MISSING, is_root=False, is_debian=True, has_playwright=False)
    message = str(missing.value)
    assert str(MISSING) in message
    assert "apt-get install chromium" in message and "playwright install chromium" in message


def test_dry_run_without_the_browser_says_what_it_would_run_and_installs_nothing():
    env = {**os.environ, "CHROMIUM_PATH": str(MISSING)}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--dry-run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "would run: " in result.stderr and "install" in result.stderr
    assert result.stdout.strip().endswith(("chromium", "chrome"))
