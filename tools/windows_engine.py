#!/usr/bin/python3
"""A Docker engine that says it runs on Windows: the real engine behind it, a fake at one seam.

It listens on a unix socket and forwards every request to the real engine, except GET /info and
GET /version (with or without an /vX.Y prefix), which it answers itself from the real engine's answers
with the host made a Windows one of the given build: OSType/Os windows, OSVersion 10.0.BUILD, KernelVersion
"10.0 BUILD (BUILD.REVISION.amd64fre...)", Isolation process or hyperv, Arch amd64. So the backend sees a
Windows host (for the compatibility check, RunsOnHost, alias tags by build) while images, pulls and
registries are the real engine's. Every request line that passes is recorded (`requests`, or the --log
file), so a test can prove that no /images/create was sent.

Local Windows images: a Linux engine neither pulls nor loads an image whose config says os windows. So an
image inspect (GET /images/NAME/json) of an image labelled com.containerimage.test.os.version=10.0.B.R is
answered as a Windows engine answers for its Windows image: Os windows, OsVersion 10.0.B.R (everything
else, the id and digests included, is the real engine's). A test builds such an image (any content, that
label) to be the local copy of a Windows image whose patch level it compares with a registry's.

    python3 tools/windows_engine.py --engine unix:///path/docker.sock --build 20348 [--isolation hyperv]
            [--log FILE]      (prints the DOCKER_HOST to use; runs until its stdin closes)

As a module: `with WindowsEngine("unix:///path/docker.sock", 20348) as engine: ... engine.host, engine.requests`.

Forwarded requests go with "Connection: close" (one request per upstream connection), so an answer of
any length or encoding (streams, chunked) is passed through byte for byte until the engine closes it.
"""

import argparse
import http.client
import json
import os
import re
import socket
import socketserver
import sys
import threading

from engine_proxy import EngineProxy, close_socket as _close

_HOST_REQUEST = re.compile(rb"^GET /(?:v[0-9.]+/)?(info|version)(?:\?[^ ]*)? HTTP/1\.[01]\r?$", re.M)
_REQUEST_LINE = re.compile(rb"^([A-Z]+) (\S+) HTTP/1\.[01]")
_IMAGE_REQUEST = re.compile(rb"^GET (/(?:v[0-9.]+/)?images/.+/json(?:\?[^ ]*)?) HTTP/1\.[01]\r?$")
OS_VERSION_LABEL = "com.containerimage.test.os.version"


class WindowsEngine(EngineProxy):
    def __init__(self, engine_host, build, isolation="process", revision=1, log_path=None):
        if isolation not in ("process", "hyperv"):
            raise ValueError(f"isolation is process or hyperv, not {isolation}")
        self.build, self.isolation, self.revision = int(build), isolation, int(revision)
        self.requests = []  # "METHOD /path" of every request, answered or forwarded
        self.lock = threading.Lock()
        self._log_path = log_path
        super().__init__(engine_host, "windows-engine-", _Connection)

    @property
    def kernel_version(self):
        return f"10.0 {self.build} ({self.build}.{self.revision}.amd64fre.release.000000-0000)"

    def record(self, line):
        with self.lock:
            self.requests.append(line)
            if self._log_path:
                with open(self._log_path, "a", encoding="utf-8") as log:
                    log.write(line + "\n")

    def windows(self, what, answer):
        """The real engine's /info or /version answer, as a Windows host of our build would give it."""
        if what == "version":
            answer.update(Os="windows", Arch="amd64", KernelVersion=self.kernel_version)
            for component in answer.get("Components") or []:
                details = component.get("Details") or {}
                if "Os" in details:
                    details.update(Os="windows", Arch="amd64", KernelVersion=self.kernel_version)
        else:
            answer.update(OSType="windows", OSVersion=f"10.0.{self.build}", KernelVersion=self.kernel_version,
                          Architecture="x86_64", Isolation=self.isolation,
                          OperatingSystem=f"Windows Server (OS Build {self.build}.{self.revision})")
        return answer

    def windows_image(self, answer):
        """The real engine's image inspect, as a Windows engine gives it for an image labelled OS_VERSION_LABEL."""
        version = ((answer.get("Config") or {}).get("Labels") or {}).get(OS_VERSION_LABEL)
        if version:
            answer.update(Os="windows", OsVersion=version, Architecture="amd64")
        return answer

    def real(self, path):
        """GET path from the real engine, as JSON."""
        connection = _UnixHTTPConnection(self.engine_socket)
        try:
            connection.request("GET", path)
            return json.loads(connection.getresponse().read())
        finally:
            connection.close()


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self._path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self._path)


