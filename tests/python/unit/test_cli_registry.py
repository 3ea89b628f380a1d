"""containerimage login, logout and push: where the password comes from, output, exit codes."""

import io
import json
import sys

import pytest

from containerimage import cli

from .fakes import FakeDockerAPI, FakeEngine, api_error
from .test_operations_push import CONFIGS, DIGEST_LATEST, DIGEST_V1, REGISTRY, SUMMARIES, push_events

PASSWORD = "pa ss\"wörd'€"


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    for name in ("NO_COLOR", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker-config"))


@pytest.fixture
def api(monkeypatch):
    api = FakeDockerAPI(SUMMARIES, [], CONFIGS, push_events=push_events(("latest", DIGEST_LATEST)))
    monkeypatch.setattr(cli, "Engine", lambda: FakeEngine(api))
    return api


class Stdin(io.TextIOWrapper):
    """Standard input holding bytes; a terminal or not."""

    def __init__(self, data=b"", tty=False):
        super().__init__(io.BytesIO(data), encoding="utf-8")
        self._tty = tty

    def isatty(self):
        return self._tty


def stored(tmp_path):
    return json.loads((tmp_path / "docker-config" / "config.json").read_text(encoding="utf-8"))["auths"]


# --------------------------------------------------------------------------------------- login

@pytest.mark.parametrize("data", [PASSWORD.encode() + b"\n", PASSWORD.encode() + b"\r\n", PASSWORD.encode()])
def test_login_reads_the_password_from_stdin_less_its_line_ending(api, monkeypatch, capsys, tmp_path, data):
    monkeypatch.setattr(sys, "stdin", Stdin(data))
    assert cli.main(["login", REGISTRY, "-u", "ciuser", "--password-stdin"]) == 0
    assert api.auth_requests == [{"username": "ciuser", "password": PASSWORD, "serveraddress": REGISTRY}]
    out, err = capsys.readouterr()
    assert out == f"Login Succeeded (ciuser at {REGISTRY})\n"
    assert "stored unencrypted in" in err and "config.json" in err
    assert PASSWORD not in out + err
    assert set(stored(tmp_path)) == {REGISTRY}


def test_login_asks_at_a_terminal(api, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sys, "stdin", Stdin(tty=True))
    asked = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "ciuser")
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt: asked.append(prompt) or PASSWORD)
    assert cli.main(["login", REGISTRY]) == 0
    assert asked == ["Username: ", "Password: "]
    assert api.auth_requests[0]["password"] == PASSWORD


def test_login_without_a_server_is_docker_hub(api, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", Stdin(b"pw\n"))
    assert cli.main(["login", "-u", "me", "--password-stdin"]) == 0
    assert api.auth_requests[0]["serveraddress"] == "https://index.docker.io/v1/"


@pytest.mark.parametrize("argv", [
    ["login", REGISTRY, "-u", "ciuser"],               # no terminal to ask the password at
    ["login", REGISTRY, "--password-stdin"],           # stdin is the password: the user name cannot be asked
])
def test_login_from_a_script_without_what_it_needs_is_a_usage_error(api, monkeypatch, capsys, argv):
    monkeypatch.setattr(sys, "stdin", Stdin(b"pw\n"))
    assert cli.main(argv) == cli.ExitStatus.USAGE
    assert "standard input is not a terminal" in capsys.readouterr().err
    assert api.auth_requests == []


@pytest.mark.parametrize("argv", [
    ["login", REGISTRY, "-u", "ciuser", "--password", PASSWORD],
    ["login", REGISTRY, "-u", "ciuser", "-p", PASSWORD],
    ["login", REGISTRY, "-u", "ciuser", f"--password={PASSWORD}"],
])
def test_a_password_argument_is_refused_without_echoing_it(api, monkeypatch, capsys, argv):
    monkeypatch.setattr(sys, "stdin", Stdin(b""))
    assert cli.main(argv) == cli.ExitStatus.USAGE
    out, err = capsys.readouterr()
    assert "--password-stdin" in err
    assert PASSWORD not in out + err
    assert api.auth_requests == []


def test_password_is_not_an_abbreviation_of_password_stdin(api, monkeypatch, capsys):
    # With argparse's abbreviations, '--password-s x' would be --password-stdin and x the server name,
    # printed in the error about it: it must be refused by the parser as it is.
    monkeypatch.setattr(sys, "stdin", Stdin(b""))
    with pytest.raises(SystemExit) as caught:
        cli.main(["login", "-u", "ciuser", "--password-s", "hunter2"])
    assert caught.value.code == 2
    assert api.auth_requests == []


def test_a_wrong_password_is_exit_5_and_stores_nothing(api, monkeypatch, capsys, tmp_path):
    api.auth_error = api_error(500, f"login attempt to http://{REGISTRY}/v2/ failed with status: 401 Unauthorized")
    monkeypatch.setattr(sys, "stdin", Stdin(PASSWORD.encode()))
    assert cli.main(["login", REGISTRY, "-u", "ciuser", "--password-stdin"]) == cli.ExitStatus.UNAUTHORIZED
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"Error: {REGISTRY} refused the login of 'ciuser'")
    assert PASSWORD not in err
    assert not (tmp_path / "docker-config").exists()


