"""The task's launch command: the settings that Secrets Manager hands over in parts, assembled.

ECS injects one secret (or one JSON field of it) per environment variable, and the app wants
``SHOPAGENT_DATABASE_URL`` whole and its two keys as padded base64. So the task starts a POSIX
shell that builds those three values from the injected parts, drops the parts, and execs
``shopagent serve``. The parts need no escaping: the database password and the two key texts are
generated from letters and digits only (``ALPHANUMERIC_ONLY``), and 43 such characters plus one
``=`` are a valid base64 text of 32 bytes.
"""

from __future__ import annotations

import string

# Everything Secrets Manager may put in a password except letters and digits: no character
# that would need quoting in a URL or a shell.
ALPHANUMERIC_ONLY = string.punctuation + " "
KEY_TEXT_LENGTH = 43  # base64 of 32 bytes is 43 characters and one "=" of padding

# Environment names the shell reads (outside SHOPAGENT_, so Settings never sees the parts).
DATABASE_PARTS = ("DATABASE_USER", "DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME")
DATABASE_PASSWORD = "DATABASE_PASSWORD"
CHECKPOINT_KEY_TEXT = "CHECKPOINT_KEY_TEXT"
SESSION_SECRET_TEXT = "SESSION_SECRET_TEXT"


def launch_script(serve: str) -> str:
    """The ``sh -c`` text: export the assembled settings, forget the parts, exec ``serve``.
    (``$NAME``, never ``${NAME}``: CloudFormation linters read the braces as its own syntax.)"""
    return "; ".join(
        [
            "set -eu",
            'export SHOPAGENT_DATABASE_URL="postgresql://$DATABASE_USER:$DATABASE_PASSWORD'
            '@$DATABASE_HOST:$DATABASE_PORT/$DATABASE_NAME?sslmode=require"',
            f'export SHOPAGENT_CHECKPOINT_KEY="${CHECKPOINT_KEY_TEXT}="',
            f'export SHOPAGENT_SESSION_SECRET="${SESSION_SECRET_TEXT}="',
            f"unset {DATABASE_PASSWORD} {CHECKPOINT_KEY_TEXT} {SESSION_SECRET_TEXT}",
            f"exec {serve}",
        ]
    )
