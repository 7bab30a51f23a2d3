from __future__ import annotations

from collections.abc import Callable

import pytest

from infra.settings import Settings
from tests.auth import bearer


@pytest.fixture
def staff_headers(settings: Settings) -> dict[str, str]:
    """A staff member's bearer headers for the app built on ``settings``."""
    return bearer(settings, "staff:tester", "staff")


@pytest.fixture
def shopper_headers(settings: Settings) -> Callable[[str], dict[str, str]]:
    """``shopper_headers("12347")``: that shopper's bearer headers."""
    return lambda user_id: bearer(settings, user_id, "shopper")