def test_a_registry_that_is_down_is_exit_6(api, monkeypatch, capsys):
    api.auth_error = api_error(500, 'Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused')
    monkeypatch.setattr(sys, "stdin", Stdin(b"pw"))
    assert cli.main(["login", "127.0.0.1:1", "-u", "u", "--password-stdin"]) == cli.ExitStatus.REGISTRY_UNAVAILABLE
    assert "The registry 127.0.0.1:1 cannot be reached" in capsys.readouterr().err


# --------------------------------------------------------------------------------------- logout

def test_logout_removes_the_login(api, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sys, "stdin", Stdin(b"pw"))
    cli.main(["login", REGISTRY, "-u", "u", "--password-stdin"])
    capsys.readouterr()
    assert cli.main(["logout", REGISTRY]) == 0
    assert capsys.readouterr().out == f"Removed the login for {REGISTRY} (from config.json)\n"
    assert stored(tmp_path) == {}


def test_logout_when_not_logged_in_is_exit_3_naming_the_registry(capsys):
    assert cli.main(["logout", REGISTRY]) == cli.ExitStatus.NOT_FOUND
    assert capsys.readouterr().err.startswith(f"Error: Not logged in to {REGISTRY}")
    assert cli.main(["logout"]) == cli.ExitStatus.NOT_FOUND
    assert capsys.readouterr().err.startswith("Error: Not logged in to Docker Hub")


# --------------------------------------------------------------------------------------- push

def test_push_prints_progress_on_stderr_and_the_pushed_reference_and_digest(api, capsys):
    assert cli.main(["push", f"{REGISTRY}/team/app"]) == 0
    out, err = capsys.readouterr()
    assert out == f"{REGISTRY}/team/app:latest {DIGEST_LATEST}\n"
    assert "0123456789ab: Pushing 512/2048" in err


def test_push_all_tags(monkeypatch, capsys):
    api = FakeDockerAPI(SUMMARIES, [], CONFIGS, push_events=push_events(("latest", DIGEST_LATEST), ("v1", DIGEST_V1)))
    monkeypatch.setattr(cli, "Engine", lambda: FakeEngine(api))
    assert cli.main(["push", "--all-tags", f"{REGISTRY}/team/app"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{REGISTRY}/team/app:latest {DIGEST_LATEST}",
                                                    f"{REGISTRY}/team/app:v1 {DIGEST_V1}"]
    assert api.posts[0]["params"] == {"tag": ""}


def test_push_without_login_says_how_to_log_in(monkeypatch, capsys):
    api = FakeDockerAPI(SUMMARIES, [], CONFIGS, push_events=[{"error": "no basic auth credentials"}])
    monkeypatch.setattr(cli, "Engine", lambda: FakeEngine(api))
    assert cli.main(["push", f"{REGISTRY}/team/app"]) == cli.ExitStatus.UNAUTHORIZED
    assert capsys.readouterr().err.rstrip().endswith(f"Log in first: containerimage login {REGISTRY}")
    assert cli.main(["push", "username/containername"]) == cli.ExitStatus.UNAUTHORIZED
    assert capsys.readouterr().err.rstrip().endswith("Log in first: containerimage login")


def test_push_of_an_image_that_is_not_local_is_exit_3(api, capsys):
    assert cli.main(["push", f"{REGISTRY}/team/nothere"]) == cli.ExitStatus.NOT_FOUND
    assert f"no image {REGISTRY}/team/nothere:latest on this engine" in capsys.readouterr().err
    assert api.posts == []
