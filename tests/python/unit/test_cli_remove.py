"""containerimage rmi and containerimage prune: human output, exit codes, colour only on a terminal."""

import io
import re

import pytest

from containerimage import cli

from .fakes import FakeEngine, TTY, api_error
from .test_operations_remove import (CHILD, LOOSE, MIDDLE, OTHER, PINNED, PINNED_DIGEST, STOPPED_ON_CHILD, TOP,
                                     EngineAPI)

ANSI = re.compile(r"\x1b\[")


@pytest.fixture(autouse=True)
def isolated(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def api(monkeypatch):
    api = EngineAPI([STOPPED_ON_CHILD])
    monkeypatch.setattr(cli, "Engine", lambda: FakeEngine(api))
    return api


def removed(api):
    return [args[0] for name, args, _ in api.calls if name == "remove_image"]


def test_rmi_prints_what_was_untagged_and_deleted_plain_when_piped(api, capsys):
    api.removals["test/app:2"] = [{"Untagged": "test/app:2"}]
    api.removals["other/thing:1"] = [{"Untagged": "other/thing:1"}, {"Deleted": OTHER}]
    assert cli.main(["rmi", "test/app:2", "other/thing:1"]) == cli.ExitStatus.SUCCESS
    out = capsys.readouterr().out
    assert out == f"Untagged: test/app:2\nUntagged: other/thing:1\nDeleted: {OTHER}\n"
    assert not ANSI.search(out)


def test_rmi_colours_names_on_a_terminal(api):
    api.removals["test/app:2"] = [{"Untagged": "test/app:2"}]
    term = cli.Terminal(stdout=TTY(), stderr=io.StringIO())
    args = cli.parser().parse_args(["rmi", "test/app:2"])
    assert cli.cmd_rmi(args, term) == cli.ExitStatus.SUCCESS
    assert ANSI.search(term.stdout.getvalue())
    assert "test/app:2" in term.stdout.getvalue()


def test_rmi_goes_on_after_a_refused_image_and_exits_with_the_first_failures_code(api, capsys):
    api.removals["other/thing:1"] = [{"Untagged": "other/thing:1"}, {"Deleted": OTHER}]
    status = cli.main(["rmi", "test/base:1", "test/nosuch", "other/thing:1"])
    assert status == cli.ExitStatus.CONFLICT
    captured = capsys.readouterr()
    assert "Deleted: " + OTHER in captured.out
    errors = captured.err.splitlines()
    assert errors[0].startswith("Error: The image 'test/base:1' (aaaaaaaaaaaa) cannot be removed")
    assert "111111111111 'stopped-box' (exited" in errors[0]
    assert errors[1] == "Error: No image 'test/nosuch' on this engine (looked for test/nosuch:latest)."
    assert removed(api) == ["other/thing:1"]


@pytest.mark.parametrize("argv, status", [
    (["rmi", "test/nosuch:1"], cli.ExitStatus.NOT_FOUND),
    (["rmi", "Bad//name"], cli.ExitStatus.USAGE),
    (["rmi", "sha256:xyz"], cli.ExitStatus.USAGE),
])
def test_rmi_exit_codes_tell_bad_inputs_apart(api, capsys, argv, status):
    assert cli.main(argv) == status
    assert argv[1] in capsys.readouterr().err


def test_rmi_force_and_no_prune_reach_the_engine(api, capsys):
    api.removals["test/child:1"] = [{"Untagged": "test/child:1"}, {"Deleted": CHILD}]
    assert cli.main(["rmi", "-f", "--no-prune", "test/child:1"]) == cli.ExitStatus.SUCCESS
    assert api.calls_to("remove_image") == [{"force": True, "noprune": True}]


def test_prune_dry_run_lists_the_plan_and_removes_nothing(api, capsys):
    assert cli.main(["prune", "--dry-run"]) == cli.ExitStatus.SUCCESS
    lines = capsys.readouterr().out.splitlines()
    assert re.match(r"IMAGE\s+IMAGE ID\s+SIZE\s+WHY$", lines[0])
    assert sorted(line.split()[1] for line in lines[1:]) == sorted(i[7:19] for i in (TOP, LOOSE, PINNED, MIDDLE))
    assert removed(api) == []


def test_prune_asks_and_a_no_removes_nothing(api, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert cli.main(["prune", "--unused", "--label", "stage=final"]) == cli.ExitStatus.SUCCESS
    captured = capsys.readouterr()
    assert "Remove these 1 images? [y/N]" in captured.err
    assert captured.out.endswith("Nothing removed.\n")
    assert removed(api) == []


def test_prune_removes_exactly_the_plan_after_a_yes_and_tells_the_space(api, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    api.histories[OTHER] = [{"Size": 2_500_000}]
    api.removals["other/thing:1"] = [{"Untagged": "other/thing:1"}, {"Deleted": OTHER},
                                     {"Deleted": "sha256:" + "6" * 64}]
    assert cli.main(["prune", "-a", "--label", "stage=final"]) == cli.ExitStatus.SUCCESS
    out = capsys.readouterr().out
    assert f"Untagged: other/thing:1\nDeleted: {OTHER}\nTotal reclaimed space: 2.5MB\n" in out
    assert removed(api) == ["other/thing:1"]


def test_prune_force_does_not_ask_and_reports_a_failure(api, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # would answer no
    api.removals = {LOOSE: [{"Deleted": LOOSE}], TOP: [{"Deleted": TOP}], MIDDLE: [{"Deleted": MIDDLE}],
                    f"test/pinned@{PINNED_DIGEST}": api_error(
                        409, "conflict: unable to remove repository reference (must force) - container "
                             "0123456789ab is using its referenced image ffffffffffff")}
    assert cli.main(["prune", "-f"]) == cli.ExitStatus.CONFLICT
    captured = capsys.readouterr()
    assert "[y/N]" not in captured.err
    assert "Error: The image 'test/pinned@" in captured.err
    assert set(removed(api)) == {LOOSE, TOP, MIDDLE, f"test/pinned@{PINNED_DIGEST}"}


def test_prune_with_nothing_to_remove_says_so(api, capsys):
    assert cli.main(["prune", "--label", "nosuch"]) == cli.ExitStatus.SUCCESS
    assert capsys.readouterr().out == "No dangling images to remove.\n"
    assert removed(api) == []
