# The two commands a newcomer needs are `make demo` and `make test`; each sets up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench fuzz pentest screenshots kern zxing clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/smartcity demo

# The suite runs on every core (pytest-xdist), the tests of a file together on one worker;
# PYTEST_PARALLEL= runs it in one process, PYTEST_ARGS adds arguments (paths, -k, -x ...).
PYTEST_PARALLEL ?= -n auto --dist loadfile

test: $(STAMP)
	@command -v chromium >/dev/null || (command -v apt-get >/dev/null && apt-get install -y -qq chromium >/dev/null 2>&1) || echo "Chromium not installed: the browser tests skip (apt-get install chromium)"
	@test -e /usr/lib/chromium/locales/de.pak || ! command -v apt-get >/dev/null || apt-get install -y -qq chromium-l10n >/dev/null 2>&1 || true
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/mypy
	PYTHONPATH=. $(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff format src tests bench tools
	$(BIN)/ruff check --fix src tests bench tools

bench: $(STAMP)
	@command -v wrk >/dev/null || (command -v apt-get >/dev/null && apt-get install -y -qq wrk >/dev/null) || echo "wrk not installed: single POSTs measured with a Python client"
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.sensorthings
	$(BIN)/python -m bench.ingestion
	$(BIN)/python -m bench.citizen
	$(BIN)/python -m bench.parking_forecast
	$(BIN)/python -m bench.load

# The long run of the API fuzzing that CI runs with 3 examples per operation.
fuzz: $(STAMP)
	SMARTCITY_FUZZ_EXAMPLES=$${SMARTCITY_FUZZ_EXAMPLES:-200} $(BIN)/python -m pytest tests/security/test_fuzz.py -p no:cacheprovider

# SQL-injection scan of a running demo instance with sqlmap (Debian's); a long run, not in CI.
pentest: $(STAMP)
	@command -v sqlmap >/dev/null || apt-get install -y -qq sqlmap >/dev/null
	$(BIN)/python -m tools.pentest

screenshots: $(STAMP)
	@command -v chromium >/dev/null || apt-get install -y -qq chromium >/dev/null
	@test -e /usr/lib/chromium/locales/de.pak || apt-get install -y -qq chromium-l10n >/dev/null
	$(BIN)/python -m tools.screenshots

# Update the vendored KERN UX design system (needs npm; KERN_VERSION=2.7.2 pins one).
kern: $(STAMP)
	$(BIN)/python -m tools.update_kern $${KERN_VERSION:-latest}

# Update the vendored QR code reader of the scanner page (needs npm; ZXING_VERSION pins one).
zxing: $(STAMP)
	$(BIN)/python -m tools.update_zxing $${ZXING_VERSION:-latest}

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
