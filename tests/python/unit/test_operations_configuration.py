"""The settings at work: settings.get/set, the handshake's summary, Progress, Engine and Registries."""

import io
import json

import docker
import pytest

from containerimage import engine, settings
from containerimage.errors import InvalidData, InvalidParams
from containerimage.operations import METHODS, configuration, system
from containerimage.server import Context, Server

from .fakes import FakeDockerAPI, FakeEngine, NoEngine
from .test_operations_search import FakeRegistry, HUB


def call(method, **params):
    return METHODS[method](Context(NoEngine()), **params)


# --------------------------------------------------------------------------------------- settings.get

def test_get_gives_the_defaults_for_a_missing_file(containerimage_config):
    row = call("settings.get")
    assert {k: row[k] for k in ("Path", "Exists", "Engine", "Python", "Transport", "Progress", "Registries",
                                "Problem")} == {
        "Path": str(containerimage_config), "Exists": False, "Engine": None, "Python": None, "Transport": "Stdio",
        "Progress": True, "Registries": [], "Problem": None}
    nano = next(a for a in row["Aliases"] if a["Name"] == "NanoServer")
    assert nano["Source"] == "default" and nano["Tag"] is None
    assert all(build.isdigit() for build in nano["Tags"])  # JSON keys are text


def test_get_shows_the_users_values_and_aliases(containerimage_config):
    containerimage_config.write_text("Engine: tcp://h:2375\nRegistries: [r.example.com]\n"
                                     "Aliases:\n  Tools: {Repository: r.example.com/tools, Tag: '1.0'}\n")
    row = call("settings.get")
    assert (row["Exists"], row["Engine"], row["Registries"]) == (True, "tcp://h:2375", ["r.example.com"])
    assert {"Name": "Tools", "Repository": "r.example.com/tools", "Tag": "1.0", "Tags": {},
            "Source": "settings"} in row["Aliases"]


def test_get_of_a_broken_file_gives_defaults_and_the_problem_as_an_error_dict(containerimage_config):
    containerimage_config.write_text("Progress: sometimes\n")
    row = call("settings.get")
    assert row["Progress"] is True
    assert row["Problem"]["data"] == {"kind": "InvalidData", "target": str(containerimage_config),
                                      "path": str(containerimage_config), "line": 1, "column": 11}
    assert row["Problem"]["message"].startswith(f"{containerimage_config}, line 1, column 11: Progress must be")


# --------------------------------------------------------------------------------------- settings.set

def test_set_writes_only_what_is_given_and_says_what_changed(containerimage_config):
    result = call("settings.set", engine="tcp://h:2375", progress=False)
    assert result["written"] is True
    assert result["changes"] == ["set Engine to 'tcp://h:2375'", "set Progress to 'false'"]
    assert containerimage_config.read_text() == "Engine: tcp://h:2375\nProgress: false\n"
    assert (result["settings"]["Engine"], result["settings"]["Progress"]) == ("tcp://h:2375", False)
    assert call("settings.get")["Progress"] is False


def test_set_with_dry_run_checks_but_writes_nothing(containerimage_config):
    result = call("settings.set", transport="stdio", dry_run=True)
    assert (result["written"], result["changes"]) == (False, ["set Transport to 'Stdio'"])
    assert not containerimage_config.exists()
    with pytest.raises(InvalidParams, match="Transport must be"):
        call("settings.set", transport="pipes", dry_run=True)


def test_set_aliases_remove_aliases_and_reset(containerimage_config):
    call("settings.set", aliases={"Tools": {"Repository": "r.example.com/tools", "Tags": {"17763": "1809"}},
                                  "Old": {"Repository": "r.example.com/old"}}, registries=["r.example.com"])
    result = call("settings.set", remove_aliases=["old"], reset=["Registries"])
    assert result["changes"] == ["reset Registries to its default", "remove alias 'old'"]
    assert containerimage_config.read_text() == "Aliases:\n  Tools:\n    Repository: r.example.com/tools\n" \
                                                "    Tags:\n      17763: '1809'\n"


def test_set_refuses_a_broken_file_with_its_problem(containerimage_config):
    containerimage_config.write_text("Transport: pipes\n")
    with pytest.raises(InvalidData, match=r"line 1, column 12: Transport must be"):
        call("settings.set", progress=False)
    assert containerimage_config.read_text() == "Transport: pipes\n"


