"""Every unit test runs with DOCKER_CONFIG pointing at an empty config of its own: none reads the user's
~/.docker, and operations that look for stored logins find a config.json (with the fake's logins).
Likewise CONTAINERIMAGE_CONFIG points at a private settings file that does not exist (all defaults), and
HOME at an empty folder (for code given an environment of its own, which falls back to ~/.config), so no
test reads the user's own ContainerImage settings."""

import pytest


@pytest.fixture(autouse=True)
def docker_config(tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.mktemp("docker-config")  # not in tmp_path, which tests list
    (folder / "config.json").write_text("{}")
    monkeypatch.setenv("DOCKER_CONFIG", str(folder))
    return folder


@pytest.fixture(autouse=True)
def containerimage_config(tmp_path_factory, monkeypatch):
    """The path of this test's settings file; missing until a test writes it."""
    folder = tmp_path_factory.mktemp("containerimage-config")
    path = folder / "config.yaml"
    monkeypatch.setenv("CONTAINERIMAGE_CONFIG", str(path))
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    return path


@pytest.fixture(autouse=True)
def no_registry(monkeypatch):
    """Unit tests reach no real registry: the compatibility check before a pull finds it unreachable (and so
    lets the pull go on, as it does for a registry the backend cannot reach). Tests of the check replace
    read_remote (or serve a registry of their own on 127.0.0.1 and restore it)."""
    from containerimage.errors import RegistryUnavailable
    from containerimage.operations import compatibility

    def unreachable(ref, *args, **kwargs):
        raise RegistryUnavailable(f"unit tests reach no registry ({ref})", ref.registry)
    original = compatibility.read_remote
    monkeypatch.setattr(compatibility, "read_remote", unreachable)
    return original


@pytest.fixture(autouse=True)
def no_default_credential_store(monkeypatch):
    """The machine's credential helpers (Debian's docker-credential-pass, -secretservice) do not decide where
    a unit test's login goes: there is no default helper. Tests of the default take the real
    credentials.default_store (this returns it) and give it a PATH of their own."""
    from containerimage import credentials
    original = credentials.default_store
    monkeypatch.setattr(credentials, "default_store", lambda environ=None: None)
    return original
