"""The sandbox's target registry (no auth, deletion on, a request log) and tools/registry_push.py's
multi-platform images (OCI index, Docker manifest list, a Windows entry with a foreign layer), checked with
skopeo as the outside oracle."""

import hashlib
import http.client
import json
import os
import subprocess
import uuid

import pytest

from registry_push import MEDIA_TYPES, Registry, parse_platform, push_image, push_list
from sandbox import start_registry, stop_process, wait_for_registry, free_port

PLATFORMS = ["linux/amd64", "linux/arm64", "windows/amd64/10.0.20348.2227"]


def skopeo(*args):
    result = subprocess.run(["skopeo", *args], capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


def raw(address, reference):
    return skopeo("inspect", "--tls-verify=false", "--raw", f"docker://{address}/{reference}")


def request(address, method, path, headers=None):
    connection = http.client.HTTPConnection(address, timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_the_target_registry_needs_no_login_deletes_and_logs_each_request(sandbox_env):
    target = sandbox_env["CONTAINERIMAGE_TEST_TARGET"]
    assert request(target, "GET", "/v2/")[0] == 200
    name = unique("tools/delete")
    image = push_image(Registry(target), name, "1", parse_platform("linux/amd64"))
    assert request(target, "DELETE", f"/v2/{name}/manifests/{image['digest']}")[0] == 202
    assert request(target, "GET", f"/v2/{name}/manifests/1")[0] == 404
    with open(os.path.join(sandbox_env["CONTAINERIMAGE_SANDBOX"], "target.log"), encoding="utf-8") as log:
        text = log.read()
    assert f'"DELETE /v2/{name}/manifests/{image["digest"]} HTTP/1.1" 202' in text


@pytest.mark.parametrize("format", ["oci", "docker"])
def test_a_pushed_list_has_three_platforms_and_a_foreign_windows_layer(sandbox_env, format):
    target = sandbox_env["CONTAINERIMAGE_TEST_TARGET"]
    name = unique(f"tools/{format}")
    pushed = push_list(Registry(target), name, "multi", [parse_platform(p) for p in PLATFORMS], format,
                       foreign_layer=True)
    types = MEDIA_TYPES[format]
    body = raw(target, f"{name}:multi")
    assert "sha256:" + hashlib.sha256(body).hexdigest() == pushed["digest"]
    index = json.loads(body)
    assert index["mediaType"] == types["list"]
    assert [m["platform"] for m in index["manifests"]] == [
        {"os": "linux", "architecture": "amd64"}, {"os": "linux", "architecture": "arm64"},
        {"os": "windows", "architecture": "amd64", "os.version": "10.0.20348.2227"}]
    windows = json.loads(raw(target, f"{name}@{index['manifests'][2]['digest']}"))
    foreign, layer = windows["layers"]
    assert foreign["mediaType"] == types["foreign"] and foreign["urls"][0].startswith("https://")
    assert foreign["digest"] == pushed["images"][2]["foreign"]
    assert layer["mediaType"] == types["layer"]
    linux = json.loads(raw(target, f"{name}@{index['manifests'][0]['digest']}"))
    assert [d["mediaType"] for d in linux["layers"]] == [types["layer"]]
    described = json.loads(skopeo("inspect", "--tls-verify=false", "--override-os", "windows",
                                  f"docker://{target}/{name}:multi"))
    assert (described["Os"], described["Digest"]) == ("windows", pushed["digest"])


def test_a_big_image_has_the_layers_asked_for(sandbox_env):
    target = sandbox_env["CONTAINERIMAGE_TEST_TARGET"]
    name = unique("tools/big")
    image = push_image(Registry(target), name, "1", parse_platform("linux/amd64"), layers=3, megabytes=1)
    manifest = json.loads(raw(target, f"{name}:1"))
    assert [d["digest"] for d in manifest["layers"]] == image["layers"] and len(set(image["layers"])) == 3
    assert all(d["size"] > 1 << 20 for d in manifest["layers"])


def test_a_registry_of_its_own_restarts_with_what_it_stored(sandbox_env, tmp_path):
    port = free_port()
    folder = str(tmp_path / "registry")
    log = os.path.join(folder, "registry.log")
    process = start_registry(folder, port)
    try:
        wait_for_registry(process, port, log)
        image = push_image(Registry(f"127.0.0.1:{port}"), "own/app", "1", parse_platform("linux/amd64"))
        process.kill()
        process.wait()
        process = start_registry(folder, port)
        wait_for_registry(process, port, log)
        assert "sha256:" + hashlib.sha256(raw(f"127.0.0.1:{port}", "own/app:1")).hexdigest() == image["digest"]
    finally:
        stop_process(process, 10)
