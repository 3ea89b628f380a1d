"""credentials.py: config.json and credential helpers, as the docker CLI keeps them.

Helpers here are real programs (tools/credential_helper.py installed as docker-credential-NAME into a
folder on PATH), run through the protocol by docker.credentials, as docker runs them.
"""

import base64
import json
import os
import stat

import docker.auth
import pytest

import credential_helper
from containerimage import credentials, errors

HUB = "https://index.docker.io/v1/"
PASSWORD = "p@ss w\"o'rd ünï €"  # quotes, spaces, non-ASCII


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    folder = tmp_path / "docker-config"
    monkeypatch.setenv("DOCKER_CONFIG", str(folder))
    return folder


@pytest.fixture
def helpers(tmp_path, monkeypatch):
    """install(name) puts a real credential helper named docker-credential-NAME on PATH; secrets(name)
    is what it holds."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")

    class Helpers:
        @staticmethod
        def install(name):
            return credential_helper.install(str(folder), name)

        @staticmethod
        def secrets(name):
            path = folder / f"docker-credential-{name}.json"
            return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return Helpers


def write(config_dir, config):
    config_dir.mkdir(exist_ok=True)
    (config_dir / "config.json").write_text(json.dumps(config), encoding="utf-8")


def read(config_dir):
    return json.loads((config_dir / "config.json").read_text(encoding="utf-8"))


def sdk_login(config_dir, registry):
    """The login the docker SDK (so pull and push) finds for registry in this config."""
    config = docker.auth.load_config(str(config_dir / "config.json"))
    return config.resolve_authconfig(registry)


# --------------------------------------------------------------------------------------- names

@pytest.mark.parametrize("given, key", [
    (None, HUB), ("", HUB), ("  ", HUB), ("docker.io", HUB), ("index.docker.io", HUB), ("DOCKER.IO", HUB),
    ("registry-1.docker.io", HUB), (HUB, HUB), ("https://index.docker.io/v1", HUB),
    ("127.0.0.1:5000", "127.0.0.1:5000"), ("https://127.0.0.1:5000/v2/", "127.0.0.1:5000"),
    ("http://registry.example.com", "registry.example.com"), ("localhost:5000", "localhost:5000"),
    ("myregistry", "myregistry"), ("[::1]:5000", "[::1]:5000"), (" reg.example.com:443 ", "reg.example.com:443"),
])
def test_server_key_is_what_docker_login_writes(given, key):
    assert credentials.server_key(given) == key


@pytest.mark.parametrize("given", ["bad host", "reg:port", "-bad.example.com", "reg.example.com:123456", "a_b.com",
                                   "ünï.example.com"])
def test_a_registry_that_is_not_a_host_is_invalid_params_naming_it(given):
    with pytest.raises(errors.InvalidParams) as caught:
        credentials.server_key(given)
    assert f"'{given}'" in caught.value.message
    assert caught.value.target == given


# --------------------------------------------------------------------------------------- config.json

def test_a_login_goes_into_a_new_config_json_as_the_cli_writes_it(config_dir):
    assert credentials.store("127.0.0.1:5000", "ciuser", password="secret") == "config.json"
    path = config_dir / "config.json"
    auth = base64.b64encode(b"ciuser:secret").decode()
    # The CLI's layout (Go's MarshalIndent with tabs, no final newline), so diffs against docker's stay small.
    assert path.read_text(encoding="utf-8") == '{\n\t"auths": {\n\t\t"127.0.0.1:5000": {\n\t\t\t"auth": "' + auth \
        + '"\n\t\t}\n\t}\n}'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(config_dir) == ["config.json"]  # no temporary file left


def test_the_sdk_reads_back_a_password_with_quotes_spaces_and_unicode(config_dir):
    credentials.store("127.0.0.1:5000", "ci user", password=PASSWORD)
    found = sdk_login(config_dir, "127.0.0.1:5000")
    assert (found["username"], found["password"]) == ("ci user", PASSWORD)


def test_docker_hub_logins_use_the_cli_key(config_dir):
    credentials.store(credentials.server_key("docker.io"), "me", password="pw")
    assert list(read(config_dir)["auths"]) == [HUB]
    assert sdk_login(config_dir, "docker.io")["username"] == "me"


def test_every_other_key_and_login_is_kept_in_order(config_dir):
    original = {
        "currentContext": "remote", "psFormat": "table {{.ID}}", "proxies": {"default": {"httpProxy": "http://p:3128"}},
        "auths": {"other.example.com": {"auth": "b3RoZXI6cHc=", "email": "x@example.com"}},
        "x-unknown": [1, {"nested": True}], "experimental": "enabled",
    }
    write(config_dir, original)
    credentials.store("127.0.0.1:5000", "u", password="p")
    config = read(config_dir)
    assert list(config) == list(original)
    assert {k: v for k, v in config.items() if k != "auths"} == {k: v for k, v in original.items() if k != "auths"}
    assert config["auths"]["other.example.com"] == original["auths"]["other.example.com"]
    assert set(config["auths"]) == {"other.example.com", "127.0.0.1:5000"}


def test_a_second_login_replaces_the_first(config_dir):
    credentials.store("127.0.0.1:5000", "u", password="old")
    credentials.store("127.0.0.1:5000", "u2", password="new")
    assert (sdk_login(config_dir, "127.0.0.1:5000")["username"], sdk_login(config_dir, "127.0.0.1:5000")["password"]) \
        == ("u2", "new")


def test_an_identity_token_is_kept_as_the_cli_keeps_it(config_dir):
    credentials.store("reg.example.com", "u", password="pw", identity_token="tok")
    entry = read(config_dir)["auths"]["reg.example.com"]
    assert entry == {"auth": base64.b64encode(b"u:").decode(), "identitytoken": "tok"}


def test_the_mode_of_an_existing_file_is_kept(config_dir):
    write(config_dir, {"auths": {}})
    os.chmod(config_dir / "config.json", 0o640)
    credentials.store("127.0.0.1:5000", "u", password="p")
    assert stat.S_IMODE((config_dir / "config.json").stat().st_mode) == 0o640


def test_a_symlinked_config_json_stays_a_link_to_the_updated_file(config_dir, tmp_path):
    config_dir.mkdir()
    real = tmp_path / "dotfiles-config.json"
    real.write_text('{"auths": {}, "detachKeys": "ctrl-e,e"}', encoding="utf-8")
    (config_dir / "config.json").symlink_to(real)
    credentials.store("127.0.0.1:5000", "u", password="p")
    assert (config_dir / "config.json").is_symlink()
    assert set(json.loads(real.read_text(encoding="utf-8"))["auths"]) == {"127.0.0.1:5000"}


def test_a_failed_write_leaves_the_file_as_it_was_and_no_temporary_file(config_dir, monkeypatch):
    write(config_dir, {"auths": {"a.example.com": {"auth": "YTpi"}}, "psFormat": "x"})
    before = (config_dir / "config.json").read_bytes()

    def full_disk(source, destination):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError):
        credentials.store("127.0.0.1:5000", "u", password="p")
    assert (config_dir / "config.json").read_bytes() == before
    assert os.listdir(config_dir) == ["config.json"]


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"auths": []}'])
def test_a_malformed_config_is_invalid_data_naming_the_file_and_is_not_overwritten(config_dir, text):
    config_dir.mkdir()
    (config_dir / "config.json").write_text(text, encoding="utf-8")
    for attempt in (lambda: credentials.store("127.0.0.1:5000", "u", password="p"),
                    lambda: credentials.check_store("127.0.0.1:5000"),
                    lambda: credentials.erase("127.0.0.1:5000")):
        with pytest.raises(errors.InvalidData) as caught:
            attempt()
        assert str(config_dir / "config.json") in caught.value.message
    assert (config_dir / "config.json").read_text(encoding="utf-8") == text


def test_an_empty_config_file_is_no_config(config_dir):
    config_dir.mkdir()
    (config_dir / "config.json").write_text("", encoding="utf-8")
    assert credentials.check_store("127.0.0.1:5000") == "config.json"
    assert credentials.erase("127.0.0.1:5000") == []


def test_null_auths_is_no_logins_yet(config_dir):
    config_dir.mkdir()
    (config_dir / "config.json").write_text('{"auths": null, "psFormat": "x"}', encoding="utf-8")
    credentials.store("127.0.0.1:5000", "u", password="p")
    assert list(read(config_dir)) == ["auths", "psFormat"] and set(read(config_dir)["auths"]) == {"127.0.0.1:5000"}


def test_erase_removes_every_spelling_docker_logout_removes_and_nothing_else(config_dir):
    write(config_dir, {"auths": {
        "127.0.0.1:5000": {"auth": "dTpw"}, "https://127.0.0.1:5000": {"auth": "dTpw"},
        "http://127.0.0.1:5000": {"auth": "dTpw"}, "127.0.0.1:5001": {"auth": "dTpw"}}, "psFormat": "x"})
    assert credentials.erase("127.0.0.1:5000") == ["config.json"] * 3
    assert read(config_dir) == {"auths": {"127.0.0.1:5001": {"auth": "dTpw"}}, "psFormat": "x"}


def test_erase_of_a_registry_not_logged_in_finds_nothing_and_writes_nothing(config_dir):
    write(config_dir, {"auths": {"other.example.com": {"auth": "dTpw"}}})
    before = (config_dir / "config.json").read_bytes()
    os.utime(config_dir / "config.json", (1, 1))
    assert credentials.erase("127.0.0.1:5000") == []
    assert (config_dir / "config.json").read_bytes() == before
    assert (config_dir / "config.json").stat().st_mtime == 1


def test_erase_without_any_config_finds_nothing(config_dir):
    assert credentials.erase(HUB) == []
    assert not config_dir.exists()


# --------------------------------------------------------------------------------------- helpers

def test_creds_store_keeps_the_secret_in_the_helper_and_an_empty_entry_in_config(config_dir, helpers):
    helpers.install("citest")
    write(config_dir, {"credsStore": "citest", "psFormat": "x"})
    assert credentials.check_store("127.0.0.1:5000") == "citest"
    assert credentials.store("127.0.0.1:5000", "ci user", password=PASSWORD) == "citest"
    assert helpers.secrets("citest") == {"127.0.0.1:5000": {"Username": "ci user", "Secret": PASSWORD}}
    assert read(config_dir) == {"credsStore": "citest", "psFormat": "x", "auths": {"127.0.0.1:5000": {}}}
    assert PASSWORD not in (config_dir / "config.json").read_text(encoding="utf-8")
    # ... where the SDK (so pull and push) finds it
    found = sdk_login(config_dir, "127.0.0.1:5000")
    assert (found["Username"], found["Password"]) == ("ci user", PASSWORD)


def test_a_helper_replaces_a_plain_text_login(config_dir, helpers):
    helpers.install("citest")
    write(config_dir, {"credsStore": "citest", "auths": {"127.0.0.1:5000": {"auth": "b2xkOnBsYWlu"}}})
    credentials.store("127.0.0.1:5000", "u", password="p")
    assert read(config_dir)["auths"] == {"127.0.0.1:5000": {}}


def test_cred_helpers_name_a_helper_per_registry_before_creds_store(config_dir, helpers):
    helpers.install("all")
    helpers.install("one")
    write(config_dir, {"credsStore": "all", "credHelpers": {"special.example.com": "one"}})
    assert credentials.store("special.example.com", "u1", password="p1") == "one"
    assert credentials.store("127.0.0.1:5000", "u2", password="p2") == "all"
    assert helpers.secrets("one") == {"special.example.com": {"Username": "u1", "Secret": "p1"}}
    assert helpers.secrets("all") == {"127.0.0.1:5000": {"Username": "u2", "Secret": "p2"}}


def test_cred_helpers_alone_leave_other_registries_in_config_json(config_dir, helpers):
    helpers.install("one")
    write(config_dir, {"credHelpers": {"special.example.com": "one"}})
    assert credentials.store("127.0.0.1:5000", "u", password="p") == "config.json"
    assert "auth" in read(config_dir)["auths"]["127.0.0.1:5000"]
    assert helpers.secrets("one") == {}


def test_an_identity_token_goes_to_a_helper_under_the_token_user(config_dir, helpers):
    helpers.install("citest")
    write(config_dir, {"credsStore": "citest"})
    credentials.store(HUB, "u", password="pw", identity_token="tok")
    assert helpers.secrets("citest") == {HUB: {"Username": "<token>", "Secret": "tok"}}


def test_erase_removes_the_login_from_the_helper_and_config(config_dir, helpers):
    helpers.install("citest")
    write(config_dir, {"credsStore": "citest"})
    credentials.store("127.0.0.1:5000", "u", password="p")
    credentials.store("127.0.0.1:5001", "u", password="p")
    assert credentials.erase("127.0.0.1:5000") == ["citest"]
    assert set(helpers.secrets("citest")) == {"127.0.0.1:5001"}
    assert read(config_dir)["auths"] == {"127.0.0.1:5001": {}}
    assert credentials.erase("127.0.0.1:5000") == []


def test_an_empty_entry_without_a_secret_behind_it_is_no_login_but_is_cleaned_up(config_dir, helpers):
    helpers.install("citest")
    write(config_dir, {"credsStore": "citest", "auths": {"127.0.0.1:5000": {}}})
    assert credentials.erase("127.0.0.1:5000") == []
    assert read(config_dir)["auths"] == {}


def test_a_helper_that_is_not_installed_is_not_found_naming_it_and_nothing_changes(config_dir, helpers):
    write(config_dir, {"credsStore": "nosuchhelper", "auths": {}})
    before = (config_dir / "config.json").read_bytes()
    for attempt in (lambda: credentials.check_store("127.0.0.1:5000"),
                    lambda: credentials.store("127.0.0.1:5000", "u", password="p")):
        with pytest.raises(errors.NotFound) as caught:
            attempt()
        assert "docker-credential-nosuchhelper" in caught.value.message
        assert caught.value.target == "docker-credential-nosuchhelper"
    assert (config_dir / "config.json").read_bytes() == before


def test_a_failing_helper_is_reported_by_name_without_the_secret(config_dir, helpers, tmp_path):
    broken = tmp_path / "bin" / "docker-credential-broken"
    broken.write_text("#!/bin/sh\ncat >/dev/null\necho 'keychain is locked'\nexit 1\n", encoding="utf-8")
    broken.chmod(0o755)
    write(config_dir, {"credsStore": "broken"})
    with pytest.raises(errors.Internal) as caught:
        credentials.store("127.0.0.1:5000", "u", password=PASSWORD)
    assert "docker-credential-broken" in caught.value.message and "keychain is locked" in caught.value.message
    assert PASSWORD not in json.dumps(caught.value.to_dict(), ensure_ascii=False)
    assert read(config_dir) == {"credsStore": "broken"}


# ------------------------------------------------------------------------- docker's default helper

def programs(folder, *names):
    """A folder holding executables with these names (what PATH lookups find), as a PATH."""
    folder.mkdir(exist_ok=True)
    for name in names:
        path = folder / name
        path.write_text("#!/bin/sh\nexit 1\n")
        path.chmod(0o755)
    return {"PATH": str(folder)}


@pytest.mark.parametrize("installed, default", [
    ((), None),                                                                  # no helper: config.json
    (("docker-credential-secretservice",), "secretservice"),
    (("pass", "docker-credential-pass", "docker-credential-secretservice"), "pass"),
    (("pass", "docker-credential-secretservice"), None),  # pass is preferred, and its helper is missing
    (("docker-credential-pass",), None),                  # without the pass program, secretservice is it
])
def test_the_default_helper_is_the_one_docker_picks_on_linux(no_default_credential_store, tmp_path, installed,
                                                              default, monkeypatch):
    monkeypatch.setattr(credentials.sys, "platform", "linux")
    assert no_default_credential_store(programs(tmp_path / "bin", *installed)) == default


@pytest.fixture
def default_helpers(no_default_credential_store, helpers, monkeypatch):
    """The real default-helper rule, with the test helper installed under both Linux default names in front
    of PATH: whichever docker picks on this machine (pass when the pass program is here), it is ours.
    Returns the name docker picks."""
    monkeypatch.setattr(credentials, "default_store", no_default_credential_store)
    monkeypatch.setattr(credentials.sys, "platform", "linux")
    helpers.install("pass")
    helpers.install("secretservice")
    return credentials.default_store()


def test_a_first_login_goes_to_the_default_helper_and_names_it_as_docker_login_does(config_dir, helpers,
                                                                                     default_helpers):
    assert default_helpers in ("pass", "secretservice")
    assert credentials.check_store("127.0.0.1:5000") == default_helpers
    assert credentials.store("127.0.0.1:5000", "me", PASSWORD) == default_helpers
    assert read(config_dir) == {"auths": {"127.0.0.1:5000": {}}, "credsStore": default_helpers}
    assert helpers.secrets(default_helpers) == {"127.0.0.1:5000": {"Username": "me", "Secret": PASSWORD}}
    found = sdk_login(config_dir, "127.0.0.1:5000")  # pulls and pushes find it there
    assert (found["Username"], found["Password"]) == ("me", PASSWORD)


@pytest.mark.parametrize("config", [
    {"auths": {"other.example.com": {}}},                 # a login (even an empty entry) is there
    {"credHelpers": {"other.example.com": "elsewhere"}},  # helpers are named, for other registries
])
def test_a_config_that_already_says_where_logins_go_gets_no_default_helper(config_dir, helpers, default_helpers,
                                                                           config):
    write(config_dir, config)
    assert credentials.store("127.0.0.1:5000", "me", PASSWORD) == "config.json"
    assert "credsStore" not in read(config_dir)
    assert helpers.secrets(default_helpers) == {}


@pytest.mark.parametrize("config", [{}, {"auths": {}}, {"auths": {}, "credsStore": ""}, {"psFormat": "x"}])
def test_an_empty_or_loginless_config_gets_the_default_helper(config_dir, helpers, default_helpers, config):
    # docker treats "credsStore": "" as not set, and an empty auths as no login.
    write(config_dir, config)
    assert credentials.store("127.0.0.1:5000", "me", PASSWORD) == default_helpers
    assert read(config_dir)["credsStore"] == default_helpers
