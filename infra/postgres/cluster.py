"""Start and stop a scratch PostgreSQL cluster on 127.0.0.1 from Debian's packages.

``LocalPostgres`` runs ``initdb`` into a new temporary folder, starts ``postgres`` on it
listening on 127.0.0.1 only (no Unix socket), creates the ``shopagent`` database owned by the
``shopagent`` role, whose random password is in ``url``, and on ``stop()`` shuts the server
down and deletes the folder. The cluster is throwaway: ``fsync`` is off.

The binaries come from ``pg_config --bindir``, else the newest ``/usr/lib/postgresql/*/bin``
(the Debian ``postgresql`` package puts them there and not on ``PATH``).

``initdb`` and ``postgres`` refuse to run as root. As root, both run as the ``postgres`` system
user the Debian package creates (``setpriv --reuid``), the scratch folder is owned by it, and
its parent death signal is set so the server never outlives the launcher.
"""

from __future__ import annotations

import ctypes
import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import psycopg
from psycopg import sql

from infra.errors import ConfigError, UpstreamError
from infra.local_services import free_port

DATABASE = "shopagent"
ROLE = "shopagent"
SERVICE_USER = "postgres"  # who runs the server when the launcher is root
# initdb, and then the first login: seconds when idle, far more on two cores shared with a test
# suite (a wait for readiness, so generous; a server that exits fails at once instead).
START_TIMEOUT_S = 180.0
STOP_GRACE_S = 15.0
_PR_SET_PDEATHSIG = 1


def bin_dir() -> Path:
    """The folder holding ``initdb`` and ``postgres``; ``ConfigError`` naming the package."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if found.returncode == 0:
            candidates.append(Path(found.stdout.strip()))

    def major(path: str) -> int:
        name = Path(path).parent.name
        return int(name) if name.isdigit() else -1

    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=major)[::-1]]
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "postgres").is_file():
            return folder
    raise ConfigError(
        "PostgreSQL's initdb was not found (pg_config --bindir, /usr/lib/postgresql/*/bin): "
        "install the Debian package (apt-get install postgresql), or run `make services`"
    )


def _die_with_parent() -> None:
    """In the child before exec: receive SIGKILL when the launching process dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class LocalPostgres:
    """One scratch cluster. ``start()`` returns once the ``shopagent`` database accepts logins."""

    def __init__(self, *, port: int | None = None) -> None:
        self.port = port or free_port()
        self.password = secrets.token_urlsafe(18)
        self.directory: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The libpq URL of the ``shopagent`` database (with the role's password)."""
        return f"postgresql://{ROLE}:{self.password}@127.0.0.1:{self.port}/{DATABASE}"

    def admin_url(self, database: str = "postgres") -> str:
        """The URL of another database of the cluster, as the same role (it is superuser)."""
        return f"postgresql://{ROLE}:{self.password}@127.0.0.1:{self.port}/{database}"

    @property
    def log(self) -> Path:
        if self.directory is None:
            raise RuntimeError("the cluster was not started")
        return self.directory / "postgres.log"

    def _as_server_user(self, args: list[str]) -> list[str]:
        """``args`` as run by the server's user: the caller, or ``postgres`` when root."""
        if os.geteuid() != 0:
            return args
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            raise ConfigError("running as root needs setpriv (util-linux) to drop to postgres")
        return [
            setpriv,
            f"--reuid={SERVICE_USER}",
            f"--regid={SERVICE_USER}",
            "--init-groups",
            "--pdeathsig=KILL",  # set after the change of user, which would clear it
            *args,
        ]

    def _prepare_directory(self) -> Path:
        directory = Path(tempfile.mkdtemp(prefix="shopagent-postgres-"))
        self.directory = directory
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam(SERVICE_USER)
            except KeyError as err:
                raise ConfigError(
                    f"running as root, the server runs as the {SERVICE_USER!r} user, which does "
                    "not exist (the Debian postgresql package creates it)"
                ) from err
            os.chown(directory, user.pw_uid, user.pw_gid)
            closed = [p for p in directory.parents if not p.stat().st_mode & 0o001]
            if closed:
                raise ConfigError(
                    f"the {SERVICE_USER!r} user cannot reach {directory} ({closed[0]} is closed "
                    "to other users): point TMPDIR at a folder it can reach, such as /tmp"
                )
        directory.chmod(0o700)
        return directory

    def _run_initdb(self, binaries: Path, directory: Path) -> None:
        password_file = directory / "password"
        password_file.write_text(self.password + "\n", encoding="ascii")
        if os.geteuid() == 0:
            user = pwd.getpwnam(SERVICE_USER)
            os.chown(password_file, user.pw_uid, user.pw_gid)
        password_file.chmod(0o600)
        args = self._as_server_user([])
        args += [str(binaries / "initdb"), "-D", str(directory / "data"), "-U", ROLE]
        args += [f"--pwfile={password_file}", "--auth-host=scram-sha-256", "--auth-local=reject"]
        args += ["--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"]
        done = subprocess.run(args, capture_output=True, text=True, timeout=START_TIMEOUT_S)
        password_file.unlink()
        if done.returncode != 0:
            raise UpstreamError(f"initdb failed: {(done.stderr or done.stdout)[-800:]}")

    def start(self) -> LocalPostgres:
        binaries = bin_dir()
        try:
            directory = self._prepare_directory()
            self._run_initdb(binaries, directory)
            self._launch(binaries, directory)
            self._wait_until_ready()
            self._create_database()
        except BaseException:
            self.stop()
            raise
        return self

    def _launch(self, binaries: Path, directory: Path) -> None:
        args = self._as_server_user([])
        args += [str(binaries / "postgres"), "-D", str(directory / "data")]
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": "",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
        }
        for name, value in settings.items():
            args += ["-c", f"{name}={value}"]
        with self.log.open("wb") as log:  # the child keeps its own handle
            self._process = subprocess.Popen(
                args,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # As root, setpriv sets it after the change of user (which clears it).
                preexec_fn=None if os.geteuid() == 0 else _die_with_parent,
            )

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise UpstreamError(
                    f"postgres exited on start (port {self.port}): {self._log_tail()}"
                )
            try:
                with psycopg.connect(self.admin_url(), connect_timeout=2):
                    return
            except psycopg.OperationalError as err:
                last = err
                time.sleep(0.1)
        raise UpstreamError(
            f"postgres did not accept logins on port {self.port} within {START_TIMEOUT_S:.0f} s "
            f"({last}): {self._log_tail()}"
        )

    def _create_database(self) -> None:
        with psycopg.connect(self.admin_url(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-800:]
        except (OSError, RuntimeError):
            return "(no log)"

    def stop(self) -> None:
        """Fast shutdown (clients are disconnected), then delete the scratch folder."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)  # postgres: SIGINT is the "fast" shutdown
            try:
                process.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def __enter__(self) -> LocalPostgres:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
