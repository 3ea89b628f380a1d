"""The settings file with a real backend process, engine and registry: a file change applies to the next
request of the same backend; the Engine setting selects the engine; Progress false silences a real pull."""

import os

import pytest

from .conftest import Backend, error, result

pytestmark = pytest.mark.engine


@pytest.fixture
def config(tmp_path):
    return tmp_path / "settings" / "config.yaml"


@pytest.fixture
def configured(sandbox_env, config):
    """A backend reading `config` (not the sandbox's missing file), with the sandbox's engine."""
    process = Backend(dict(sandbox_env, CONTAINERIMAGE_CONFIG=str(config)))
    yield process
    process.close()


def test_set_then_get_through_a_real_backend_and_the_handshake_sees_it(configured, config):
    assert result(configured.call("settings.get"))["Exists"] is False
    changed = result(configured.call("settings.set", {"transport": "Stdio", "progress": False}))
    assert changed["written"] is True and config.read_text() == "Transport: Stdio\nProgress: false\n"
    handshake = result(configured.call("handshake"))["settings"]
    assert handshake == {"path": str(config), "transport": "Stdio", "python": None, "progress": False,
                         "problem": None}


def test_a_broken_file_is_one_error_and_the_engine_still_answers(configured, config, docker):
    config.parent.mkdir()
    config.write_text("Registries:\n  - ok.example.com\n  - 'not a registry'\n")
    row = result(configured.call("settings.get"))
    assert row["Problem"]["data"]["line"] == 3 and row["Problem"]["data"]["column"] == 5
    assert result(configured.call("image.list"))["images"] is not None  # the module still works
    refused = error(configured.call("settings.set", {"progress": False}))
    assert refused["data"]["kind"] == "InvalidData" and refused["message"].startswith(f"{config}, line 3, column 5:")


def test_progress_false_silences_a_real_pull_from_the_next_request_on(configured, config, docker):
    config.parent.mkdir()
    docker("rmi", "-f", "microsoft/nanoserver", check=False)
    config.write_text("Progress: false\n")
    response, progress = configured.wait(configured.start("image.pull", {"name": "microsoft/nanoserver"}))
    assert result(response)["images"] and progress == []
    docker("rmi", "-f", "microsoft/nanoserver")
    config.write_text("Progress: true\n")  # the same backend: no restart
    response, progress = configured.wait(configured.start("image.pull", {"name": "microsoft/nanoserver"}))
    assert result(response)["images"] and progress


def test_the_engine_setting_selects_the_engine_without_docker_host(sandbox_env, config, docker):
    docker("pull", "microsoft/nanoserver")
    config.parent.mkdir()
    config.write_text(f"Engine: {sandbox_env['DOCKER_HOST']}\n")
    env = {k: v for k, v in sandbox_env.items() if k not in ("DOCKER_HOST", "DOCKER_CONTEXT")}
    process = Backend(dict(env, CONTAINERIMAGE_CONFIG=str(config)))
    try:
        engine = result(process.call("handshake"))["engine"]
        assert engine["host"] == sandbox_env["DOCKER_HOST"] and engine["error"] is None
        names = [row["Repository"] for row in result(process.call("image.list"))["images"]]
        assert "microsoft/nanoserver" in names
        config.write_text(f"Engine: unix://{config.parent}/no-engine.sock\n")  # changed: a new client
        failed = error(process.call("image.list"))
        assert failed["data"]["kind"] == "EngineUnavailable"
        assert f"from the Engine setting in {config}" in failed["message"]
    finally:
        process.close()


def test_registries_make_a_search_without_registry_search_them_too(configured, config, sandbox_env, docker):
    mirror = sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]
    docker("pull", "microsoft/nanoserver")
    docker("tag", "microsoft/nanoserver", f"{mirror}/settings-it/findme:latest")
    docker("push", f"{mirror}/settings-it/findme:latest")
    docker("rmi", f"{mirror}/settings-it/findme:latest")
    config.parent.mkdir()
    config.write_text(f"Registries: ['{mirror}']\n")
    found = result(configured.call("registry.search", {"term": "settings-it/find"}))
    assert [row["Name"] for row in found["results"]] == [f"{mirror}/settings-it/findme"]
    assert [e["data"]["target"] for e in found["errors"]] == ["docker.io"]  # Hub is unreachable here
