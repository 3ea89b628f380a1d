"""Every unit test runs with DOCKER_CONFIG pointing at an empty config of its own: none reads the user's
~/.docker, and operations that look for stored logins find a config.json (with the fake's logins)."""

import pytest


@pytest.fixture(autouse=True)
def docker_config(tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.mktemp("docker-config")  # not in tmp_path, which tests list
    (folder / "config.json").write_text("{}")
    monkeypatch.setenv("DOCKER_CONFIG", str(folder))
    return folder
