"""The registry package's client against the sandbox's real registries (Debian's docker-registry, with
deletion enabled): a blob streamed up in chunks, HEAD, a cross-repository mount, a manifest stored and read
back byte for byte, tags, and a delete by digest; Basic auth with a login given for the call; a repository
or tag that is not there; a registry that is down."""

import hashlib
import json
import uuid

import pytest

from containerimage.errors import NotFound, RegistryUnavailable, Unauthorized
from containerimage.registry import manifests
from containerimage.registry.address import parse_registry
from containerimage.registry.client import RegistryClient


def _digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture
def mirror(sandbox_env):
    with RegistryClient(parse_registry(sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]), None) as client:
        yield client


def _push_image(client, name, tag):
    """A small image (config + one 3 MB layer sent in 64 KB chunks); (manifest bytes, layer digest)."""
    layer = uuid.uuid4().bytes * (3 * 1024 * 1024 // 16)
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []},
                         "config": {"Labels": {"test": name}}}).encode()
    sent = []

    def chunks():
        for offset in range(0, len(layer), 65536):
            sent.append(offset)
            yield layer[offset:offset + 65536]
    client.push_blob(name, _digest(layer), chunks())
    assert len(sent) == 48  # streamed as read, not joined first
    client.push_blob(name, _digest(config), iter([config]))
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": manifests.DOCKER_MANIFEST,
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(config),
                   "digest": _digest(config)},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": len(layer),
                    "digest": _digest(layer)}]}, indent=3).encode()
    assert client.put_manifest(name, tag, manifest, manifests.DOCKER_MANIFEST) == _digest(manifest)
    return manifest, _digest(layer), len(layer)


def test_write_read_mount_and_delete_on_a_real_registry(mirror):
    name = f"pkg-test/{uuid.uuid4().hex[:8]}"
    manifest, layer, size = _push_image(mirror, name, "1.0")

    body, media_type, digest = mirror.manifest_raw(name, "1.0")
    assert (body, media_type, digest) == (manifest, manifests.DOCKER_MANIFEST, _digest(manifest))
    assert mirror.head_manifest(name, "1.0") == (digest, manifests.DOCKER_MANIFEST, len(manifest))
    assert mirror.head_blob(name, layer) == size
    with mirror.open_blob(name, layer) as response:
        assert _digest(b"".join(response.iter_content(65536))) == layer

    other = f"{name}-mounted"
    assert mirror.head_blob(other, layer) is None
    assert mirror.mount_blob(other, layer, name) is True
    assert mirror.head_blob(other, layer) == size

    mirror.put_manifest(name, "1.1", manifest, manifests.DOCKER_MANIFEST)
    assert mirror.tags(name) == ["1.0", "1.1"]
    mirror.delete_manifest(name, digest)  # by digest: every tag naming it goes
    assert mirror.head_manifest(name, "1.0") is None
    assert mirror.tags(name) == []


def test_not_found_names_what(mirror):
    with pytest.raises(NotFound) as caught:
        mirror.manifest_raw("pkg-test/none-such", "1")
    assert "pkg-test/none-such:1" in caught.value.message
    with pytest.raises(NotFound) as caught:
        mirror.tags("pkg-test/none-such")
    assert "pkg-test/none-such" in caught.value.message


def test_basic_auth_with_a_login_given_for_the_call(sandbox_env):
    registry = parse_registry(sandbox_env["CONTAINERIMAGE_TEST_REGISTRY"])
    login = {"username": sandbox_env["CONTAINERIMAGE_TEST_USER"], "password": sandbox_env["CONTAINERIMAGE_TEST_PASSWORD"]}
    with RegistryClient(registry, login) as client:
        assert "1.0" in client.tags("private/busybox")
        name = f"pkg-test/{uuid.uuid4().hex[:8]}"
        _, _, _ = _push_image(client, name, "x")
        assert client.tags(name) == ["x"]
    with RegistryClient(registry, None) as client:
        with pytest.raises(Unauthorized) as caught:
            client.tags("private/busybox")
    assert caught.value.message.startswith(f"{registry.name} requires a login")
    with RegistryClient(registry, dict(login, password="Not-The-Pa55word")) as client:
        with pytest.raises(Unauthorized) as caught:
            client.tags("private/busybox")
    assert "Not-The-Pa55word" not in caught.value.message and "login given" in caught.value.message


def test_a_registry_that_is_down(sandbox_env):
    with RegistryClient(parse_registry(sandbox_env["CONTAINERIMAGE_TEST_DOWN_REGISTRY"]), None) as client:
        with pytest.raises(RegistryUnavailable) as caught:
            client.tags("a")
    assert caught.value.message.startswith(f"The registry {sandbox_env['CONTAINERIMAGE_TEST_DOWN_REGISTRY']} "
                                           "cannot be reached")
