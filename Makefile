# shopagent — the README's two commands are `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test unit lint typecheck bench eval clean

install: $(STAMP)

# Exact versions come from requirements.lock; the project itself is installed editable.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

run: install
	$(BIN)/shopagent serve

test: install lint
	$(BIN)/pytest -q

unit: install
	$(BIN)/pytest -q tests/unit

lint: install
	$(BIN)/ruff check agents tools graphs api infra evals tests

typecheck: install
	$(BIN)/mypy

bench: install
	$(BIN)/shopagent bench --out reports/bench.json

eval: install
	$(BIN)/shopagent eval agent --suite evals/suites/shopping.jsonl --out reports/eval-agent.json

clean:
	rm -rf $(VENV) .shopagent reports .pytest_cache .mypy_cache .ruff_cache
