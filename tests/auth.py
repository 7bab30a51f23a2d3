"""Bearer headers for tests: tokens signed with the same embedded key the app under test uses."""

from __future__ import annotations

from infra.identity import Identity, Role
from infra.settings import Settings

_PREFIX = {"anonymous": "anon", "shopper": "user", "staff": "staff"}


def bearer(settings: Settings, subject_or_user: str, role: Role) -> dict[str, str]:
    """``Authorization`` headers for ``subject_or_user`` in ``role``: a full subject
    (``user:12347``) or a bare id that the role's prefix is put on (``12347`` → ``user:12347``)."""
    subject = subject_or_user
    if ":" not in subject:
        subject = f"{_PREFIX[role]}:{subject}"
    token = Identity.from_settings(settings).issue(subject, role)
    return {"Authorization": f"Bearer {token}"}
