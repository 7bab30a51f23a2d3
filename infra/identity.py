"""Who is calling: bearer tokens (JWTs) in, a ``Principal`` out.

Two ways to trust a token, chosen by settings, never both:

- **embedded** (the default): tokens this service issues itself (``shopagent auth token``,
  anonymous sessions), signed with a key kept in ``<data_dir>/identity/signing-key.json``
  (created on first use, mode 0600). The key is an EC P-256 key and tokens are ES256: the
  verifying side needs only the public half, so the same code path checks a local key and a
  remote JWKS, and the public key could be handed to another service without handing it the
  power to mint tokens (an HS256 secret would be both). Issuer ``shopagent``, audience
  ``shopagent`` unless configured.
- **issuer** (production, Cognito): ``auth_jwks_url`` (or ``auth_jwks_path``) names the issuer's
  public keys; ``auth_issuer`` and ``auth_audience`` must match the token's ``iss`` and ``aud``
  (Cognito access tokens carry the app client id in ``client_id`` instead of ``aud``; either is
  accepted). The JWKS is fetched with a timeout, cached for ``auth_jwks_cache_s`` and fetched
  again early when a token names a key id it does not hold (key rotation), at most once a
  minute; a failed fetch keeps the last good keys and is retried after a few seconds. Staff
  are callers whose ``auth_groups_claim`` lists ``auth_staff_group``; everyone else is a
  shopper whose store user id is the ``auth_user_id_claim`` claim.

Every refusal is an ``AuthError`` whose message says why (expired, bad signature, wrong
audience, unknown key …); a JWKS that cannot be fetched is an ``UpstreamError``.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, cast, get_args

import httpx
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    DecodeError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
    UnsupportedAlgorithmError,
)
from joserfc.jwk import ECKey, KeySet

from infra.errors import AuthError, ConfigError, UpstreamError
from infra.secret_file import create_once, require_private
from infra.settings import Settings

Role = Literal["anonymous", "shopper", "staff"]
ROLES: tuple[Role, ...] = get_args(Role)
# The subject prefix each role's principals carry.
_PREFIX: dict[Role, str] = {"anonymous": "anon:", "shopper": "user:", "staff": "staff:"}
LOCAL_ISSUER = "shopagent"
LOCAL_ALGORITHM = "ES256"
# What an issuer's JWKS may sign with (no "none", no HMAC: a public key is not a secret).
ISSUER_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "PS256")
MAX_TOKEN_CHARS = 8192
MAX_ID_CHARS = 128
_REFETCH_GAP_S = 60.0
_RETRY_GAP_S = 5.0


@dataclass(frozen=True)
class Principal:
    """A verified caller. ``subject`` is stable per person: ``user:<id>``, ``staff:<id>``,
    ``anon:<random>``; ``user_id`` is a shopper's own store user id (else ``None``).
    ``expires_at`` is when the token it came from expires (epoch seconds; ``None`` for one
    that rests on no token, an anonymous visitor): a chat socket stops serving it then. It
    plays no part in comparing principals."""

    subject: str
    role: Role
    user_id: str | None
    expires_at: float | None = field(default=None, compare=False)

    @classmethod
    def anonymous(cls, subject: str | None = None) -> Principal:
        return cls(subject or f"anon:{uuid.uuid4().hex}", "anonymous", None)

    @property
    def signed_in(self) -> bool:
        """A shopper or staff member (an anonymous token proves nothing about who)."""
        return self.role != "anonymous"


def principal_for(subject: str, role: Role) -> Principal:
    """The principal a local token for ``subject`` and ``role`` stands for (checked)."""
    if role not in ROLES:
        raise AuthError(f"unknown role {role!a}; roles: {', '.join(ROLES)}")
    prefix = _PREFIX[role]
    if not subject.startswith(prefix) or len(subject) == len(prefix):
        raise AuthError(f"a {role} subject is {prefix}<id>, not {subject[:80]!a}")
    return Principal(subject, role, _id(subject[len(prefix) :]) if role == "shopper" else None)


def _id(value: object) -> str:
    """A claim used as an id: a printable string of at most ``MAX_ID_CHARS`` (it ends up in
    store look-ups, rate-limit keys and JSON replies)."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ID_CHARS or not value.isprintable():
        raise AuthError(f"the token's id {str(value)[:80]!a} is not a printable id")
    return value


