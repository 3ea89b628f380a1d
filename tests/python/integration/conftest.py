"""Integration fixtures: the sandbox's real engine and registries, and a real backend process."""

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

BACKEND = Path(__file__).resolve().parents[3] / "backend"


@pytest.fixture(scope="session")
def sandbox_env():
    """The environment naming the sandbox: the one we run in (build.ps1 -Task Test), or one started here."""
    if os.environ.get("CONTAINERIMAGE_SANDBOX"):
        yield dict(os.environ)
        return
    from sandbox import Sandbox
    with Sandbox() as sandbox:
        yield sandbox.child_env()


@pytest.fixture
def docker(sandbox_env):
    """The docker CLI against the sandbox engine: docker("pull", "x") -> stdout, raising on failure."""
    def run(*args, check=True):
        result = subprocess.run(["docker", *args], env=sandbox_env, capture_output=True, text=True, timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)} failed: {result.stderr}")
        return result
    return run


class Backend:
    """`containerimage serve` as a child process, spoken to line by line as the PowerShell module does."""

    def __init__(self, env):
        env = dict(env, PYTHONPATH=str(BACKEND))
        self.process = subprocess.Popen([sys.executable, "-m", "containerimage", "serve"], env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.messages = queue.Queue()
        self.lines = []  # every line read from stdout, to check that each is a JSON message
        threading.Thread(target=self._read, daemon=True).start()
        self._next_id = 0

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)
            self.messages.put(json.loads(line))
        self.messages.put(None)

    def send(self, message):
        data = message if isinstance(message, bytes) else json.dumps(message).encode() + b"\n"
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def start(self, method, params=None):
        self._next_id += 1
        self.send({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params or {}})
        return self._next_id

    def wait(self, request_id, timeout=120):
        """(response, progress notifications for it), reading until the response with that id."""
        progress = []
        while True:
            message = self.messages.get(timeout=timeout)
            assert message is not None, "the backend closed its stdout"
            if message.get("method") == "$/progress" and message["params"]["request"] == request_id:
                progress.append(message["params"])
            elif message.get("id") == request_id and "method" not in message:
                return message, progress

    def call(self, method, params=None):
        response, _ = self.wait(self.start(method, params))
        return response

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


def result(response):
    """The result of a JSON-RPC response, failing the test (with the error shown) if it is an error."""
    assert "error" not in response, response
    return response["result"]


def error(response):
    """The error of a JSON-RPC response, failing the test if it succeeded."""
    assert "error" in response, response
    return response["error"]


@pytest.fixture
def backend(sandbox_env):
    process = Backend(sandbox_env)
    yield process
    process.close()
