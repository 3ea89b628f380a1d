"""registry.login and registry.logout against a fake engine, with a real config.json and real helpers."""

import base64
import json
import os

import docker.errors
import pytest

import credential_helper
from containerimage import errors
from containerimage.operations import registry
from containerimage.server import Context

from .fakes import FakeDockerAPI, FakeEngine, NoEngine, api_error
from .test_credentials import config_dir  # noqa: F401 (a fixture: DOCKER_CONFIG in tmp_path)

HUB = "https://index.docker.io/v1/"
PASSWORD = "s3cr\"et pa'ss ünï"


@pytest.fixture
def api():
    return FakeDockerAPI()


def login(api, **params):
    return registry.login(Context(FakeEngine(api)), **params)


def config_bytes(config_dir):
    path = config_dir / "config.json"
    return path.read_bytes() if path.exists() else None


def failure(call):
    with pytest.raises(errors.BackendError) as caught:
        call()
    return caught.value


# --------------------------------------------------------------------------------------- login

def test_login_checks_with_the_engine_then_stores_and_says_where(api, config_dir):
    result = login(api, registry="127.0.0.1:5000", username="ciuser", password=PASSWORD)
    assert result == {"Registry": "127.0.0.1:5000", "UserName": "ciuser", "Store": "config.json"}
    assert api.auth_requests == [{"username": "ciuser", "password": PASSWORD, "serveraddress": "127.0.0.1:5000"}]
    assert api.calls_to("_post_json") == [{}] and api.calls[0][1][0].endswith("/auth")
    auth = json.loads((config_dir / "config.json").read_text(encoding="utf-8"))["auths"]["127.0.0.1:5000"]["auth"]
    assert base64.b64decode(auth).decode("utf-8") == f"ciuser:{PASSWORD}"


def test_login_without_a_registry_is_docker_hub_under_the_cli_key(api, config_dir):
    assert login(api, username="me", password="pw")["Registry"] == HUB
    assert api.auth_requests[0]["serveraddress"] == HUB


def test_login_keeps_an_identity_token_instead_of_the_password(api, config_dir):
    api.auth_result = {"IdentityToken": "tok-123", "Status": "Login Succeeded"}
    login(api, registry="reg.example.com", username="me", password="pw")
    entry = json.loads((config_dir / "config.json").read_text(encoding="utf-8"))["auths"]["reg.example.com"]
    assert entry["identitytoken"] == "tok-123"
    assert base64.b64decode(entry["auth"]) == b"me:"


@pytest.mark.parametrize("engine_error, kind, words", [
    # what dockerd 20.10 says for a wrong password (status 500), and what newer engines say (401)
    (api_error(500, "login attempt to http://127.0.0.1:5000/v2/ failed with status: 401 Unauthorized"),
     errors.Unauthorized, "refused the login of 'ciuser'"),
    (api_error(401, "unauthorized: incorrect username or password", docker.errors.APIError),
     errors.Unauthorized, "refused the login of 'ciuser'"),
    (api_error(500, 'Get "http://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused'),
     errors.RegistryUnavailable, "cannot be reached"),
    (api_error(500, "login attempt to http://127.0.0.1:5000/v2/ failed with status: 404 Not Found"),
     errors.NotFound, "does not answer as a registry"),
    (api_error(500, "something odd"), errors.Internal, "Login to 127.0.0.1:5000 failed: something odd"),
])
def test_a_failed_check_is_classified_names_the_registry_and_changes_nothing(api, config_dir, engine_error, kind,
                                                                             words):
    config_dir.mkdir()
    (config_dir / "config.json").write_text('{"auths": {"other:1": {"auth": "eDp5"}}, "psFormat": "x"}')
    before = config_bytes(config_dir)
    api.auth_error = engine_error
    error = failure(lambda: login(api, registry="127.0.0.1:5000", username="ciuser", password=PASSWORD))
    assert type(error) is kind
    assert words in error.message and "127.0.0.1:5000" in error.message
    assert error.target == "127.0.0.1:5000"
    assert PASSWORD not in json.dumps(error.to_dict(), ensure_ascii=False)
    assert config_bytes(config_dir) == before
    assert os.listdir(config_dir) == ["config.json"]


def test_an_engine_that_is_down_is_engine_unavailable_and_stores_nothing(config_dir):
    class Down:
        host = "unix:///nonexistent/docker.sock"

        def client(self):
            raise errors.EngineUnavailable(f"Cannot reach the Docker engine at {self.host}", self.host)
    error = failure(lambda: registry.login(Context(Down()), registry="h:1", username="u", password="p"))
    assert isinstance(error, errors.EngineUnavailable)
    assert not config_dir.exists()


