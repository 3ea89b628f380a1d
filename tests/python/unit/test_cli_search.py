"""`containerimage search`: the table, colour only on a terminal, errors on stderr with their exit codes."""

import argparse
import re

import pytest

from containerimage import cli

from .fakes import FakeDockerAPI, FakeEngine, NoEngine, TTY, api_error
from .test_operations_search import HUB, SEED, FakeRegistry, free_port, store_login

ANSI = re.compile(r"\x1b\[")


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """No colour setting, no user logins, and no engine unless a test gives one."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    (tmp_path / "docker-config").mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker-config"))
    monkeypatch.setattr(cli, "Engine", NoEngine)
    return tmp_path / "docker-config"


@pytest.fixture
def registry():
    started = FakeRegistry(SEED)
    yield started
    started.close()


@pytest.fixture
def hub(monkeypatch):
    api = FakeDockerAPI()
    api.search_results = HUB
    monkeypatch.setattr(cli, "Engine", lambda: FakeEngine(api))
    return api


def args(**given):
    values = dict(term=None, registry=None, limit=None, stars=0, official=False, automated=False, tags=False,
                  no_trunc=False)
    values.update(given)
    return argparse.Namespace(**values)


def test_a_registry_search_prints_a_plain_table_when_piped(registry, capsys):
    assert cli.main(["search", "team", "--registry", registry.address]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert not ANSI.search(out)
    lines = out.splitlines()
    assert re.match(r"NAME +DESCRIPTION +STARS +OFFICIAL +AUTOMATED$", lines[0])
    assert [line.split()[0] for line in lines[1:]] == [f"{registry.address}/team/{name}" for name in ("app", "worker")]
    column = lines[0].index("DESCRIPTION")
    assert lines[1][column:].rstrip() == "The team's app"


def test_tags_add_a_column(registry, capsys):
    assert cli.main(["search", "app", "-r", registry.address, "--tags"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[-1] == "TAGS"
    assert lines[1].endswith("1.0, latest")


def test_hub_results_show_stars_and_ok_marks_and_cut_long_descriptions(hub, capsys):
    hub.search_results = HUB + [{"name": "long/one", "description": "x" * 60, "star_count": 1}]
    assert cli.main(["search", "nano", "--limit", "10"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["nanoserver", "Official", "nano", "900", "[OK]"]
    assert lines[-2].split() == ["ubuntu-like/low", "few", "stars", "3", "[OK]"]  # automated
    assert lines[-1].split() == ["long/one", "x" * 42 + "...", "1"]
    assert cli.main(["search", "nano", "--no-trunc"]) == 0
    assert "x" * 60 in capsys.readouterr().out


def test_hub_filters_are_passed_on(hub, capsys):
    assert cli.main(["search", "nano", "--stars", "10", "--official"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]] == ["nanoserver"]
    assert hub.calls_to("search") == [{"limit": 100}]


def test_colour_only_on_a_terminal(registry):
    term = cli.Terminal(stdout=TTY(), stderr=TTY())
    assert cli.cmd_search(args(registry=[registry.address]), term) == 0
    assert ANSI.search(term.stdout.getvalue())


def test_a_term_that_matches_nothing_prints_nothing(registry, capsys):
    assert cli.main(["search", "no-such-thing", "-r", registry.address]) == 0
    assert capsys.readouterr() == ("", "")


def test_a_registry_that_is_down_is_exit_6_and_the_others_are_still_shown(registry, capsys):
    down = f"127.0.0.1:{free_port()}"
    assert cli.main(["search", "zeta", "-r", down, "-r", registry.address]) == cli.ExitStatus.REGISTRY_UNAVAILABLE
    out, err = capsys.readouterr()
    assert out.splitlines()[1].split()[0] == f"{registry.address}/zeta"
    assert err == f"Error: The registry {down} cannot be reached: the connection was refused; nothing listens there.\n"


def test_hub_unreachable_is_exit_6_with_a_clear_message(hub, capsys):
    hub.search_error = api_error(500, 'Get "https://index.docker.io/v1/search?q=nano&n=25": dial tcp: i/o timeout')
    assert cli.main(["search", "nano"]) == 6
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("Error: Docker Hub cannot be reached to search for 'nano': ")
    assert "Traceback" not in err


def test_a_registry_that_wants_a_login_is_exit_5_and_says_how(capsys, isolated):
    protected = FakeRegistry(SEED, auth="basic")
    try:
        assert cli.main(["search", "-r", protected.address]) == cli.ExitStatus.UNAUTHORIZED
        assert f"docker login {protected.address}" in capsys.readouterr().err
        store_login(isolated, protected.address)
        assert cli.main(["search", "-r", protected.address]) == 0
        assert len(capsys.readouterr().out.splitlines()) == 1 + len(SEED)
    finally:
        protected.close()


@pytest.mark.parametrize("argv", [
    ["search", "x", "-r", "not a registry"],
    ["search", "x", "-r", "127.0.0.1:5000", "--limit", "0"],
    ["search"],  # Docker Hub needs a term
])
def test_bad_input_is_a_usage_error(argv, capsys):
    assert cli.main(argv) == cli.ExitStatus.USAGE
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("Error: ")


def test_warnings_go_to_stderr(hub, capsys):
    down = f"127.0.0.1:{free_port()}"
    assert cli.main(["search", "nano", "--official", "-r", "docker.io", "-r", down]) == 0
    out, err = capsys.readouterr()
    assert "nanoserver" in out
    assert err.startswith("Warning: ") and down in err
