from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from infra.settings import Settings


@pytest.fixture
def settings(online_retail_dir: Path, tmp_path: Path) -> Settings:
    """Settings on a private copy of the demo store, so a test cannot disturb another."""
    data_dir = tmp_path / "data"
    shutil.copytree(online_retail_dir, data_dir)
    return Settings(data_dir=data_dir)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client
