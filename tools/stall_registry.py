"""A registry that never finishes a download: for testing Ctrl+C in the middle of a pull, without timing.

It forwards every request to an upstream registry, except GETs of layer blobs, which it sends one byte
at a time, slowly, until the client hangs up. So a pull from it always gets as far as "Downloading" and
would then take days; a test can cancel it at leisure and then see the engine hang up:
GET /_stalled answers {"stalled": N}, the number of layer downloads being trickled right now.

    python3 tools/stall_registry.py --upstream 127.0.0.1:5000 [--port 0]   (prints the port it listens on)
"""

import argparse
import http.client
import http.server
import json
import re
import time
import threading

_BLOB = re.compile(r"^/v2/.+/blobs/(sha256:[0-9a-f]{64})$")
TRICKLE = 0.2  # seconds between two bytes of a layer
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization",
               "proxy-authenticate", "host", "content-length"}


class StallRegistry(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream, port=0):
        super().__init__(("127.0.0.1", port), _Handler)
        self.upstream = upstream
        self.configs = set()  # config blobs pass (a pull needs them); layer blobs stall
        self.stalled = 0
        self.lock = threading.Lock()

    @property
    def address(self):
        return f"127.0.0.1:{self.server_address[1]}"

    def start(self):
        threading.Thread(target=self.serve_forever, name="stall-registry", daemon=True).start()
        return self


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/_stalled":
            return self._reply(200, {"Content-Type": "application/json"},
                               json.dumps({"stalled": self.server.stalled}).encode())
        blob = _BLOB.match(self.path)
        if blob and blob.group(1) not in self.server.configs:
            return self._stall()
        self._forward()

    def do_HEAD(self):
        self._forward()

    def _stall(self):
        """Answer with the blob's real headers, then trickle its bytes, one every TRICKLE seconds, until the
        client hangs up: the download is under way (so the engine keeps checking whether it should stop)
        but would take days to finish."""
        connection = http.client.HTTPConnection(self.server.upstream, timeout=30)
        connection.request("GET", self.path, headers={k: v for k, v in self.headers.items()
                                                      if k.lower() not in _HOP_BY_HOP})
        response = connection.getresponse()
        body = response.read()
        connection.close()
        if response.status != 200:
            return self._reply(response.status, dict(response.getheaders()), body)
        with self.server.lock:
            self.server.stalled += 1
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for offset in range(len(body)):
                self.wfile.write(body[offset:offset + 1])
                self.wfile.flush()
                time.sleep(TRICKLE)
        except OSError:  # the client hung up
            pass
        finally:
            with self.server.lock:
                self.server.stalled -= 1
            self.close_connection = True

    def _forward(self):
        connection = http.client.HTTPConnection(self.server.upstream, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        connection.request(self.command, self.path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        if self.command == "GET" and "manifest" in (response.getheader("Content-Type") or ""):
            try:
                self.server.configs.add(json.loads(body)["config"]["digest"])
            except (ValueError, KeyError, TypeError):
                pass  # a manifest list: its manifests come next
        headers = {k: v for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP}
        if self.command == "HEAD":
            headers["Content-Length"] = response.getheader("Content-Length", "0")
            body = b""
        self._reply(response.status, headers, body)
        connection.close()

    def _reply(self, status, headers, body):
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="host:port of the registry to forward to")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = StallRegistry(args.upstream, args.port)
    print(server.address, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
