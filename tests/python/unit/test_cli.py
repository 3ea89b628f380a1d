"""The containerimage command: exit codes, human output, and `serve` as a real process."""

import argparse
import json
import os
import re
import select
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings, strategies as st

from containerimage import __version__, cli
from containerimage.operations import images

from .fakes import FakeDockerAPI, FakeEngine, NoEngine, TTY
from .test_operations_images import BUSYBOX, BUSYBOX_DIGEST, CONFIGS, CONTAINERS, SUMMARIES, pull_events

BACKEND = os.path.join(os.path.dirname(__file__), "..", "..", "..", "backend")
MISSING_SOCKET = "unix:///nonexistent/containerimage-test/docker.sock"
ANSI = re.compile(r"\x1b\[")
SAFETY = 30


@pytest.fixture(autouse=True)
def isolated(monkeypatch):
    """main() reads the environment: keep it to this test."""
    for name in ("NO_COLOR", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake_engine(monkeypatch):
    api = FakeDockerAPI(SUMMARIES, CONTAINERS, CONFIGS, pull_events=pull_events(
        {"status": "Downloading", "progressDetail": {"current": 1, "total": 2}, "id": "0123456789ab"}))
    monkeypatch.setattr(cli, "Engine", lambda: FakeEngine(api))
    return api


# --------------------------------------------------------------------------------------- exit codes

def test_images_with_the_engine_down_is_exit_4_with_the_error_on_stderr(monkeypatch, capsys):
    monkeypatch.setenv("DOCKER_HOST", MISSING_SOCKET)
    assert cli.main(["images"]) == cli.ExitStatus.ENGINE_UNAVAILABLE == 4
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("Error: Cannot reach the Docker engine at " + MISSING_SOCKET)
    assert not ANSI.search(err)


def test_pull_with_the_engine_down_is_exit_4(monkeypatch, capsys):
    monkeypatch.setenv("DOCKER_HOST", MISSING_SOCKET)
    assert cli.main(["pull", "busybox"]) == 4
    assert capsys.readouterr().out == ""


def test_pull_of_an_invalid_reference_is_a_usage_error(monkeypatch, capsys):
    monkeypatch.setattr(cli, "Engine", NoEngine)  # the name is refused before the engine is asked
    assert cli.main(["pull", "Bad Name"]) == cli.ExitStatus.USAGE
    assert cli.main(["pull", "busybox:1", "--all-tags"]) == cli.ExitStatus.USAGE


def test_pull_of_an_invalid_reference_names_it(monkeypatch, capsys):
    monkeypatch.setenv("DOCKER_HOST", MISSING_SOCKET)  # Engine() is lazy: never reached
    assert cli.main(["pull", "Bad Name"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "'Bad Name' is not a valid reference" in err


def test_images_naming_a_missing_image_is_exit_3(fake_engine, capsys):
    assert cli.main(["images", "busybox:latest", "nothere"]) == cli.ExitStatus.NOT_FOUND
    out, err = capsys.readouterr()
    assert "busybox" in out and "nothere" not in out
    assert err.startswith("Error: ") and "'nothere'" in err and err.count("\n") == 1


@pytest.mark.parametrize("exc, status", [
    (KeyboardInterrupt(), 130),
    (RuntimeError("boom"), 1),
])
def test_interrupts_and_unexpected_errors(monkeypatch, capsys, exc, status):
    class Exploding:
        def client(self):
            raise exc

    monkeypatch.setattr(cli, "Engine", Exploding)
    assert cli.main(["images"]) == status
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("Cancelled." if status == 130 else "Error: RuntimeError: boom")


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(["frobnicate"])
    assert caught.value.code == 2


def test_version(capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.strip() == f"containerimage {__version__}"


# --------------------------------------------------------------------------------------- human output

def test_images_prints_a_table_without_colour_when_not_a_terminal(fake_engine, capsys):
    assert cli.main(["images"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert not ANSI.search(out)
    lines = out.splitlines()
    assert re.match(r"REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$", lines[0])
    assert len(lines) == 1 + 8
    busybox = [line for line in lines if line.startswith("busybox ")]
    assert [line.split()[1:3] for line in busybox] == [["latest", "a" * 12], ["1.36", "a" * 12]]
    assert all(line.endswith("4.26MB") for line in busybox)
    assert lines[-1].split()[:3] == ["<none>", "<none>", "d" * 12]
    # The columns line up: every row's IMAGE ID starts where the header's does.
    column = lines[0].index("IMAGE ID")
    assert all(line[column:column + 12] in {c * 12 for c in "abcdef"} for line in lines[1:])


def test_images_is_coloured_on_a_terminal(fake_engine):
    term = cli.Terminal(stdout=TTY(), stderr=TTY())
    assert term.colour
    assert cli.cmd_images(argparse.Namespace(name=[], all=False), term) == 0
    assert ANSI.search(term.stdout.getvalue())


def test_no_color_turns_colour_off_even_on_a_terminal(fake_engine, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    term = cli.Terminal(stdout=TTY(), stderr=TTY())
    assert not term.colour
    cli.cmd_images(argparse.Namespace(name=["nothere"], all=False), term)
    assert not ANSI.search(term.stdout.getvalue()) and not ANSI.search(term.stderr.getvalue())


def test_errors_are_coloured_only_when_both_streams_are_terminals():
    tty_both = cli.Terminal(stdout=TTY(), stderr=TTY())
    tty_both.error("bad")
    assert ANSI.search(tty_both.stderr.getvalue())
    piped_err = cli.Terminal(stdout=TTY(), stderr=argparse.Namespace(isatty=lambda: False, write=lambda t: None))
    written = []
    piped_err.stderr.write = written.append
    piped_err.error("bad")
    assert written == ["bad\n"]


def test_pull_prints_progress_on_stderr_and_the_result_on_stdout(fake_engine, capsys):
    assert cli.main(["pull", "busybox"]) == 0
    out, err = capsys.readouterr()
    assert out == (f"Digest: {BUSYBOX_DIGEST}\nStatus: Downloaded newer image for busybox:latest\n"
                   f"busybox:latest {'a' * 12}\n")
    assert err == "0123456789ab: Downloading 1/2\n"
    assert fake_engine.posts[0]["params"] == {"fromImage": "busybox", "tag": "latest"}
    assert BUSYBOX in fake_engine.inspected


@pytest.mark.parametrize("size, text", [
    (0, "0B"), (1, "1B"), (999, "999B"), (1000, "1kB"), (1234, "1.23kB"), (4_261_550, "4.26MB"),
    (300_000_000, "300MB"), (1_500_000_000, "1.5GB"), (999_000_000_000, "999GB"),
])
def test_human_size(size, text):
    assert cli.human_size(size) == text


@pytest.mark.parametrize("size, text", [(999_999, "1MB"), (999_999_999, "1GB"), (1_500_000_000_000, "1.5TB")])
def test_human_size_never_uses_scientific_notation(size, text):
    assert cli.human_size(size) == text


@given(st.integers(min_value=0, max_value=10**15))
@settings(max_examples=300, deadline=None)
def test_human_size_is_always_a_plain_number_and_unit(size):
    assert re.fullmatch(r"\d{1,3}(\.\d{1,2})?(B|kB|MB|GB|TB|PB)", cli.human_size(size)), cli.human_size(size)


NOW = 1_700_000_000


@pytest.mark.parametrize("age, text", [
    (-100, "Less than a minute ago"), (0, "Less than a minute ago"), (59, "Less than a minute ago"),
    (60, "1 minute ago"), (119, "1 minute ago"), (120, "2 minutes ago"), (3600, "1 hour ago"),
    (5 * 3600 + 59, "5 hours ago"), (86400, "1 day ago"), (2 * 86400, "2 days ago"), (604800, "1 week ago"),
    (3 * 2592000, "3 months ago"), (31536000, "1 year ago"), (2 * 31536000, "2 years ago"),
])
def test_human_age(age, text):
    assert cli.human_age(NOW - age, now=NOW) == text


@pytest.fixture
def timezone(monkeypatch):
    def use(tz):
        monkeypatch.setenv("TZ", tz)
        time.tzset()
    yield use
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("tz", ["UTC0", "EST5", "CET-1CEST,M3.5.0,M10.5.0/3", "PST8PDT,M3.2.0,M11.1.0"])
@pytest.mark.parametrize("iso, epoch", [("2023-11-14T22:13:20Z", 1_700_000_000), ("2024-07-01T12:00:00Z", 1_719_835_200)])
def test_created_times_are_read_as_utc_in_any_timezone(timezone, tz, iso, epoch):
    # The CLI shows ages from the rows' UTC 'Created'; in summer time an off-by-an-hour epoch makes a
    # just-pulled image "1 hour ago".
    timezone(tz)
    assert cli._created_epoch(iso) == epoch


# --------------------------------------------------------------------------------------- serve, as a process

def serve_process(**env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    environ.update(PYTHONPATH=os.path.abspath(BACKEND), DOCKER_HOST=MISSING_SOCKET, CONTAINERIMAGE_LOG_LEVEL="DEBUG")
    environ.update(env)
    return subprocess.Popen([sys.executable, "-m", "containerimage", "serve"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environ)


def rpc(request_id, method, params=None):
    message = {"jsonrpc": "2.0", "id": request_id, "method": method}
    if params is not None:
        message["params"] = params
    return json.dumps(message).encode() + b"\n"


def test_serve_answers_a_handshake_while_the_engine_is_down_and_survives_garbage():
    process = serve_process()
    stdin = rpc(1, "handshake") + b"this is not json\n" + rpc(2, "ping") + rpc(3, "image.list") \
        + rpc(4, "image.list", {"all": "yes"}) + b"\n"
    try:
        out, err = process.communicate(stdin, timeout=SAFETY)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err.decode()
    lines = out.decode("utf-8").split("\n")
    assert lines[-1] == ""
    messages = [json.loads(line) for line in lines[:-1]]  # stdout is nothing but JSON lines
    assert all(m["jsonrpc"] == "2.0" for m in messages)
    assert len(messages) == 5
    parse_errors = [m for m in messages if m.get("id") is None]
    assert [m["error"]["code"] for m in parse_errors] == [-32700]
    responses = {m["id"]: m for m in messages if m.get("id") is not None}

    handshake = responses[1]["result"]
    assert handshake["protocolVersion"] == 1
    assert handshake["backendVersion"] == __version__
    assert handshake["pid"] == process.pid
    assert handshake["transport"] == "Stdio"
    assert handshake["engine"]["host"] == MISSING_SOCKET
    assert handshake["engine"]["version"] is None
    assert handshake["engine"]["error"]["code"] == -32001
    assert handshake["engine"]["error"]["data"] == {"kind": "EngineUnavailable", "target": MISSING_SOCKET}

    assert responses[2]["result"] == {}
    assert responses[3]["error"]["data"]["kind"] == "EngineUnavailable"
    assert responses[4]["error"]["code"] == -32602


def test_serve_answers_each_request_as_it_comes_not_at_exit():
    process = serve_process()
    try:
        process.stdin.write(rpc(1, "ping"))
        process.stdin.flush()
        ready, _, _ = select.select([process.stdout], [], [], SAFETY)
        assert ready, "no response while stdin is open: output is buffered"
        assert json.loads(process.stdout.readline()) == {"jsonrpc": "2.0", "id": 1, "result": {}}
        process.stdin.close()
        assert process.wait(SAFETY) == 0
        assert process.stdout.read() == b""
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
        process.stderr.close()


def test_serve_ends_quietly_on_immediate_end_of_input():
    process = serve_process()
    out, err = process.communicate(b"", timeout=SAFETY)
    assert (process.returncode, out) == (0, b"")


def test_engine_names_the_engine_before_or_after_the_command_and_an_empty_one_is_refused(monkeypatch, capsys):
    made = []

    class Named:
        def __init__(self, name=None):
            made.append(name)
            raise SystemExit(0)  # enough: which engine the command made

    monkeypatch.setattr(cli, "Engine", Named)
    for argv in (["--engine", "web1", "images"], ["images", "--context", "web1"], ["images"]):
        with pytest.raises(SystemExit):
            cli.main(argv)
    assert made == ["web1", "web1", None]
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["images", "--engine", " "])
    assert exit_info.value.code == 2 and "an engine name cannot be empty" in capsys.readouterr().err
