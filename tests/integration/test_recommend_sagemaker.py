"""The production recommender: ``invoke_endpoint`` (real boto3 client) against the local model
server (``python -m tools.recommend.server``), which follows SageMaker's container contract."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn

from infra.clients import sagemaker_runtime_client
from infra.errors import UpstreamError
from infra.local_services import free_port
from infra.model_server import model_server_app
from infra.settings import Settings
from tests.unit.recs_store import make_store
from tools.recommend.backend import train_recommender
from tools.recommend.base import ModelQuery
from tools.recommend.local import LocalRecommender
from tools.recommend.model import ItemModel
from tools.recommend.sagemaker import SageMakerRecommender

pytestmark = pytest.mark.integration

QUERIES = [
    ModelQuery(user_id="u4", limit=3),
    ModelQuery(user_id="u6", recent=["CANDLES"]),
    ModelQuery(strategy="similar", product_id="RED-LANTERN"),
    ModelQuery(strategy="bought_together", product_id="RED-LANTERN", exclude=["OLD-MUG"]),
    ModelQuery(strategy="trending", limit=2),
    ModelQuery(strategy="similar", product_id="NEW-LANTERN"),
    ModelQuery(task="explain", user_id="u4", product_id="RED-LANTERN", anchor_id="RED-MUG"),
]


def _wait_for_ping(url: str, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/ping", timeout=1) as reply:
                assert reply.status == 200
                return
        except OSError:
            if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture
def model_server(tmp_path: Path, aws_credentials: None) -> Iterator[tuple[str, ItemModel]]:
    """The recommender's model server on a model trained from the test store."""
    store = make_store(tmp_path)
    try:
        model = train_recommender(store, tmp_path / "model")
    finally:
        store.close()
    port = free_port()
    argv = [sys.executable, "-m", "tools.recommend.server", "--model-dir", str(tmp_path / "model")]
    process = subprocess.Popen([*argv, "--host", "127.0.0.1", "--port", str(port)])
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_ping(url, process)
        yield url, model
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def serve_in_thread() -> Iterator[Callable[[Callable[[bytes], bytes]], str]]:
    """Serve an ``invoke`` function on the same contract (a misbehaving endpoint)."""
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(invoke: Callable[[bytes], bytes]) -> str:
        port = free_port()
        config = uvicorn.Config(
            model_server_app(invoke), host="127.0.0.1", port=port, log_level="warning",
            timeout_graceful_shutdown=1,
        )  # fmt: skip
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        url = f"http://127.0.0.1:{port}"
        _wait_for_ping(url)
        return url

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


def remote(url: str, timeout_s: float = 2.0) -> SageMakerRecommender:
    client = sagemaker_runtime_client(Settings(sagemaker_endpoint_url=url), timeout_s)
    return SageMakerRecommender(client, "shopagent-recommender")


async def test_invoke_endpoint_answers_as_the_local_model(
    model_server: tuple[str, ItemModel],
) -> None:
    url, model = model_server
    endpoint, local = remote(url), LocalRecommender(model)
    for query in QUERIES:
        assert await endpoint.invoke(query) == await local.invoke(query), query
    assert await endpoint.ping() is True


def test_the_model_server_refuses_a_malformed_query_with_the_reason(
    model_server: tuple[str, ItemModel],
) -> None:
    url, _ = model_server
    for body, reason in [
        (b'{"strategy": "similar"}', "needs a product_id"),
        (b'{"limit": 0}', "limit"),
        (b"{not json", "Invalid JSON"),
    ]:
        request = urllib.request.Request(f"{url}/invocations", data=body, method="POST")
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=5)
        assert err.value.code == 400
        assert reason in err.value.read().decode()


async def test_a_malformed_answer_is_an_upstream_error(
    serve_in_thread: Callable[[Callable[[bytes], bytes]], str], aws_credentials: None
) -> None:
    url = serve_in_thread(lambda body: b'{"strategy": "best", "items": "none"}')
    with pytest.raises(UpstreamError, match="'shopagent-recommender' sent a malformed answer"):
        await remote(url).invoke(ModelQuery(strategy="trending"))


async def test_a_slow_endpoint_times_out_instead_of_hanging(
    serve_in_thread: Callable[[Callable[[bytes], bytes]], str], aws_credentials: None
) -> None:
    def slow(body: bytes) -> bytes:
        time.sleep(3)
        return b"{}"

    url = serve_in_thread(slow)
    started = time.monotonic()
    with pytest.raises(UpstreamError, match="unreachable: Read timeout"):
        await remote(url, timeout_s=0.3).invoke(ModelQuery(strategy="trending"))
    assert time.monotonic() - started < 2.5  # three tries of 0.3 s at most, with backoff


async def test_a_model_error_names_the_endpoint(
    serve_in_thread: Callable[[Callable[[bytes], bytes]], str], aws_credentials: None
) -> None:
    def broken(body: bytes) -> bytes:
        raise ValueError("the model is not loaded")

    url = serve_in_thread(broken)
    with pytest.raises(UpstreamError, match="'shopagent-recommender' failed: .*not loaded"):
        await remote(url).invoke(ModelQuery(strategy="trending"))


async def test_a_dead_endpoint_fails_fast_and_ping_says_so(aws_credentials: None) -> None:
    endpoint = remote(f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    with pytest.raises(UpstreamError, match="unreachable"):
        await endpoint.invoke(ModelQuery(strategy="trending"))
    assert await endpoint.ping() is False
    assert time.monotonic() - started < 10
