from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from infra.settings import Settings
from tests.auth import bearer


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


@pytest.fixture
def staff_headers(settings: Settings) -> dict[str, str]:
    """A staff member's bearer headers for the app built on ``settings``."""
    return bearer(settings, "staff:tester", "staff")


@pytest.fixture
def shopper_headers(settings: Settings) -> Callable[[str], dict[str, str]]:
    """``shopper_headers("12347")``: that shopper's bearer headers."""
    return lambda user_id: bearer(settings, user_id, "shopper")
