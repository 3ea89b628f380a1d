"""The in-process host: the same server and messages as the stdio backend, through exchange() calls."""

import json
import os
import threading

import pytest

from containerimage import errors
from containerimage import inprocess
from containerimage.inprocess import Host
from containerimage.operations import METHODS


def request(request_id, method, **params):
    return json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})


def next_message(host, line=None, timeout_ms=5000):
    reply = host.exchange(line, timeout_ms)
    assert reply is not None, "no message within the timeout"
    return json.loads(reply)


@pytest.fixture
def environment(monkeypatch):
    # Host copies its environment into os.environ: let monkeypatch restore what it touches.
    for name in ("DOCKER_HOST", "CONTAINERIMAGE_TEST_VALUE"):
        monkeypatch.delenv(name, raising=False)
    return {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}


def test_answers_a_request_in_the_same_call(environment):
    host = Host(json.dumps(environment))
    assert next_message(host, request(1, "ping")) == {"jsonrpc": "2.0", "id": 1, "result": {}}


def test_the_handshake_names_the_engine_of_the_given_environment(environment):
    host = Host(json.dumps(environment))
    result = next_message(host, request("h", "handshake"))["result"]
    assert result["engine"]["host"] == "unix:///nonexistent/docker.sock"
    assert result["engine"]["error"]["code"] == errors.EngineUnavailable.code
    assert result["pid"] == os.getpid()
    assert result["transport"] == "InProcess"


def test_copies_the_environment_and_removes_what_is_empty(environment, monkeypatch):
    monkeypatch.setenv("CONTAINERIMAGE_TEST_VALUE", "old")
    Host(json.dumps(dict(environment, CONTAINERIMAGE_TEST_VALUE="")))
    assert "CONTAINERIMAGE_TEST_VALUE" not in os.environ
    Host(json.dumps(dict(environment, CONTAINERIMAGE_TEST_VALUE="new")))
    assert os.environ["CONTAINERIMAGE_TEST_VALUE"] == "new"


def test_a_broken_message_gets_an_error_and_the_host_goes_on(environment):
    host = Host(json.dumps(environment))
    assert next_message(host, "{not json")["error"]["code"] == errors.ParseError.code
    assert next_message(host, request(2, "no.such.method"))["error"]["code"] == errors.MethodNotFound.code
    assert next_message(host, request(3, "ping"))["result"] == {}


def test_returns_none_when_nothing_came_in_time(environment):
    host = Host(json.dumps(environment))
    assert host.exchange(None, 10) is None


def test_progress_then_cancellation(environment):
    started = threading.Event()

    def slow(ctx):
        ctx.progress(id="layer", status="Downloading", current=1, total=2)
        started.set()
        ctx.on_cancel(lambda: None)
        while not ctx.cancelled:
            threading.Event().wait(0.01)
        ctx.check_cancelled()

    host = Host(json.dumps(environment), methods=dict(METHODS, slow=slow))
    progress = next_message(host, request(7, "slow"))
    assert progress["method"] == "$/progress"
    assert progress["params"] == {"id": "layer", "status": "Downloading", "current": 1, "total": 2, "request": 7}
    assert started.wait(5)
    cancel = json.dumps({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 7}})
    answer = next_message(host, cancel)
    assert answer["id"] == 7 and answer["error"]["code"] == errors.Cancelled.code


def test_log_records_go_to_the_tail_not_to_the_console(environment, capsys):
    def fails(ctx):
        raise RuntimeError("something internal")

    host = Host(json.dumps(dict(environment, CONTAINERIMAGE_LOG_LEVEL="DEBUG")), methods=dict(METHODS, fails=fails))
    assert next_message(host, request(1, "fails"))["error"]["code"] == errors.Internal.code
    captured = capsys.readouterr()
    assert "something internal" not in captured.err + captured.out
    assert "fails failed" in inprocess.log_tail()


def test_a_closed_host_refuses_new_requests_and_closes_its_engine_connection(environment, monkeypatch):
    closed = threading.Event()
    monkeypatch.setattr(inprocess.Engine, "close", lambda engine: closed.set())
    host = Host(json.dumps(environment))
    host.close()
    with pytest.raises(RuntimeError, match="closed"):
        host.exchange(request(1, "ping"), 10)
    assert closed.wait(5)


# What the embedding method tells a host about hosting this Python (operations/system.py).

from containerimage.operations import system  # noqa: E402


def test_embedding_names_this_pythons_shared_library_and_path():
    facts = system.embedding()
    assert facts["home"] and facts["path"]
    if facts["library"]:
        assert os.path.isfile(facts["library"]) and facts["reason"] is None
    else:
        assert facts["reason"]


def test_a_python_without_a_shared_library_is_named_with_the_reason(monkeypatch):
    real = system.sysconfig.get_config_var
    monkeypatch.setattr(system.sys, "platform", "linux")
    monkeypatch.setattr(system.sysconfig, "get_config_var",
                        lambda name: 0 if name == "Py_ENABLE_SHARED" else real(name))
    library, reason = system._shared_library()
    assert library is None
    assert "built without a shared libpython" in reason and system.sys.executable in reason


def test_a_missing_shared_library_file_is_named(monkeypatch, tmp_path):
    values = {"Py_ENABLE_SHARED": 1, "LIBDIR": str(tmp_path), "INSTSONAME": "libpython9.9.so.1.0", "LDLIBRARY": "libpython9.9.so"}
    monkeypatch.setattr(system.sys, "platform", "linux")
    monkeypatch.setattr(system.sysconfig, "get_config_var", values.get)
    library, reason = system._shared_library()
    assert library is None
    assert str(tmp_path / "libpython9.9.so.1.0") in reason


def test_pythonnet_runtime_is_found_without_importing_pythonnet(monkeypatch, tmp_path):
    package = tmp_path / "pythonnet"
    (package / "runtime").mkdir(parents=True)
    (package / "__init__.py").write_text("raise RuntimeError('importing pythonnet would load .NET')\n")
    (package / "runtime" / "Python.Runtime.dll").write_bytes(b"MZ")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert system._pythonnet_runtime() == str(package / "runtime" / "Python.Runtime.dll")
