# Every target installs what it needs into .venv/ from requirements.lock first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP := $(VENV)/.installed

export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 90
export PREFECT_LOGGING_LEVEL ?= WARNING

.PHONY: install demo test lint format typecheck check lock bench bench-e2e clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

demo: install
	$(BIN)/pledgewatch demo

test: install
	$(BIN)/python -m pytest -q

format: install
	$(BIN)/ruff format .

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy

check: lint typecheck test  ## what .ci/run runs

lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

bench: install  ## extraction speed, then the end-to-end run (docs/benchmarks.md)
	$(BIN)/python -m bench.extract
	$(BIN)/python -m bench.e2e --articles 1000 --repeat 3

bench-e2e: install
	$(BIN)/python -m bench.e2e --articles 1000 --repeat 3

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
