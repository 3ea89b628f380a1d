"""image.copy against the sandbox's real registries, with skopeo as the outside oracle: the bytes of every
manifest at the destination are the source's (skopeo inspect --raw), the blobs are where they should be,
a copy killed in the middle leaves no manifest and a rerun sends only what is missing (counted on the
registry's own request log)."""

import hashlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid

import pytest

from .conftest import BACKEND, Backend, error, result
from cut_proxy import CutRegistry
from registry_push import Registry, parse_platform, push_image, push_list
from sandbox import free_port, start_registry, stop_process, wait_for_registry
from stall_registry import StallRegistry

PLATFORMS = ["linux/amd64", "linux/arm64", "windows/amd64/10.0.20348.2227"]


def skopeo_raw(address, reference):
    """The manifest's bytes as skopeo reads them."""
    done = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--raw", f"docker://{address}/{reference}"],
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def status(address, method, path, headers=None):
    connection = http.client.HTTPConnection(address, timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        return connection.getresponse().status
    finally:
        connection.close()


def has_blob(address, name, digest):
    return status(address, "HEAD", f"/v2/{name}/blobs/{digest}") == 200


def has_manifest(address, name, reference):
    accept = ", ".join(["application/vnd.oci.image.index.v1+json",
                        "application/vnd.docker.distribution.manifest.list.v2+json",
                        "application/vnd.oci.image.manifest.v1+json",
                        "application/vnd.docker.distribution.manifest.v2+json"])
    return status(address, "HEAD", f"/v2/{name}/manifests/{reference}", {"Accept": accept}) == 200


def uploads(log_text, name):
    """Digests of the blob uploads the registry finished for repository name (its access log: one line per
    request, the final PUT carrying ?digest=)."""
    pattern = re.compile(rf'"PUT /v2/{re.escape(name)}/blobs/uploads/[^ ]*[?&]digest=sha256%3A([0-9a-f]{{64}})'
                         r'[^ ]* HTTP/1\.1" 201')
    return ["sha256:" + match for match in pattern.findall(log_text)]


def read(path):
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def target(sandbox_env):
    return sandbox_env["CONTAINERIMAGE_TEST_TARGET"]


@pytest.fixture
def mirror(sandbox_env):
    return sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]


@pytest.fixture(params=["oci", "docker"])
def pushed_list(request, mirror):
    """A list (OCI index or Docker manifest list) of three platforms, the Windows one with a foreign layer,
    in the mirror."""
    name = unique(f"copy/{request.param}")
    pushed = push_list(Registry(mirror), name, "multi", [parse_platform(p) for p in PLATFORMS], request.param,
                       foreign_layer=True)
    return dict(pushed, name=name, format=request.param)


def test_a_list_is_copied_whole_with_its_bytes_and_digest(backend, mirror, target, pushed_list):
    name, destination = pushed_list["name"], unique("copied/list")
    copied = result(backend.call("image.copy", {"name": f"{mirror}/{name}:multi",
                                                "destination": f"{target}/{destination}"}))
    assert skopeo_raw(target, f"{destination}:multi") == skopeo_raw(mirror, f"{name}:multi")
    assert copied["Digest"] == pushed_list["digest"] == copied["Digest"]
    assert copied["Destination"] == f"{target}/{destination}:multi"
    assert copied["MediaType"] == pushed_list["mediaType"]
    assert copied["Platforms"] == ["linux/amd64", "linux/arm64", "windows/amd64 (10.0.20348.2227)"]
    for image in pushed_list["images"]:
        assert skopeo_raw(target, f"{destination}@{image['digest']}") == skopeo_raw(mirror, f"{name}@{image['digest']}")
        for blob in [image["config"]] + image["layers"]:
            assert has_blob(target, destination, blob) == (blob != image["foreign"]), blob
    # 3 configs and 3 layers sent; the foreign layer is named by the manifest, not copied
    assert (copied["Copied"], copied["Mounted"], copied["Existing"], copied["ForeignLayers"]) == (6, 0, 0, 1)


