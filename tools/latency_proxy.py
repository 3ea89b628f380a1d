"""An engine at another address, and as far away as you like: a TCP proxy on 127.0.0.1 in front of an
engine (a unix socket, or tcp://127.0.0.1:PORT, whose TLS passes through untouched: the engine's certificate
for 127.0.0.1 still matches) that waits --latency-ms before passing on each request (each chunk the client
sends), standing in for a remote host. For tests (another name for the sandbox engine) and the benchmark
(bench/). Standard library only.

    python3 tools/latency_proxy.py --engine unix:///path/docker.sock --latency-ms 50
    # prints "tcp://127.0.0.1:PORT" on its first line, then serves until stdin closes or it is killed

    with LatencyProxy("unix:///path/docker.sock", latency_ms=50) as proxy: ... proxy.host ...
"""

import argparse
import socket
import socketserver
import sys
import threading
import time

CHUNK = 65536


class LatencyProxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, engine_host, latency_ms=0.0):
        self.engine_address = _address(engine_host)
        self.latency = latency_ms / 1000.0
        super().__init__(("127.0.0.1", 0), _Connection)

    @property
    def host(self):
        return f"tcp://127.0.0.1:{self.server_address[1]}"

    def start(self):
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, name="LatencyProxy",
                         daemon=True).start()
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


class _Connection(socketserver.BaseRequestHandler):
    def handle(self):
        family, address = self.server.engine_address
        upstream = socket.socket(family, socket.SOCK_STREAM)
        try:
            upstream.connect(address)
        except OSError:
            _close(self.request)
            return
        # Each chunk goes out at once, as a remote engine sends it (Go's TCP connections, dockerd's, have no
        # Nagle delay): without it, an answer passed on in two chunks waited for the client's delayed ACK,
        # 40 ms here, in some calls and not others.
        for sock in (self.request, upstream):
            if sock.family == socket.AF_INET:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        back = threading.Thread(target=_pump, args=(upstream, self.request, 0.0), daemon=True)
        back.start()
        _pump(self.request, upstream, self.server.latency)
        back.join()


def _address(engine_host):
    """(socket family, address) of unix:///path or tcp://host:port."""
    if engine_host.startswith("unix://"):
        return socket.AF_UNIX, engine_host[len("unix://"):]
    if engine_host.startswith("tcp://"):
        host, _, port = engine_host[len("tcp://"):].rstrip("/").rpartition(":")
        if host and port.isdigit():
            return socket.AF_INET, (host, int(port))
    raise ValueError(f"the latency proxy passes on to unix:///path or tcp://host:port, not: {engine_host}")


def _pump(source, target, latency):
    """Carry bytes from source to target until either end closes, waiting latency before each chunk (a
    request is one chunk, or a few for a large body), as a remote round trip would."""
    try:
        while True:
            data = source.recv(CHUNK)
            if not data:
                break
            if latency:
                time.sleep(latency)
            target.sendall(data)
    except OSError:
        pass
    finally:
        _close(target)
        _close(source)


def _close(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", required=True, help="the real engine: unix:///path/docker.sock or tcp://127.0.0.1:PORT")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="the wait before each request (ms)")
    args = parser.parse_args()
    with LatencyProxy(args.engine, args.latency_ms) as proxy:
        print(proxy.host, flush=True)
        sys.stdin.read()  # until the caller closes stdin (or kills this process)


if __name__ == "__main__":
    main()
