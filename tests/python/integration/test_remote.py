"""Tags, manifests and removals in the sandbox's real registries (operations/remote.py), with Debian's
skopeo as the outside oracle: `skopeo list-tags` agrees with registry.tags, `skopeo inspect` (and
`inspect --raw`) with registry.manifest on every field they share. Images of any platform (Docker lists,
OCI indexes, Windows entries with a foreign base layer) are pushed through the registry API by
tools/registry_push.py. Removal runs against the target registry (deletion on) and a registry of the test's
own with deletion off."""

import json
import os
import shutil
import socket
import subprocess
import uuid

import pytest
from registry_push import Registry as Pusher, parse_platform, push_image, push_list
from sandbox import registry_config, start_registry, wait_for_registry

from containerimage import cli
from containerimage.engine import Engine
from containerimage.errors import InvalidData, PermissionDenied, InvalidParams, NotFound, RegistryUnavailable, Unauthorized
from containerimage.operations import remote
from containerimage.server import Context

pytestmark = pytest.mark.skipif(shutil.which("skopeo") is None, reason="skopeo (tools/bootstrap.sh) is the oracle")

PLATFORMS = ["linux/amd64", "linux/arm64", "windows/amd64/10.0.20348.2227"]


@pytest.fixture
def ctx(sandbox_env):
    return Context(Engine(sandbox_env))


def skopeo(sandbox_env, *args, creds=None):
    command = ["skopeo", *args[:1], "--tls-verify=false", *args[1:]]
    if creds:
        command[2:2] = ["--creds", creds]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120,
                            env=dict(sandbox_env, REGISTRY_AUTH_FILE=os.path.join(sandbox_env["DOCKER_CONFIG"],
                                                                                 "skopeo-auth.json")))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# ------------------------------------------------------------------------------------------------ tags

def test_tags_agree_with_skopeo_list_tags_with_digests_from_heads(ctx, sandbox_env):
    mirror = sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]
    name = unique("remote/tags")
    pusher = Pusher(mirror)
    image = push_image(pusher, name, "1.0", parse_platform("linux/amd64"))
    for tag in ("1.1", "2.0", "latest"):
        pusher.put_manifest(name, tag, image["mediaType"], pusher.request("GET", f"/v2/{name}/manifests/1.0",
                            headers={"Accept": image["mediaType"]})[1])
    listed = remote.list_tags(ctx, f"{mirror}/{name}", digest=True)["results"]
    oracle = skopeo(sandbox_env, "list-tags", f"docker://{mirror}/{name}")
    assert [r["Tag"] for r in listed] == sorted(oracle["Tags"]) == ["1.0", "1.1", "2.0", "latest"]
    assert {r["Name"] for r in listed} == {f"{mirror}/{name}"} and {r["Registry"] for r in listed} == {mirror}
    assert {r["Digest"] for r in listed} == {image["digest"]}
    assert remote.list_tags(ctx, f"{mirror}/{name}")["results"][0]["Digest"] is None


def test_tags_of_the_auth_registry_agree_with_skopeo_and_a_wrong_login_is_refused(ctx, sandbox_env):
    registry = sandbox_env["CONTAINERIMAGE_TEST_REGISTRY"]
    user, password = sandbox_env["CONTAINERIMAGE_TEST_USER"], sandbox_env["CONTAINERIMAGE_TEST_PASSWORD"]
    listed = remote.list_tags(ctx, f"{registry}/private/busybox", auth={"username": user, "password": password})
    oracle = skopeo(sandbox_env, "list-tags", f"docker://{registry}/private/busybox", creds=f"{user}:{password}")
    assert [r["Tag"] for r in listed["results"]] == sorted(oracle["Tags"])
    with pytest.raises(Unauthorized) as caught:
        remote.list_tags(ctx, f"{registry}/private/busybox", auth={"username": user, "password": "Not-It-42"})
    assert "Not-It-42" not in caught.value.message and registry in caught.value.message