def test_foreign_layers_are_copied_when_asked(backend, mirror, target, pushed_list):
    name, destination = pushed_list["name"], unique("copied/foreign")
    copied = result(backend.call("image.copy", {"name": f"{mirror}/{name}:multi", "include_foreign_layers": True,
                                                "destination": f"{target}/{destination}"}))
    windows = pushed_list["images"][2]
    assert has_blob(target, destination, windows["foreign"])
    assert copied["ForeignLayers"] == 0 and copied["Copied"] == 7
    assert skopeo_raw(target, f"{destination}:multi") == skopeo_raw(mirror, f"{name}:multi")


def test_one_platform_is_copied_as_that_image_alone(backend, mirror, target, pushed_list):
    name, destination = pushed_list["name"], unique("copied/one")
    copied = result(backend.call("image.copy", {"name": f"{mirror}/{name}:multi", "platform": ["linux/arm64"],
                                                "destination": f"{target}/{destination}:arm"}))
    arm = pushed_list["images"][1]
    assert copied["Digest"] == arm["digest"] and copied["Platforms"] == ["linux/arm64"]
    assert skopeo_raw(target, f"{destination}:arm") == skopeo_raw(mirror, f"{name}@{arm['digest']}")
    assert not has_manifest(target, destination, pushed_list["images"][0]["digest"])
    assert not has_blob(target, destination, pushed_list["images"][0]["layer"])


def test_several_platforms_make_a_new_list_of_those_entries(backend, mirror, target, pushed_list):
    name, destination = pushed_list["name"], unique("copied/two")
    copied = result(backend.call("image.copy", {"name": f"{mirror}/{name}:multi",
                                                "platform": ["linux/amd64", "windows"],
                                                "destination": f"{target}/{destination}"}))
    body = skopeo_raw(target, f"{destination}:multi")
    assert "sha256:" + hashlib.sha256(body).hexdigest() == copied["Digest"] != pushed_list["digest"]
    entries = json.loads(body)["manifests"]
    images = pushed_list["images"]
    assert [e["digest"] for e in entries] == [images[0]["digest"], images[2]["digest"]]
    assert json.loads(body)["mediaType"] == pushed_list["mediaType"]
    for image in (images[0], images[2]):
        assert has_manifest(target, destination, image["digest"])
    assert not has_blob(target, destination, images[1]["layer"])


def test_a_platform_the_list_lacks_is_not_found_naming_what_it_has(backend, mirror, target, pushed_list):
    failure = error(backend.call("image.copy", {"name": f"{mirror}/{pushed_list['name']}:multi",
                                                "platform": ["linux/s390x"], "destination": f"{target}/x/y"}))
    assert failure["data"]["kind"] == "NotFound"
    assert "linux/s390x" in failure["message"] and "windows/amd64 (10.0.20348.2227)" in failure["message"]


def test_a_rerun_sends_nothing_and_a_copy_within_a_registry_mounts(backend, sandbox_env, mirror, target):
    name = unique("copy/rerun")
    image = push_image(Registry(mirror), name, "1", parse_platform("linux/amd64"))
    first = result(backend.call("image.copy", {"name": f"{mirror}/{name}:1", "destination": f"{target}/{name}"}))
    again = result(backend.call("image.copy", {"name": f"{mirror}/{name}:1", "destination": f"{target}/{name}"}))
    assert (first["Copied"], again["Copied"], again["Existing"], first["Platforms"]) == (2, 0, 2, ["linux/amd64"])
    # Another repository of the same registry: the registry links the blobs, nothing is sent.
    other = unique("copy/mounted")
    mounted = result(backend.call("image.copy", {"name": f"{mirror}/{name}:1", "destination": f"{mirror}/{other}:2"}))
    assert (mounted["Copied"], mounted["Mounted"]) == (0, 2)
    log = read(os.path.join(sandbox_env["CONTAINERIMAGE_SANDBOX"], "mirror.log"))
    assert len(re.findall(rf'"POST /v2/{other}/blobs/uploads/\?[^ "]*mount=sha256%3A[0-9a-f]{{64}}[^ "]* HTTP/1\.1" 201',
                          log)) == 2
    assert uploads(log, other) == []
    assert skopeo_raw(mirror, f"{other}:2") == skopeo_raw(mirror, f"{name}:1")
    assert image["digest"] == mounted["Digest"]


