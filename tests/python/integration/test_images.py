"""The backend against the sandbox's real engine and registries."""

import json
import time
import urllib.request
import uuid

import pytest

from sandbox import push_fresh_image
from stall_registry import StallRegistry

from .conftest import error, result

pytestmark = pytest.mark.engine


@pytest.fixture
def clean(docker):
    """Removes the images a test names, before and after it."""
    names = []

    def register(*images):
        names.extend(images)
        for name in images:
            docker("rmi", "-f", name, check=False)
    yield register
    for name in names:
        docker("rmi", "-f", name, check=False)


def test_handshake_names_the_engine(backend, sandbox_env):
    info = result(backend.call("handshake"))
    assert info["protocolVersion"] == 1
    assert info["engine"]["error"] is None
    assert info["engine"]["host"] == sandbox_env["DOCKER_HOST"]
    assert info["engine"]["apiVersion"]
    assert info["engine"]["os"] == "linux"


def test_pull_by_hub_name_sends_layer_progress_then_lists_it(backend, docker, clean, sandbox_env):
    name = push_fresh_image(sandbox_env, f"fresh/pull-{uuid.uuid4().hex[:8]}")  # two layers, neither on the engine
    clean(name)
    response, progress = backend.wait(backend.start("image.pull", {"name": name}))
    pulled = result(response)
    assert [(i["Repository"], i["Tag"]) for i in pulled["images"]] == [(name, "latest")]
    assert pulled["digest"].startswith("sha256:")
    assert "Downloaded newer image" in pulled["status"]
    layers = {p["id"] for p in progress}
    assert len(layers) == 2
    for layer in layers:
        statuses = [p["status"] for p in progress if p["id"] == layer]
        assert statuses[-1] == "Pull complete"

    image_id = docker("image", "inspect", "--format", "{{.Id}}", name).stdout.strip()
    listed = result(backend.call("image.list", {"name": [name]}))
    assert [i["FullId"] for i in listed["images"]] == [image_id]
    assert listed["errors"] == []


def test_pull_if_missing_does_not_ask_the_registry_again(backend, clean):
    clean("microsoft/nanoserver:latest")
    first = result(backend.call("image.pull", {"name": "microsoft/nanoserver", "if_missing": True}))
    assert "Downloaded newer image" in first["status"]
    again = result(backend.call("image.pull", {"name": "microsoft/nanoserver", "if_missing": True}))
    assert again["status"] == "Already installed"
    assert again["images"][0]["FullId"] == first["images"][0]["FullId"]


def test_list_matches_docker_images(backend, docker, clean):
    clean("microsoft/nanoserver:latest", "microsoft/windowsservercore:latest")
    docker("pull", "microsoft/nanoserver")
    docker("pull", "microsoft/windowsservercore")
    rows = result(backend.call("image.list"))["images"]
    expected = sorted(docker("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").stdout.split("\n")[:-1])
    assert sorted(f"{r['Repository']}:{r['Tag']} {r['Id']}" for r in rows) == expected


def test_list_reports_missing_names_and_bad_references_without_failing(backend, docker, clean):
    clean("microsoft/nanoserver:latest")
    docker("pull", "microsoft/nanoserver")
    listed = result(backend.call("image.list", {"name": ["microsoft/nanoserver", "no/such", "Bad//ref", "zz*"]}))
    assert [r["Repository"] for r in listed["images"]] == ["microsoft/nanoserver"]
    kinds = sorted((e["data"]["kind"], e["data"]["target"]) for e in listed["errors"])
    assert kinds == [("InvalidReference", "Bad//ref"), ("NotFound", "no/such")]


