"""A real single-node OpenSearch 2.19 for tests and local use, assembled from Maven Central.

``assemble`` lays out an OpenSearch home (server jars, the transport, analysis and painless
modules, the k-NN plugin) in a cache folder; ``OpenSearchNode`` starts a node from it on
127.0.0.1 with security off and stops it. ``python -m infra.opensearch`` runs one in the
foreground (``make opensearch``). Users with Docker can run ``docker-compose.yml`` instead.
"""

from __future__ import annotations

from infra.opensearch.assembly import OPENSEARCH_VERSION, assemble, default_home
from infra.opensearch.node import OpenSearchNode

__all__ = ["OPENSEARCH_VERSION", "OpenSearchNode", "assemble", "default_home"]
