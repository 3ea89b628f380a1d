"""A proxy that dies on cue: an engine or a registry that goes away in the middle of an operation, for
testing what a client makes of it, without timing and without stopping the real one behind it.

It passes every connection through byte for byte, to a unix-socket engine (--engine) or a TCP registry
(--registry), until one of its cues, then it dies: every connection it carries is cut and nothing answers
on its address any more (connections are refused), as when the process of a real engine or registry ends.
The real engine or registry behind it goes on: it sees its client hang up.

Cues (regular expressions on the bytes passing, any number of them; the first that matches wins):
  --cut-on-request RE   a request going up matches: cut before it is passed on (the peer never sees it)
  --cut-on-answer RE    the answer coming down matches: that piece is passed on, then cut
  --answer-bytes N      with --cut-on-request: pass the request and N bytes of its answer, then cut
With no cue it runs until cut() (as a module) or until it is killed (as a command).

    python3 tools/cut_proxy.py --engine unix:///path/docker.sock --cut-on-answer '"Downloading"'
    python3 tools/cut_proxy.py --registry 127.0.0.1:5000 --cut-on-request '^PUT /v2/[^ ]+/manifests/'
        (each prints its address, unix://... or 127.0.0.1:PORT, then serves; as a command, a cue ends the
        process at once, as a crash would: the kernel closes every socket)

As a module: `with CutProxy.engine(host) as proxy: ... proxy.address ... proxy.cut()`; `proxy.cut_done`
is an Event set once it has died. Standard library only; runs with Debian's /usr/bin/python3.
"""

import argparse
import os
import re
import socket
import socketserver
import sys
import threading

from engine_proxy import EngineProxy, close_socket


class _Cutting:
    """What both kinds of proxy share: the cues, the connections carried, and the cut."""

    def _setup_cues(self, cut_on_request=None, cut_on_answer=None, answer_bytes=None, exit_on_cut=False):
        self.cut_on_request = re.compile(cut_on_request.encode(), re.M) if cut_on_request else None
        self.cut_on_answer = re.compile(cut_on_answer.encode(), re.M) if cut_on_answer else None
        self.answer_bytes = answer_bytes
        self.exit_on_cut = exit_on_cut
        self.cut_done = threading.Event()
        self.connections = set()
        self.lock = threading.Lock()

    def cut(self):
        """Die: refuse every new connection and cut every one under way (both ways)."""
        if self.exit_on_cut:
            os._exit(0)  # as a crash: the kernel closes every socket of the process at once
        with self.lock:
            if self.cut_done.is_set():
                return
            self.cut_done.set()
            sockets = list(self.connections)
        self.socket.close()  # the listener: its address stays (a unix socket file), nothing accepts there
        for sock in sockets:
            close_socket(sock)
        # serve_forever would go on polling the closed listener, which answers at once, forever: a thread
        # spinning at full speed for the rest of the test process. Stop it; from a thread of its own,
        # since cut() may run on a thread that serve_forever waits for.
        threading.Thread(target=self.shutdown, name="cut-shutdown", daemon=True).start()

    def _carry(self, sock):
        with self.lock:
            if self.cut_done.is_set():
                close_socket(sock)
                return False
            self.connections.add(sock)
            return True

    def serve_until_cut(self):
        try:
            self.serve_forever(poll_interval=0.05)
        except (OSError, ValueError):  # the listener closed under it by cut()
            pass

    def start(self):
        threading.Thread(target=self.serve_until_cut, name=type(self).__name__, daemon=True).start()
        return self


class _Connection(socketserver.BaseRequestHandler):
    def handle(self):
        server = self.server
        try:
            upstream = server.connect_upstream()
        except OSError:
            close_socket(self.request)
            return
        if not (server._carry(self.request) and server._carry(upstream)):
            close_socket(upstream)
            return
        self.upstream = upstream
        self.limit = None  # bytes of answer that may still pass before the cut (--answer-bytes)
        down = threading.Thread(target=self._down, daemon=True)
        down.start()
        try:
            while not server.cut_done.is_set():
                data = self.request.recv(65536)
                if not data:
                    break
                if server.cut_on_request is not None and server.cut_on_request.search(data):
                    if server.answer_bytes is None:
                        server.cut()
                        return
                    self.limit = server.answer_bytes
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            close_socket(upstream)
            down.join(timeout=10)
            close_socket(self.request)

    def _down(self):
        server = self.server
        try:
            while not server.cut_done.is_set():
                data = self.upstream.recv(65536)
                if not data:
                    break
                if self.limit is not None:
                    data = data[:self.limit]
                    self.limit -= len(data)
                    self.request.sendall(data)
                    if self.limit <= 0:
                        server.cut()
                        return
                    continue
                self.request.sendall(data)
                if server.cut_on_answer is not None and server.cut_on_answer.search(data):
                    server.cut()
                    return
        except OSError:
            pass
        finally:
            close_socket(self.request)


class CutEngine(_Cutting, EngineProxy):
    """In front of a unix-socket engine; its address is unix://<its own socket> (DOCKER_HOST)."""

    def __init__(self, engine_host, **cues):
        self._setup_cues(**cues)
        EngineProxy.__init__(self, engine_host, "cut-engine-", _Connection)

    @property
    def address(self):
        return self.host

    def connect_upstream(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(self.engine_socket)
        return sock

    def __exit__(self, *exc):
        self.cut()
        for name in os.listdir(self._folder):
            os.unlink(os.path.join(self._folder, name))
        os.rmdir(self._folder)


class CutRegistry(_Cutting, socketserver.ThreadingTCPServer):
    """In front of a registry at host:port; its address is 127.0.0.1:PORT."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream, **cues):
        self._setup_cues(**cues)
        host, _, port = upstream.rpartition(":")
        self.upstream = (host, int(port))
        socketserver.ThreadingTCPServer.__init__(self, ("127.0.0.1", 0), _Connection)

    @property
    def address(self):
        return f"127.0.0.1:{self.server_address[1]}"

    def connect_upstream(self):
        return socket.create_connection(self.upstream, timeout=30)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cut()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--engine", help="the real engine, unix:///path/docker.sock")
    target.add_argument("--registry", help="the real registry, host:port")
    parser.add_argument("--cut-on-request")
    parser.add_argument("--cut-on-answer")
    parser.add_argument("--answer-bytes", type=int)
    args = parser.parse_args()
    cues = dict(cut_on_request=args.cut_on_request, cut_on_answer=args.cut_on_answer,
                answer_bytes=args.answer_bytes, exit_on_cut=True)
    proxy = CutEngine(args.engine, **cues) if args.engine else CutRegistry(args.registry, **cues)
    print(proxy.address, flush=True)
    proxy.serve_until_cut()


if __name__ == "__main__":
    sys.exit(main())
