"""The endpoint: requests in, responses and notifications out, over real binary streams."""

import io
import json
import os
import queue
import threading
from typing import List, Optional

import pytest

from containerimage import errors
from containerimage.operations import METHODS
from containerimage.server import CANCEL, PROGRESS, Context, Server

from .fakes import NoEngine

SAFETY = 10  # seconds; only ever reached when the behaviour under test is broken
EOF_MARK = object()


def request(request_id, method, params=None):
    message = {"jsonrpc": "2.0", "id": request_id, "method": method}
    if params is not None:
        message["params"] = params
    return message


def notify(method, params=None):
    message = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        message["params"] = params
    return message


def line(message):
    return json.dumps(message).encode("utf-8") + b"\n"


def serve_all(lines, methods, engine=None, max_workers=8):
    """Run serve() over a finished input (it returns once every request is answered); the messages out."""
    out = io.BytesIO()
    data = b"".join(x if isinstance(x, bytes) else line(x) for x in lines)
    Server(io.BytesIO(data), out, engine, methods, max_workers=max_workers).serve()
    return [json.loads(x) for x in out.getvalue().splitlines()]


def by_id(messages):
    responses = {}
    for m in messages:
        if "method" not in m:
            assert m["id"] not in responses, f"two responses for id {m['id']!r}"
            responses[m["id"]] = m
    return responses


def ping(ctx):
    return {"pong": True}


BASIC = {"ping": ping}


class SignallingInput:
    """A binary input stream that tells when the server has read it to its end."""

    def __init__(self, raw):
        self._raw = raw
        self.eof = threading.Event()

    def __iter__(self):
        yield from self._raw
        self.eof.set()


