"""The containerimage commit, tag and history commands: output, colour, exit codes."""

import argparse
import re

import pytest

from containerimage import cli

from .fakes import FakeEngine, NoEngine, TTY, api_error
from .test_cli import ANSI
from .test_operations_commit import BASE, OTHER, ImageStoreAPI
from .test_operations_history import ASPNET_HISTORY, COMMITTED_HISTORY

LONG_COMMAND = "/bin/sh -c echo a long command that docker would cut at forty-five characters"


@pytest.fixture(autouse=True)
def isolated(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def api(monkeypatch):
    histories = {BASE: ASPNET_HISTORY, OTHER: [dict(COMMITTED_HISTORY[0], CreatedBy=LONG_COMMAND), *ASPNET_HISTORY]}
    fake = ImageStoreAPI(histories=histories)
    monkeypatch.setattr(cli, "Engine", lambda: FakeEngine(fake))
    return fake


def run(argv, capsys):
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


# -------------------------------------------------------------------------------------------- commit

def test_commit_prints_the_new_image_and_sends_every_option(api, capsys):
    status, out, err = run(["commit", "web", "test/web:v1", "-m", "IIS configured", "-a", "Jane",
                            "-c", "LABEL a=b", "--change", "ENV X=1", "--no-pause"], capsys)
    assert (status, err) == (0, "")
    new = api.find("test/web:v1")["Id"]
    assert out == f"test/web:v1 {new[7:19]}\n"
    assert api.posts[-1]["params"] == {"container": "web", "repo": "test/web", "tag": "v1", "comment": "IIS configured",
                                       "author": "Jane", "changes": ["LABEL a=b", "ENV X=1"], "pause": "0"}


def test_commit_without_a_name_prints_an_untagged_image_and_pauses(api, capsys):
    status, out, _ = run(["commit", "web"], capsys)
    assert status == 0
    assert re.fullmatch(r"<none>:<none> [0-9a-f]{12}\n", out)
    assert api.posts[-1]["params"]["pause"] == "1"


def test_commit_of_a_missing_container_is_exit_3_naming_it(api, capsys):
    status, out, err = run(["commit", "nosuch", "test/web"], capsys)
    assert (status, out) == (cli.ExitStatus.NOT_FOUND, "")
    assert err == "Error: No container 'nosuch' on this engine.\n"


@pytest.mark.parametrize("argv, mentioned", [
    (["commit", "web", "Bad Name"], "'Bad Name' is not a valid reference"),
    (["commit", "web", "repo:bad tag"], "'bad tag' is not a valid tag"),
    (["tag", "microsoft/aspnet", "Bad Name"], "'Bad Name' is not a valid reference"),
    (["tag", "Bad Name", "test/copy"], "'Bad Name' is not a valid reference"),
    (["history", "repo:bad tag"], "'bad tag' is not a valid tag"),
])
def test_malformed_names_are_usage_errors_before_the_engine_is_asked(monkeypatch, capsys, argv, mentioned):
    monkeypatch.setattr(cli, "Engine", NoEngine)
    status, out, err = run(argv, capsys)
    assert (status, out) == (cli.ExitStatus.USAGE, "")
    assert err.startswith("Error: ") and mentioned in err


def test_a_refused_change_is_a_usage_error_with_the_engines_reason(monkeypatch, capsys):
    fake = ImageStoreAPI(commit_error=api_error(400, "foo is not a valid change command"))
    monkeypatch.setattr(cli, "Engine", lambda: FakeEngine(fake))
    status, out, err = run(["commit", "web", "test/web", "-c", "FOO bar"], capsys)
    assert (status, out) == (cli.ExitStatus.USAGE, "")
    assert "'FOO bar'" in err and "foo is not a valid change command" in err and "WORKDIR" in err


# ----------------------------------------------------------------------------------------------- tag

def test_tag_prints_each_target_with_the_source_id(api, capsys):
    status, out, err = run(["tag", "microsoft/aspnet:nanoserver", "test/aspnet:stable", "test/aspnet"], capsys)
    assert (status, err) == (0, "")
    assert out == f"test/aspnet:stable {'b' * 12}\ntest/aspnet:latest {'b' * 12}\n"
    assert api.find("test/aspnet:stable")["Id"] == api.find("test/aspnet")["Id"] == BASE


def test_tag_of_a_missing_source_is_exit_3_naming_it(api, capsys):
    status, out, err = run(["tag", "no/such", "test/copy"], capsys)
    assert (status, out, err) == (cli.ExitStatus.NOT_FOUND, "", "Error: No image 'no/such' on this engine.\n")


def test_tag_needs_a_target(capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(["tag", "microsoft/aspnet"])
    assert caught.value.code == 2


# ------------------------------------------------------------------------------------------- history

def test_history_prints_docker_histories_table_plain_when_piped(api, capsys):
    status, out, err = run(["history", "test/app:v1"], capsys)
    assert (status, err) == (0, "")
    assert not ANSI.search(out)
    lines = out.splitlines()
    assert re.fullmatch(r"IMAGE +CREATED +CREATED BY +SIZE +COMMENT", lines[0])
    assert len(lines) == 4
    created_by = lines[0].index("CREATED BY")
    size = lines[0].index("SIZE")
    assert lines[1].startswith("c" * 12 + " ")
    assert lines[1][created_by:].startswith(LONG_COMMAND[:44] + "\u2026   ")  # cut at 45, as docker cuts it
    assert lines[1][size:].split() == ["0B", "IIS", "configured"]
    assert lines[2].startswith("b" * 12 + " ") and lines[2][size:].split() == ["24B"]
    assert lines[3].startswith("<missing> ") and lines[3][size:].split() == ["1.98MB", "Imported", "from", "-"]


def test_history_no_trunc_shows_whole_ids_and_commands(api, capsys):
    status, out, _ = run(["history", "--no-trunc", "test/app:v1"], capsys)
    lines = out.splitlines()
    assert status == 0
    assert lines[1].startswith(OTHER + " ") and LONG_COMMAND in lines[1]
    assert lines[2].startswith(BASE + " ")
    assert lines[3].startswith("<missing> ")


def test_history_is_coloured_on_a_terminal(api):
    term = cli.Terminal(stdout=TTY(), stderr=TTY())
    assert cli.cmd_history(argparse.Namespace(name="microsoft/aspnet", no_trunc=False), term) == 0
    text = term.stdout.getvalue()
    assert text.startswith("\x1b[") and "IMAGE" in text.splitlines()[0]  # the header is styled
    assert text.count("\n") == 3


def test_history_of_a_missing_image_is_exit_3(api, capsys):
    status, out, err = run(["history", "no/such"], capsys)
    assert (status, out, err) == (cli.ExitStatus.NOT_FOUND, "", "Error: No image 'no/such' on this engine.\n")
