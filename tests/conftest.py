"""Shared fixtures: a demo store loaded once per test session into a scratch data directory."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from assembly.demo_store import ensure_store
from infra.settings import Settings


@pytest.fixture(scope="session")
def online_retail_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the online-retail demo store (loaded once)."""
    data_dir = tmp_path_factory.mktemp("online-retail")
    ensure_store(Settings(data_dir=data_dir, dataset="online-retail"))
    return data_dir


@pytest.fixture(scope="session")
def tau_retail_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the tau-retail demo store (loaded once)."""
    data_dir = tmp_path_factory.mktemp("tau-retail")
    ensure_store(Settings(data_dir=data_dir, dataset="tau-retail"))
    return data_dir


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
def tau_settings(tau_retail_dir: Path, tmp_path: Path) -> Settings:
    """Settings on a private copy of the tau-retail store."""
    data_dir = tmp_path / "data"
    shutil.copytree(tau_retail_dir, data_dir)
    return Settings(data_dir=data_dir, dataset="tau-retail")


@pytest.fixture
def tau_client(tau_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(tau_settings)) as test_client:
        yield test_client
