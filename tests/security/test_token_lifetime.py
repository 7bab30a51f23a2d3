"""Red-team finding 8: a token signed with the real key but valid for 100 years was accepted.

A token now lives at most ``auth_token_max_ttl_s`` (default 24 h), counted from its ``iat``
(or from now when it has none), whoever signed it; ``shopagent auth token --ttl`` is capped the
same way with a message that names the limit.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

from api.main import create_app
from infra.errors import AuthError
from infra.identity import LOCAL_ALGORITHM, LOCAL_ISSUER, Identity
from infra.settings import Settings

CENTURY_S = 100 * 365 * 86400


def _forge(settings: Settings, **claims: Any) -> str:
    """A token signed with the service's own embedded key (what an insider or a leaked
    key file could produce), with ``claims`` over the usual ones."""
    Identity.from_settings(settings)  # makes the key on first use
    key = ECKey.import_key(json.loads((settings.identity_dir / "signing-key.json").read_text()))
    now = int(time.time())
    body = {
        "iss": LOCAL_ISSUER,
        "aud": LOCAL_ISSUER,
        "sub": "staff:mallory",
        "role": "staff",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        **claims,
    }
    body = {name: value for name, value in body.items() if value is not None}
    header = {"alg": LOCAL_ALGORITHM, "kid": key.kid}
    return jwt.encode(header, body, key, algorithms=[LOCAL_ALGORITHM])


def test_a_century_token_signed_with_the_real_key_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    identity = Identity.from_settings(settings)
    now = int(time.time())
    assert identity.verify(_forge(settings)).subject == "staff:mallory"  # the forge is sound
    # 24 h exactly (the default cap) is still fine.
    assert identity.verify(_forge(settings, exp=now + 86400)).role == "staff"
    for claims in (
        {"exp": now + CENTURY_S},
        {"exp": now + 86400 + 3600},  # a day and an hour
        {"exp": now + CENTURY_S, "iat": None},  # no iat: counted from now
        {"exp": now + 600, "iat": now - CENTURY_S},  # "issued" a century ago, still valid
    ):
        with pytest.raises(AuthError, match="longer than the .* s allowed"):
            identity.verify(_forge(settings, **claims))


def test_the_cap_is_a_setting(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", auth_token_max_ttl_s=300)
    identity = Identity.from_settings(settings)
    with pytest.raises(AuthError, match="longer than the 330 s allowed"):  # 300 s + 30 s leeway
        identity.verify(_forge(settings))  # 600 s
    with pytest.raises(AuthError, match="at most 300 s"):
        identity.issue("staff:ana", "staff", ttl_s=600)
    assert identity.verify(identity.issue("staff:ana", "staff", ttl_s=300)).role == "staff"


def test_an_issuer_token_with_a_long_life_is_refused(tmp_path: Path) -> None:
    key = RSAKey.generate_key(2048, auto_kid=True)
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(KeySet([key]).as_dict(private=False)))
    issuer, client = "https://issuer.example/pool", "shopagent-web"
    identity = Identity.from_settings(
        Settings(
            data_dir=tmp_path / "data", auth_jwks_path=path, auth_issuer=issuer,
            auth_audience=client,
        )
    )  # fmt: skip
    now = int(time.time())
    claims = {"iss": issuer, "aud": client, "sub": "a1b2", "iat": now}
    header = {"alg": "RS256", "kid": key.kid}
    short = jwt.encode(header, {**claims, "exp": now + 3600}, key, algorithms=["RS256"])
    assert identity.verify(short).user_id == "a1b2"
    long = jwt.encode(header, {**claims, "exp": now + CENTURY_S}, key, algorithms=["RS256"])
    with pytest.raises(AuthError, match="longer than"):
        identity.verify(long)


@pytest.mark.e2e
def test_the_served_app_answers_401_to_a_century_token(
    online_retail_dir: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(online_retail_dir, data_dir)
    settings = Settings(data_dir=data_dir)
    century = _forge(settings, exp=int(time.time()) + CENTURY_S)
    receipt = {"product_id": "22423", "quantity": 5}
    with TestClient(create_app(settings)) as client:
        refused = client.post(
            "/v1/inventory/receipts", json=receipt, headers={"Authorization": f"Bearer {century}"}
        )
        assert refused.status_code == 401
        assert "longer than" in refused.json()["detail"]
        fine = client.post(
            "/v1/inventory/receipts",
            json=receipt,
            headers={"Authorization": f"Bearer {_forge(settings)}"},
        )
        assert fine.status_code == 201


def test_the_cli_caps_ttl_with_a_clear_message(tmp_path: Path) -> None:
    env = {**os.environ, "SHOPAGENT_DATA_DIR": str(tmp_path / "data")}
    shopagent = Path(sys.executable).with_name("shopagent")
    args = [str(shopagent), "auth", "token", "--user-id", "ana", "--role", "staff"]
    refused = subprocess.run(
        [*args, "--ttl", str(CENTURY_S)], env=env, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode == 2
    assert "at most 86400 s" in refused.stdout + refused.stderr
    assert refused.stdout.count(".") < 2  # no token printed
    issued = subprocess.run(
        [*args, "--ttl", "3600"], env=env, capture_output=True, text=True, timeout=120
    )
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip().splitlines()[-1]
    principal = Identity.from_settings(Settings(data_dir=tmp_path / "data")).verify(token)
    assert principal.subject == "staff:ana"
