"""An engine or a registry that dies in the middle of an operation (tools/cut_proxy.py in front of the real
one, which goes on): the backend's error is EngineUnavailable or RegistryUnavailable naming the address and
where it came from, with no exception's own text, and nothing half-done is left (the docker CLI, against
the real engine, is the oracle)."""

import http.client
import json
import os
import subprocess
import threading
import time
import uuid

import pytest

from cut_proxy import CutEngine, CutRegistry
from sandbox import push_fresh_image
from stall_registry import StallRegistry

from .conftest import Backend, error, result

pytestmark = pytest.mark.engine

RAW = ("ProtocolError", "IncompleteRead", "Connection broken", "Connection aborted", "Errno", "Traceback",
       "ChunkedEncodingError", "urllib3", "requests", "EOF")
_API = r"^{method} /v[0-9.]+/{path}"


def assert_plain(message):
    for text in RAW:
        assert text not in message, message


def wait_until(check, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.1)


@pytest.fixture
def backends():
    started = []

    def start(env):
        started.append(Backend(env))
        return started[-1]
    yield start
    for backend in started:
        backend.close()


@pytest.fixture
def stall(sandbox_env):
    return StallRegistry(sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]).start()


def docker_images(docker, *args):
    return docker("images", "-q", "--no-trunc", *args).stdout.split()


# ------------------------------------------------------------------------------------- the engine dies

def _engine_env(sandbox_env, address, tmp_path, docker, source):
    """sandbox_env naming the engine at address through source: DOCKER_HOST, a docker context (made by the
    docker CLI) or the settings file's Engine. Returns (env, the words that name the source)."""
    env = {k: v for k, v in sandbox_env.items() if k != "DOCKER_HOST"}
    if source == "DOCKER_HOST":
        return dict(env, DOCKER_HOST=address), "(from DOCKER_HOST)"
    if source == "context":
        config = tmp_path / "docker-config"
        config.mkdir()
        env["DOCKER_CONFIG"] = str(config)
        subprocess.run(["docker", "context", "create", "cut", "--docker", f"host={address}"], env=env, check=True,
                       capture_output=True, timeout=60)
        return dict(env, DOCKER_CONTEXT="cut"), "(from docker context 'cut')"
    settings = tmp_path / "settings" / "config.yaml"
    settings.parent.mkdir()
    settings.write_text(f"Engine: {address}\n", encoding="utf-8")
    return dict(env, CONTAINERIMAGE_CONFIG=str(settings)), f"(from the Engine setting in {settings})"


@pytest.mark.parametrize("source", ["DOCKER_HOST", "context", "settings"])
def test_an_engine_that_dies_mid_pull_is_engine_unavailable_naming_it_and_leaves_no_image(
        sandbox_env, stall, docker, backends, tmp_path, source):
    name = f"{stall.address}/{push_fresh_image(sandbox_env, f'fresh/cut-{uuid.uuid4().hex[:8]}', layers=1)}"
    dangling_before = docker_images(docker, "--filter", "dangling=true")
    with CutEngine(sandbox_env["DOCKER_HOST"], cut_on_answer='"Downloading"') as engine:
        env, words = _engine_env(sandbox_env, engine.address, tmp_path, docker, source)
        backend = backends(env)
        response, progress = backend.wait(backend.start("image.pull", {"name": name}))
        failure = error(response)
        assert engine.cut_done.is_set()
        assert any(p.get("status") == "Downloading" for p in progress)  # it died mid-download
        assert failure["data"]["kind"] == "EngineUnavailable"
        assert failure["data"]["target"] == f"{name}:latest"
        assert failure["message"].startswith(f"Lost the Docker engine at {engine.address} {words}: "), failure
        assert_plain(failure["message"])

        # The next request finds it gone too, still named.
        again = error(backend.call("image.list"))
        assert again["data"]["kind"] == "EngineUnavailable"
        assert f"the Docker engine at {engine.address} {words}" in again["message"]
        assert_plain(again["message"])

    # The real engine saw its client go and dropped the pull: nothing tagged, no partial image.
    wait_until(lambda: stall.stalled == 0, "the engine stops downloading")
    assert docker_images(docker, name) == []
    assert docker_images(docker, "--filter", "dangling=true") == dangling_before
    direct = backends(sandbox_env)
    assert result(direct.call("image.list", {"name": [name]}))["images"] == []


def test_an_engine_that_dies_mid_save_leaves_no_archive(sandbox_env, docker, backends, tmp_path):
    docker("pull", "-q", "microsoft/nanoserver")
    path = tmp_path / "nano.tar"
    with CutEngine(sandbox_env["DOCKER_HOST"], cut_on_request=_API.format(method="GET", path="images/get"),
                   answer_bytes=64 * 1024) as engine:
        backend = backends(dict(sandbox_env, DOCKER_HOST=engine.address))
        failure = error(backend.call("image.save", {"name": ["microsoft/nanoserver"], "path": str(path)}))
        assert engine.cut_done.is_set()
    assert failure["data"]["kind"] == "EngineUnavailable", failure
    assert failure["message"].startswith(f"Lost the Docker engine at {engine.address} (from DOCKER_HOST): ")
    assert_plain(failure["message"])
    assert list(tmp_path.iterdir()) == []  # neither the archive nor its temporary file