def test_a_copy_by_digest_keeps_no_tag(backend, mirror, target):
    name = unique("copy/digest")
    image = push_image(Registry(mirror), name, "1", parse_platform("linux/amd64"))
    copied = result(backend.call("image.copy", {"name": f"{mirror}/{name}@{image['digest']}",
                                                "destination": f"{target}/{name}"}))
    assert copied["Destination"] == f"{target}/{name}@{image['digest']}"
    assert has_manifest(target, name, image["digest"]) and not has_manifest(target, name, "1")


def test_the_source_or_destination_refusing_says_which(backend, sandbox_env, mirror):
    auth = sandbox_env["CONTAINERIMAGE_TEST_REGISTRY"]
    login = {"username": sandbox_env["CONTAINERIMAGE_TEST_USER"], "password": sandbox_env["CONTAINERIMAGE_TEST_PASSWORD"]}
    name = unique("copy/auth")
    push_image(Registry(mirror), name, "1", parse_platform("linux/amd64"))
    source = error(backend.call("image.copy", {"name": f"{auth}/private/busybox:1.0", "destination": f"{mirror}/{name}"}))
    assert source["data"]["kind"] == "Unauthorized" and source["message"].startswith(f"The source {auth}/private/busybox:1.0")
    destination = error(backend.call("image.copy", {"name": f"{mirror}/{name}:1", "destination": f"{auth}/{name}"}))
    assert destination["data"]["kind"] == "Unauthorized"
    assert destination["message"].startswith(f"The destination {auth}/{name}:1"), destination["message"]
    wrong = error(backend.call("image.copy", {"name": f"{mirror}/{name}:1", "destination": f"{auth}/{name}",
                                              "destination_auth": dict(login, password="Not-The-Pa55word")}))
    assert wrong["data"]["kind"] == "Unauthorized" and wrong["message"].startswith("The destination")
    assert "Not-The-Pa55word" not in json.dumps(wrong)  # never the password
    copied = result(backend.call("image.copy", {"name": f"{mirror}/{name}:1", "destination": f"{auth}/{name}",
                                                "destination_auth": login}))
    assert copied["Copied"] == 2
    back = result(backend.call("image.copy", {"name": f"{auth}/{name}:1", "destination": f"{mirror}/{name}-back",
                                              "auth": login}))
    assert back["Digest"] == copied["Digest"]


def test_a_missing_source_and_a_registry_down_are_named(backend, sandbox_env, mirror, target):
    missing = error(backend.call("image.copy", {"name": f"{mirror}/copy/none:1", "destination": f"{target}/x"}))
    assert missing["data"]["kind"] == "NotFound" and f"{mirror}/copy/none:1" in missing["message"]
    down = sandbox_env["CONTAINERIMAGE_TEST_DOWN_REGISTRY"]
    name = unique("copy/down")
    push_image(Registry(mirror), name, "1", parse_platform("linux/amd64"))
    failure = error(backend.call("image.copy", {"name": f"{mirror}/{name}:1", "destination": f"{down}/{name}"}))
    assert failure["data"]["kind"] == "RegistryUnavailable"
    assert failure["message"].startswith(f"The destination {down}/{name}:1"), failure["message"]


def test_a_source_that_dies_in_the_middle_of_a_layer_is_the_source_unavailable(backend, mirror, target):
    name = unique("copy/source-dies")
    big = push_image(Registry(mirror), name, "1", parse_platform("linux/amd64"), megabytes=2)
    # The destination has the config already, so the layer is the only blob read from the source: the
    # source's death also ends every other connection, and a config read still under way would fail first
    # (as "cannot be reached") about once in a few runs on a busy machine.
    _, config = Registry(mirror).request("GET", f"/v2/{name}/blobs/{big['config']}")
    Registry(target).put_blob(name, config)
    # The source answers the layer's headers and its first 64 kB, then dies.
    with CutRegistry(mirror, cut_on_request=rf"^GET /v2/[^ ]+/blobs/{big['layer']}", answer_bytes=1 << 16) as source:
        failure = error(backend.call("image.copy", {"name": f"{source.address}/{name}:1", "destination": f"{target}/{name}"}))
        assert source.cut_done.is_set()
    assert failure["data"]["kind"] == "RegistryUnavailable", failure
    assert failure["message"].startswith(f"The source registry {source.address} broke off the blob {big['layer']}"), \
        failure["message"]
    assert not has_manifest(target, name, "1") and not has_blob(target, name, big["layer"])


