"""image.test, the check before image.pull, RunsOnHost and aliases against the sandbox's real engine and
registry: images whose configs say os: windows (with various os.version) and manifest lists are pushed into
the mirror registry through its HTTP API (tools/registry_push.py). The real engine is Linux; a Windows host
is tools/windows_engine.py in front of it (the real engine, answering /info and /version as Windows)."""

import os
import time
import uuid

import pytest

from registry_push import Registry, parse_platform, push_image, push_list
from windows_engine import WindowsEngine

from .conftest import Backend, error, result

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def pushed(sandbox_env):
    """Images in the mirror: windows builds 17763, 20348, 26100, a linux one, and a list of both OSes."""
    registry = Registry(sandbox_env["CONTAINERIMAGE_TEST_MIRROR"])
    name = f"compat/{uuid.uuid4().hex[:8]}"
    images = {build: push_image(registry, name, f"win{build}", parse_platform(f"windows/amd64/10.0.{build}.100"))
              for build in (17763, 20348, 26100)}
    architecture = os.uname().machine.replace("x86_64", "amd64").replace("aarch64", "arm64")
    images["linux"] = push_image(registry, name, "linux", parse_platform(f"linux/{architecture}"))
    images["list"] = push_list(registry, name, "multi", [parse_platform("windows/amd64/10.0.17763.100"),
                                                         parse_platform("windows/amd64/10.0.20348.100"),
                                                         parse_platform(f"linux/{architecture}")])
    return f"{sandbox_env['CONTAINERIMAGE_TEST_MIRROR']}/{name}", images


@pytest.fixture
def windows_backend(sandbox_env, tmp_path):
    """start(build, isolation) -> (backend, engine): a backend whose engine says it is Windows of that build."""
    started = []

    def start(build, isolation="process", settings=None):
        engine = WindowsEngine(sandbox_env["DOCKER_HOST"], build, isolation).start()
        env = dict(sandbox_env, DOCKER_HOST=engine.host, CONTAINERIMAGE_CACHE_DIR=str(tmp_path / f"cache-{build}"))
        if settings is not None:
            config = tmp_path / f"config-{build}.yaml"
            config.write_text(settings)
            env["CONTAINERIMAGE_CONFIG"] = str(config)
        backend = Backend(env)
        started.append((backend, engine))
        return backend, engine
    yield start
    for backend, engine in started:
        backend.close()
        engine.__exit__()


def blob_fetches(sandbox_env, digest):
    """How often the mirror answered a GET of this blob (its log has a line per request)."""
    with open(os.path.join(sandbox_env["CONTAINERIMAGE_SANDBOX"], "mirror.log"), encoding="utf-8",
              errors="replace") as log:
        return sum(1 for line in log if f"/blobs/{digest}" in line and "GET" in line and "response completed" in line)


def test_remote_windows_images_on_the_linux_host(backend, pushed):
    repository, images = pushed
    row = result(backend.call("image.test", {"name": f"{repository}:win20348"}))
    assert (row["Compatible"], row["Source"], row["ImageOs"], row["ImageOsVersion"]) == \
        (False, "Registry", "windows", "10.0.20348.100")
    assert row["HostOs"] == "linux" and row["HostOsVersion"] in row["Reason"] and "10.0.20348.100" in row["Reason"]
    assert row["Digest"] == images[20348]["digest"]
    listed = result(backend.call("image.test", {"name": f"{repository}:multi"}))
    assert (listed["Compatible"], listed["ImageOs"]) == (True, "linux")
    assert listed["Platforms"] == ["windows/amd64 10.0.17763.100", "windows/amd64 10.0.20348.100",
                                   f"linux/{images['linux']['platform']['architecture']}"]


@pytest.mark.parametrize("build, isolation, compatible", [
    (20348, "process", {17763: False, 20348: True, 26100: False}),
    (20348, "hyperv", {17763: True, 20348: True, 26100: False}),
    (26100, "process", {17763: False, 20348: True, 26100: True}),
    (17763, "process", {17763: True, 20348: False, 26100: False}),
])
def test_remote_windows_images_on_windows_hosts(windows_backend, pushed, build, isolation, compatible):
    repository, images = pushed
    backend, engine = windows_backend(build, isolation)
    for image_build, expected in compatible.items():
        row = result(backend.call("image.test", {"name": f"{repository}:win{image_build}"}))
        assert (row["Compatible"], row["HostOsVersion"], row["Isolation"]) == \
            (expected, f"10.0.{build}", {"process": "Process", "hyperv": "HyperV"}[isolation]), row
        assert f"10.0.{image_build}.100" in row["Reason"] and f"10.0.{build}" in row["Reason"]
    explicit = result(backend.call("image.test", {"name": f"{repository}:win17763", "isolation": "HyperV"}))
    assert explicit["Compatible"] is True
    assert not any("/images/create" in line for line in engine.requests)