def test_an_engine_that_dies_mid_load_leaves_no_image(sandbox_env, docker, backends, tmp_path):
    name = f"cut/load-{uuid.uuid4().hex[:8]}"
    docker("pull", "-q", "microsoft/nanoserver")
    docker("tag", "microsoft/nanoserver", name)
    archive = tmp_path / "load.tar"
    docker("save", "-o", str(archive), name)
    docker("rmi", name)
    with CutEngine(sandbox_env["DOCKER_HOST"], cut_on_request=_API.format(method="POST", path="images/load")) as engine:
        backend = backends(dict(sandbox_env, DOCKER_HOST=engine.address))
        failure = error(backend.call("image.load", {"path": str(archive)}))
    assert failure["data"]["kind"] == "EngineUnavailable", failure
    assert f"the Docker engine at {engine.address} (from DOCKER_HOST)" in failure["message"]
    assert_plain(failure["message"])
    assert docker_images(docker, name) == []


def test_an_engine_whose_socket_vanished_is_named_with_its_source(sandbox_env, backends):
    with CutEngine(sandbox_env["DOCKER_HOST"]) as engine:
        backend = backends(dict(sandbox_env, DOCKER_HOST=engine.address))
        result(backend.call("image.list"))  # the backend has its client and its connection
        engine.cut()
        os.unlink(engine.server_address)
        failures = [error(backend.call("image.list")) for _ in range(2)]  # the kept connection, then a new one
    for failure in failures:
        assert failure["data"]["kind"] == "EngineUnavailable"
        assert f"the Docker engine at {engine.address} (from DOCKER_HOST)" in failure["message"]
        assert_plain(failure["message"])
    assert "its socket does not exist" in failures[-1]["message"]


# ----------------------------------------------------------------------------------- a registry dies

def _registry_has(registry, repository, tag):
    connection = http.client.HTTPConnection(registry, timeout=30)
    connection.request("HEAD", f"/v2/{repository}/manifests/{tag}", headers={
        "Accept": "application/vnd.docker.distribution.manifest.v2+json"})
    status = connection.getresponse().status
    connection.close()
    return status == 200


def test_a_registry_that_dies_mid_push_is_registry_unavailable_and_holds_no_tag(sandbox_env, docker, backend):
    mirror = sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]
    repository = f"cut/push-{uuid.uuid4().hex[:8]}"
    docker("pull", "-q", "microsoft/nanoserver")
    # Layers go up; the registry dies as the manifest (which makes the tag) is sent.
    with CutRegistry(mirror, cut_on_request=r"^PUT /v2/[^ ]+/manifests/") as registry:
        name = f"{registry.address}/{repository}:1"
        docker("tag", "microsoft/nanoserver", name)
        try:
            failure = error(backend.call("image.push", {"name": name}))
        finally:
            docker("rmi", name)
        assert registry.cut_done.is_set()
    assert failure["data"]["kind"] == "RegistryUnavailable", failure
    assert failure["data"]["registry"] == registry.address
    assert failure["message"] == (f"The registry {registry.address} cannot be reached to push {name}: the "
                                  "connection broke off in the middle of the transfer")
    assert not _registry_has(mirror, repository, "1")


def test_a_registry_that_dies_mid_search_is_reported_naming_it(sandbox_env, backend):
    with CutRegistry(sandbox_env["CONTAINERIMAGE_TEST_MIRROR"], cut_on_request=r"^GET /v2/_catalog",
                     answer_bytes=200) as registry:  # the headers and the start of the catalog
        found = result(backend.call("registry.search", {"registry": [registry.address]}))
    assert found["results"] == []
    [problem] = found["errors"]
    assert problem["data"]["kind"] == "RegistryUnavailable"
    assert problem["data"]["target"] == registry.address
    assert problem["message"].startswith(f"The registry {registry.address} ")
    assert_plain(problem["message"])


def test_a_registry_that_dies_mid_manifest_read_is_registry_unavailable(sandbox_env, backend):
    with CutRegistry(sandbox_env["CONTAINERIMAGE_TEST_MIRROR"], cut_on_request=r"^GET /v2/[^ ]+/manifests/",
                     answer_bytes=300) as registry:
        failure = error(backend.call("image.test", {"name": f"{registry.address}/microsoft/nanoserver:latest",
                                                    "remote": True}))
    assert failure["data"]["kind"] == "RegistryUnavailable", failure
    assert failure["message"].startswith(f"The registry {registry.address} ")
    assert_plain(failure["message"])


def test_a_registry_proxy_that_is_not_cut_passes_everything(sandbox_env, backend):
    # The oracle for the tests above: through the proxy, the same calls succeed.
    with CutRegistry(sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]) as registry:
        found = result(backend.call("registry.search", {"registry": [registry.address], "term": "nanoserver"}))
        assert found["errors"] == [] and found["results"], json.dumps(found)
        tested = result(backend.call("image.test", {"name": f"{registry.address}/microsoft/nanoserver:latest",
                                                    "remote": True}))
        assert tested
        assert not registry.cut_done.is_set()


def test_a_cut_proxy_stops_serving_and_leaves_no_thread_behind(sandbox_env):
    # The tool itself: a cut proxy's server loop ends (it used to poll its closed listener forever, a thread
    # at full speed that slowed the rest of the test run several times over).
    proxy = CutRegistry(sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]).start()
    loops = [t for t in threading.enumerate() if t.name == "CutRegistry"]
    assert loops, "the proxy's server thread was not found"
    proxy.cut()
    for loop in loops:
        loop.join(timeout=30)
        assert not loop.is_alive(), "the cut proxy's server loop still runs"
