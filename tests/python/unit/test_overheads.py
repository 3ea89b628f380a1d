"""What the backend leaves out to start and answer quickly (issue 5): setuptools at start-up, and the proxy
and netrc lookups of every engine call on a local socket."""

import os
import subprocess
import sys

import docker
import pytest

import containerimage

from containerimage import engine


from .test_engine import RecordingAPIClient


@pytest.mark.parametrize("host, trusted", [
    ("unix:///var/run/docker.sock", False),
    ("npipe:////./pipe/docker_engine", False),
    ("tcp://192.0.2.1:2375", True),  # a remote engine may need the proxy the environment names
])
def test_a_local_socket_skips_the_proxy_and_netrc_lookups_of_every_call(monkeypatch, host, trusted):
    monkeypatch.setattr(docker, "APIClient", RecordingAPIClient)
    client = engine.Engine({"DOCKER_HOST": host}).client()
    assert client.kwargs["base_url"] == host
    assert client.trust_env is trusted


def test_starting_the_backend_does_not_load_setuptools_for_dockers_distutils_imports():
    backend = os.path.dirname(os.path.dirname(os.path.abspath(containerimage.__file__)))
    code = ("import sys, containerimage.cli, containerimage.operations, distutils.spawn; "
            "print(sorted(m for m in ('setuptools', 'pkg_resources') if m in sys.modules), "
            "callable(distutils.spawn.find_executable))")
    env = dict(os.environ, PYTHONPATH=backend)
    env.pop("SETUPTOOLS_USE_DISTUTILS", None)
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[] True"
    assert "Deprecat" not in result.stderr
