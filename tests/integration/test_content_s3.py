"""The S3 content store on a real moto server: versions, concurrent writers, failures."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from graphs.content import ContentGraph
from infra.clients import s3_client
from infra.errors import UpstreamError
from infra.settings import Settings
from tools.analyze.local import LocalAnalyzer
from tools.catalog.sqlite import SqliteStore
from tools.content.backend import content_store
from tools.content.models import ContentInput, ContentReport, ContentResult, ProductContent
from tools.content.offline_writer import OfflineWriter
from tools.content.s3_store import S3ContentStore
from tools.models import Product

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(moto_endpoint: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        content_backend="s3",
        s3_endpoint_url=moto_endpoint,
        content_bucket=f"content-{uuid.uuid4().hex[:12]}",
    )


@pytest.fixture
def s3(settings: Settings) -> Iterator[Any]:
    client = s3_client(settings)
    client.create_bucket(
        Bucket=settings.content_bucket,
        CreateBucketConfiguration={"LocationConstraint": settings.aws_region},
    )
    yield client
    client.close()


def _result(product_id: str, title: str) -> ContentResult:
    copy = ProductContent(
        title=title, description="d", bullets=[], meta_description="m", keywords=[]
    )
    return ContentResult(
        product_id=product_id,
        language="en",
        tone="neutral",
        version=0,
        created_at=datetime.now(UTC),
        writer="offline",
        rounds=1,
        target_keywords=[],
        content=copy,
        report=ContentReport(),
    )


def test_versions_are_kept_and_read_back(settings: Settings, s3: Any) -> None:
    store = content_store(settings)
    assert isinstance(store, S3ContentStore)
    odd = "85123A x+y"  # any id without a path separator: quoted into the key
    assert [store.save(_result(odd, f"t{i}")).version for i in range(3)] == [1, 2, 3]
    assert store.versions(odd, "en") == [1, 2, 3]
    latest, first = store.get(odd, "en"), store.get(odd, "en", 1)
    assert latest is not None and latest.content.title == "t2"
    assert first is not None and first.content.title == "t0"
    assert store.get(odd, "en", 7) is None and store.get("other", "en") is None
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=settings.content_bucket)["Contents"]]
    assert keys == [f"content/85123A%20x%2By/en/v00000{i}.json" for i in (1, 2, 3)]


def test_concurrent_writers_never_overwrite(settings: Settings, s3: Any) -> None:
    stores = [content_store(settings) for _ in range(4)]

    async def save_all() -> list[int]:
        jobs = [
            asyncio.to_thread(store.save, _result("P1", f"writer {i}"))
            for i, store in enumerate(stores * 3)
        ]
        return [r.version for r in await asyncio.gather(*jobs)]

    versions = asyncio.run(save_all())
    assert sorted(versions) == list(range(1, 13))
    titles = {stores[0].get("P1", "en", v).content.title for v in versions}  # type: ignore[union-attr]
    assert len(titles) == 12  # every write kept: none overwrote another


def test_a_missing_bucket_fails_clearly(settings: Settings, s3: Any) -> None:
    store = S3ContentStore(s3, "no-such-bucket-here")
    with pytest.raises(UpstreamError, match="NoSuchBucket"):
        store.save(_result("P1", "t"))


async def test_the_content_graph_stores_in_s3(settings: Settings, s3: Any, tmp_path: Path) -> None:
    catalog = SqliteStore(tmp_path / "store.sqlite")
    catalog.put_product(Product(id="22423", title="Regency Cakestand 3 Tier", price=12.75))
    graph = ContentGraph(catalog, content_store(settings), OfflineWriter(), LocalAnalyzer())
    written = await graph.write(ContentInput(product_id="22423", language="fr"))
    body = boto3.client(
        "s3", endpoint_url=settings.s3_endpoint_url, region_name=settings.aws_region
    ).get_object(Bucket=settings.content_bucket, Key="content/22423/fr/v000001.json")["Body"]
    assert ContentResult.model_validate_json(body.read()) == written
    catalog.close()