class Identity:
    """Issues (embedded mode) and verifies bearer tokens; built once from ``Settings``."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        keys: Callable[[bool], KeySet],
        remote: bool,
        signing_key: ECKey | None,
        algorithms: tuple[str, ...],
        settings: Settings,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self._keys = keys
        self._remote = remote
        self._signing_key = signing_key
        self._algorithms = list(algorithms)
        self._settings = settings

    @classmethod
    def from_settings(cls, settings: Settings) -> Identity:
        if settings.auth_jwks_url or settings.auth_jwks_path:
            if not settings.auth_issuer or not settings.auth_audience:
                raise ConfigError(
                    "a JWKS is configured, so SHOPAGENT_AUTH_ISSUER and SHOPAGENT_AUTH_AUDIENCE "
                    "must be set too (the token's iss and aud are checked against them)"
                )
            jwks = _JwksSource(settings)
            return cls(
                issuer=settings.auth_issuer,
                audience=settings.auth_audience,
                keys=jwks.keys,
                remote=True,
                signing_key=None,
                algorithms=ISSUER_ALGORITHMS,
                settings=settings,
            )
        key = load_or_create_key(settings.identity_dir / "signing-key.json")
        public = KeySet([ECKey.import_key(key.as_dict(private=False))])
        return cls(
            issuer=settings.auth_issuer or LOCAL_ISSUER,
            audience=settings.auth_audience or LOCAL_ISSUER,
            keys=lambda _refresh: public,
            remote=False,
            signing_key=key,
            algorithms=(LOCAL_ALGORITHM,),
            settings=settings,
        )

    @property
    def embedded(self) -> bool:
        """Whether this service issues its own tokens (else an external issuer does)."""
        return self._signing_key is not None

    def issue(self, subject: str, role: Role, ttl_s: float | None = None) -> str:
        """A token for ``subject`` (``user:<id>``, ``staff:<id>``, ``anon:<id>``) in ``role``."""
        if self._signing_key is None:
            raise ConfigError(
                f"tokens come from the issuer {self.issuer}; this service does not mint them"
            )
        principal_for(subject, role)
        ttl = self._settings.auth_token_ttl_s if ttl_s is None else ttl_s
        if ttl <= 0:
            raise AuthError(f"a token's lifetime must be positive, not {ttl} s")
        longest = self._settings.auth_token_max_ttl_s
        if ttl > longest:
            raise AuthError(
                f"a token's lifetime is at most {longest:g} s (auth_token_max_ttl_s), "
                f"not {ttl:g} s"
            )
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "role": role,
            "iat": now,
            "nbf": now,
            "exp": now + max(1, round(ttl)),
            "jti": uuid.uuid4().hex,
        }
        header = {"alg": LOCAL_ALGORITHM, "kid": self._signing_key.kid}
        return jwt.encode(header, claims, self._signing_key, algorithms=self._algorithms)

    def verify(self, token: str) -> Principal:
        """The principal ``token`` proves, or ``AuthError`` naming why it proves nothing."""
        if not token or len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
            raise AuthError("the bearer token is not a JWT (three dot-separated parts)")
        try:
            decoded = self._decode(token, refresh=False)
        except InvalidKeyIdError:
            try:  # a key the issuer rotated in since the JWKS was fetched
                decoded = self._decode(token, refresh=True)
            except InvalidKeyIdError as err:
                raise AuthError("the token is signed with an unknown key (kid)") from err
        claims = decoded.claims
        self._check_claims(claims)
        principal = self._principal(claims)
        self._check_lifetime(claims)
        return replace(principal, expires_at=float(claims["exp"]))

    async def averify(self, token: str) -> Principal:
        """``verify`` for the event loop: with a remote JWKS (which may need a fetch) it runs
        in a thread; a local key verifies inline (a P-256 check is well under a millisecond)."""
        if self._remote:
            return await asyncio.to_thread(self.verify, token)
        return self.verify(token)

    def _decode(self, token: str, refresh: bool) -> jwt.Token:
        try:
            return jwt.decode(token, self._keys(refresh), algorithms=self._algorithms)
        except InvalidKeyIdError:
            raise
        except BadSignatureError as err:
            raise AuthError("the token's signature does not verify (bad signature)") from err
        except UnsupportedAlgorithmError as err:
            raise AuthError(
                f"the token's algorithm is not accepted here (only {', '.join(self._algorithms)})"
            ) from err
        except (DecodeError, JoseError, ValueError, KeyError, TypeError) as err:
            raise AuthError(f"the bearer token is malformed ({_reason(err)})") from err

    def _check_claims(self, claims: dict[str, Any]) -> None:
        registry = jwt.JWTClaimsRegistry(
            leeway=self._settings.auth_leeway_s,
            iss={"essential": True, "value": self.issuer},
            exp={"essential": True},
            sub={"essential": True},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError as err:
            raise AuthError("the token has expired") from err
        except MissingClaimError as err:
            raise AuthError(f"the token lacks the claim {err.claim}") from err
        except ClaimError as err:
            if err.claim == "iss":
                raise AuthError(
                    f"the token is from another issuer ({str(claims.get('iss'))[:80]!a}), "
                    f"not {self.issuer!r}"
                ) from err
            if err.claim == "nbf":
                raise AuthError("the token is not valid yet (nbf)") from err
            raise AuthError(f"the token's {err.claim!r} claim is invalid") from err
        audience = claims.get("aud", claims.get("client_id"))
        audiences = audience if isinstance(audience, list) else [audience]
        if self.audience not in audiences:
            raise AuthError(f"the token is for another audience, not {self.audience!r}")

    def _check_lifetime(self, claims: dict[str, Any]) -> None:
        """A token lives at most ``auth_token_max_ttl_s``: counted from its ``iat`` (which the
        registry holds to a number not in the future), or from now when it has none. A leaked
        token must not stay good for years."""
        issued = claims.get("iat")
        start = issued if isinstance(issued, int | float) else time.time()
        lifetime = claims["exp"] - start  # exp: an essential NumericDate, checked above
        longest = self._settings.auth_token_max_ttl_s + self._settings.auth_leeway_s
        if lifetime > longest:
            raise AuthError(
                f"the token lives {lifetime:.0f} s, longer than the {longest:g} s allowed "
                "(auth_token_max_ttl_s)"
            )

    def _principal(self, claims: dict[str, Any]) -> Principal:
        if self.embedded:
            role = claims.get("role")
            if role not in ROLES:
                raise AuthError(f"the token's role {role!a} is not one of {', '.join(ROLES)}")
            return principal_for(_id(claims["sub"]), cast(Role, role))
        settings = self._settings
        groups = claims.get(settings.auth_groups_claim) or []
        if isinstance(groups, str):
            groups = [groups]
        if settings.auth_staff_group in groups:
            return Principal(f"staff:{_id(claims['sub'])}", "staff", None)
        user_id = claims.get(settings.auth_user_id_claim)
        if user_id is None:
            raise AuthError(f"the token lacks the user id claim {settings.auth_user_id_claim!r}")
        return Principal(f"user:{_id(user_id)}", "shopper", _id(user_id))


def _reason(err: Exception) -> str:
    if isinstance(err, JoseError):
        return err.description or err.error
    return type(err).__name__


def load_or_create_key(path: Path) -> ECKey:
    """The embedded signing key at ``path``, created (mode 0600) when absent.

    Several workers may start at once: the new key is written to a private temp file and
    linked into place, so exactly one key wins and every worker reads that one.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        key = ECKey.generate_key("P-256", auto_kid=True)
        create_once(path, json.dumps(key.as_dict(private=True)).encode())
    require_private(path)
    try:
        key = ECKey.import_key(json.loads(path.read_text()))
    except (ValueError, JoseError) as err:
        raise ConfigError(f"{path} does not hold an EC signing key: {err}") from err
    if not key.is_private:
        raise ConfigError(f"{path} holds a public key; the signing key must be private")
    return key


