"""Local AWS stand-ins for integration tests: a moto server and kinesalite, one each per session.

Both run as real processes on 127.0.0.1 (see ``infra.local_services``); the AWS SDKs reach them
with dummy credentials, never the host's. A real OpenSearch node (``infra.opensearch``) is
started the same way for the search tests, and a scratch PostgreSQL (``infra.postgres``) for the
store and checkpointer tests on PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from psycopg import sql

from infra.local_services import kinesalite, moto_server
from infra.opensearch import OpenSearchNode
from infra.postgres import LocalPostgres

AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}


@pytest.fixture(scope="session")
def aws_credentials() -> Iterator[None]:
    """Dummy AWS credentials for the whole session (and nothing from the host)."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in AWS_ENV.items():
            mp.setenv(name, value)
        yield


@pytest.fixture(scope="session")
def moto_endpoint(aws_credentials: None) -> Iterator[str]:
    """The URL of a moto server (S3, DynamoDB, EventBridge, Glue, SQS …) shared by the session."""
    with moto_server() as url:
        yield url


@pytest.fixture(scope="session")
def kinesis_endpoint(aws_credentials: None) -> Iterator[str]:
    """The URL of a kinesalite (Kinesis) server shared by the session."""
    with kinesalite() as url:
        yield url


@pytest.fixture(scope="session")
def opensearch_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a real OpenSearch 2.19 node (assembled from Maven Central) for the session."""
    with OpenSearchNode(tmp_path_factory.mktemp("opensearch")) as node:
        yield node.url


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[LocalPostgres]:
    """A scratch PostgreSQL 15 cluster (Debian's packages) on 127.0.0.1 for the session."""
    with LocalPostgres() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_url(postgres_server: LocalPostgres) -> str:
    """The URL of the session's ``shopagent`` database (with its password)."""
    return postgres_server.url


@pytest.fixture
def new_database(postgres_server: LocalPostgres) -> Iterator[Callable[[str | None], str]]:
    """Makes empty (or ``template``-copied) databases on the session's server, dropped after
    the test; answers each one's URL."""
    made: list[str] = []

    def make(template: str | None = None) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        with psycopg.connect(postgres_server.admin_url(), autocommit=True) as admin:
            admin.execute(query)
        made.append(name)
        return postgres_server.admin_url(name)

    yield make
    with psycopg.connect(postgres_server.admin_url(), autocommit=True) as admin:
        for name in made:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(scope="session")
def tau_database(postgres_server: LocalPostgres) -> str:
    """The name of a database holding the tau-retail demo store: a template for
    ``new_database`` (no test connects to it)."""
    from tools.catalog.load import load_dataset
    from tools.catalog.postgres import PostgresStore

    name = "tau_retail_template"
    with psycopg.connect(postgres_server.admin_url(), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with PostgresStore(postgres_server.admin_url(name)) as store:
        load_dataset("tau-retail", store)
    return name