def test_set_params_are_type_checked_by_the_server():
    out = io.BytesIO()
    data = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "settings.set", "params": {"progress": "no"}})
    Server(io.BytesIO(data.encode() + b"\n"), out, NoEngine(), METHODS).serve()
    error = json.loads(out.getvalue())["error"]
    assert error["data"]["kind"] == "InvalidParams" and "'progress' must be true or false" in error["message"]


# --------------------------------------------------------------------------------------- handshake

def test_the_handshake_carries_the_settings_summary(containerimage_config):
    containerimage_config.write_text("Transport: InProcess\nPython: /usr/bin/python3\nProgress: false\n")
    summary = system.handshake(Context(FakeEngine(FakeDockerAPI())))["settings"]
    assert summary == {"path": str(containerimage_config), "transport": "InProcess", "python": "/usr/bin/python3",
                       "progress": False, "problem": None}


def test_the_handshake_of_a_broken_file_has_defaults_and_the_problem(containerimage_config):
    containerimage_config.write_text("Transport: [x]\n")
    summary = system.settings_summary()
    assert (summary["transport"], summary["progress"]) == ("Stdio", True)
    assert summary["problem"]["data"]["line"] == 1 and summary["problem"]["data"]["kind"] == "InvalidData"


# --------------------------------------------------------------------------------------- Progress

def test_progress_false_sends_no_notifications_and_a_change_applies_to_the_next_request(containerimage_config):
    def work(ctx):
        ctx.progress(id="layer", status="Downloading")
        return {}

    def serve(*ids):
        out = io.BytesIO()
        data = b"".join(json.dumps({"jsonrpc": "2.0", "id": i, "method": "work"}).encode() + b"\n" for i in ids)
        Server(io.BytesIO(data), out, NoEngine(), {"work": work}).serve()
        return [json.loads(x) for x in out.getvalue().splitlines()]

    assert [m.get("method") for m in serve(1)] == ["$/progress", None]
    containerimage_config.write_text("Progress: false\n")
    assert [m.get("method") for m in serve(2)] == [None]
    containerimage_config.write_text("Progress: true  # again\n")
    assert [m.get("method") for m in serve(3)] == ["$/progress", None]


def test_a_broken_file_keeps_progress_on(containerimage_config):
    containerimage_config.write_text("Progress: [\n")
    sent = []
    Context(NoEngine(), sent.append).progress(id="x")
    assert sent == [{"id": "x"}]


# --------------------------------------------------------------------------------------- Engine

def write_settings(file, text):
    file.write_text(text, encoding="utf-8")
    return {"CONTAINERIMAGE_CONFIG": str(file), "DOCKER_CONFIG": str(file.parent)}


def test_the_engine_setting_applies_when_neither_docker_host_nor_docker_context_is_set(tmp_path):
    environ = write_settings(tmp_path / "c.yaml", "Engine: tcp://192.0.2.7:2375\n")
    assert engine.resolve(environ) == ("tcp://192.0.2.7:2375", None, f"the Engine setting in {tmp_path / 'c.yaml'}")
    assert engine.resolve(dict(environ, DOCKER_HOST="unix:///x.sock"))[0] == "unix:///x.sock"
    assert engine.resolve(dict(environ, DOCKER_CONTEXT="default"))[0] == engine.DEFAULT_HOST


def test_the_engine_setting_wins_over_config_jsons_current_context(tmp_path):
    from .test_engine import write_config, write_context
    write_context(tmp_path, "remote", "tcp://10.0.0.1:2375")
    write_config(tmp_path, currentContext="remote")
    environ = write_settings(tmp_path / "c.yaml", "Engine: unix:///run/mine.sock\n")
    assert engine.resolve(environ)[0] == "unix:///run/mine.sock"
    (tmp_path / "c.yaml").unlink()
    assert engine.resolve(environ)[0] == "tcp://10.0.0.1:2375"


def test_a_broken_file_means_the_engine_the_environment_names(tmp_path):
    environ = write_settings(tmp_path / "c.yaml", "Engine: tcp://192.0.2.7:2375\nTransport: fast\n")
    assert engine.resolve(environ)[0] == engine.DEFAULT_HOST