def test_a_wrong_password_creates_no_config_at_all(api, config_dir):
    api.auth_error = api_error(500, "login attempt to http://h:1/v2/ failed with status: 401 Unauthorized")
    failure(lambda: login(api, registry="h:1", username="u", password="wrong"))
    assert not config_dir.exists()


def test_hub_errors_say_docker_hub(api, config_dir):
    api.auth_error = api_error(401, "unauthorized: incorrect username or password")
    error = failure(lambda: login(api, username="me", password="pw"))
    assert error.message.startswith("Docker Hub refused the login of 'me'")


@pytest.mark.parametrize("params, kind, named", [
    ({"registry": "bad host", "username": "u", "password": "p"}, errors.InvalidParams, "'bad host'"),
    ({"registry": "h:1", "username": " ", "password": "p"}, errors.InvalidParams, "user name"),
    ({"registry": "h:1", "username": "u", "password": ""}, errors.InvalidParams, "password"),
])
def test_bad_arguments_fail_before_the_engine_is_asked(config_dir, params, kind, named):
    error = failure(lambda: registry.login(Context(NoEngine()), **params))
    assert type(error) is kind and named in error.message


def test_a_malformed_config_fails_before_the_registry_is_asked(api, config_dir):
    config_dir.mkdir()
    (config_dir / "config.json").write_text("{oops")
    error = failure(lambda: login(api, registry="h:1", username="u", password="p"))
    assert isinstance(error, errors.InvalidData) and "config.json" in error.message
    assert api.auth_requests == []
    assert (config_dir / "config.json").read_text() == "{oops"


def test_a_missing_credential_helper_fails_before_the_registry_is_asked(api, config_dir):
    config_dir.mkdir()
    (config_dir / "config.json").write_text('{"credsStore": "nosuchhelper"}')
    error = failure(lambda: login(api, registry="h:1", username="u", password="p"))
    assert isinstance(error, errors.NotFound) and "docker-credential-nosuchhelper" in error.message
    assert api.auth_requests == []


def test_login_through_a_credential_helper(api, config_dir, tmp_path, monkeypatch):
    (tmp_path / "bin").mkdir()
    credential_helper.install(str(tmp_path / "bin"), "citest")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    config_dir.mkdir()
    (config_dir / "config.json").write_text('{"credsStore": "citest"}')
    assert login(api, registry="h:1", username="u", password=PASSWORD)["Store"] == "citest"
    kept = json.loads((tmp_path / "bin" / "docker-credential-citest.json").read_text(encoding="utf-8"))
    assert kept == {"h:1": {"Username": "u", "Secret": PASSWORD}}


# --------------------------------------------------------------------------------------- logout

def test_logout_removes_the_login_and_says_where_it_was(api, config_dir):
    login(api, registry="h:1", username="u", password="p")
    assert registry.logout(Context(NoEngine()), registry="https://h:1/") == {"Registry": "h:1", "Store": "config.json"}
    assert json.loads((config_dir / "config.json").read_text())["auths"] == {}


def test_logout_of_docker_hub_by_default(api, config_dir):
    login(api, username="u", password="p")
    assert registry.logout(Context(NoEngine()))["Registry"] == HUB


def test_logout_when_not_logged_in_is_not_found_naming_the_registry_and_changes_nothing(config_dir):
    config_dir.mkdir()
    (config_dir / "config.json").write_text('{"auths": {"other:1": {"auth": "eDp5"}}}')
    for name, shown in (("h:1", "h:1"), (None, "Docker Hub")):
        error = failure(lambda: registry.logout(Context(NoEngine()), registry=name))
        assert isinstance(error, errors.NotFound)
        assert error.message.startswith(f"Not logged in to {shown}")
    assert (config_dir / "config.json").read_text() == '{"auths": {"other:1": {"auth": "eDp5"}}}'


def test_logout_of_a_malformed_registry_name(config_dir):
    error = failure(lambda: registry.logout(Context(NoEngine()), registry="no such host"))
    assert isinstance(error, errors.InvalidParams) and "'no such host'" in error.message


def test_the_methods_are_registered():
    from containerimage.operations import METHODS
    assert METHODS["registry.login"] is registry.login and METHODS["registry.logout"] is registry.logout