def test_tags_errors_name_what(ctx, sandbox_env):
    mirror = sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]
    with pytest.raises(NotFound) as caught:
        remote.list_tags(ctx, f"{mirror}/remote/none-such")
    assert f"remote/none-such" in caught.value.message and caught.value.kind == "NotFound"
    with pytest.raises(InvalidParams):
        remote.list_tags(ctx, f"{mirror}/remote/x:1")
    with pytest.raises(RegistryUnavailable) as caught:
        remote.list_tags(ctx, f"{sandbox_env['CONTAINERIMAGE_TEST_DOWN_REGISTRY']}/a")
    assert sandbox_env["CONTAINERIMAGE_TEST_DOWN_REGISTRY"] in caught.value.message


def test_tags_follow_pages(ctx, sandbox_env):
    mirror = sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]
    name = unique("remote/paged")
    pusher = Pusher(mirror)
    image = push_image(pusher, name, "t00", parse_platform("linux/amd64"))
    body = pusher.request("GET", f"/v2/{name}/manifests/t00", headers={"Accept": image["mediaType"]})[1]
    for i in range(1, 12):
        pusher.put_manifest(name, f"t{i:02}", image["mediaType"], body)
    tags = [r["Tag"] for r in remote.list_tags(ctx, f"{mirror}/{name}", page_size=5)["results"]]
    assert tags == [f"t{i:02}" for i in range(12)]


# -------------------------------------------------------------------------------------------- manifest

def _agrees_with_inspect(row, oracle, raw, config):
    """Every field Get-ContainerImageManifest shares with skopeo inspect (1.9: no LayersData; the layers'
    sizes and media types are in inspect --raw's manifest, os.version in inspect --config's)."""
    assert row["Digest"] == oracle["Digest"]
    assert row["Created"] == oracle["Created"]
    assert (row["Labels"] or None) == oracle["Labels"]
    assert (row["Os"], row["Architecture"], row["Variant"]) == (oracle["Os"], oracle["Architecture"],
                                                                oracle.get("Variant"))
    assert row["OsVersion"] == config.get("os.version")
    assert row["MediaType"] == raw["mediaType"] and row["Config"] == raw["config"]["digest"]
    assert [layer["Digest"] for layer in row["Layers"]] == oracle["Layers"]
    assert [(layer["Digest"], layer["Size"], layer["MediaType"], layer["Urls"]) for layer in row["Layers"]] == \
        [(layer["digest"], layer["size"], layer["mediaType"], layer.get("urls", [])) for layer in raw["layers"]]


def _inspect(sandbox_env, url, creds=None):
    return (skopeo(sandbox_env, "inspect", url, creds=creds), skopeo(sandbox_env, "inspect", "--raw", url, creds=creds),
            skopeo(sandbox_env, "inspect", "--config", url, creds=creds))


@pytest.mark.parametrize("format", ["docker", "oci"])
def test_a_list_and_each_platform_agree_with_skopeo(ctx, sandbox_env, format):
    mirror = sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]
    name = unique(f"remote/multi-{format}")
    pushed = push_list(Pusher(mirror), name, "1", [parse_platform(p) for p in PLATFORMS], format=format,
                       foreign_layer=True)
    row = remote.get_manifest(ctx, f"{mirror}/{name}:1")
    raw = skopeo(sandbox_env, "inspect", "--raw", f"docker://{mirror}/{name}:1")
    assert (row["Digest"], row["MediaType"], row["Tag"]) == (pushed["digest"], raw["mediaType"], "1")
    assert row["Layers"] is None and row["Size"] is None
    assert [(p["Os"], p["OsVersion"], p["Architecture"], p["Variant"], p["Digest"], p["Size"]) for p in row["Platforms"]] \
        == [(m["platform"]["os"], m["platform"].get("os.version"), m["platform"]["architecture"],
             m["platform"].get("variant"), m["digest"], m["size"]) for m in raw["manifests"]]
    for entry in row["Platforms"]:
        image = remote.get_manifest(ctx, f"{mirror}/{name}@{entry['Digest']}")
        _agrees_with_inspect(image, *_inspect(sandbox_env, f"docker://{mirror}/{name}@{entry['Digest']}"))
        assert image["Tag"] is None and image["OsVersion"] == entry["OsVersion"]
        foreign = [layer for layer in image["Layers"] if layer["Foreign"]]
        assert len(foreign) == (1 if entry["Os"] == "windows" else 0)
        if foreign:
            assert foreign[0]["Urls"] and image["Layers"][0] is foreign[0]  # the base layer
        assert image["Size"] == sum(layer["Size"] for layer in image["Layers"])


