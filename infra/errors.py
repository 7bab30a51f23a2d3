"""The one error tree of shopagent.

    ShopagentError
    ├── ConfigError          a setting is wrong or names a backend that is not available
    ├── UpstreamError        a dependency (Bedrock, OpenSearch, Redis, AWS …) failed or timed out
    ├── AuthError            a credential is missing, malformed, expired or not ours (→ 401)
    │   └── ForbiddenError   a valid credential that may not do this (→ 403)
    └── ToolInputError       arguments a model or client can correct (the message says how)
        └── NotFoundError    an id that names nothing in the store

Tools return a ``ToolInputError`` to the model as a message; the API maps it to a 4xx.
Anything else is a bug and is raised.
"""

from __future__ import annotations


class ShopagentError(Exception):
    """Root of every error shopagent raises on purpose."""


class ConfigError(ShopagentError):
    """A setting is missing, malformed or names an unavailable backend."""


class UpstreamError(ShopagentError):
    """A dependency failed; wraps the original exception as ``__cause__``."""


class AuthError(ShopagentError):
    """A credential that proves nothing: malformed, expired, wrongly signed, unknown key."""


class ForbiddenError(AuthError):
    """The caller is known but may not do this (another shopper's data, a staff-only tool)."""


class ToolInputError(ShopagentError):
    """Input that the caller can fix; the message names the problem."""


class NotFoundError(ToolInputError):
    """An id that names nothing in the store."""
