"""A Docker engine that never finishes a save and loads slowly: for testing Ctrl+C in the middle of a
save or a load, without timing.

It listens on a unix socket and passes every connection through to the real engine byte for byte,
except
- the answer to GET /images/get (docker save), of which it passes the first STALL_AFTER bytes and then
  nothing more until the client hangs up. So a save through it always gets as far as writing the start
  of the archive, and would then wait for ever;
- the upload of POST /images/load (docker load), which it passes on at UPLOAD_RATE bytes every TRICKLE
  seconds. So a load of a large archive through it is under way for a long time (the client keeps
  sending, and so keeps seeing its own cancel), and is lost (nothing loaded) when the client hangs up.
A test can cancel either at leisure and then see the client hang up: `stalled` (saves held back and
loads being trickled up right now) drops back to 0.

    python3 tools/stall_engine.py --engine unix:///path/docker.sock   (prints the DOCKER_HOST to use;
        then for each line read on stdin prints {"stalled": N}; runs until its stdin closes)

As a module: `with StallEngine("unix:///path/docker.sock") as stall: ... stall.host, stall.stalled`.
"""

import argparse
import json
import os
import re
import socket
import socketserver
import sys
import threading
import time

from engine_proxy import EngineProxy, close_socket as _close

STALL_AFTER = 256 * 1024  # bytes of the save's answer (headers included) passed before it stalls
_SAVE_REQUEST = re.compile(rb"^GET /(?:v[0-9.]+/)?images/(?:get\?|[^ ]+/get[ ?])", re.M)
_LOAD_REQUEST = re.compile(rb"^POST /(?:v[0-9.]+/)?images/load[ ?]", re.M)
UPLOAD_RATE = 1 << 18  # bytes of a load's upload passed every TRICKLE seconds (1.3 MB/s)
TRICKLE = 0.2


class StallEngine(EngineProxy):
    def __init__(self, engine_host):
        self.stalled = 0  # answers to a save being held back right now
        self.lock = threading.Lock()
        super().__init__(engine_host, "stall-engine-", _Connection)

    def count(self, delta):
        with self.lock:
            self.stalled += delta


class _Connection(socketserver.BaseRequestHandler):
    """One client connection and its own connection to the engine. Requests on a connection come one
    after another (a client reads an answer to its end before it sends the next request), so when a save
    request goes up, every byte coming down after it belongs to the save's answer."""

    def handle(self):
        self.upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.upstream.connect(self.server.engine_socket)
        self.sent_down = 0
        self.limit = None  # when a save is under way: how many bytes down in all may pass
        self.loading = None  # when a load is being sent: the bytes down before it (its answer ends it)
        self.lock = threading.Lock()
        self.client_gone = threading.Event()
        down = threading.Thread(target=self._down, daemon=True)
        down.start()
        try:
            while True:
                data = self.request.recv(UPLOAD_RATE if self.loading is not None else 65536)
                if not data:
                    break
                if _SAVE_REQUEST.search(data):
                    self.limit = self.sent_down + STALL_AFTER
                if self.loading is None and _LOAD_REQUEST.search(data):
                    with self.lock:
                        self.loading = self.sent_down
                    self.server.count(+1)
                self.upstream.sendall(data)
                if self.loading is not None:
                    time.sleep(TRICKLE)
        except OSError:
            pass
        finally:
            self.client_gone.set()
            self._loaded(finished=True)
            _close(self.upstream)
            down.join(timeout=10)

    def _loaded(self, finished=False):
        """The load being trickled up ends when its answer starts coming down, or the client hangs up."""
        with self.lock:
            if self.loading is not None and (finished or self.sent_down > self.loading):
                self.loading = None
                self.server.count(-1)

    def _down(self):
        try:
            while True:
                data = self.upstream.recv(65536)
                if not data:
                    break
                if self.limit is not None and self.sent_down + len(data) >= self.limit:
                    data = data[:self.limit - self.sent_down]
                    self.request.sendall(data)
                    self.sent_down += len(data)
                    self._stall()
                    return
                self.request.sendall(data)
                self.sent_down += len(data)
                self._loaded()
        except OSError:
            pass
        finally:
            _close(self.request)

    def _stall(self):
        """Send nothing more, and wait for the client to hang up."""
        self.server.count(+1)
        try:
            self.client_gone.wait()
        finally:
            self.server.count(-1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default=os.environ.get("DOCKER_HOST"), help="the real engine (unix://...)")
    args = parser.parse_args()
    with StallEngine(args.engine) as stall:
        print(stall.host, flush=True)
        for _ in sys.stdin:  # until stdin closes: the caller's way to stop it and have it clean up
            print(json.dumps({"stalled": stall.stalled}), flush=True)


if __name__ == "__main__":
    main()
