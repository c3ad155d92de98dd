# Two commands: `make run` and `make test`. Everything installs from hash-pinned lock files.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
RUN_ARGS ?=

.PHONY: run test lint typecheck pytest lock clean bench

$(VENV)/.runtime: requirements/runtime.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --require-hashes -r requirements/runtime.txt
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.dev: requirements/dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --require-hashes -r requirements/dev.txt
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $@ $(VENV)/.runtime

# The main job: the firewall index on 127.0.0.1:8080 over the index pip is configured with.
run: $(VENV)/.runtime
	$(VENV)/bin/pycustoms serve --host 127.0.0.1 --port 8080 $(RUN_ARGS)

test: $(VENV)/.dev lint typecheck pytest

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts

typecheck: $(VENV)/.dev
	$(VENV)/bin/mypy

pytest: $(VENV)/.dev
	$(VENV)/bin/pytest -n auto $(PYTEST_ARGS)

bench: $(VENV)/.dev
	$(PY) benchmarks/scan_corpus.py

# Regenerate the lock files (needs uv; takes in nothing younger than a week).
lock:
	cd requirements && UV_NO_CONFIG=1 uv pip compile --quiet --generate-hashes \
	  --exclude-newer $$(date -u -d '7 days ago' +%Y-%m-%d) --python-version 3.11 --no-header \
	  runtime.in build.in -o runtime.txt
	cd requirements && UV_NO_CONFIG=1 uv pip compile --quiet --generate-hashes \
	  --exclude-newer $$(date -u -d '7 days ago' +%Y-%m-%d) --python-version 3.11 --no-header \
	  dev.in -o dev.txt

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
