# shopagent — the README's two commands are `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install services run test unit lint typecheck bench eval clean opensearch postgres bench-events locks

# jsii (the CDK synth in the tests) runs on node 20, which it calls end-of-life at every start.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 1
KINESALITE_PREFIX := $(HOME)/.cache/shopagent/kinesalite-3.3.3
# axe-core for the browser tests' accessibility scans (tests/browser/axe.py reads it from here).
AXE_PREFIX := $(HOME)/.cache/shopagent/axe-core-4.14.1

install: $(STAMP)

# requirements.lock is the pin list to edit; pip installs requirements-dev.lock (every pin with
# its SHA-256, --require-hashes). When the pins changed and the hashed locks were not remade, the
# check stops here and names `make locks`. The project itself is installed editable.
$(STAMP): requirements.lock requirements-dev.lock pyproject.toml
	@$(PYTHON) -m infra.locks check
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# After editing requirements.lock: install its pins, then write requirements-runtime.lock (what
# the image installs) and requirements-dev.lock (what `make install` installs), each line with
# the SHA-256 the package index gives for the file pip picks here (infra/locks.py). Commit them.
locks:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python -m infra.locks write

run: install
	$(BIN)/shopagent serve

test: install services lint typecheck
	$(BIN)/pytest -q

# What the integration tests start for real: Java (local Spark for the Glue jobs, OpenSearch),
# node (kinesalite, jsii for the CDK app), Maven (assembles OpenSearch), redis-server, PostgreSQL
# (initdb and postgres, found with pg_config or under /usr/lib/postgresql), Prometheus (scrapes a
# served app in tests/integration/test_prometheus_scrape.py). Each is
# installed only when missing (Debian packages need root: otherwise the message names them).
# OpenSearch 2.19 and kinesalite go into cache folders kept between runs (infra/opensearch,
# infra/local_services.py).
services: install
	@missing=""; \
	command -v java >/dev/null || missing="$$missing openjdk-17-jre-headless"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	command -v mvn >/dev/null || missing="$$missing maven"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v prometheus >/dev/null || missing="$$missing prometheus"; \
	{ command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || \
	  missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "make test needs these Debian packages: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	  echo "installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	$(BIN)/python -m infra.opensearch assemble
	test -x $(KINESALITE_PREFIX)/node_modules/.bin/kinesalite || \
	  npm install --no-audit --no-fund --silent --prefix $(KINESALITE_PREFIX) kinesalite@3.3.3
	test -f $(AXE_PREFIX)/node_modules/axe-core/axe.min.js || \
	  npm install --no-audit --no-fund --silent --prefix $(AXE_PREFIX) axe-core@4.14.1

# A local OpenSearch 2.19 node on 127.0.0.1:9200 (assembled from Maven Central on first use);
# Ctrl-C stops it. Point the app at it with SHOPAGENT_SEARCH_BACKEND=opensearch
# SHOPAGENT_OPENSEARCH_URL=http://127.0.0.1:9200.
opensearch: install
	$(BIN)/python -m infra.opensearch run

# A scratch PostgreSQL on 127.0.0.1:5432 (Debian's postgresql package; as root it runs as the
# postgres user); it prints its URL, and Ctrl-C or SIGTERM stops it and deletes its data. Point
# the app at it with SHOPAGENT_STORE_BACKEND=postgres SHOPAGENT_CHECKPOINTER_BACKEND=postgres
# SHOPAGENT_DATABASE_URL=<the printed URL>.
postgres: install
	$(BIN)/python -m infra.postgres run

unit: install
	$(BIN)/pytest -q tests/unit

lint: install
	$(BIN)/ruff check agents tools graphs assembly api infra evals tests

typecheck: install
	$(BIN)/mypy

# The workers bench compares 2 workers with 1 on a scratch PostgreSQL (300 sockets, cancellations
# checked in the store); on a 2-core machine the workers, PostgreSQL and the load generator share
# the same two cores, which caps the ratio.
bench: install
	$(BIN)/shopagent bench --out reports/bench.json
	$(BIN)/python -m evals.auth_bench --sockets 200 --turns 5 --out reports/auth-bench.json
	$(BIN)/shopagent bench --workers 2 --out reports/workers-bench.json
	$(BIN)/python -m evals.observability_bench --out reports/observability-bench.json

bench-events: install
	$(BIN)/python -m evals.events_bench --out reports/events-bench.json

eval: install
	$(BIN)/shopagent eval agent --suite evals/suites/shopping.jsonl --out reports/eval-agent.json
	$(BIN)/shopagent eval agent --suite evals/suites/orders.jsonl --out reports/eval-orders.json

clean:
	rm -rf $(VENV) .shopagent reports .pytest_cache .mypy_cache .ruff_cache
