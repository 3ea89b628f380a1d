"""A registry that never finishes a download or an upload: for testing Ctrl+C in the middle of a pull or
a push, without timing.

It forwards every request to an upstream registry, except
- GETs of layer blobs, which it sends one byte at a time, slowly, until the client hangs up. So a pull
  from it always gets as far as "Downloading" and would then take days;
- blob uploads with a body (PATCH, or PUT with data), which it takes slowly (UPLOAD_RATE bytes every
  TRICKLE seconds) and never answers, until the client hangs up. So a push to it always gets as far as
  "Pushing". (An engine gives up an upload only while it is still sending it: a layer that a push
  should be stopped in must be much larger than the socket buffers: tens of megabytes.)
A test can cancel either at leisure and then see the engine hang up: GET /_stalled answers
{"stalled": N}, the number of layer downloads and uploads being trickled right now.

With --stall-uploads-over BYTES (upload_threshold), only uploads whose body grows past BYTES stall; smaller
ones (and downloads) pass: a copy of an image with one big layer gets every other blob through and stops
in the middle of that one, for as long as the test likes.

    python3 tools/stall_registry.py --upstream 127.0.0.1:5000 [--port 0] [--stall-uploads-over BYTES]
        (prints the port it listens on)
"""

import argparse
import contextlib
import http.client
import http.server
import json
import re
import select
import time
import threading

_BLOB = re.compile(r"^/v2/.+/blobs/(sha256:[0-9a-f]{64})$")
_UPLOAD = re.compile(r"^/v2/.+/blobs/uploads/[^/?]+")
_HANG_UP = select.POLLHUP | select.POLLERR | getattr(select, "POLLRDHUP", 0x2000)
TRICKLE = 0.2  # seconds between two bytes of a layer sent, or two pieces of an upload taken
UPLOAD_RATE = 1 << 18  # bytes of an upload taken every TRICKLE seconds (1.3 MB/s): slow, but fast enough
                       # that an engine's sender, whose socket buffers hold megabytes, is soon back to
                       # reading its layer, where it notices a cancel
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization",
               "proxy-authenticate", "host", "content-length"}
# Forwarded as the client sent it, so that the upstream's upload URLs (Location) name this registry.
_FORWARDED_HOST = _HOP_BY_HOP - {"host"}
_TOO_BIG = object()  # what _body gives for a body past its limit


class StallRegistry(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream, port=0, upload_threshold=None):
        super().__init__(("127.0.0.1", port), _Handler)
        self.upstream = upstream
        self.upload_threshold = upload_threshold  # None: every upload with a body stalls
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
        if self.server.upload_threshold is not None and not self.path.startswith("/_stalled"):
            return self._forward()  # only big uploads stall
        if self.path == "/_stalled":
            return self._reply(200, {"Content-Type": "application/json"},
                               json.dumps({"stalled": self.server.stalled}).encode())
        blob = _BLOB.match(self.path)
        if blob and blob.group(1) not in self.server.configs:
            return self._stall()
        self._forward()

    def do_HEAD(self):
        self._forward()

    def do_POST(self):
        self._forward()

    def do_DELETE(self):
        self._forward()

    def do_PATCH(self):
        if _UPLOAD.match(self.path):
            return self._upload()
        self._forward()

    def do_PUT(self):
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        if _UPLOAD.match(self.path) and (chunked or int(self.headers.get("Content-Length") or 0)):
            return self._upload()
        self._forward()

    def _upload(self):
        """Stall an upload; with a threshold only one whose body grows past it (the rest is forwarded)."""
        if self.server.upload_threshold is None:
            return self._stall_upload()
        body = self._body(limit=self.server.upload_threshold)
        if body is _TOO_BIG:
            return self._stall_upload()
        self._forward(body, read=False)

    def _stall_upload(self):
        """Take the upload's body UPLOAD_RATE bytes every TRICKLE seconds and never answer, until the
        client hangs up (seen at once, however much of the body is still unread)."""
        with self._stalled():
            poller = select.poll()
            poller.register(self.connection, select.POLLIN | _HANG_UP)
            while True:
                events = 0
                for _, happened in poller.poll():
                    events |= happened
                if events & _HANG_UP or not self.connection.recv(UPLOAD_RATE):
                    break
                time.sleep(TRICKLE)

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
        with self._stalled():
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for offset in range(len(body)):
                self.wfile.write(body[offset:offset + 1])
                self.wfile.flush()
                time.sleep(TRICKLE)

    @contextlib.contextmanager
    def _stalled(self):
        """Counts a stalled transfer in /_stalled while it lasts; the client hanging up ends it."""
        with self.server.lock:
            self.server.stalled += 1
        try:
            yield
        except OSError:  # the client hung up
            pass
        finally:
            with self.server.lock:
                self.server.stalled -= 1
            self.close_connection = True

    def _forward(self, body=None, read=True):
        connection = http.client.HTTPConnection(self.server.upstream, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _FORWARDED_HOST}
        connection.request(self.command, self.path, body=self._body() if read else body, headers=headers)
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

    def _body(self, limit=None):
        """The request's body (sent with a length or chunked), or None; with limit, _TOO_BIG as soon as it
        would be longer than limit bytes (the rest is left unread)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if not size:
                    while self.rfile.readline().strip():  # trailers, up to the empty line
                        pass
                    return b"".join(parts)
                total += size
                if limit is not None and total > limit:
                    return _TOO_BIG
                parts.append(self.rfile.read(size))
                self.rfile.readline()  # the CRLF after each chunk
        length = int(self.headers.get("Content-Length") or 0)
        if limit is not None and length > limit:
            return _TOO_BIG
        return self.rfile.read(length) if length else None

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
    parser.add_argument("--stall-uploads-over", type=int, metavar="BYTES",
                        help="stall only uploads bigger than BYTES; let everything else through")
    args = parser.parse_args()
    server = StallRegistry(args.upstream, args.port, args.stall_uploads_over)
    print(server.address, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