def test_a_destination_killed_in_the_middle_holds_no_manifest_and_a_rerun_sends_only_what_is_missing(
        sandbox_env, mirror, tmp_path):
    # The destination is a registry of the test's own, behind a proxy that lets small uploads through and
    # stalls the one big layer, for as long as the test likes: the copy is then certainly in the middle.
    name = unique("copy/killed")
    big = push_image(Registry(mirror), name, "1", parse_platform("linux/amd64"), layers=2, megabytes=4)
    port, folder = free_port(), str(tmp_path / "destination")
    log = os.path.join(folder, "registry.log")
    registry = start_registry(folder, port)
    destination = f"127.0.0.1:{port}"
    backend = Backend(sandbox_env)
    try:
        wait_for_registry(registry, port, log)
        stall = StallRegistry(destination, upload_threshold=1 << 20).start()
        with CutRegistry(stall.address) as proxy:
            request = backend.start("image.copy", {"name": f"{mirror}/{name}:1", "destination": f"{proxy.address}/{name}"})
            blobs = [big["config"]] + big["layers"]
            deadline = time.monotonic() + 120
            while not (stall.stalled == 2 and has_blob(destination, name, big["config"])):
                assert time.monotonic() < deadline, "the copy did not reach its big layers"
                time.sleep(0.05)
            registry.kill()  # the destination dies in the middle of two uploads
            registry.wait()
            proxy.cut()
            response, _ = backend.wait(request)
        stall.shutdown()
        failure = error(response)
        assert failure["data"]["kind"] == "RegistryUnavailable", failure
        assert failure["message"].startswith(f"The destination {proxy.address}/{name}:1"), failure["message"]
        registry = start_registry(folder, port)  # the same storage
        wait_for_registry(registry, port, log)
        assert not has_manifest(destination, name, "1")
        missing = [blob for blob in blobs if not has_blob(destination, name, blob)]
        assert set(missing) == set(big["layers"])
        before = len(read(log))
        copied = result(backend.call("image.copy", {"name": f"{mirror}/{name}:1", "destination": f"{destination}/{name}"}))
        time.sleep(0.2)  # the registry logs a request after answering it
        sent = uploads(read(log)[before:], name)
        assert sorted(sent) == sorted(missing)
        assert (copied["Copied"], copied["Existing"]) == (2, 1)
        assert skopeo_raw(destination, f"{name}:1") == skopeo_raw(mirror, f"{name}:1")
    finally:
        backend.close()
        stop_process(registry, 10)


def test_the_cli_copies_and_says_what_it_sent(sandbox_env, mirror, target):
    name = unique("copy/cli")
    image = push_image(Registry(mirror), name, "1", parse_platform("linux/amd64"))
    env = dict(sandbox_env, PYTHONPATH=BACKEND)
    done = subprocess.run([sys.executable, "-m", "containerimage", "copy", f"{mirror}/{name}:1", f"{target}/{name}"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"Digest: {image['digest']}"
    assert f"{target}/{name}:1 copied from {mirror}/{name}:1 (linux/amd64: 2 blobs sent" in done.stdout
    # Ctrl+C (SIGINT) in the middle of a layer read from a source that never finishes it: the command stops,
    # says so, hangs up on the source, and the destination gets no manifest.
    stall = StallRegistry(mirror).start()
    try:
        command = subprocess.Popen([sys.executable, "-m", "containerimage", "copy", f"{stall.address}/{name}:1",
                                    f"{target}/{name}-interrupted"], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while stall.stalled < 1:
            assert time.monotonic() < deadline and command.poll() is None, "the copy did not reach its layer"
            time.sleep(0.05)
        command.send_signal(signal.SIGINT)
        _, stderr = command.communicate(timeout=60)
        assert command.returncode == 130 and stderr.rstrip().endswith("Cancelled."), stderr
        deadline = time.monotonic() + 30
        while stall.stalled:
            assert time.monotonic() < deadline, "the source download was not dropped"
            time.sleep(0.05)
    finally:
        stall.shutdown()
    assert not has_manifest(target, f"{name}-interrupted", "1")
    missing = subprocess.run([sys.executable, "-m", "containerimage", "copy", f"{mirror}/{name}:nope", f"{target}/{name}"],
                             env=env, capture_output=True, text=True, timeout=120)
    assert missing.returncode == 3 and missing.stderr.startswith("Error: The source"), missing.stderr
