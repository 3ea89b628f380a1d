"""image.update_check and image.update against the sandbox's real engine and registries: tags moved in the
mirror by pushing a new image under the same name, the registry's own request log as the witness that the
check reads no layer, Windows patch levels through tools/windows_engine.py, and registries that are down,
refuse the stored login, or no longer have the tag."""

import base64
import json
import os
import re
import subprocess
import uuid

import pytest

from cut_proxy import CutRegistry
from registry_push import MANIFEST, MANIFEST_LIST, Registry, parse_platform, push_image, push_list
from sandbox import pin_credential_store, push_fresh_image
from windows_engine import OS_VERSION_LABEL, WindowsEngine

from .conftest import Backend, result

pytestmark = pytest.mark.engine


@pytest.fixture(autouse=True, scope="module")
def nanoserver(sandbox_env):
    subprocess.run(["docker", "pull", "-q", "microsoft/nanoserver"], env=sandbox_env, check=True, capture_output=True,
                   timeout=300)
    yield
    # An update leaves the image it replaced as repository@digest (no tag), which `docker rmi <name>:tag` does
    # not remove: every image of this file's repositories goes, so no other test's listing sees them.
    listing = subprocess.run(["docker", "images", "--no-trunc", "--format", "{{.ID}} {{.Repository}}"],
                             env=sandbox_env, capture_output=True, text=True, timeout=120).stdout
    ids = sorted({line.split()[0] for line in listing.splitlines()
                  if len(line.split()) == 2 and "upd/" in line.split()[1]})
    for image in ids:
        containers = subprocess.run(["docker", "ps", "-aq", "--filter", f"ancestor={image}"], env=sandbox_env,
                                    capture_output=True, text=True, timeout=120).stdout.split()
        if containers:
            subprocess.run(["docker", "rm", "-f", *containers], env=sandbox_env, capture_output=True, timeout=120)
    if ids:
        subprocess.run(["docker", "rmi", "-f", *ids], env=sandbox_env, capture_output=True, timeout=300)

ACCEPT = ", ".join(["application/vnd.oci.image.index.v1+json", MANIFEST_LIST,
                    "application/vnd.oci.image.manifest.v1+json", MANIFEST])


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class MirrorLog:
    """The mirror registry's request log from a point on: which blobs were read (GET) since."""

    def __init__(self, sandbox_env):
        self.path = os.path.join(sandbox_env["CONTAINERIMAGE_SANDBOX"], "mirror.log")
        self.start = os.path.getsize(self.path)

    def blobs_read(self):
        with open(self.path, encoding="utf-8", errors="replace") as log:
            log.seek(self.start)
            lines = [line for line in log if "response completed" in line and "http.request.method=GET" in line]
        return {match for line in lines for match in re.findall(r"/blobs/(sha256:[0-9a-f]{64})", line)}


def remote_image(registry, name, tag):
    """(manifest digest, config digest, layer digests) of what the registry serves as name:tag."""
    response, body = registry.request("GET", f"/v2/{name}/manifests/{tag}", headers={"Accept": ACCEPT})
    manifest = json.loads(body)
    return (response.getheader("Docker-Content-Digest"), manifest["config"]["digest"],
            [layer["digest"] for layer in manifest["layers"]])


def rows(answer):
    return {f"{row['Name']}:{row['Tag']}": row for row in answer["images"]}


def test_a_moved_tag_is_an_update_until_updated_and_the_check_reads_no_layer(backend, docker, sandbox_env):
    mirror = Registry(sandbox_env["CONTAINERIMAGE_TEST_MIRROR"])
    moved, still = unique("upd/moved"), unique("upd/still")
    committed = f"{unique('upd/committed')}:1"
    for name in (moved, still):
        push_fresh_image(sandbox_env, name, layers=1)
        docker("pull", "-q", name)
    container = docker("create", "--network", "none", moved, "none").stdout.strip()
    try:
        docker("commit", container, committed)
        names = [moved, still, committed]
        before = rows(result(backend.call("image.update_check", {"name": names})))
        assert [before[n]["Status"] for n in (f"{moved}:latest", f"{still}:latest", committed)] == \
            ["UpToDate", "UpToDate", "LocalOnly"]
        assert before[f"{moved}:latest"]["Registry"] == sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]  # the mirror, as a pull
        assert (before[committed]["BaseName"], before[committed]["BaseStatus"]) == (f"{moved}:latest", "UpToDate")
        assert before[committed]["LocalDigest"] is None and "nothing to compare" in before[committed]["Reason"]

        push_fresh_image(sandbox_env, moved, layers=1)  # the tag moves in the registry
        digest, config, layers = remote_image(mirror, moved, "latest")
        log = MirrorLog(sandbox_env)
        after = rows(result(backend.call("image.update_check", {"name": names})))
        found = after[f"{moved}:latest"]
        assert (found["Status"], found["RemoteDigest"], found["LocalDigest"]) == \
            ("UpdateAvailable", digest, before[f"{moved}:latest"]["LocalDigest"])
        assert found["RemoteCreated"] >= found["LocalCreated"]
        assert after[f"{still}:latest"]["Status"] == "UpToDate"
        assert (after[committed]["Status"], after[committed]["BaseStatus"]) == ("LocalOnly", "UpdateAvailable")
        assert log.blobs_read() == {config}  # the small config blob only: no layer
        assert not set(layers) & log.blobs_read()

        updated = result(backend.call("image.update", {"name": moved}))
        assert updated["Updated"] is True and updated["NewDigest"] == digest
        assert updated["OldId"] == before[f"{moved}:latest"]["Id"] != updated["NewId"]
        assert set(layers) <= log.blobs_read()  # the pull did read the layer
        assert updated["Pruned"] is False  # not asked to
        again = rows(result(backend.call("image.update_check", {"name": [moved, committed]})))
        assert again[f"{moved}:latest"]["Status"] == "UpToDate"
        # The committed image was built on the image the update replaced: that one, by its digest, is the base.
        base = again[committed]
        assert (base["BaseName"], base["BaseStatus"]) == \
            (f"{moved}@{before[f'{moved}:latest']['LocalDigest']}", "UpdateAvailable")
        assert "pulled anew" in base["BaseReason"]
    finally:
        docker("rm", "-f", container, check=False)
        docker("rmi", committed, f"{moved}:latest", f"{still}:latest", check=False)


