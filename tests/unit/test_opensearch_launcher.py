"""The OpenSearch assembler and launcher, without Maven or Java (the node itself runs in the
integration tests)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from infra.errors import ConfigError
from infra.opensearch import assembly, node


def test_a_home_with_a_matching_stamp_is_used_as_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / assembly.STAMP).write_text(assembly.fingerprint() + "\n")
    monkeypatch.setattr(assembly.shutil, "which", lambda _: pytest.fail("Maven was called"))
    assert assembly.assemble(tmp_path) == tmp_path


def test_a_stale_home_is_rebuilt_and_needs_maven(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / assembly.STAMP).write_text("an older recipe\n")
    monkeypatch.setattr(assembly.shutil, "which", lambda _: None)
    with pytest.raises(ConfigError, match="apt-get install maven"):
        assembly.assemble(tmp_path)


def test_component_poms_copy_each_part_into_its_folder(tmp_path: Path) -> None:
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    knn = next(c for c in assembly.COMPONENTS if c.unpack)
    pom = ET.fromstring(assembly._component_pom("c4", knn, tmp_path))
    dependency = pom.find("m:dependencies/m:dependency", ns)
    assert dependency is not None
    coords = [dependency.findtext(f"m:{t}", namespaces=ns) for t in ("artifactId", "type")]
    assert coords == ["opensearch-knn", "zip"]
    assert pom.findtext(".//m:goal", namespaces=ns) == "unpack-dependencies"
    out = pom.findtext(".//m:outputDirectory", namespaces=ns)
    assert out == str(tmp_path / "plugins" / "opensearch-knn")


def test_modules_get_the_descriptor_and_policy_maven_jars_lack(tmp_path: Path) -> None:
    for component in assembly.COMPONENTS:
        (tmp_path / component.folder).mkdir(parents=True)
    assembly._write_modules(tmp_path)
    descriptor = (tmp_path / "modules/analysis-common/plugin-descriptor.properties").read_text()
    assert "classname=org.opensearch.analysis.common.CommonAnalysisPlugin" in descriptor
    assert f"opensearch.version={assembly.OPENSEARCH_VERSION}" in descriptor
    assert "extended.plugins=lang-painless" in descriptor
    policy = (tmp_path / "modules/transport-netty4/plugin-security.policy").read_text()
    assert 'java.net.SocketPermission "*", "accept,connect"' in policy
    # the k-NN zip brings its own descriptor
    assert not (tmp_path / "plugins/opensearch-knn/plugin-descriptor.properties").exists()


def test_root_runs_the_node_in_a_user_namespace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(node.os, "geteuid", lambda: 0)
    monkeypatch.setattr(node.shutil, "which", lambda name: f"/usr/bin/{name}")
    assert node._unprivileged() == ["/usr/bin/unshare", "--user", "--"]
    monkeypatch.setattr(node.shutil, "which", lambda name: None)
    with pytest.raises(ConfigError, match="cannot run as root"):
        node._unprivileged()
    monkeypatch.setattr(node.os, "geteuid", lambda: 1000)
    assert node._unprivileged() == []
