"""Lay out an OpenSearch home from Maven Central artifacts (no Docker, no tarball download).

The server and its libraries go to ``lib/``; each module's jars to ``modules/<name>/``; the
k-NN plugin's zip is unpacked into ``plugins/opensearch-knn/``. Maven resolves every
artifact and its dependencies in one reactor run over small generated POMs.

The module jars on Maven Central are built for embedding and carry neither the plugin
descriptor nor the security policy the distribution ships beside them, so both are written
here. The k-NN zip has its own. The k-NN plugin ships no native libraries this way (the
distribution adds faiss and nmslib separately); its Lucene HNSW engine is pure Java and is
the one the search backend maps vectors to, so it runs as is.

The result is cached: a stamp holds a fingerprint of this recipe, and a home whose stamp
matches is used as it is.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from infra.errors import ConfigError, UpstreamError

OPENSEARCH_VERSION = "2.19.1"
# The k-NN plugin is published for 2.19.1 only, and a plugin must match the server exactly.
KNN_VERSION = "2.19.1.0"
# The server's POM marks log4j-core optional, so it is not resolved transitively.
LOG4J_VERSION = "2.21.0"
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
STAMP = ".assembled"
MAVEN_TIMEOUT_S = 900


@dataclass(frozen=True)
class Component:
    """One folder of the home and the Maven artifacts (``group:artifact:version[:type]``)."""

    folder: str
    artifacts: tuple[str, ...]
    unpack: bool = False  # a plugin zip to unpack, rather than jars to copy
    plugin_class: str = ""  # set for modules: the descriptor to write
    extends: str = ""  # a module whose classes this one extends
    permissions: tuple[str, ...] = ()  # Java policy grants the module needs


V = OPENSEARCH_VERSION
COMPONENTS = (
    Component(
        "lib",
        (
            f"org.opensearch:opensearch:{V}",
            f"org.opensearch:opensearch-plugin-classloader:{V}",
            f"org.apache.logging.log4j:log4j-core:{LOG4J_VERSION}",
        ),
    ),
    Component(
        "modules/transport-netty4",
        (f"org.opensearch.plugin:transport-netty4-client:{V}",),
        plugin_class="org.opensearch.transport.Netty4Plugin",
        permissions=(
            'java.net.SocketPermission "*", "accept,connect"',
            'java.lang.RuntimePermission "*", "setContextClassLoader"',
            'java.util.PropertyPermission "sun.nio.ch.bugLevel", "write"',
            'java.io.FilePermission "/proc/sys/net/core/somaxconn", "read"',
        ),
    ),
    Component(
        "modules/lang-painless",
        (f"org.opensearch.plugin:lang-painless:{V}",),
        plugin_class="org.opensearch.painless.PainlessPlugin",
        permissions=(
            'java.lang.RuntimePermission "createClassLoader"',
            'java.lang.RuntimePermission "getClassLoader"',
        ),
    ),
    Component(
        "modules/analysis-common",
        (f"org.opensearch.plugin:analysis-common:{V}",),
        plugin_class="org.opensearch.analysis.common.CommonAnalysisPlugin",
        extends="lang-painless",
    ),
    Component(
        "plugins/opensearch-knn",
        (f"org.opensearch.plugin:opensearch-knn:{KNN_VERSION}:zip",),
        unpack=True,
    ),
)

OPENSEARCH_YML = """\
cluster.name: shopagent
node.name: shopagent-local
network.host: 127.0.0.1
discovery.type: single-node
# A laptop's disk may be nearly full; a test node must not turn its indexes read-only.
cluster.routing.allocation.disk.threshold_enabled: false
"""

LOG4J2_PROPERTIES = """\
status = error
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n
rootLogger.level = warn
rootLogger.appenderRef.console.ref = console
logger.node.name = org.opensearch.node.Node
logger.node.level = info
"""


def default_home() -> Path:
    """Where the assembled node is cached for this user."""
    return Path.home() / ".cache" / "shopagent" / f"opensearch-{OPENSEARCH_VERSION}"


def fingerprint() -> str:
    """Changes whenever the recipe does, so a stale home is rebuilt."""
    recipe = repr((COMPONENTS, OPENSEARCH_YML, LOG4J2_PROPERTIES, DEPENDENCY_PLUGIN))
    return hashlib.sha256(recipe.encode()).hexdigest()[:16]


def is_assembled(home: Path) -> bool:
    stamp = home / STAMP
    return stamp.is_file() and stamp.read_text().strip() == fingerprint()


def assemble(home: Path | None = None) -> Path:
    """The OpenSearch home at ``home`` (default: the user cache), built first if needed.

    Raises ``ConfigError`` when Maven is not installed and ``UpstreamError`` when it fails
    (no network to Maven Central, for instance), with Maven's own last lines.
    """
    home = home or default_home()
    if is_assembled(home):
        return home
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ConfigError("Maven (mvn) is needed to assemble OpenSearch: apt-get install maven")
    home.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename at the end, so a half-built home is never used.
    staging = Path(tempfile.mkdtemp(prefix=f".{home.name}-", dir=home.parent))
    try:
        _fetch(mvn, staging)
        _write_modules(staging)
        _write_config(staging)
        (staging / STAMP).write_text(fingerprint() + "\n")
        if home.exists():
            shutil.rmtree(home)
        staging.rename(home)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return home


def _fetch(mvn: str, staging: Path) -> None:
    """One Maven reactor run that copies (or unpacks) every component into ``staging``."""
    build = staging / ".maven"
    names = []
    for i, component in enumerate(COMPONENTS):
        name = f"c{i}"
        names.append(name)
        (build / name).mkdir(parents=True)
        (build / name / "pom.xml").write_text(_component_pom(name, component, staging))
    (build / "pom.xml").write_text(_parent_pom(names))
    try:
        done = subprocess.run(
            [mvn, "-B", "-q", "-f", str(build / "pom.xml"), "package"],
            capture_output=True,
            text=True,
            timeout=MAVEN_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise UpstreamError(f"Maven did not finish within {MAVEN_TIMEOUT_S} s") from err
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise UpstreamError(f"Maven could not fetch the OpenSearch artifacts:\n{tail}")
    shutil.rmtree(build)


def _parent_pom(modules: list[str]) -> str:
    listed = "".join(f"<module>{m}</module>" for m in modules)
    return _project("reactor", f"<modules>{listed}</modules>")


def _component_pom(name: str, component: Component, staging: Path) -> str:
    dependencies = "".join(_dependency(coords) for coords in component.artifacts)
    group, artifact, version = DEPENDENCY_PLUGIN.split(":")
    goal = "unpack-dependencies" if component.unpack else "copy-dependencies"
    out = escape(str(staging / component.folder))
    build = (
        f"<build><plugins><plugin><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
        f"<version>{version}</version><executions><execution><id>fetch</id>"
        f"<phase>package</phase><goals><goal>{goal}</goal></goals><configuration>"
        f"<outputDirectory>{out}</outputDirectory><includeScope>runtime</includeScope>"
        "</configuration></execution></executions></plugin></plugins></build>"
    )
    return _project(name, f"<dependencies>{dependencies}</dependencies>{build}")


def _dependency(coords: str) -> str:
    group, artifact, version, *kind = coords.split(":")
    # A module's own API jars depend on the server, which lives in lib/ already.
    exclusion = (
        "<exclusions><exclusion><groupId>org.opensearch</groupId>"
        "<artifactId>opensearch</artifactId></exclusion></exclusions>"
    )
    type_ = f"<type>{kind[0]}</type>" if kind else ""
    return (
        f"<dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
        f"<version>{version}</version>{type_}{exclusion}</dependency>"
    )


def _project(artifact: str, body: str) -> str:
    return (
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        f"<groupId>shopagent.opensearch</groupId><artifactId>{artifact}</artifactId>"
        f"<version>1</version><packaging>pom</packaging>{body}</project>\n"
    )


def _write_modules(staging: Path) -> None:
    for component in COMPONENTS:
        if not component.plugin_class:
            continue
        folder = staging / component.folder
        name = folder.name
        (folder / "plugin-descriptor.properties").write_text(
            f"name={name}\ndescription={name} (from Maven Central)\n"
            f"version={OPENSEARCH_VERSION}\nopensearch.version={OPENSEARCH_VERSION}\n"
            f"java.version=11\nclassname={component.plugin_class}\n"
            f"extended.plugins={component.extends}\nhas.native.controller=false\n"
        )
        if component.permissions:
            grants = "".join(f"  permission {p};\n" for p in component.permissions)
            (folder / "plugin-security.policy").write_text(f"grant {{\n{grants}}};\n")


def _write_config(staging: Path) -> None:
    config = staging / "config"
    config.mkdir()
    (config / "opensearch.yml").write_text(OPENSEARCH_YML)
    (config / "log4j2.properties").write_text(LOG4J2_PROPERTIES)