def test_a_manifest_list_gives_a_windows_host_its_build(windows_backend, pushed):
    repository, _ = pushed
    backend, _ = windows_backend(22621)
    row = result(backend.call("image.test", {"name": f"{repository}:multi"}))
    assert (row["Compatible"], row["ImageOs"], row["ImageOsVersion"]) == (True, "windows", "10.0.20348.100")


def test_install_of_a_windows_image_on_the_linux_host_fails_before_any_download(backend, docker, pushed, sandbox_env):
    repository, images = pushed
    name = f"{repository}:win20348"
    failure = error(backend.call("image.pull", {"name": name}))
    assert failure["data"]["kind"] == "Incompatible"
    assert failure["data"]["target"] == name
    assert "10.0.20348.100" in failure["message"] and "Linux (kernel" in failure["message"]
    time.sleep(0.2)  # the registry writes its log line after the answer
    assert blob_fetches(sandbox_env, images[20348]["layer"]) == 0
    assert docker("image", "inspect", name, check=False).returncode != 0


def test_install_of_an_older_windows_image_on_a_windows_host_sends_no_pull(windows_backend, pushed, sandbox_env):
    repository, images = pushed
    backend, engine = windows_backend(20348)
    failure = error(backend.call("image.pull", {"name": f"{repository}:win17763", "if_missing": True}))
    assert failure["data"]["kind"] == "Incompatible"
    assert "17763" in failure["message"] and "20348" in failure["message"] and "Hyper-V" in failure["message"]
    assert not any("/images/create" in line for line in engine.requests)
    assert blob_fetches(sandbox_env, images[17763]["layer"]) == 0


def test_install_of_a_list_the_host_runs_pulls_it(windows_backend, docker, pushed, sandbox_env):
    repository, images = pushed
    backend, engine = windows_backend(20348)
    name = f"{repository}:multi"
    try:
        pulled = result(backend.call("image.pull", {"name": name}))
        assert any("10.0.20348.100" in note and "process isolation" in note for note in pulled["notes"])
        assert any("/images/create" in line for line in engine.requests)
        # The real engine is Linux, so it took the list's Linux image: the Windows host is a fake at /info.
        assert [(i["Repository"], i["Tag"]) for i in pulled["images"]] == [(repository, "multi")]
        time.sleep(0.2)
        assert blob_fetches(sandbox_env, images["list"]["images"][2]["layer"]) == 1  # what the log shows of a pull
    finally:
        docker("rmi", "-f", name, check=False)


def test_aliases_pick_the_tag_for_the_host_build(windows_backend, pushed):
    repository, _ = pushed
    settings = (f"Aliases:\n  NanoServer:\n    Repository: {repository}\n"
                "    Tags: {17763: win17763, 20348: win20348, 26100: win26100}\n")
    for build, tag in ((17763, "win17763"), (22621, "win20348"), (26100, "win26100")):
        backend, _ = windows_backend(build, settings=settings)
        row = result(backend.call("image.test", {"name": "nanoserver"}))
        assert (row["Reference"], row["Alias"], row["Compatible"]) == (f"{repository}:{tag}", "NanoServer", True)
    backend, _ = windows_backend(14393, settings=settings)
    refused = error(backend.call("image.test", {"name": "NanoServer"}))
    assert refused["data"]["kind"] == "Incompatible"
    assert "10.0.14393" in refused["message"] and "17763 (win17763), 20348 (win20348), 26100 (win26100)" in \
        refused["message"]


def test_a_windows_alias_on_the_linux_host_is_refused(backend):
    refused = error(backend.call("image.pull", {"name": "NanoServer"}))
    assert refused["data"]["kind"] == "Incompatible"
    assert "for Windows hosts" in refused["message"] and "Linux" in refused["message"]


def test_listing_says_which_images_run_on_the_host(backend, docker, windows_backend):
    docker("pull", "microsoft/nanoserver")
    on_linux = {f"{r['Repository']}:{r['Tag']}": r for r in result(backend.call("image.list"))["images"]}
    assert on_linux["microsoft/nanoserver:latest"]["RunsOnHost"] is True
    windows, _ = windows_backend(20348)
    on_windows = {f"{r['Repository']}:{r['Tag']}": r for r in result(windows.call("image.list"))["images"]}
    assert on_windows["microsoft/nanoserver:latest"]["RunsOnHost"] is False  # a Linux image on Windows
