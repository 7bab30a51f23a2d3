"""A scratch PostgreSQL cluster on 127.0.0.1 for tests and local use, from Debian's packages.

``LocalPostgres`` (a context manager) initialises a throwaway cluster, serves it on a free or
given port and removes it on exit; ``python -m infra.postgres run`` runs one in the foreground
(``make postgres``) and prints its URL for ``SHOPAGENT_DATABASE_URL``.
"""

from __future__ import annotations

from infra.postgres.cluster import DATABASE, LocalPostgres, bin_dir

__all__ = ["DATABASE", "LocalPostgres", "bin_dir"]
