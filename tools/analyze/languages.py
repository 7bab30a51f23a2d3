"""The languages shopagent serves, for analysis and for product content."""

from __future__ import annotations

from infra.errors import ToolInputError

# Every one of these is also a language of Amazon Comprehend's sentiment, key-phrase and
# entity APIs, so both analyzer backends answer for the same set.
SUPPORTED: dict[str, str] = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
}
_BY_NAME = {name.lower(): code for code, name in SUPPORTED.items()}
_NATIVE = {"deutsch": "de", "français": "fr", "francais": "fr", "español": "es", "italiano": "it"}


def supported_list() -> str:
    """``en (English), de (German), …`` for error messages."""
    return ", ".join(f"{code} ({name})" for code, name in SUPPORTED.items())


def language_code(value: str) -> str:
    """The code of a supported language given as a code or a name; ``ToolInputError`` if none."""
    key = value.strip().lower()
    code = key if key in SUPPORTED else _BY_NAME.get(key) or _NATIVE.get(key)
    if code is None:
        raise ToolInputError(f"language {value!r} is not supported; supported: {supported_list()}")
    return code