class PipeServer:
    """Server.serve() in a thread, on os.pipe() streams, with the test as its client."""

    def __init__(self, methods, engine=None, max_workers=8, watch=None):
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        self._to_server = os.fdopen(in_w, "wb")
        self.input = SignallingInput(os.fdopen(in_r, "rb"))
        self._server_out = os.fdopen(out_w, "wb")
        self._from_server = os.fdopen(out_r, "rb")
        self.messages = queue.Queue()
        self.serve_error = None
        self.state_at_return = None
        self._watch = watch or (lambda: None)
        self.server = Server(self.input, self._server_out, engine, methods, max_workers=max_workers)
        self.serve_thread = threading.Thread(target=self._serve, daemon=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self.serve_thread.start()
        self._reader.start()

    def _serve(self):
        try:
            self.server.serve()
        except BaseException as exc:  # reported by the test, not lost in a thread
            self.serve_error = exc
        finally:
            self.state_at_return = self._watch()
            self._server_out.close()

    def _read(self):
        try:
            for raw in self._from_server:
                self.messages.put(json.loads(raw))
        finally:
            self.messages.put(EOF_MARK)

    def send(self, message):
        self.send_raw(line(message))

    def send_raw(self, data):
        self._to_server.write(data)
        self._to_server.flush()

    def recv(self):
        message = self.messages.get(timeout=SAFETY)
        assert message is not EOF_MARK, "the server closed its output"
        return message

    def close_input(self):
        if not self._to_server.closed:
            self._to_server.close()

    def finish(self):
        """Close the server's input, wait for serve() to return; the messages not yet received."""
        self.close_input()
        self.serve_thread.join(SAFETY)
        assert not self.serve_thread.is_alive(), "serve() did not return after its input closed"
        rest = []
        while True:
            message = self.messages.get(timeout=SAFETY)
            if message is EOF_MARK:
                break
            rest.append(message)
        assert self.serve_error is None, self.serve_error
        return rest


@pytest.fixture
def pipe_servers():
    made = []
    releases = []

    def make(methods, **kwargs):
        server = PipeServer(methods, **kwargs)
        made.append(server)
        return server
    make.releases = releases
    yield make
    for event in releases:
        event.set()
    for server in made:
        server.close_input()
        server.serve_thread.join(SAFETY)
        server._from_server.close()
        server.input._raw.close()


def assert_error(message, request_id, code, kind):
    assert "result" not in message, message
    assert message["jsonrpc"] == "2.0"
    assert message["id"] == request_id
    assert message["error"]["code"] == code, message
    assert message["error"]["data"]["kind"] == kind, message
    assert isinstance(message["error"]["message"], str) and message["error"]["message"]


# --------------------------------------------------------------------------------------- bad input

def test_malformed_json_is_a_parse_error_with_null_id_and_the_loop_goes_on():
    messages = serve_all([b"{not json\n", b'{"jsonrpc":"2.0","id":1,\n', request(2, "ping")], BASIC)
    assert len(messages) == 3
    for m in messages[:2]:
        assert_error(m, None, -32700, "ParseError")
    assert messages[2] == {"jsonrpc": "2.0", "id": 2, "result": {"pong": True}}


def test_invalid_utf8_is_a_parse_error():
    messages = serve_all([b'{"jsonrpc":"2.0","id":1,"method":"p\xffing"}\n', request(2, "ping")], BASIC)
    assert_error(messages[0], None, -32700, "ParseError")
    assert by_id(messages)[2]["result"] == {"pong": True}


def test_deeply_nested_json_does_not_kill_the_loop():
    # json.loads raises RecursionError (not ValueError) on deep nesting; the read loop must survive it.
    out = io.BytesIO()
    data = b"[" * 100_000 + b"\n" + line(request(2, "ping"))
    Server(io.BytesIO(data), out, None, BASIC).serve()
    messages = [json.loads(x) for x in out.getvalue().splitlines()]
    assert messages[0]["id"] is None and messages[0]["error"]["code"] in (-32700, -32600)
    assert by_id(messages)[2]["result"] == {"pong": True}


@pytest.mark.parametrize("raw", [
    b"42", b'"text"', b"null", b"[]", b'[{"jsonrpc":"2.0","id":1,"method":"ping"}]',
    b'{"id":1,"method":"ping"}', b'{"jsonrpc":"1.0","id":1,"method":"ping"}', b'{"jsonrpc":2.0,"id":1,"method":"ping"}',
])
def test_not_a_json_rpc_object_is_an_invalid_request(raw):
    messages = serve_all([raw + b"\n", request(9, "ping")], BASIC)
    assert len(messages) == 2
    expected_id = 1 if raw.startswith(b"{") else None
    assert_error(messages[0], expected_id, -32600, "InvalidRequest")
    assert by_id(messages)[9]["result"] == {"pong": True}


@pytest.mark.parametrize("message", [
    {"jsonrpc": "2.0", "id": 1},
    {"jsonrpc": "2.0", "id": 1, "method": 5},
    {"jsonrpc": "2.0", "id": 1, "method": ""},
    {"jsonrpc": "2.0", "id": True, "method": "ping"},
    {"jsonrpc": "2.0", "id": 1.5, "method": "ping"},
])
def test_a_request_without_a_usable_method_or_id_is_an_invalid_request(message):
    messages = serve_all([message], BASIC)
    assert len(messages) == 1
    assert messages[0]["error"]["code"] == -32600
    assert messages[0]["error"]["data"]["kind"] == "InvalidRequest"


def test_an_invalid_id_is_answered_with_a_null_id():
    # JSON-RPC 2.0 §5: "If there was an error in detecting the id in the Request object (e.g. Parse
    # error/Invalid Request), it MUST be Null." Echoing an object id back breaks clients keyed by id.
    messages = serve_all([{"jsonrpc": "2.0", "id": {"nested": 1}, "method": "ping"}], BASIC)
    assert_error(messages[0], None, -32600, "InvalidRequest")


def test_unknown_method():
    messages = serve_all([request(1, "image.frobnicate")], BASIC)
    assert_error(messages[0], 1, -32601, "MethodNotFound")
    assert "image.frobnicate" in messages[0]["error"]["message"]
    assert messages[0]["error"]["data"]["target"] == "image.frobnicate"


def test_an_unencodable_method_name_still_gets_an_answer():
    # "\ud800" is a valid JSON escape; the MethodNotFound message quotes it back to the client.
    messages = serve_all([b'{"jsonrpc":"2.0","id":1,"method":"\\ud800"}\n', request(2, "ping")], BASIC)
    responses = by_id(messages)
    assert 2 in responses
    assert 1 in responses, "the request got no response at all"
    assert responses[1]["error"]["code"] == -32601


@pytest.mark.parametrize("method, params, named", [
    ("image.list", {"bogus": 1}, "bogus"),
    ("image.list", {"all": "yes"}, "all"),
    ("image.list", {"all": 1}, "all"),
    ("image.list", {"name": "busybox"}, "name"),
    ("image.list", {"name": ["busybox", 3]}, "name"),
    ("image.list", {"dangling": "true"}, "dangling"),
    ("image.pull", {}, "name"),
    ("image.pull", {"name": 5}, "name"),
    ("image.pull", {"name": "busybox", "auth": "user:pw"}, "auth"),
    ("ping", {"extra": True}, "extra"),
])
def test_wrong_params_are_invalid_params_naming_the_param(method, params, named):
    messages = serve_all([request(1, method, params)], METHODS, engine=NoEngine())
    assert_error(messages[0], 1, -32602, "InvalidParams")
    assert f"'{named}'" in messages[0]["error"]["message"]


def test_type_errors_say_what_was_expected():
    messages = serve_all([request(1, "image.list", {"all": "yes"})], METHODS, engine=NoEngine())
    error = messages[0]["error"]
    assert "'all'" in error["message"] and "true or false" in error["message"] and "str" in error["message"]
    assert error["data"]["target"] == "all"


@pytest.mark.parametrize("params", [[], ["busybox"], "busybox", 3])
def test_params_that_are_not_an_object_are_invalid_params(params):
    messages = serve_all([request(1, "image.list", params)], METHODS, engine=NoEngine())
    assert_error(messages[0], 1, -32602, "InvalidParams")


def test_null_or_missing_params_mean_no_params():
    messages = serve_all([request(1, "ping", None), {"jsonrpc": "2.0", "id": 2, "method": "ping", "params": None}],
                         BASIC)
    responses = by_id(messages)
    assert responses[1]["result"] == responses[2]["result"] == {"pong": True}


def test_typed_params_that_fit_reach_the_method():
    seen = []

    def op(ctx, name: Optional[List[str]] = None, all: bool = False, count: int = 0):
        seen.append((name, all, count))
        return {}

    messages = serve_all([request(1, "op", {"name": ["a", "b"], "all": True, "count": 3}),
                          request(2, "op", {"name": None})], {"op": op})
    assert [m.get("error") for m in messages] == [None, None]
    assert sorted(seen, key=str) == sorted([(["a", "b"], True, 3), (None, False, 0)], key=str)


# --------------------------------------------------------------------------------------- notifications

def test_notifications_get_no_response():
    ran = []

    def record(ctx):
        ran.append(True)
        return {}

    messages = serve_all([
        notify("ping"),                                   # a known method as a notification
        notify("no.such.method"),
        notify("ping", ["not", "an", "object"]),
        notify(CANCEL, {"id": 12345}),                    # nothing to cancel
        notify(CANCEL, [1]),
        {"jsonrpc": "2.0", "method": "record"},
        request(5, "ping"),
    ], {"ping": ping, "record": record})
    assert messages == [{"jsonrpc": "2.0", "id": 5, "result": {"pong": True}}]


# --------------------------------------------------------------------------------------- failures

def test_an_unexpected_exception_is_internal_and_the_loop_goes_on():
    def broken(ctx):
        raise KeyError("surprise")

    messages = serve_all([request(1, "broken"), request(2, "ping")], {"broken": broken, "ping": ping})
    responses = by_id(messages)
    assert_error(responses[1], 1, -32603, "Internal")
    assert "KeyError" in responses[1]["error"]["message"] and "surprise" in responses[1]["error"]["message"]
    assert responses[2]["result"] == {"pong": True}


def test_a_backend_error_keeps_its_code_kind_and_target():
    def missing(ctx):
        raise errors.NotFound("No image 'x'.", "x", hint="pull it")

    messages = serve_all([request("a", "missing")], {"missing": missing})
    assert messages[0]["error"] == {"code": -32002, "message": "No image 'x'.",
                                    "data": {"kind": "NotFound", "target": "x", "hint": "pull it"}}
    assert messages[0]["id"] == "a"


def test_a_result_that_cannot_be_encoded_still_gets_a_response():
    def unencodable(ctx):
        return {"data": b"bytes are not JSON"}

    messages = serve_all([request(1, "unencodable"), request(2, "ping")], {"unencodable": unencodable, "ping": ping})
    responses = by_id(messages)
    assert responses[2]["result"] == {"pong": True}
    assert 1 in responses, "the request got no response at all: its client waits forever"
    assert_error(responses[1], 1, -32603, "Internal")


# --------------------------------------------------------------------------------------- progress

def test_progress_notifications_carry_the_request_id_and_arrive_before_the_response():
    def pull(ctx):
        ctx.progress(id="layer1", status="Downloading", current=1, total=4)
        ctx.progress(id="layer1", status="Download complete")
        return {"done": True}

    messages = serve_all([request(7, "pull")], {"pull": pull})
    assert messages == [
        {"jsonrpc": "2.0", "method": PROGRESS,
         "params": {"id": "layer1", "status": "Downloading", "current": 1, "total": 4, "request": 7}},
        {"jsonrpc": "2.0", "method": PROGRESS, "params": {"id": "layer1", "status": "Download complete",
                                                          "request": 7}},
        {"jsonrpc": "2.0", "id": 7, "result": {"done": True}},
    ]


def test_progress_of_concurrent_requests_is_told_apart_by_request_id():
    def pull(ctx, n: int):
        for i in range(3):
            ctx.progress(id=f"layer-of-{n}", status=str(i))
        return {"n": n}

    messages = serve_all([request(f"r{n}", "pull", {"n": n}) for n in range(5)], {"pull": pull})
    for n in range(5):
        mine = [m for m in messages if m.get("params", {}).get("request") == f"r{n}" or m.get("id") == f"r{n}"]
        assert [m.get("params", {}).get("status") for m in mine] == ["0", "1", "2", None]
        assert all(m["params"]["id"] == f"layer-of-{n}" for m in mine[:3])
        assert mine[3]["result"] == {"n": n}


# --------------------------------------------------------------------------------------- concurrency

def test_a_slow_request_does_not_block_a_fast_one(pipe_servers):
    started, release = threading.Event(), threading.Event()
    pipe_servers.releases.append(release)

    def slow(ctx):
        started.set()
        assert release.wait(SAFETY)
        return {"which": "slow"}

    def fast(ctx):
        return {"which": "fast"}

    server = pipe_servers({"slow": slow, "fast": fast})
    server.send(request(1, "slow"))
    assert started.wait(SAFETY)
    server.send(request(2, "fast"))
    first = server.recv()
    assert first == {"jsonrpc": "2.0", "id": 2, "result": {"which": "fast"}}
    release.set()
    assert server.recv() == {"jsonrpc": "2.0", "id": 1, "result": {"which": "slow"}}
    assert server.finish() == []


def test_a_duplicate_in_flight_id_is_refused_without_disturbing_the_first(pipe_servers):
    started, release = threading.Event(), threading.Event()
    pipe_servers.releases.append(release)
    runs = []

    def slow(ctx, tag: str):
        runs.append(tag)
        started.set()
        assert release.wait(SAFETY)
        return {"tag": tag}

    server = pipe_servers({"slow": slow})
    server.send(request(1, "slow", {"tag": "first"}))
    assert started.wait(SAFETY)
    server.send(request(1, "slow", {"tag": "second"}))
    refused = server.recv()
    assert_error(refused, 1, -32600, "InvalidRequest")
    assert "already in use" in refused["error"]["message"]
    release.set()
    assert server.recv() == {"jsonrpc": "2.0", "id": 1, "result": {"tag": "first"}}
    # Once answered, the id is free again.
    server.send(request(1, "slow", {"tag": "third"}))
    assert server.recv() == {"jsonrpc": "2.0", "id": 1, "result": {"tag": "third"}}
    assert runs == ["first", "third"]
    assert server.finish() == []


def test_the_same_id_as_string_and_number_are_different_requests(pipe_servers):
    started, release = threading.Event(), threading.Event()
    pipe_servers.releases.append(release)

    def slow(ctx):
        started.set()
        assert release.wait(SAFETY)
        return {}

    server = pipe_servers({"slow": slow, "ping": ping})
    server.send(request(1, "slow"))
    assert started.wait(SAFETY)
    server.send(request("1", "ping"))
    assert server.recv() == {"jsonrpc": "2.0", "id": "1", "result": {"pong": True}}
    release.set()
    assert server.recv()["id"] == 1
    server.finish()


# --------------------------------------------------------------------------------------- cancellation

def test_cancel_answers_cancelled_and_runs_the_on_cancel_callbacks(pipe_servers):
    started = threading.Event()
    closed = threading.Event()
    callbacks = []

    def pull(ctx):
        ctx.on_cancel(lambda: callbacks.append("first"))
        ctx.on_cancel(lambda: (callbacks.append("close"), closed.set()))
        started.set()
        assert closed.wait(SAFETY), "on_cancel callback never ran"
        ctx.check_cancelled()
        return {"finished": True}

    server = pipe_servers({"pull": pull})
    server.send(request(3, "pull"))
    assert started.wait(SAFETY)
    server.send(notify(CANCEL, {"id": 3}))
    answer = server.recv()
    assert_error(answer, 3, -32800, "Cancelled")
    assert callbacks == ["first", "close"]
    assert server.finish() == []


def test_a_cancelled_request_failing_any_way_is_still_cancelled(pipe_servers):
    # Closing a response under a reading thread breaks the read with whatever urllib3 raises.
    started = threading.Event()
    closed = threading.Event()

    def pull(ctx):
        ctx.on_cancel(closed.set)
        started.set()
        assert closed.wait(SAFETY)
        raise AttributeError("'NoneType' object has no attribute 'read'")

    server = pipe_servers({"pull": pull})
    server.send(request(4, "pull"))
    assert started.wait(SAFETY)
    server.send(notify(CANCEL, {"id": 4}))
    assert_error(server.recv(), 4, -32800, "Cancelled")
    server.finish()


def test_a_request_cancelled_while_queued_never_runs(pipe_servers):
    started, release = threading.Event(), threading.Event()
    pipe_servers.releases.append(release)
    ran = []

    def slow(ctx):
        started.set()
        assert release.wait(SAFETY)
        return {"slow": True}

    def queued(ctx):
        ran.append(True)
        return {}

    server = pipe_servers({"slow": slow, "queued": queued}, max_workers=1)
    server.send(request(1, "slow"))
    assert started.wait(SAFETY)
    server.send(request(2, "queued"))  # waits for the only worker
    server.send(notify(CANCEL, {"id": 2}))
    # Answered by the read loop itself, so once this error is back the cancel before it has been handled.
    server.send(request(3, "no.such.method"))
    assert_error(server.recv(), 3, -32601, "MethodNotFound")
    release.set()
    responses = by_id([server.recv() for _ in range(2)])
    assert responses[1]["result"] == {"slow": True}
    assert_error(responses[2], 2, -32800, "Cancelled")
    assert ran == []
    server.finish()


def test_cancel_of_another_id_leaves_a_request_alone(pipe_servers):
    started, release = threading.Event(), threading.Event()
    pipe_servers.releases.append(release)
    contexts = []

    def slow(ctx):
        contexts.append(ctx)
        started.set()
        assert release.wait(SAFETY)
        return {"ok": True}

    server = pipe_servers({"slow": slow, "ping": ping})
    server.send(request(1, "slow"))
    assert started.wait(SAFETY)
    server.send(notify(CANCEL, {"id": 2}))
    server.send(notify(CANCEL, {"id": "1"}))
    server.send(request(9, "ping"))
    assert server.recv()["id"] == 9  # both cancels were read before this
    assert not contexts[0].cancelled
    release.set()
    assert server.recv() == {"jsonrpc": "2.0", "id": 1, "result": {"ok": True}}
    server.finish()


# --------------------------------------------------------------------------------------- end of input

def test_end_of_input_ends_serve_after_in_flight_requests_finish(pipe_servers):
    started, release, finished = threading.Event(), threading.Event(), threading.Event()
    pipe_servers.releases.append(release)

    def slow(ctx):
        started.set()
        assert release.wait(SAFETY)
        finished.set()
        return {"late": True}

    server = pipe_servers({"slow": slow}, watch=finished.is_set)
    server.send(request(1, "slow"))
    assert started.wait(SAFETY)
    server.close_input()
    assert server.input.eof.wait(SAFETY), "the server did not read its input to the end"
    release.set()
    rest = server.finish()
    assert server.state_at_return is True, "serve() returned before its in-flight request finished"
    assert rest == [{"jsonrpc": "2.0", "id": 1, "result": {"late": True}}]


def test_serve_returns_at_once_on_empty_input():
    out = io.BytesIO()
    Server(io.BytesIO(b""), out, None, BASIC).serve()
    assert out.getvalue() == b""


def test_a_closed_output_does_not_kill_the_loop():
    class ClosedOutput(io.BytesIO):
        def write(self, data):
            raise BrokenPipeError(32, "Broken pipe")

    calls = []

    def record(ctx):
        calls.append(True)
        return {}

    Server(io.BytesIO(line(request(1, "record")) + b"garbage\n" + line(request(2, "record"))), ClosedOutput(),
           None, {"record": record}).serve()
    assert calls == [True, True]


# --------------------------------------------------------------------------------------- Context

def test_context_on_cancel_after_cancel_runs_at_once():
    ctx = Context(engine=None)
    ctx.cancel()
    ran = []
    ctx.on_cancel(lambda: ran.append(True))
    assert ran == [True]
    with pytest.raises(errors.Cancelled):
        ctx.check_cancelled()


def test_context_cancel_runs_every_callback_once_even_if_one_fails():
    ctx = Context(engine=None)
    ran = []

    def bad():
        ran.append("bad")
        raise RuntimeError("callback failed")

    ctx.on_cancel(bad)
    ctx.on_cancel(lambda: ran.append("good"))
    ctx.cancel()
    ctx.cancel()
    assert ran == ["bad", "good"]
    assert ctx.cancelled


def test_context_progress_without_a_sink_is_a_no_op_and_with_one_passes_fields():
    Context(engine=None).progress(id="x", status="y")
    got = []
    Context(engine=None, progress=got.append).progress(id="x", status="y")
    assert got == [{"id": "x", "status": "y"}]


def test_an_interrupted_serve_cancels_every_request_then_raises():
    # `containerimage serve` in a terminal, Ctrl+C: KeyboardInterrupt in the read loop (the main thread).
    started = threading.Semaphore(0)
    cancelled = []

    def pull(ctx):
        ctx.on_cancel(lambda: cancelled.append(True))
        started.release()
        assert ctx._cancelled.wait(SAFETY), "the request was not cancelled"
        ctx.check_cancelled()
        return {"finished": True}

    class InterruptedInput:
        def __iter__(self):
            yield line(request(1, "pull"))
            yield line(request(2, "pull"))
            assert started.acquire(timeout=SAFETY) and started.acquire(timeout=SAFETY)
            raise KeyboardInterrupt

    out = io.BytesIO()
    with pytest.raises(KeyboardInterrupt):
        Server(InterruptedInput(), out, None, {"pull": pull}).serve()
    answers = by_id(json.loads(x) for x in out.getvalue().splitlines())
    assert sorted(answers) == [1, 2]
    for request_id, answer in answers.items():
        assert_error(answer, request_id, -32800, "Cancelled")
    assert cancelled == [True, True]


def test_serve_with_cancel_at_end_cancels_what_runs_when_its_input_ends():
    # The module's backend: stdin closes when PowerShell no longer waits (module removed, process gone).
    started = threading.Event()

    def pull(ctx):
        started.set()
        assert ctx._cancelled.wait(SAFETY), "the request was not cancelled"
        ctx.check_cancelled()
        return {"finished": True}

    class EndingInput:
        def __iter__(self):
            yield line(request(1, "pull"))
            assert started.wait(SAFETY)

    out = io.BytesIO()
    Server(EndingInput(), out, None, {"pull": pull}).serve(cancel_at_end=True)
    (answer,) = [json.loads(x) for x in out.getvalue().splitlines()]
    assert_error(answer, 1, -32800, "Cancelled")


def test_a_request_runs_on_the_engine_it_names_and_others_on_the_default():
    class Named:
        def __init__(self, name):
            self.name = name

        def close(self):
            pass

    def which(ctx):
        return {"engine": ctx.engine.name}

    default = Named(None)
    made = []

    def factory(name, environ=None):
        made.append(name)
        return Named(name)

    from containerimage.engines import Pool
    out = io.BytesIO()
    data = b"".join(line(m) for m in [
        dict(request(1, "which"), engine="web1"), request(2, "which"), dict(request(3, "which"), engine="web1")])
    Server(io.BytesIO(data), out, None, {"which": which}, pool=Pool(default, factory=factory)).serve()
    answers = by_id([json.loads(x) for x in out.getvalue().splitlines()])
    assert [answers[i]["result"]["engine"] for i in (1, 2, 3)] == ["web1", None, "web1"]
    assert made == ["web1"]  # one engine for the name, shared


@pytest.mark.parametrize("engine", ["", "   ", 7, ["a"], True])
def test_an_engine_that_is_not_a_name_is_an_invalid_request(engine):
    answers = by_id(serve_all([dict(request(1, "ping"), engine=engine)], {"ping": ping}))
    error = answers[1]["error"]
    assert error["code"] == errors.InvalidRequest.code and "engine must be a non-empty string" in error["message"]


def test_a_request_chooses_its_engine_by_the_environment_it_carries(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///backend.sock")
    for variable in ("DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"):
        monkeypatch.delenv(variable, raising=False)

    class Engine:
        def __init__(self, environ=None):
            self.environ = environ

        def close(self):
            pass

    def which(ctx):
        return {"engine": (ctx.engine.environ or {}).get("DOCKER_HOST"), "environ": ctx.environ.get("DOCKER_HOST")}

    from containerimage.engines import Pool
    made = []

    def factory(name, environ=None):
        made.append(Engine(environ))
        return made[-1]

    out = io.BytesIO()
    data = b"".join(line(m) for m in [
        dict(request(1, "which"), environment={"DOCKER_HOST": "unix:///backend.sock"}),
        dict(request(2, "which"), environment={"DOCKER_HOST": "unix:///moved.sock"}),
        dict(request(3, "which"), environment={"DOCKER_HOST": "unix:///moved.sock", "DOCKER_CONTEXT": None}),
        dict(request(4, "which"), environment={}),
        request(5, "which")])
    Server(io.BytesIO(data), out, None, {"which": which}, pool=Pool(Engine(), factory=factory)).serve()
    answers = by_id([json.loads(x) for x in out.getvalue().splitlines()])
    assert [answers[i]["result"]["engine"] for i in range(1, 6)] == \
        [None, "unix:///moved.sock", "unix:///moved.sock", None, None]
    assert [answers[i]["result"]["environ"] for i in range(1, 6)] == \
        ["unix:///backend.sock", "unix:///moved.sock", "unix:///moved.sock", None, "unix:///backend.sock"]
    assert len(made) == 2  # the moved DOCKER_HOST shared by requests 2 and 3; request 4 unset it


@pytest.mark.parametrize("environment", [[], "DOCKER_HOST=x", {"PATH": "/bin"}, {"DOCKER_HOST": 7}])
def test_an_environment_that_is_not_engine_variables_is_an_invalid_request(environment):
    answers = by_id(serve_all([dict(request(1, "ping"), environment=environment)], {"ping": ping}))
    error = answers[1]["error"]
    assert error["code"] == errors.InvalidRequest.code and "environment must be a JSON object" in error["message"]


def test_a_result_for_a_named_engine_carries_it_on_itself_and_on_each_row_and_others_do_not():
    def rows(ctx):
        return {"images": [{"Id": "a"}, {"Id": "b", "Engine": "kept"}], "errors": [], "count": 2}

    class Named:
        name = None

        def close(self):
            pass

    from containerimage.engines import Pool
    out = io.BytesIO()
    data = b"".join(line(m) for m in [dict(request(1, "rows"), engine="web1"), request(2, "rows")])
    Server(io.BytesIO(data), out, None, {"rows": rows}, pool=Pool(Named(), factory=lambda name, environ=None: Named())).serve()
    answers = by_id([json.loads(x) for x in out.getvalue().splitlines()])
    named, unnamed = answers[1]["result"], answers[2]["result"]
    assert named["Engine"] == "web1" and [i["Engine"] for i in named["images"]] == ["web1", "kept"]
    assert "Engine" not in unnamed and all("Engine" not in i or i["Engine"] == "kept" for i in unnamed["images"])
    assert unnamed["images"][0] == {"Id": "a"}
