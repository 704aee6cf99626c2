# cloudkader: everything the project needs is installed from here.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: setup test-deps serve test test-fast build java wheel browser virtuoso jena vendor clean

# `make setup` (and `make serve`) installs what the service needs, no test or dev tools;
# `make test` adds the test extra.
$(BIN)/cloudkader: pyproject.toml setup.py
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $(BIN)/cloudkader

setup: $(BIN)/cloudkader

$(VENV)/.test-deps: $(BIN)/cloudkader pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	touch $@

test-deps: $(VENV)/.test-deps

# Chromium and its driver for the end-to-end browser test (Debian packages).
browser:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) || \
	    echo "warning: could not install chromium; the browser test will fail"; }

# Virtuoso (virtuoso-t) for the test of --store sparql:URL against a real Virtuoso (Debian's
# virtuoso-opensource; its -7-bin package only: the metapackage would start a system-wide server,
# the test starts its own). If apt cannot install it, the reason goes to build/virtuoso-unavailable.txt
# and that test is skipped with it.
virtuoso:
	@mkdir -p build; rm -f build/virtuoso-unavailable.txt
	@command -v virtuoso-t >/dev/null 2>&1 || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      virtuoso-opensource-7-bin) >build/virtuoso-apt.log 2>&1 || \
	    { echo "apt-get could not install virtuoso-opensource-7-bin: $$(tail -n 3 build/virtuoso-apt.log)" \
	        >build/virtuoso-unavailable.txt; cat build/virtuoso-unavailable.txt; }; }

# Jena ARQ (Debian's libapache-jena-java) and a JDK to compile tests/engines/JenaEndpoint.java, the
# test endpoint that stands in for Fuseki (not packaged in Debian) in the test of --store sparql:URL
# against Jena. If apt cannot install them, the reason goes to build/jena-unavailable.txt and that
# test is skipped with it.
jena:
	@mkdir -p build; rm -f build/jena-unavailable.txt
	@pkgs=""; [ -f /usr/share/java/jena-arq.jar ] || pkgs=" libapache-jena-java"; \
	  command -v javac >/dev/null 2>&1 || pkgs="$$pkgs default-jdk-headless"; \
	  [ -z "$$pkgs" ] || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      $$pkgs) >build/jena-apt.log 2>&1 || \
	    { echo "apt-get could not install$$pkgs: $$(tail -n 3 build/jena-apt.log)" \
	        >build/jena-unavailable.txt; cat build/jena-unavailable.txt; }; }

# Re-vendor YASGUI (served from /static) and axe-core (browser tests) from the npm registry;
# the copied files are committed, so this is only needed to change their pinned versions.
vendor:
	scripts/vendor.sh

# compiling the corpus runs the HermiT reasoner, which needs Java (an installed wheel does not)
java:
	@command -v java >/dev/null 2>&1 || { echo "cloudkader build needs Java (a JRE) for the HermiT reasoner: install e.g. default-jre-headless" >&2; exit 1; }

build: setup java
	$(BIN)/cloudkader build

# the wheel carries ontology, data, shapes, queries and the compiled corpus (setup.py compiles it: Java needed)
wheel: setup java
	$(BIN)/pip wheel --no-deps -w dist .

serve: setup
	$(BIN)/cloudkader serve --host $(HOST) --port $(PORT)

test: test-deps browser virtuoso jena
	$(BIN)/python -m pytest -q -n 2

test-fast: test-deps
	$(BIN)/python -m pytest -q -x

clean:
	rm -rf build dist *.egg-info .pytest_cache
	-$(BIN)/python -c 'import shutil, cloudkader.terms.paths as p; shutil.rmtree(p.BUILD_DIR, ignore_errors=True)' 2>/dev/null
