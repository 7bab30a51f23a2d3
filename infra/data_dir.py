"""The data directory is private to the user running shopagent.

The embedded backends write the store, the event log, the profiles, the lake, the content and
the checkpoints under ``data_dir`` with the process umask (often 0644 files). Rather than
chmod each file where it is made, the directory itself is made (or narrowed to) mode 0700 once,
when a ``shopagent`` command starts: nothing below it can then be read or listed by another
local user, whatever each file's own mode.
"""

from __future__ import annotations

import stat
from pathlib import Path

from infra.errors import ConfigError

PRIVATE_MODE = 0o700


def make_private(data_dir: Path) -> None:
    """Create ``data_dir`` with mode 0700, or take group and other access off an existing one."""
    if data_dir.exists() and not data_dir.is_dir():
        raise ConfigError(f"the data directory {data_dir} is not a directory")
    try:
        data_dir.mkdir(mode=PRIVATE_MODE, parents=True, exist_ok=True)
    except OSError as err:
        raise ConfigError(f"cannot create the data directory {data_dir}: {err.strerror}") from err
    if stat.S_IMODE(data_dir.stat().st_mode) & 0o077:
        try:
            data_dir.chmod(PRIVATE_MODE)
        except PermissionError as err:
            raise ConfigError(
                f"the data directory {data_dir} is readable by other users and is not ours to "
                "change (chmod 700 it, or set SHOPAGENT_DATA_DIR to a directory of our own)"
            ) from err
