"""Tokens: the embedded key, and an issuer's JWKS served by a real localhost HTTP server.

Every way a token can fail must be an ``AuthError`` that says why; an issuer's JWKS is fetched
with a timeout, cached, and fetched again when a token names a key it has not seen.
"""

from __future__ import annotations

import base64
import json
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from joserfc import jws, jwt
from joserfc.jwk import ECKey, KeySet, OctKey, RSAKey

import infra.identity
from api.main import create_app
from infra.errors import AuthError, ConfigError, UpstreamError
from infra.identity import Identity, Principal
from infra.settings import Settings

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TEST"
CLIENT_ID = "shopagent-web"


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": CLIENT_ID, "sub": "a1b2", "iat": now, "exp": now + 600}
    return {**claims, **overrides}


def _mint(key: RSAKey, **overrides: Any) -> str:
    header = {"alg": "RS256", "kid": key.kid}
    return jwt.encode(header, _claims(**overrides), key, algorithms=["RS256"])


# --- the embedded key -----------------------------------------------------------------------


def test_local_tokens_round_trip_and_the_key_is_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    identity = Identity.from_settings(settings)
    key_file = settings.identity_dir / "signing-key.json"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert settings.identity_dir.stat().st_mode & 0o077 == 0
    assert identity.verify(identity.issue("user:12347", "shopper")) == Principal(
        "user:12347", "shopper", "12347"
    )
    assert identity.verify(identity.issue("staff:ana", "staff")).role == "staff"
    # A second process (another worker, the CLI) reads the same key and accepts the token.
    again = Identity.from_settings(settings)
    assert again.verify(identity.issue("staff:ana", "staff")).subject == "staff:ana"
    assert json.loads(key_file.read_text())["kty"] == "EC"


def test_a_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    Identity.from_settings(settings)
    (settings.identity_dir / "signing-key.json").chmod(0o644)
    with pytest.raises(ConfigError, match="readable by others"):
        Identity.from_settings(settings)


def test_each_refusal_names_its_reason(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", auth_leeway_s=0)
    identity = Identity.from_settings(settings)
    expired = identity.issue("user:12347", "shopper", ttl_s=1)
    time.sleep(2.1)
    cases = {
        expired: "expired",
        Identity.from_settings(Settings(data_dir=tmp_path / "other")).issue(
            "staff:x", "staff"
        ): "unknown key",
        Identity.from_settings(settings.model_copy(update={"auth_audience": "billing"})).issue(
            "staff:x", "staff"
        ): "another audience",
        Identity.from_settings(settings.model_copy(update={"auth_issuer": "evil"})).issue(
            "staff:x", "staff"
        ): "another issuer",
        "a.b": "not a JWT",
        "x" * 9000: "not a JWT",
    }
    for token, reason in cases.items():
        with pytest.raises(AuthError, match=reason):
            identity.verify(token)


def test_forged_algorithms_are_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    identity = Identity.from_settings(settings)
    key = ECKey.import_key(json.loads((settings.identity_dir / "signing-key.json").read_text()))
    claims = {
        "iss": "shopagent",
        "aud": "shopagent",
        "sub": "staff:mallory",
        "role": "staff",
        "exp": int(time.time()) + 60,
    }
    # HS256 keyed with the public key (algorithm confusion), and an unsigned token.
    public = OctKey.import_key(json.dumps(key.as_dict(private=False)).encode())
    hmac = jwt.encode({"alg": "HS256", "kid": key.kid}, claims, public, algorithms=["HS256"])
    with pytest.raises(AuthError, match="algorithm is not accepted"):
        identity.verify(hmac)
    none = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    with pytest.raises(AuthError, match="algorithm is not accepted"):
        identity.verify(f"{none}.{hmac.split('.')[1]}.")
    # A token whose role claim does not match its subject.
    signed = jwt.encode(
        {"alg": "ES256", "kid": key.kid},
        {**claims, "role": "staff", "sub": "user:12347"},
        key,
        algorithms=["ES256"],
    )
    with pytest.raises(AuthError, match="staff subject is staff:<id>"):
        identity.verify(signed)
    not_before = jwt.encode(
        {"alg": "ES256", "kid": key.kid},
        {**claims, "nbf": int(time.time()) + 600},
        key,
        algorithms=["ES256"],
    )
    with pytest.raises(AuthError, match="not valid yet"):
        identity.verify(not_before)


# --- an issuer's JWKS over HTTP ----------------------------------------------------------------


@dataclass
class JwksServer:
    """A localhost HTTP server publishing ``keys`` at ``/jwks.json``; counts its fetches."""

    keys: list[RSAKey]
    delay_s: float = 0.0
    fetches: int = 0
    url: str = ""
    server: ThreadingHTTPServer | None = field(default=None, repr=False)

    def document(self) -> bytes:
        return json.dumps(KeySet(list(self.keys)).as_dict(private=False)).encode()


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    state = JwksServer(keys=[RSAKey.generate_key(2048, auto_kid=True)])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server hook name
            state.fetches += 1
            time.sleep(state.delay_s)
            body = state.document()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.server = server
    state.url = f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _issuer_settings(tmp_path: Path, url: str, **extra: Any) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        auth_jwks_url=url,
        auth_issuer=ISSUER,
        auth_audience=CLIENT_ID,
        **extra,
    )