def test_the_base_image_labels_name_the_base_before_the_layers_do(backend, docker, sandbox_env):
    base = unique("upd/labelled-base")
    push_fresh_image(sandbox_env, base, layers=1)
    digest, _, _ = remote_image(Registry(sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]), base, "latest")
    built = f"{unique('upd/labelled')}:1"
    # Built (as far as the engine knows) on nanoserver, but its labels say what it was built from, as
    # docker buildx and other builders write them.
    container = docker("create", "--network", "none", "microsoft/nanoserver", "none").stdout.strip()
    try:
        docker("commit", "--change", f"LABEL org.opencontainers.image.base.name=docker.io/{base}:latest",
               "--change", f"LABEL org.opencontainers.image.base.digest={digest}", container, built)
        [row] = result(backend.call("image.update_check", {"name": [built]}))["images"]
        assert (row["Status"], row["BaseName"], row["BaseStatus"]) == ("LocalOnly", f"{base}:latest", "UpToDate")
        push_fresh_image(sandbox_env, base, layers=1)  # the base's tag moves in the registry
        [row] = result(backend.call("image.update_check", {"name": [built]}))["images"]
        assert (row["BaseName"], row["BaseStatus"]) == (f"{base}:latest", "UpdateAvailable")
    finally:
        docker("rm", "-f", container, check=False)
        docker("rmi", built, check=False)


def test_prune_removes_the_replaced_image_and_keeps_one_a_container_uses(backend, docker, sandbox_env):
    free, used = unique("upd/prune-free"), unique("upd/prune-used")
    for name in (free, used):
        push_fresh_image(sandbox_env, name, layers=1)
        docker("pull", "-q", name)
    old_free = docker("image", "inspect", "--format", "{{.Id}}", free).stdout.strip()
    container = docker("create", "--network", "none", used, "none").stdout.strip()
    try:
        for name in (free, used):
            push_fresh_image(sandbox_env, name, layers=1)
        pruned = result(backend.call("image.update", {"name": free, "prune": True}))
        assert (pruned["Updated"], pruned["Pruned"], pruned["Kept"]) == (True, True, None)
        assert docker("image", "inspect", old_free, check=False).returncode != 0
        kept = result(backend.call("image.update", {"name": used, "prune": True}))
        assert (kept["Updated"], kept["Pruned"]) == (True, False)
        assert container[:12] in kept["Kept"] and kept["OldId"] in kept["Kept"]
        assert docker("image", "inspect", kept["OldId"], check=False).returncode == 0
    finally:
        docker("rm", "-f", container, check=False)
        docker("rmi", free, used, check=False)