def test_pull_errors_are_distinct(backend, sandbox_env):
    registry = sandbox_env["CONTAINERIMAGE_TEST_REGISTRY"]
    good = {"username": sandbox_env["CONTAINERIMAGE_TEST_USER"], "password": sandbox_env["CONTAINERIMAGE_TEST_PASSWORD"]}
    bad = dict(good, password="wrong-password")
    cases = [
        ({"name": f"{registry}/private/busybox", "tag": "nosuchtag", "auth": good}, "NotFound", "nosuchtag"),
        ({"name": f"{registry}/private/nosuchrepo", "auth": good}, "NotFound", "nosuchrepo"),
        ({"name": f"{registry}/private/busybox:1.0", "auth": bad}, "Unauthorized", registry),
        ({"name": f"{registry}/private/busybox:1.0"}, "Unauthorized", registry),
        ({"name": f"{sandbox_env['CONTAINERIMAGE_TEST_DOWN_REGISTRY']}/any/image"}, "RegistryUnavailable",
         sandbox_env["CONTAINERIMAGE_TEST_DOWN_REGISTRY"]),
        ({"name": "microsoft/nano server"}, "InvalidReference", "nano server"),
        ({"name": "microsoft/nanoserver:latest", "tag": "other"}, "InvalidParams", "other"),
    ]
    for params, kind, mentioned in cases:
        failure = error(backend.call("image.pull", params))
        assert failure["data"]["kind"] == kind, (params["name"], failure)
        assert mentioned in failure["message"], failure
        assert "wrong-password" not in json.dumps(failure)
        assert good["password"] not in json.dumps(failure)


def test_pull_with_credentials(backend, sandbox_env, clean):
    name = f"{sandbox_env['CONTAINERIMAGE_TEST_REGISTRY']}/private/busybox:1.0"
    clean(name)
    auth = {"username": sandbox_env["CONTAINERIMAGE_TEST_USER"], "password": sandbox_env["CONTAINERIMAGE_TEST_PASSWORD"]}
    pulled = result(backend.call("image.pull", {"name": name, "auth": auth}))
    assert [i["Tag"] for i in pulled["images"]] == ["1.0"]


def test_a_listing_is_answered_while_a_pull_is_stalled_and_cancel_stops_the_pull(backend, sandbox_env, docker):
    stall = StallRegistry(sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]).start()
    try:
        name = f"{stall.address}/{push_fresh_image(sandbox_env, f'fresh/stall-{uuid.uuid4().hex[:8]}', layers=1)}"
        pull_id = backend.start("image.pull", {"name": name})
        first_progress = None
        while first_progress is None:  # the layer download has started and will never finish by itself
            message = backend.messages.get(timeout=60)
            if message.get("method") == "$/progress" and message["params"]["request"] == pull_id:
                first_progress = message

        listing = backend.call("image.list")  # not held up by the pull
        assert "result" in listing
        deadline = time.monotonic() + 30
        while _stalled(stall) == 0 and time.monotonic() < deadline:  # the layer's download has begun
            time.sleep(0.05)
        assert _stalled(stall) == 1

        backend.send({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": pull_id}})
        response, _ = backend.wait(pull_id)
        assert error(response)["data"]["kind"] == "Cancelled"
        deadline = time.monotonic() + 30
        while _stalled(stall) and time.monotonic() < deadline:  # the engine hangs up on the registry
            time.sleep(0.05)
        assert _stalled(stall) == 0
        assert docker("image", "inspect", name, check=False).returncode != 0
    finally:
        stall.shutdown()
        stall.server_close()


def _stalled(stall):
    with urllib.request.urlopen(f"http://{stall.address}/_stalled", timeout=5) as reply:
        return json.load(reply)["stalled"]


def test_stdout_carries_only_protocol_messages(backend):
    backend.send(b"this is not json\n")
    assert result(backend.call("ping")) == {}
    backend.close()
    for line in backend.lines:
        assert json.loads(line)["jsonrpc"] == "2.0"


def test_platforms_are_kept_for_the_next_backend(backend, docker, clean, sandbox_env):
    clean("microsoft/nanoserver:latest")
    docker("pull", "microsoft/nanoserver")
    row = result(backend.call("image.list", {"name": ["microsoft/nanoserver"]}))["images"][0]
    path = f"{sandbox_env['CONTAINERIMAGE_CACHE_DIR']}/platforms.json"
    with open(path, encoding="utf-8") as f:
        kept = json.load(f)
    assert kept[row["FullId"]]["Os"] == "linux"
    assert kept[row["FullId"]]["Architecture"] == row["Architecture"]
