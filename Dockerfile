# syntax=docker/dockerfile:1
# The shopagent API image: `shopagent serve` as a non-root user on python:3.11-slim.
#
# Stage 1 builds a wheel of every runtime dependency (requirements-runtime.lock: what the
# project's `dependencies` need, at requirements.lock's versions, each file checked against its
# SHA-256; no dev tool is in it) and of the project itself. Stage 2 installs those wheels and
# nothing else: no compiler, no source tree, no pip cache. The base is bookworm, the platform
# the runtime lock's hashes were taken for (`make locks`).
#
#   docker build -t shopagent .    (or: podman build / buildah bud)

FROM python:3.11-slim-bookworm AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY requirements-runtime.lock ./
RUN pip wheel --wheel-dir /wheels --require-hashes --requirement requirements-runtime.lock
COPY pyproject.toml README.md ./
# The packages of [tool.setuptools.packages.find] include, one per line (a test compares them).
COPY agents/ agents/
COPY tools/ tools/
COPY graphs/ graphs/
COPY assembly/ assembly/
COPY api/ api/
COPY infra/ infra/
COPY evals/ evals/
RUN pip wheel --wheel-dir /wheels --no-deps .

FROM python:3.11-slim-bookworm
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SHOPAGENT_HOST=0.0.0.0 \
    SHOPAGENT_PORT=8000 \
    SHOPAGENT_DATA_DIR=/home/shopagent/data
# The wheels are mounted for the install only, so no layer keeps them.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links /wheels shopagent==0.1.0 \
    && groupadd --gid 10001 shopagent \
    && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin shopagent
USER 10001:10001
WORKDIR /home/shopagent
EXPOSE 8000
# Ready: the runtime's backends answer (the embedded default loads the demo store first).
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('SHOPAGENT_PORT', '8000') + '/readyz', timeout=4)"]
CMD ["shopagent", "serve"]
