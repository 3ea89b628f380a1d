"""containerimage dsc get|test|set: the DSC v3 command resource's JSON contract and exit codes."""

import io
import json

import pytest

from containerimage import cli

from .fakes import FakeEngine
from .test_operations_state import NEW, NEW_DIGEST, OLD, OLD_DIGEST, NamingAPI, writes


@pytest.fixture
def api(monkeypatch):
    api = NamingAPI({"test/app:1": OLD, f"test/app@{OLD_DIGEST}": OLD},
                    remote={f"test/app@{NEW_DIGEST}": (NEW, NEW_DIGEST), "test/new:latest": (NEW, NEW_DIGEST)})
    monkeypatch.setattr(cli, "Engine", lambda: FakeEngine(api))
    return api


def run(monkeypatch, capsys, operation, instance):
    text = instance if isinstance(instance, str) else json.dumps(instance)
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    status = cli.main(["dsc", operation])
    out, err = capsys.readouterr()
    return status, [json.loads(line) for line in out.splitlines()], err


def test_get_prints_the_actual_state(api, monkeypatch, capsys):
    status, lines, _ = run(monkeypatch, capsys, "get", {"name": "test/app", "tag": "1"})
    assert status == 0
    assert lines == [{"name": "test/app", "tag": "1", "_exist": True, "digest": OLD_DIGEST, "id": OLD}]
    status, lines, _ = run(monkeypatch, capsys, "get", {"name": "test/none"})
    assert lines == [{"name": "test/none", "tag": "latest", "_exist": False}]


def test_test_prints_the_state_with_in_desired_state_then_the_differing_properties(api, monkeypatch, capsys):
    status, lines, _ = run(monkeypatch, capsys, "test", {"name": "test/app:1", "digest": NEW_DIGEST})
    assert status == 0
    assert lines[0]["_inDesiredState"] is False and lines[1] == ["digest"]
    status, lines, _ = run(monkeypatch, capsys, "test", {"name": "test/app:1", "_exist": False})
    assert lines[1] == ["_exist"]
    status, lines, _ = run(monkeypatch, capsys, "test", {"name": "test/app:1", "_exist": True})
    assert lines == [dict(lines[0], _inDesiredState=True), []]


def test_set_prints_the_state_after_then_the_changed_properties(api, monkeypatch, capsys):
    status, lines, _ = run(monkeypatch, capsys, "set", {"name": "test/app:1", "digest": NEW_DIGEST})
    assert status == 0
    assert lines == [{"name": "test/app", "tag": "1", "_exist": True, "digest": NEW_DIGEST, "id": NEW}, ["digest"]]
    before = len(writes(api))
    status, lines, _ = run(monkeypatch, capsys, "set", {"name": "test/app:1", "digest": NEW_DIGEST})
    assert lines[1] == [] and len(writes(api)) == before  # already there: nothing written


def test_ensure_is_accepted_besides_exist(api, monkeypatch, capsys):
    status, lines, _ = run(monkeypatch, capsys, "set", {"name": "test/app:1", "Ensure": "Absent"})
    assert status == 0 and lines == [{"name": "test/app", "tag": "1", "_exist": False}, ["_exist"]]


def test_read_only_properties_handed_back_are_ignored(api, monkeypatch, capsys):
    status, lines, _ = run(monkeypatch, capsys, "get", {"name": "test/app:1", "id": "x", "_inDesiredState": True})
    assert status == 0 and lines[0]["id"] == OLD


@pytest.mark.parametrize("instance, says", [
    ("not json", "not JSON"),
    ("[1]", "must be a JSON object"),
    ("", "must be a JSON object"),
    ({"tag": "1"}, "no 'name'"),
    ({"name": "x", "colour": "red"}, "Unknown property 'colour'"),
    ({"name": 5}, "'name' must be a string"),
    ({"name": "x", "_exist": "yes"}, "'_exist' must be true or false"),
    ({"name": "x", "_exist": True, "ensure": "Absent"}, "'_exist' is true but 'ensure' is 'Absent'"),
    ({"name": "Bad Name"}, "'Bad Name' is not a valid reference"),
    ({"name": "x", "digest": "sha256:1"}, "is not an image digest"),
])
def test_bad_input_is_exit_code_2_and_one_json_error_line(api, monkeypatch, capsys, instance, says):
    status, lines, err = run(monkeypatch, capsys, "get", instance)
    assert status == cli.ExitStatus.USAGE == 2
    assert lines == []
    assert says in json.loads(err)["error"]
    assert api.calls == []


def test_a_dependency_conflict_is_exit_code_7(monkeypatch, capsys):
    box = {"Id": "f" * 64, "Names": ["/web"], "State": "exited", "ImageID": OLD, "Image": "test/app:1"}
    api = NamingAPI({"test/app:1": OLD}, containers=[box])
    monkeypatch.setattr(cli, "Engine", lambda: FakeEngine(api))
    status, lines, err = run(monkeypatch, capsys, "set", {"name": "test/app:1", "_exist": False})
    assert status == cli.ExitStatus.CONFLICT == 7
    assert "'web'" in json.loads(err)["error"] and "test/app:1" in api.refs


def test_a_missing_pin_is_exit_code_3(api, monkeypatch, capsys):
    status, _, err = run(monkeypatch, capsys, "set", {"name": "test/app:1", "digest": "sha256:" + "7" * 64})
    assert status == cli.ExitStatus.NOT_FOUND == 3
    assert "sha256:" + "7" * 64 in json.loads(err)["error"]


def test_the_operation_must_be_one_of_get_test_set(capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(["dsc", "delete"])
    assert caught.value.code == 2


def test_the_instance_engine_chooses_the_engine_and_comes_back_in_the_state(monkeypatch, capsys):
    api = NamingAPI({"test/app:1": OLD, f"test/app@{OLD_DIGEST}": OLD})
    asked = []

    def named(name=None):
        asked.append(name)
        engine = FakeEngine(api)
        engine.name = name
        return engine

    monkeypatch.setattr(cli, "Engine", named)
    status, lines, _ = run(monkeypatch, capsys, "get", {"name": "test/app", "tag": "1", "Engine": "web1"})
    assert status == 0 and asked == ["web1"]
    assert lines == [{"name": "test/app", "tag": "1", "_exist": True, "digest": OLD_DIGEST, "id": OLD, "engine": "web1"}]
    status, _, err = run(monkeypatch, capsys, "get", {"name": "test/app", "engine": ""})
    assert status == 2 and "'engine' must name an engine" in json.loads(err)["error"]