def test_the_engines_own_image_agrees_with_skopeo(ctx, sandbox_env):
    registry = sandbox_env["CONTAINERIMAGE_TEST_REGISTRY"]
    user, password = sandbox_env["CONTAINERIMAGE_TEST_USER"], sandbox_env["CONTAINERIMAGE_TEST_PASSWORD"]
    row = remote.get_manifest(ctx, f"{registry}/private/busybox:1.0", auth={"username": user, "password": password})
    _agrees_with_inspect(row, *_inspect(sandbox_env, f"docker://{registry}/private/busybox:1.0", f"{user}:{password}"))
    assert row["Platforms"] is None and row["Config"].startswith("sha256:")


def test_manifest_errors_name_what(ctx, sandbox_env):
    mirror = sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]
    name = unique("remote/err")
    Pusher(mirror).put_manifest(name, "chart", "application/vnd.oci.image.manifest.v1+json", json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.cncf.helm.config.v1+json",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "size": 2,
                   "digest": Pusher(mirror).put_blob(name, b"{}")}, "layers": []}).encode())
    with pytest.raises(NotFound) as caught:
        remote.get_manifest(ctx, f"{mirror}/{name}:nope")
    assert f"{name}:nope" in caught.value.message
    with pytest.raises(InvalidData) as caught:
        remote.get_manifest(ctx, f"{mirror}/{name}:chart")
    assert "application/vnd.cncf.helm.config.v1+json" in caught.value.message and f"{name}:chart" in caught.value.message


# ------------------------------------------------------------------------------------------------ delete

def _tags(ctx, target, name):
    return {r["Tag"]: r["Digest"] for r in remote.list_tags(ctx, f"{target}/{name}", digest=True)["results"]}


@pytest.mark.parametrize("format", ["docker", "oci"])
def test_removing_a_tag_keeps_the_image_its_other_tag_and_the_list_naming_it(ctx, sandbox_env, format):
    target = sandbox_env["CONTAINERIMAGE_TEST_TARGET"]
    name = unique("remote/untag")
    pusher = Pusher(target)
    listed = push_list(pusher, name, "list", [parse_platform(p) for p in PLATFORMS[:2]], format=format)
    first = listed["images"][0]
    body = pusher.request("GET", f"/v2/{name}/manifests/{first['digest']}", headers={"Accept": first["mediaType"]})[1]
    pusher.put_manifest(name, "a", first["mediaType"], body)
    pusher.put_manifest(name, "b", first["mediaType"], body)
    result = remote.delete(ctx, f"{target}/{name}:a")
    assert (result["Deleted"], result["Tags"], result["Digest"]) == ("tag", ["a"], first["digest"])
    assert _tags(ctx, target, name) == {"b": first["digest"], "list": listed["digest"]}
    oracle = skopeo(sandbox_env, "inspect", f"docker://{target}/{name}@{first['digest']}")
    assert oracle["Digest"] == first["digest"]  # the image is still there, and the list still names it
    assert skopeo(sandbox_env, "inspect", "--raw", f"docker://{target}/{name}:list")["manifests"][0]["digest"] == first["digest"]
    assert skopeo(sandbox_env, "list-tags", f"docker://{target}/{name}")["Tags"] == ["b", "list"] or \
        sorted(skopeo(sandbox_env, "list-tags", f"docker://{target}/{name}")["Tags"]) == ["b", "list"]