def test_windows_patch_levels_on_a_windows_host(sandbox_env, docker, tmp_path):
    mirror_address = sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]
    mirror = Registry(mirror_address)
    path = unique("upd/servercore")
    name = f"{mirror_address}/{path}:ltsc2022"
    container = docker("create", "--network", "none", "microsoft/nanoserver", "none").stdout.strip()
    try:
        # The local copy of a Windows Server 2022 image at patch level 2113 (windows_engine.py answers its
        # inspect as a Windows engine would), pushed so that the registry serves it under the tag.
        docker("commit", "--change", f"LABEL {OS_VERSION_LABEL}=10.0.20348.2113", container, name)
        docker("push", "-q", name)
        with WindowsEngine(sandbox_env["DOCKER_HOST"], 20348) as engine:
            backend = Backend(dict(sandbox_env, DOCKER_HOST=engine.host, CONTAINERIMAGE_CACHE_DIR=str(tmp_path)))
            try:
                [same] = result(backend.call("image.update_check", {"name": [name]}))["images"]
                assert (same["Status"], same["LocalOsVersion"], same["RemoteOsVersion"], same["RevisionsBehind"]) == \
                    ("UpToDate", "10.0.20348.2113", "10.0.20348.2113", 0)
                pushed = push_image(mirror, path, "ltsc2022", parse_platform("windows/amd64/10.0.20348.2227"))
                [newer] = result(backend.call("image.update_check", {"name": [name]}))["images"]
                assert (newer["Status"], newer["RemoteDigest"], newer["RemoteOsVersion"], newer["RevisionsBehind"]) == \
                    ("UpdateAvailable", pushed["digest"], "10.0.20348.2227", 114)
                assert newer["RemoteCreated"] == "2024-01-01T00:00:00Z"
                # A manifest list: the entry a 20348 host would pull (its build, not 17763 nor Linux).
                listed = push_list(mirror, path, "ltsc2022", [parse_platform("windows/amd64/10.0.17763.5329"),
                                                             parse_platform("windows/amd64/10.0.20348.2300"),
                                                             parse_platform("linux/amd64")])
                [chosen] = result(backend.call("image.update_check", {"name": [name]}))["images"]
                assert (chosen["RemoteDigest"], chosen["RemoteOsVersion"], chosen["RevisionsBehind"]) == \
                    (listed["digest"], "10.0.20348.2300", 187)
            finally:
                backend.close()
            assert not any("/images/create" in line for line in engine.requests)
    finally:
        docker("rm", "-f", container, check=False)
        docker("rmi", name, check=False)


def test_a_registry_that_is_down_is_one_error_for_all_its_images(backend, docker, sandbox_env):
    with CutRegistry(sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]) as registry:
        names = [f"{registry.address}/{unique('upd/down')}:1" for _ in range(3)]
        for name in names:
            docker("tag", "microsoft/nanoserver", name)
            docker("push", "-q", name)
        registry.cut()
        try:
            answer = result(backend.call("image.update_check", {"name": names}))
        finally:
            docker("rmi", *names, check=False)
    [problem] = answer["errors"]
    assert problem["data"]["kind"] == "RegistryUnavailable" and registry.address in problem["message"]
    assert [row["Status"] for row in answer["images"]] == ["Unknown"] * 3
    assert all(row["Reason"] == problem["message"] for row in answer["images"])


def test_a_wrong_stored_password_is_one_error_for_all_its_images(docker, sandbox_env, tmp_path):
    registry = sandbox_env["CONTAINERIMAGE_TEST_REGISTRY"]
    config_dir = tmp_path / "docker-config"
    pin_credential_store(str(config_dir))
    env = dict(sandbox_env, DOCKER_CONFIG=str(config_dir))
    names = [f"{registry}/{unique('upd/private')}:1" for _ in range(2)]

    def auth(password):
        pair = f"{sandbox_env['CONTAINERIMAGE_TEST_USER']}:{password}".encode()
        config = json.loads((config_dir / "config.json").read_text())
        config["auths"] = {registry: {"auth": base64.b64encode(pair).decode()}}
        (config_dir / "config.json").write_text(json.dumps(config))
    auth(sandbox_env["CONTAINERIMAGE_TEST_PASSWORD"])
    for name in names:
        docker("tag", "microsoft/nanoserver", name)
        subprocess.run(["docker", "push", "-q", name], env=env, check=True, capture_output=True, timeout=300)
    backend = Backend(env)
    try:
        assert [r["Status"] for r in result(backend.call("image.update_check", {"name": names}))["images"]] == \
            ["UpToDate"] * 2
        auth("not-the-password")
        answer = result(backend.call("image.update_check", {"name": names}))
    finally:
        backend.close()
        docker("rmi", *names, check=False)
    [problem] = answer["errors"]
    assert problem["data"]["kind"] == "Unauthorized" and registry in problem["message"]
    assert "not-the-password" not in json.dumps(answer)
    assert [row["Status"] for row in answer["images"]] == ["Unknown"] * 2


def test_a_tag_deleted_from_the_registry_is_unknown_saying_so_without_an_error(backend, docker, sandbox_env):
    mirror_address = sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]
    path = unique("upd/deleted")
    name = f"{mirror_address}/{path}:1"
    docker("tag", "microsoft/nanoserver", name)
    docker("push", "-q", name)
    try:
        mirror = Registry(mirror_address)
        digest, _, _ = remote_image(mirror, path, "1")
        mirror.request("DELETE", f"/v2/{path}/manifests/{digest}")
        answer = result(backend.call("image.update_check", {"name": [name]}))
    finally:
        docker("rmi", name, check=False)
    assert answer["errors"] == []
    [row] = answer["images"]
    assert row["Status"] == "Unknown" and "deleted" in row["Reason"] and f"{path}:1" in row["Reason"]


def test_a_name_that_matches_no_image_is_an_error_and_nothing_else(backend):
    answer = result(backend.call("image.update_check", {"name": ["upd/no-such-image:1"]}))
    assert answer["images"] == []
    [problem] = answer["errors"]
    assert problem["data"]["kind"] == "NotFound"
