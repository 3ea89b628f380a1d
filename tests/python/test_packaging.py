"""`pip install .` gives the `containerimage` command, serving the protocol (built offline: no PyPI here)."""

import json
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_pip_install_gives_the_containerimage_command(tmp_path):
    source = tmp_path / "source"  # a copy, so the build leaves nothing in the checkout
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", "out", "__pycache__", "*.egg-info", "build"))
    environment = tmp_path / "venv"
    venv.create(environment, system_site_packages=True, with_pip=True)
    subprocess.run([environment / "bin/python", "-m", "pip", "install", "-q", "--no-build-isolation", "--no-index",
                    str(source)], check=True, timeout=300)

    command = environment / "bin/containerimage"
    version = subprocess.run([command, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == "containerimage 0.1.0"

    request = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "handshake"}) + "\n"
    served = subprocess.run([command, "serve"], input=request, capture_output=True, text=True, timeout=60,
                            env={"DOCKER_HOST": "unix:///nonexistent/docker.sock", "PATH": "/usr/bin:/bin"})
    reply = json.loads(served.stdout)
    assert reply["result"]["protocolVersion"] == 1
    assert reply["result"]["location"].startswith(str(environment))  # the installed copy, not the checkout
    assert reply["result"]["engine"]["error"]["data"]["kind"] == "EngineUnavailable"