def test_removing_by_digest_says_which_tags_went(ctx, sandbox_env):
    target = sandbox_env["CONTAINERIMAGE_TEST_TARGET"]
    name = unique("remote/undigest")
    pusher = Pusher(target)
    kept = push_image(pusher, name, "keep", parse_platform("linux/amd64"))
    gone = push_image(pusher, name, "x", parse_platform("linux/amd64"))
    body = pusher.request("GET", f"/v2/{name}/manifests/x", headers={"Accept": gone["mediaType"]})[1]
    pusher.put_manifest(name, "y", gone["mediaType"], body)
    result = remote.delete(ctx, f"{target}/{name}@{gone['digest']}")
    assert (result["Deleted"], result["Tags"], result["Digest"]) == ("manifest", ["x", "y"], gone["digest"])
    assert _tags(ctx, target, name) == {"keep": kept["digest"]}
    with pytest.raises(NotFound):
        remote.get_manifest(ctx, f"{target}/{name}@{gone['digest']}")
    with pytest.raises(NotFound) as caught:
        remote.delete(ctx, f"{target}/{name}:x")
    assert f"{name}:x" in caught.value.message
    with pytest.raises(InvalidParams):
        remote.delete(ctx, f"{target}/{name}")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def no_delete_registry(tmp_path):
    """A real registry of the test's own with storage.delete.enabled false."""
    port = _free_port()
    folder = tmp_path / "nodelete"
    folder.mkdir()
    config = registry_config(port, str(folder / "data")).replace("delete:\n    enabled: true", "delete:\n    enabled: false")
    assert "enabled: false" in config
    (folder / "config.yml").write_text(config)
    process = start_registry(str(folder), port)
    try:
        wait_for_registry(process, port, str(folder / "registry.log"))
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_registry_with_deletion_disabled_names_the_setting_and_is_left_as_it_was(ctx, no_delete_registry):
    name = "remote/kept"
    image = push_image(Pusher(no_delete_registry), name, "1", parse_platform("linux/amd64"))
    for target in (f"{no_delete_registry}/{name}:1", f"{no_delete_registry}/{name}@{image['digest']}"):
        with pytest.raises(PermissionDenied) as caught:
            remote.delete(ctx, target)
        assert "storage.delete.enabled" in caught.value.message
    assert _tags(ctx, no_delete_registry, name) == {"1": image["digest"]}  # the tag was not touched


# ------------------------------------------------------------------------------------------------- CLI

def test_the_cli_lists_inspects_and_deletes(sandbox_env, capsys, monkeypatch):
    for key, value in sandbox_env.items():
        monkeypatch.setenv(key, value)
    target = sandbox_env["CONTAINERIMAGE_TEST_TARGET"]
    name = unique("remote/cli")
    listed = push_list(Pusher(target), name, "1", [parse_platform(p) for p in PLATFORMS], foreign_layer=True)
    assert cli.main(["tags", f"{target}/{name}", "--digests"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["REPOSITORY", "TAG", "DIGEST"] and out[1].split() == [f"{target}/{name}", "1", listed["digest"]]
    assert cli.main(["manifest", f"{target}/{name}:1"]) == 0
    out = capsys.readouterr().out
    assert f"Digest:    {listed['digest']}" in out
    assert ["windows/amd64", "10.0.20348.2227", listed["images"][2]["digest"]] == out.splitlines()[-1].split()[:3]
    windows = listed["images"][2]["digest"]
    assert cli.main(["manifest", f"{target}/{name}@{windows}"]) == 0
    assert "foreign" in capsys.readouterr().out
    assert cli.main(["delete", "-f", f"{target}/{name}:1"]) == 0
    assert capsys.readouterr().out == f"Untagged: {target}/{name}:1\n"
    assert cli.main(["tags", f"{target}/{name}"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == []
