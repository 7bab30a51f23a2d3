# shopagent — the README's two commands are `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test unit lint typecheck bench eval clean opensearch opensearch-home bench-events

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

test: install lint typecheck
	$(BIN)/pytest -q

# A local OpenSearch 2.19 node on 127.0.0.1:9200 (assembled from Maven Central on first use);
# Ctrl-C stops it. Point the app at it with SHOPAGENT_SEARCH_BACKEND=opensearch
# SHOPAGENT_OPENSEARCH_URL=http://127.0.0.1:9200.
opensearch: install
	$(BIN)/python -m infra.opensearch run

# Only fetch and lay out the node (what CI does before the tests).
opensearch-home: install
	$(BIN)/python -m infra.opensearch assemble

unit: install
	$(BIN)/pytest -q tests/unit

lint: install
	$(BIN)/ruff check agents tools graphs api infra evals tests

typecheck: install
	$(BIN)/mypy

bench: install
	$(BIN)/shopagent bench --out reports/bench.json

bench-events: install
	$(BIN)/python -m evals.events_bench --out reports/events-bench.json

eval: install
	$(BIN)/shopagent eval agent --suite evals/suites/shopping.jsonl --out reports/eval-agent.json
	$(BIN)/shopagent eval agent --suite evals/suites/orders.jsonl --out reports/eval-orders.json

clean:
	rm -rf $(VENV) .shopagent reports .pytest_cache .mypy_cache .ruff_cache
