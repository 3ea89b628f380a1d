"""tools/latency_proxy.py, the benchmark's and tests' far engine: what it passes on to, and that bytes go through
both ways unchanged (so the TLS engine's TLS goes end to end)."""

import socket
import socketserver
import threading

import pytest

from latency_proxy import LatencyProxy, _address


def test_an_engine_address_is_a_unix_socket_or_a_tcp_host_and_port():
    assert _address("unix:///run/docker.sock") == (socket.AF_UNIX, "/run/docker.sock")
    assert _address("tcp://127.0.0.1:2376") == (socket.AF_INET, ("127.0.0.1", 2376))
    for wrong in ("ssh://root@127.0.0.1", "tcp://127.0.0.1", "tcp://:2376", "127.0.0.1:2376"):
        with pytest.raises(ValueError, match="unix:///path or tcp://host:port"):
            _address(wrong)


class _Upper(socketserver.BaseRequestHandler):
    def handle(self):
        data = self.request.recv(1024)
        self.request.sendall(data.upper())


def test_bytes_go_to_a_tcp_engine_and_back_unchanged():
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Upper) as engine:
        threading.Thread(target=engine.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        try:
            with LatencyProxy(f"tcp://127.0.0.1:{engine.server_address[1]}", latency_ms=0) as proxy:
                port = int(proxy.host.rpartition(":")[2])
                assert port != engine.server_address[1]
                with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
                    client.sendall(b"\x16\x03\x01 not text: any bytes")
                    assert client.recv(1024) == b"\x16\x03\x01 NOT TEXT: ANY BYTES"
        finally:
            engine.shutdown()