def test_a_changed_engine_setting_makes_a_new_client(tmp_path, monkeypatch):
    from .test_engine import RecordingAPIClient
    monkeypatch.setattr(docker, "APIClient", RecordingAPIClient)
    environ = write_settings(tmp_path / "c.yaml", "Engine: tcp://192.0.2.7:2375\n")
    eng = engine.Engine(environ)
    first = eng.client()
    assert eng.client() is first and eng.host == "tcp://192.0.2.7:2375"
    (tmp_path / "c.yaml").write_text("Engine: tcp://192.0.2.8:2375\n")
    second = eng.client()
    assert second is not first and eng.host == "tcp://192.0.2.8:2375"
    assert second.kwargs["base_url"] == "tcp://192.0.2.8:2375"
    assert eng.source == f"the Engine setting in {tmp_path / 'c.yaml'}"
    (tmp_path / "c.yaml").write_text("Engine: tcp://192.0.2.8:2375\nProgress: false\n")  # same engine
    assert eng.client() is second


# --------------------------------------------------------------------------------------- Registries

@pytest.fixture
def registry():
    started = FakeRegistry({"team/nano": {"latest": "ours"}, "team/other": {"1": None}})
    yield started
    started.close()


def hub_engine():
    api = FakeDockerAPI()
    api.search_results = HUB
    return FakeEngine(api), api


def search(engine_, **params):
    return METHODS["registry.search"](Context(engine_), **params)


def test_without_registry_hub_and_the_settings_registries_are_searched(containerimage_config, registry):
    containerimage_config.write_text(f"Registries:\n  - {registry.address}\n")
    eng, api = hub_engine()
    result = search(eng, term="nano", limit=1)
    assert [row["Name"] for row in result["results"]] == ["nanoserver", f"{registry.address}/team/nano"]
    assert result["errors"] == [] and result["warnings"] == []


def test_a_given_registry_replaces_the_settings_registries(containerimage_config, registry):
    containerimage_config.write_text("Registries: [127.0.0.1:9]\n")  # would fail if searched
    eng, api = hub_engine()
    result = search(eng, term="nano", registry=[registry.address])
    assert [row["Name"] for row in result["results"]] == [f"{registry.address}/team/nano"]
    assert api.calls_to("search") == [] and result["errors"] == []


def test_a_failing_settings_registry_is_an_error_and_the_others_still_answer(containerimage_config, registry):
    from .test_operations_search import free_port
    down = f"127.0.0.1:{free_port()}"
    containerimage_config.write_text(f"Registries: ['{down}', '{registry.address}']\n")
    eng, _ = hub_engine()
    result = search(eng, term="nano")
    assert [row["Registry"] for row in result["results"]] == ["docker.io"] * 4 + [registry.address]
    assert [(e["data"]["kind"], e["data"]["target"]) for e in result["errors"]] == [("RegistryUnavailable", down)]


def test_no_term_searches_only_the_settings_registries_with_a_warning(containerimage_config, registry):
    containerimage_config.write_text(f"Registries: ['{registry.address}']\n")
    eng, api = hub_engine()
    result = search(eng)
    assert [row["Name"] for row in result["results"]] == [f"{registry.address}/team/nano",
                                                          f"{registry.address}/team/other"]
    assert api.calls_to("search") == [] and result["errors"] == []
    assert result["warnings"] == ["Docker Hub was not searched: it cannot list all its repositories, so give a "
                                  "search term to search it too."]


def test_hub_filters_search_hub_only(containerimage_config, registry):
    containerimage_config.write_text(f"Registries: ['{registry.address}']\n")
    eng, _ = hub_engine()
    result = search(eng, term="nano", official=True)
    assert [row["Name"] for row in result["results"]] == ["nanoserver"]
    assert result["warnings"] == [] and registry.catalog_requests() == []


def test_a_broken_file_searches_hub_only(containerimage_config, registry):
    containerimage_config.write_text(f"Registries: ['{registry.address}']\nProgress: maybe\n")
    eng, _ = hub_engine()
    assert {row["Registry"] for row in search(eng, term="nano")["results"]} == {"docker.io"}


def test_the_module_registers_both_methods():
    assert METHODS["settings.get"] is configuration.get_settings
    assert METHODS["settings.set"] is configuration.set_settings
    assert settings.current().problem is None
