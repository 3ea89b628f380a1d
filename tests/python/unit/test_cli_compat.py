"""`containerimage test`: the verdict and reason, exit 0 (runs), 10 (does not), 1 (cannot tell); and the exit
code of a pull the host cannot run."""

import pytest

from containerimage import cli

from .fakes import TTY
from .test_operations_compatibility import FakeRegistry, engine_for


@pytest.fixture
def registry(no_registry, monkeypatch):
    from containerimage.operations import compatibility
    monkeypatch.setattr(compatibility, "read_remote", no_registry)
    served = FakeRegistry()
    yield served
    served.close()


@pytest.fixture
def windows(monkeypatch):
    monkeypatch.setattr(cli, "Engine", lambda: engine_for(20348))


def test_an_image_the_host_runs_exits_0_and_says_why(registry, windows, capsys):
    registry.push("win/app", "1", "windows", "10.0.20348.2227")
    assert cli.main(["test", f"{registry.address}/win/app:1"]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[0] == f"{registry.address}/win/app:1: runs (registry image, windows/amd64 10.0.20348.2227)"
    assert "process isolation" in out.splitlines()[1]


def test_an_image_the_host_does_not_run_exits_10_and_hyperv_changes_it(registry, windows, capsys):
    registry.push_list("win/old", "1", [("windows", "10.0.17763.1", "amd64"), ("linux", None, "amd64")])
    assert cli.main(["test", f"{registry.address}/win/old:1"]) == cli.ExitStatus.INCOMPATIBLE == 10
    out, _ = capsys.readouterr()
    assert "does not run" in out and "17763" in out and "20348" in out
    assert "Platforms: windows/amd64 10.0.17763.1, linux/amd64" in out
    assert cli.main(["test", f"{registry.address}/win/old:1", "--isolation", "hyperv"]) == 0


def test_cannot_tell_exits_1(registry, windows, capsys):
    registry.push("win/nover", "1", "windows", None)
    assert cli.main(["test", f"{registry.address}/win/nover:1"]) == 1
    assert "cannot tell" in capsys.readouterr().out


def test_colour_only_on_a_terminal(registry, windows, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    registry.push("win/app", "1", "windows", "10.0.20348.2227")
    term = cli.Terminal(stdout=TTY(), stderr=TTY())
    monkeypatch.setattr(cli, "Terminal", lambda: term)
    cli.main(["test", f"{registry.address}/win/app:1"])
    assert "\x1b[" in term.stdout.getvalue()


def test_a_pull_the_host_cannot_run_exits_10_with_the_reason(registry, monkeypatch, capsys):
    monkeypatch.setattr(cli, "Engine", lambda: engine_for())
    registry.push("win/app", "1", "windows", "10.0.20348.2227")
    assert cli.main(["pull", f"{registry.address}/win/app:1"]) == 10
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and "10.0.20348.2227" in err and "Linux" in err


def test_bad_names_exit_2(monkeypatch, capsys):
    monkeypatch.setattr(cli, "Engine", lambda: engine_for())
    assert cli.main(["test", "Bad Name!"]) == cli.ExitStatus.USAGE
    assert "not a valid reference" in capsys.readouterr().err