class _JwksSource:
    """The issuer's public keys: fetched (timeout), cached, re-fetched on an unknown kid."""

    def __init__(self, settings: Settings) -> None:
        self.url = settings.auth_jwks_url
        self.path = settings.auth_jwks_path
        self.ttl_s = settings.auth_jwks_cache_s
        self.timeout_s = settings.auth_jwks_timeout_s
        self._lock = threading.Lock()
        self._keys: KeySet | None = None
        self._fetched_at = -float("inf")
        self._retry_at = -float("inf")

    def keys(self, refresh: bool) -> KeySet:
        """The cached keys, fetched first when missing, stale or (``refresh``) lacking a kid.

        A failed fetch is not retried for ``_RETRY_GAP_S`` (a dead issuer must not cost every
        request a timeout); meanwhile the last good keys, if any, stay in use.
        """
        now = time.monotonic()
        with self._lock:
            age = now - self._fetched_at
            due = self._keys is None or age >= self.ttl_s or (refresh and age >= _REFETCH_GAP_S)
            if due and now >= self._retry_at:
                try:
                    self._keys = self._fetch()
                    self._fetched_at = now
                except UpstreamError:
                    self._retry_at = now + _RETRY_GAP_S
                    if self._keys is None:
                        raise
            if self._keys is None:
                raise UpstreamError(
                    f"the issuer's JWKS at {self.where} could not be fetched; "
                    f"retrying within {_RETRY_GAP_S:g} s"
                )
            return self._keys

    def _fetch(self) -> KeySet:
        document = self._load()
        try:
            return KeySet.import_key_set(document)
        except (JoseError, KeyError, TypeError, ValueError) as err:
            raise UpstreamError(f"the JWKS from {self.where} holds no usable key") from err

    @property
    def where(self) -> str:
        return str(self.path or self.url)

    def _load(self) -> Any:
        if self.path is not None:
            try:
                return json.loads(self.path.read_text())
            except (OSError, ValueError) as err:
                raise UpstreamError(f"cannot read the JWKS file {self.path}: {err}") from err
        assert self.url is not None
        try:
            response = httpx.get(self.url, timeout=self.timeout_s)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as err:
            raise UpstreamError(f"the issuer's JWKS at {self.url} did not answer: {err}") from err
