# cloudkader: everything the project needs is installed from here.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: setup serve test test-fast build browser vendor clean

$(BIN)/cloudkader: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(BIN)/cloudkader

setup: $(BIN)/cloudkader

# Chromium and its driver for the end-to-end browser test (Debian packages).
browser:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) || \
	    echo "warning: could not install chromium; the browser test will fail"; }

# Re-vendor YASGUI (served from /static) and axe-core (browser tests) from the npm registry;
# the copied files are committed, so this is only needed to change their pinned versions.
vendor:
	scripts/vendor.sh

build: setup
	$(BIN)/cloudkader build

serve: setup
	$(BIN)/cloudkader serve --host $(HOST) --port $(PORT)

test: setup browser
	$(BIN)/python -m pytest -q -n 2

test-fast: setup
	$(BIN)/python -m pytest -q -x

clean:
	rm -rf build .pytest_cache