def test_issuer_tokens_map_groups_to_roles(tmp_path: Path, jwks: JwksServer) -> None:
    identity = Identity.from_settings(_issuer_settings(tmp_path, jwks.url))
    key = jwks.keys[0]
    shopper = identity.verify(_mint(key, sub="sofia_rossi_8776"))
    assert shopper == Principal("user:sofia_rossi_8776", "shopper", "sofia_rossi_8776")
    staff = identity.verify(_mint(key, sub="c3d4", **{"cognito:groups": ["staff", "x"]}))
    assert staff == Principal("staff:c3d4", "staff", None)
    # A Cognito access token: no aud, the app client id in client_id.
    access = _claims(sub="e5f6", client_id=CLIENT_ID, token_use="access")
    del access["aud"]
    token = jwt.encode({"alg": "RS256", "kid": key.kid}, access, key, algorithms=["RS256"])
    assert identity.verify(token).user_id == "e5f6"
    assert jwks.fetches == 1  # cached


def test_issuer_tokens_user_id_from_a_configured_claim(tmp_path: Path, jwks: JwksServer) -> None:
    settings = _issuer_settings(tmp_path, jwks.url, auth_user_id_claim="custom:store_user")
    identity = Identity.from_settings(settings)
    found = identity.verify(_mint(jwks.keys[0], **{"custom:store_user": "noah_brown_6181"}))
    assert found.user_id == "noah_brown_6181"
    with pytest.raises(AuthError, match="custom:store_user"):
        identity.verify(_mint(jwks.keys[0]))


def test_issuer_refusals_name_their_reason(tmp_path: Path, jwks: JwksServer) -> None:
    identity = Identity.from_settings(_issuer_settings(tmp_path, jwks.url, auth_leeway_s=0))
    key = jwks.keys[0]
    stranger = RSAKey.generate_key(2048, auto_kid=True)
    now = int(time.time())
    cases = {
        _mint(key, exp=now - 5): "expired",
        _mint(key, aud="another-app"): "another audience",
        _mint(key, iss="https://evil.example"): "another issuer",
        _mint(key, nbf=now + 600): "not valid yet",
        _mint(stranger): "unknown key",
        jwt.encode(
            {"alg": "RS256", "kid": key.kid}, _claims(), stranger, algorithms=["RS256"]
        ): "bad signature",
    }
    for token, reason in cases.items():
        with pytest.raises(AuthError, match=reason):
            identity.verify(token)
    missing_exp = _claims()
    del missing_exp["exp"]
    with pytest.raises(AuthError, match="lacks the claim exp"):
        identity.verify(
            jwt.encode({"alg": "RS256", "kid": key.kid}, missing_exp, key, algorithms=["RS256"])
        )


def test_a_rotated_key_is_fetched_once(
    tmp_path: Path, jwks: JwksServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(infra.identity, "_REFETCH_GAP_S", 0.0)
    identity = Identity.from_settings(_issuer_settings(tmp_path, jwks.url))
    identity.verify(_mint(jwks.keys[0]))
    rotated = RSAKey.generate_key(2048, auto_kid=True)
    jwks.keys.append(rotated)
    assert identity.verify(_mint(rotated)).user_id == "a1b2"
    assert jwks.fetches == 2
    identity.verify(_mint(rotated))
    assert jwks.fetches == 2


def test_a_slow_jwks_times_out(tmp_path: Path, jwks: JwksServer) -> None:
    # The bound sits well between the timeout and the issuer's delay: a busy machine's
    # scheduling cannot push a timed-out fetch past it, nor could a fetch that waited pass.
    jwks.delay_s = 6.0
    identity = Identity.from_settings(_issuer_settings(tmp_path, jwks.url, auth_jwks_timeout_s=1.0))
    started = time.monotonic()
    with pytest.raises(UpstreamError, match="did not answer"):
        identity.verify(_mint(jwks.keys[0]))
    assert time.monotonic() - started < 3.5


def test_a_jwks_without_issuer_and_audience_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="AUTH_ISSUER"):
        Identity.from_settings(Settings(data_dir=tmp_path, auth_jwks_url="http://127.0.0.1:9/"))
    identity = Identity.from_settings(_issuer_settings(tmp_path, "http://127.0.0.1:9/"))
    with pytest.raises(ConfigError, match="does not mint"):
        identity.issue("staff:x", "staff")


