# Two commands matter: `make run` and `make test`. See README.md.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "$$(python3 -m site --user-base)/bin/uv")
PY := .venv/bin/python
# `make run PORT=8001` serves there; SITE_URL, the address the demo's provider accounts
# and callbacks use, follows the port unless it is set.
PORT ?= 8000
SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test setup uv lint format bench fault-test crash-test test-fast clean fuzz

uv:
	@test -x "$(UV)" || command -v uv >/dev/null 2>&1 || python3 -m pip install --user --quiet uv

setup: uv
	$(UV) sync --locked

run: setup
	mkdir -p var
	$(PY) manage.py migrate --no-input
	SITE_URL=$(SITE_URL) $(PY) manage.py setup_demo
	PORT=$(PORT) SITE_URL=$(SITE_URL) $(PY) -m honcho start

# The browser tests need Chromium: ensure_browser installs it when missing (or stops
# and says what to install) and prints the path the tests are to drive.
test: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	chromium="$$($(PY) scripts/ensure_browser.py)" && \
	  CHROMIUM_PATH="$$chromium" $(PY) -m pytest -p no:cacheprovider -n 2 $(PYTEST_ARGS)

test-fast: setup
	$(PY) -m pytest -p no:cacheprovider -m "not browser" $(PYTEST_ARGS)

lint: setup
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: setup
	$(PY) -m pytest -p no:cacheprovider tests/bench -s $(PYTEST_ARGS)

# Full-scale exactly-once check: 50,000 contacts against the sandbox with HTTP 500s,
# timeouts and dropped connections, the workers SIGKILLed three times.
fault-test: setup
	$(PY) -m tests.integration.campaigns.fault_harness --contacts 50000 --kills 3

# Full-size crash test: the worker SIGKILLed in the middle of a 200,000-row import, a
# dispatch and a CDR collection; a new worker's recovery sweep must finish each.
crash-test: setup
	$(PY) -m tests.integration.foundation.crash_harness --rows 200000

# The API fuzz test at full strength: schemathesis' coverage phase (every boundary
# value of every field), more examples per operation and all its checks. `make test`
# runs a lighter pass of the same test.
fuzz: setup
	FUZZ_FULL=1 $(PY) -m pytest -p no:cacheprovider -n 2 tests/integration/foundation/test_api_fuzz.py $(PYTEST_ARGS)

clean:
	rm -rf var .pytest_cache .ruff_cache
