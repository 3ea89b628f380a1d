"""The backend hosted inside another process: PowerShell loads libpython through pythonnet's
Python.Runtime.dll and talks to a Host instead of a child process.

It is the same Server as `containerimage serve`, with the same messages and the same dispatch; only the
pipe is gone. For each message the host would have written to the backend's stdin it calls
exchange(line, timeout), which hands the line to the server and returns the next line the server wrote
(an answer or a progress notification), waiting at most timeout milliseconds; exchange(None, timeout)
only waits. The wait does not hold the GIL, so the server's threads run while PowerShell waits, and
PowerShell gets control back at least every `timeout` milliseconds (for Ctrl+C), exactly as with the pipe.

Python can be initialized only once per process, so a Host is the unit that starts and stops: a changed
environment, or the module removed and imported again, closes one Host and makes another.
"""

import collections
import json
import logging
import os
import queue
import threading
from concurrent.futures import ThreadPoolExecutor

from .engine import Engine
from .operations import METHODS
from .server import Server

log = logging.getLogger("containerimage")


class _Replies:
    """The server's output stream: MessageWriter writes each message as one whole line."""

    def __init__(self):
        self.queue = queue.SimpleQueue()

    def write(self, data):
        self.queue.put(data.decode("utf-8").rstrip("\n"))

    def flush(self):
        pass


class _Tail(logging.Handler):
    """The last log lines: there is no stderr to read in-process, so they explain a failure instead."""

    def __init__(self, size=50):
        super().__init__()
        self.lines = collections.deque(maxlen=size)
        self.setFormatter(logging.Formatter("containerimage: %(levelname)s %(message)s"))

    def emit(self, record):
        self.lines.append(self.format(record))


_tail = _Tail()


def _configure_logging(level):
    # The host process's stderr is the user's console: log records go to the tail, never to it.
    root = logging.getLogger("containerimage")
    root.handlers[:] = [_tail]
    root.propagate = False
    root.setLevel((level or "WARNING").upper())


class Host:
    """One running backend inside this process.

    environment: a JSON object (text) of the variables the backend reads (DOCKER_*, CONTAINERIMAGE_*) as
    the PowerShell session has them now; null or "" removes one. PowerShell's $env: is not Python's
    os.environ (on Unix .NET keeps its own copy), so they are copied.
    """

    def __init__(self, environment, methods=METHODS):
        for name, value in json.loads(environment).items():
            if value is None or value == "":
                os.environ.pop(name, None)
            else:
                os.environ[name] = str(value)
        _configure_logging(os.environ.get("CONTAINERIMAGE_LOG_LEVEL"))
        self._replies = _Replies()
        self._server = Server(None, self._replies, Engine(), methods, transport="InProcess")
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="request")
        self._closed = False

    def exchange(self, line, timeout_ms):
        """Hand line (a message, or None) to the server; return its next message line, or None when none
        came within timeout_ms."""
        if line is not None:
            if self._closed:
                raise RuntimeError("this in-process backend was closed")
            self._server.handle(line.encode("utf-8"), self._pool)
        try:
            return self._replies.queue.get(timeout=timeout_ms / 1000)
        except queue.Empty:
            return None

    def close(self):
        """What end of file on stdin does: what was asked finishes, in the background (a caller that
        wants less cancels first), and then the engine connection is closed; new requests are refused."""
        self._closed = True
        threading.Thread(target=self._finish, name="containerimage-host-close", daemon=True).start()

    def _finish(self):
        self._pool.shutdown(wait=True)
        self._server.close()


def log_tail():
    """The last log lines of the in-process backend (there is no stderr to read)."""
    return " | ".join(list(_tail.lines)[-5:])