def test_a_jwks_file_is_read(tmp_path: Path) -> None:
    key = RSAKey.generate_key(2048, auto_kid=True)
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(KeySet([key]).as_dict(private=False)))
    settings = Settings(
        data_dir=tmp_path / "data", auth_jwks_path=path, auth_issuer=ISSUER, auth_audience=CLIENT_ID
    )
    assert Identity.from_settings(settings).verify(_mint(key)).user_id == "a1b2"


@pytest.mark.e2e
def test_the_served_app_takes_issuer_tokens(
    online_retail_dir: Path, tmp_path: Path, jwks: JwksServer
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(online_retail_dir, data_dir)
    settings = _issuer_settings(tmp_path, jwks.url).model_copy(update={"data_dir": data_dir})
    key = jwks.keys[0]
    staff = {"Authorization": f"Bearer {_mint(key, **{'cognito:groups': ['staff']})}"}
    shopper = {"Authorization": f"Bearer {_mint(key, sub='12347')}"}
    receipt = {"product_id": "22423", "quantity": 5}
    with TestClient(create_app(settings)) as client:
        for headers, status in [(staff, 201), (shopper, 403)]:
            response = client.post("/v1/inventory/receipts", json=receipt, headers=headers)
            assert response.status_code == status
        mine = client.post(
            "/v1/tools/recommend_products", json={"strategy": "personalized"}, headers=shopper
        )
        assert mine.status_code == 200
        expired = {"Authorization": f"Bearer {_mint(key, exp=int(time.time()) - 120)}"}
        refused = client.post("/v1/tools/search_products", json={"query": "x"}, headers=expired)
        assert refused.status_code == 401 and "expired" in refused.json()["detail"]


def test_ids_in_claims_must_be_printable(tmp_path: Path) -> None:
    """Even a correctly signed token cannot smuggle a lone surrogate or a control character into
    the ids that key look-ups, buckets and JSON replies."""
    settings = Settings(data_dir=tmp_path / "data")
    identity = Identity.from_settings(settings)
    key = ECKey.import_key(json.loads((settings.identity_dir / "signing-key.json").read_text()))
    for sub in ["user:\\udfff", "user:a\\nb", "user:" + "x" * 200]:
        payload = (
            '{"iss":"shopagent","aud":"shopagent","role":"shopper","exp":9999999999,'
            f'"sub":"{sub}"}}'
        ).encode()
        token = jws.serialize_compact(
            {"alg": "ES256", "kid": key.kid}, payload, key, algorithms=["ES256"]
        )
        with pytest.raises(AuthError, match="not a printable id"):
            identity.verify(token)


def test_a_dead_issuer_costs_one_timeout_and_old_keys_stay_in_use(
    tmp_path: Path, jwks: JwksServer
) -> None:
    # A 1 s timeout: the first (answered) fetch must fit it on a busy machine too.
    settings = _issuer_settings(tmp_path, jwks.url, auth_jwks_cache_s=0.2, auth_jwks_timeout_s=1.0)
    identity = Identity.from_settings(settings)
    token = _mint(jwks.keys[0])
    assert identity.verify(token).user_id == "a1b2"
    jwks.delay_s = 6.0  # the issuer stops answering in time
    time.sleep(0.3)  # the cached JWKS is stale now
    started = time.monotonic()
    assert identity.verify(token).user_id == "a1b2"  # one timed-out fetch, then the old keys
    assert identity.verify(token).user_id == "a1b2"  # no second fetch while backing off
    assert time.monotonic() - started < 3.5  # a timeout, not the issuer's 6 s delay
    assert jwks.fetches == 2


def test_an_issuer_never_reached_answers_at_once_while_backing_off(tmp_path: Path) -> None:
    identity = Identity.from_settings(_issuer_settings(tmp_path, "http://127.0.0.1:9/jwks.json"))
    with pytest.raises(UpstreamError, match="did not answer"):
        identity.verify("a.b.c")
    with pytest.raises(UpstreamError, match="retrying within"):
        identity.verify("a.b.c")