class _Connection(socketserver.BaseRequestHandler):
    """One client connection: host requests answered here (the connection kept open for the next request),
    the first other request forwarded, with everything after it, to a connection of its own."""

    def handle(self):
        buffered = b""
        try:
            while True:
                while b"\r\n\r\n" not in buffered:
                    data = self.request.recv(65536)
                    if not data:
                        return
                    buffered += data
                head, _, rest = buffered.partition(b"\r\n\r\n")
                request_line = _REQUEST_LINE.match(head)
                self.server.record(" ".join(p.decode("latin-1") for p in request_line.groups()) if request_line
                                   else head.split(b"\r\n", 1)[0].decode("latin-1"))
                first_line = head.split(b"\r\n", 1)[0] + b"\r"
                match = _HOST_REQUEST.match(first_line)
                image = _IMAGE_REQUEST.match(first_line)
                if image:
                    self._answer_image(image.group(1).decode("latin-1"))
                elif not match:
                    return self._forward(head, rest)
                else:
                    self._answer(head, match.group(1).decode())
                buffered = rest  # a GET has no body: what follows is the next request
        except OSError:
            pass
        finally:
            _close(self.request)

    def _answer(self, head, what):
        path = head.split(b" ", 2)[1].decode("latin-1")
        body = json.dumps(self.server.windows(what, self.server.real(path))).encode()
        self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nApi-Version: "
                             + str(self.server.real("/version").get("ApiVersion", "1.41")).encode()
                             + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)

    def _answer_image(self, path):
        connection = _UnixHTTPConnection(self.server.engine_socket)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            status, reason, body = response.status, response.reason, response.read()
        finally:
            connection.close()
        if status == 200:
            body = json.dumps(self.server.windows_image(json.loads(body))).encode()
        self.request.sendall(f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n".encode()
                             + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)

    def _forward(self, head, rest):
        lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        upstream.connect(self.server.engine_socket)
        try:
            upstream.sendall(b"\r\n".join(lines + [b"Connection: close"]) + b"\r\n\r\n" + rest)
            up = threading.Thread(target=_pipe, args=(self.request, upstream), daemon=True)
            up.start()
            _pipe(upstream, self.request)  # the answer, until the engine closes the connection
        finally:
            _close(upstream)


def _pipe(source, destination):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            destination.sendall(data)
    except OSError:
        pass
    try:
        destination.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default=os.environ.get("DOCKER_HOST"), help="the real engine (unix://...)")
    parser.add_argument("--build", type=int, required=True, help="the Windows build to claim, e.g. 20348")
    parser.add_argument("--isolation", default="process", choices=("process", "hyperv"),
                        help="the default isolation to claim")
    parser.add_argument("--revision", type=int, default=1, help="the build's revision in KernelVersion")
    parser.add_argument("--log", help="append each request line (METHOD /path) to this file")
    args = parser.parse_args()
    with WindowsEngine(args.engine, args.build, args.isolation, args.revision, args.log) as engine:
        print(engine.host, flush=True)
        sys.stdin.read()  # until stdin closes: the caller's way to stop it and have it clean up


if __name__ == "__main__":
    main()
