"""`containerimage save` and `containerimage load`: files, stdout and stdin, exit codes, colour only on a terminal."""

import argparse
import io
import os
import re

import pytest

from containerimage import cli

from .fakes import FakeEngine, NoEngine, TTY
from .test_operations_archive import ARCHIVE_BYTES, LOADED, ArchiveAPI
from .test_operations_images import DANGLING

ANSI = re.compile(r"\x1b\[")


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """main() reads the environment and resolves relative paths against the working directory."""
    for name in ("NO_COLOR", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def api(monkeypatch):
    api = ArchiveAPI(load_events=LOADED)
    monkeypatch.setattr(cli, "Engine", lambda: FakeEngine(api))
    return api


class Piped(io.StringIO):
    def isatty(self):
        return False


class Stdin:
    """Standard input: a terminal, or a pipe with bytes in it."""

    def __init__(self, data=None):
        self.buffer = io.BufferedReader(io.BytesIO(data or b""))
        self._tty = data is None

    def isatty(self):
        return self._tty


# ---------------------------------------------------------------------------------------------- save

def test_save_writes_the_archive_and_says_where_without_colour_when_piped(api, capsys, tmp_path):
    assert cli.main(["save", "busybox:latest", "one/app:1", "-o", "images.tar"]) == 0
    assert (tmp_path / "images.tar").read_bytes() == ARCHIVE_BYTES  # relative to the working directory
    out, err = capsys.readouterr()
    assert out == f"Saved busybox:latest, one/app:1 to {tmp_path / 'images.tar'} ({len(ARCHIVE_BYTES)}B)\n"
    assert err == ""  # no progress line when stderr is not a terminal
    assert api.gets[0]["params"] == {"names": ["busybox:latest", "one/app:1"]}


def test_save_does_not_overwrite_without_force_and_says_how(api, capsys, tmp_path):
    (tmp_path / "x.tar").write_bytes(b"keep me")
    assert cli.main(["save", "busybox", "-o", "x.tar"]) == cli.ExitStatus.EXISTS == 8
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"Error: The file '{tmp_path / 'x.tar'}' already exists. Give --force to overwrite it.\n"
    assert (tmp_path / "x.tar").read_bytes() == b"keep me"
    assert cli.main(["save", "busybox", "-o", "x.tar", "--force"]) == 0
    assert (tmp_path / "x.tar").read_bytes() == ARCHIVE_BYTES


@pytest.mark.parametrize("argv, status, message", [
    (["save", "nothere:1", "-o", "x.tar"], cli.ExitStatus.NOT_FOUND, "No image 'nothere:1' on this engine."),
    (["save", "Bad Name", "-o", "x.tar"], cli.ExitStatus.USAGE, "'Bad Name' is not a valid reference"),
    (["save", "busybox", "-o", "no/such/x.tar"], cli.ExitStatus.NOT_FOUND,
     "The folder '{tmp}/no/such' does not exist."),
    (["save", "busybox", "-o", "."], cli.ExitStatus.USAGE, "is a folder"),
])
def test_save_errors_have_their_exit_codes_and_leave_no_file(api, capsys, tmp_path, argv, status, message):
    assert cli.main(argv) == status
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("Error: ") and message.format(tmp=tmp_path) in err
    assert os.listdir(tmp_path) == []


def test_save_without_output_refuses_a_terminal_before_asking_the_engine(monkeypatch):
    monkeypatch.setattr(cli, "Engine", NoEngine)
    term = cli.Terminal(stdout=TTY(), stderr=TTY())
    with pytest.raises(cli.errors.InvalidParams) as caught:
        cli.cmd_save(argparse.Namespace(name=["busybox"], output=None, force=False), term)
    assert "terminal" in caught.value.message and "-o FILE" in caught.value.message
    assert term.stdout.getvalue() == ""


def test_save_without_output_writes_the_archive_to_a_piped_stdout(api, capsysbinary, tmp_path):
    assert cli.main(["save", "busybox"]) == 0
    out, err = capsysbinary.readouterr()
    assert out == ARCHIVE_BYTES and err == b""
    assert os.listdir(tmp_path) == []


def test_save_to_stdout_checks_the_names_first(api, capsysbinary):
    assert cli.main(["save", "nothere"]) == cli.ExitStatus.NOT_FOUND
    out, err = capsysbinary.readouterr()
    assert out == b"" and b"'nothere'" in err
    assert api.gets == []


def test_save_is_coloured_and_shows_progress_on_a_terminal(api, tmp_path):
    term = cli.Terminal(stdout=TTY(), stderr=TTY())
    assert cli.cmd_save(argparse.Namespace(name=["busybox"], output="x.tar", force=False), term) == 0
    out = term.stdout.getvalue()
    assert ANSI.search(out) and "busybox" in out
    shown = term.stderr.getvalue()
    assert shown.startswith("\rWriting x.tar: ") and " written" in shown
    assert shown.endswith("\r")  # the progress line is wiped before the result is printed


def test_no_color_turns_colour_off_on_a_terminal(api, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    term = cli.Terminal(stdout=TTY(), stderr=TTY())
    cli.cmd_save(argparse.Namespace(name=["busybox"], output="x.tar", force=False), term)
    assert not ANSI.search(term.stdout.getvalue())


def test_ctrl_c_in_the_middle_of_a_save_is_exit_130_and_leaves_no_file(monkeypatch, capsys, tmp_path):
    api = ArchiveAPI(chunks=[b"part", KeyboardInterrupt()])
    monkeypatch.setattr(cli, "Engine", lambda: FakeEngine(api))
    assert cli.main(["save", "busybox", "-o", "x.tar"]) == cli.ExitStatus.CANCELLED == 130
    assert capsys.readouterr().err == "Cancelled.\n"
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------------------------------------- load

def test_load_from_a_file_prints_what_was_loaded_like_docker(api, capsys, tmp_path):
    (tmp_path / "in.tar").write_bytes(b"archive bytes")
    assert cli.main(["load", "-i", "in.tar"]) == 0
    out, err = capsys.readouterr()
    assert out == f"Loaded image: busybox:latest\nLoaded image ID: {DANGLING}\n"
    assert err == ""
    assert api.uploads == [(b"archive bytes", len(b"archive bytes"))]


def test_load_is_coloured_and_shows_progress_on_a_terminal(api, tmp_path):
    (tmp_path / "in.tar").write_bytes(b"archive bytes")
    term = cli.Terminal(stdout=TTY(), stderr=TTY())
    assert cli.cmd_load(argparse.Namespace(input="in.tar"), term) == 0
    assert ANSI.search(term.stdout.getvalue())
    assert "Reading in.tar: 13 B of 13 B" in term.stderr.getvalue()


@pytest.mark.parametrize("content, status, message", [
    (None, cli.ExitStatus.NOT_FOUND, "The file '{path}' does not exist."),
    (b"", cli.ExitStatus.INVALID_DATA, "'{path}' is empty"),
])
def test_load_errors_before_the_engine(monkeypatch, capsys, tmp_path, content, status, message):
    monkeypatch.setattr(cli, "Engine", NoEngine)
    path = tmp_path / "in.tar"
    if content is not None:
        path.write_bytes(content)
    assert cli.main(["load", "-i", "in.tar"]) == status
    assert message.format(path=path) in capsys.readouterr().err


def test_load_of_a_corrupt_archive_is_exit_9_naming_it(monkeypatch, capsys, tmp_path):
    message = "Error processing tar file(exit status 1): unexpected EOF"
    api = ArchiveAPI(load_events=[{"error": message, "errorDetail": {"message": message}}])
    monkeypatch.setattr(cli, "Engine", lambda: FakeEngine(api))
    (tmp_path / "bad.tar").write_bytes(b"\0" * 100)
    assert cli.main(["load", "-i", "bad.tar"]) == cli.ExitStatus.INVALID_DATA == 9
    out, err = capsys.readouterr()
    assert out == "" and err == f"Error: '{tmp_path / 'bad.tar'}' is not a valid image archive: {message}\n"


def test_load_without_input_reads_a_piped_stdin_chunked(api, monkeypatch, capsys):
    monkeypatch.setattr(cli.sys, "stdin", Stdin(b"piped archive"))
    assert cli.main(["load"]) == 0
    assert api.uploads == [(b"piped archive", None)]
    assert capsys.readouterr().out.startswith("Loaded image: busybox:latest\n")


def test_load_without_input_refuses_a_terminal(monkeypatch, capsys):
    monkeypatch.setattr(cli, "Engine", NoEngine)
    monkeypatch.setattr(cli.sys, "stdin", Stdin(None))
    assert cli.main(["load"]) == cli.ExitStatus.USAGE
    assert "-i FILE" in capsys.readouterr().err


def test_the_progress_line_is_only_drawn_on_a_terminal():
    piped = cli.Terminal(stdout=Piped(), stderr=Piped())
    line = cli.ProgressLine(piped)
    line({"id": "archive", "activity": "Writing x.tar", "status": "1 kB written"})
    line.done()
    assert piped.stderr.getvalue() == ""
    tty = cli.Terminal(stdout=TTY(), stderr=TTY())
    line = cli.ProgressLine(tty)
    line({"id": "archive", "activity": "Reading x.tar", "status": "1 kB of 2 kB"})
    line({"id": "0123456789ab", "status": "Loading layer"})
    line({"id": "archive", "activity": "Reading x.tar", "status": "2 kB of 2 kB"})
    line.done()
    first, last = "Reading x.tar: 1 kB of 2 kB", "Reading x.tar: 2 kB of 2 kB"
    layer = "Layer 0123456789ab: Loading layer"
    # Each line overwrites the one before, padded to clear a longer one; done() wipes the line.
    assert tty.stderr.getvalue() == (f"\r{first}\r{layer}\r{last.ljust(len(layer))}"
                                     f"\r{' ' * len(layer)}\r")
