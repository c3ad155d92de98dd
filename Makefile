# Two commands: `make run` and `make test`. Everything installs from hash-pinned lock files.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
RUN_ARGS ?=

.PHONY: run cluster test test-newest lint typecheck pytest lock clean bench

# The venv's own pip comes from the system Python (ensurepip) and differs between machines and
# days; it is used once, to install the pinned, hash-checked pip of requirements/bootstrap.txt
# (a single wheel with no dependencies, which any pip since 8 installs the same way). Every
# later install runs that pip.
$(VENV)/.bootstrap: requirements/bootstrap.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --no-deps --only-binary :all: --require-hashes -r requirements/bootstrap.txt
	touch $@

$(VENV)/.runtime: $(VENV)/.bootstrap requirements/runtime.txt pyproject.toml
	$(PIP) install --quiet --require-hashes -r requirements/runtime.txt
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.dev: $(VENV)/.bootstrap requirements/dev.txt pyproject.toml
	$(PIP) install --quiet --require-hashes -r requirements/dev.txt
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $@ $(VENV)/.runtime

# The main job: the firewall index on 127.0.0.1:8080 over the index pip is configured with.
run: $(VENV)/.runtime
	$(VENV)/bin/pycustoms serve --host 127.0.0.1 --port 8080 $(RUN_ARGS)

# Replicas on PostgreSQL and Redis (docs/scale.md): its own PostgreSQL and Redis (Debian's
# `postgresql`, `redis-server`), two scan workers and two `serve` replicas on 127.0.0.1:8081
# and :8082; prints the URLs and an admin token; Ctrl-C stops all.
CLUSTER_ARGS ?=
cluster: $(VENV)/.dev
	$(PY) scripts/cluster.py $(CLUSTER_ARGS)

test: $(VENV)/.dev lint typecheck pytest

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(VENV)/.dev
	$(VENV)/bin/mypy

pytest: $(VENV)/.dev
	$(VENV)/bin/pytest -n auto $(PYTEST_ARGS)

# The tests that drive installers, again with the newest pip and uv the index publishes today:
# deliberately unpinned, so that a new installer release that breaks the firewall fails here
# rather than for a user. (The pinned ones, and the system Python's bundled pip, run in `test`.)
NEWEST := .venv-newest
test-newest: $(VENV)/.dev
	rm -rf $(NEWEST)
	$(PYTHON) -m venv $(NEWEST)
	$(NEWEST)/bin/python -m pip --disable-pip-version-check install --quiet --upgrade pip uv
	$(NEWEST)/bin/python -m pip --version
	$(NEWEST)/bin/uv --version
	PYCUSTOMS_TEST_PIP_PYTHON=$(abspath $(NEWEST))/bin/python \
	  PYCUSTOMS_TEST_UV=$(abspath $(NEWEST))/bin/uv \
	  $(VENV)/bin/pytest -n auto -m installer tests $(PYTEST_ARGS)

bench: $(VENV)/.dev
	$(PY) benchmarks/scan_corpus.py

# Regenerate the lock files (needs uv; takes in nothing younger than a week).
lock:
	cd requirements && UV_NO_CONFIG=1 uv pip compile --quiet --generate-hashes \
	  --exclude-newer $$(date -u -d '7 days ago' +%Y-%m-%d) --python-version 3.11 --no-header \
	  bootstrap.in -o bootstrap.txt
	cd requirements && UV_NO_CONFIG=1 uv pip compile --quiet --generate-hashes \
	  --exclude-newer $$(date -u -d '7 days ago' +%Y-%m-%d) --python-version 3.11 --no-header \
	  runtime.in build.in -o runtime.txt
	cd requirements && UV_NO_CONFIG=1 uv pip compile --quiet --generate-hashes \
	  --exclude-newer $$(date -u -d '7 days ago' +%Y-%m-%d) --python-version 3.11 --no-header \
	  dev.in -o dev.txt

clean:
	rm -rf $(VENV) $(NEWEST) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
