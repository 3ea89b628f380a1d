"""Fakes at the one seam the backend has with Docker: an engine whose client() returns an APIClient.

FakeDockerAPI checks every call it receives against the real docker.APIClient method's signature, so a
backend that calls the SDK with a keyword the SDK does not take fails here as it would against Docker.
serve_once is a registry that answers one request per connection with fixed bytes, for the HTTP seam.
"""

import copy
import inspect
import io
import socket
import struct
import threading

import docker
import docker.auth
import docker.errors
import requests

from containerimage.cache import PlatformCache

BLOCK = object()  # in FakeResponse.events: block until close(), then fail the read as a closed socket does


def http_response(status_code, reason="", url="http+docker://localhost/v1.41/test"):
    response = requests.Response()
    response.status_code = status_code
    response.reason = reason
    response.url = url
    return response


def api_error(status_code, explanation, cls=docker.errors.APIError, reason="Error"):
    response = http_response(status_code, reason)
    return cls(requests.exceptions.HTTPError(f"{status_code} {reason}", response=response), response=response,
               explanation=explanation)


class FakeResponse:
    """An engine HTTP response streaming JSON events; close() records the call and unblocks a read."""

    def __init__(self, events=()):
        self.events = list(events)
        self.closed = threading.Event()
        self.close_calls = 0

    def close(self):
        self.close_calls += 1
        self.closed.set()


class FakeDockerAPI:
    def __init__(self, summaries=(), containers=(), configs=None, pull_events=(), auth_configs=None,
                 push_events=()):
        self.summaries = list(summaries)
        self.container_list = list(containers)
        self.configs = dict(configs or {})
        self.pull_events = list(pull_events)
        self.push_events = list(push_events)  # what POST /images/{name}/push streams
        self.auth_requests = []  # the bodies of POST /auth
        self.auth_result = {"IdentityToken": "", "Status": "Login Succeeded"}
        self.auth_error = None  # raised by the /auth call instead of answering
        self.calls = []
        self.inspected = []
        self.posts = []
        self.responses = []
        self.reloads = 0
        self.raise_for_status_error = None
        # Non-empty, so docker.auth never falls back to reading the user's ~/.docker/config.json.
        self._auth_configs = docker.auth.AuthConfig(auth_configs or {"auths": docker.auth.AuthConfig.parse_auth(
            {"registry.invalid": {"auth": "dXNlcjpzZWNyZXQ="}})})  # user:secret, as config.json stores it
        self.credstore_env = None
        self._lock = threading.Lock()

    def _record(self, name, *args, **kwargs):
        inspect.signature(getattr(docker.APIClient, name)).bind(self, *args, **kwargs)  # TypeError if wrong
        with self._lock:
            self.calls.append((name, args, kwargs))

    def calls_to(self, name):
        return [kwargs for call, _, kwargs in self.calls if call == name]

    # -- listing
    def images(self, *args, **kwargs):
        self._record("images", *args, **kwargs)
        if kwargs.get("quiet"):  # as the SDK gives it: the ids only
            return [s["Id"] for s in self.summaries]
        return copy.deepcopy(self.summaries)

    def containers(self, *args, **kwargs):
        self._record("containers", *args, **kwargs)
        return copy.deepcopy(self.container_list)

    def inspect_image(self, *args, **kwargs):
        self._record("inspect_image", *args, **kwargs)
        image_id = args[0] if args else kwargs["image"]
        with self._lock:
            self.inspected.append(image_id)
        if image_id not in self.configs:
            raise api_error(404, f"No such image: {image_id}", docker.errors.ImageNotFound)
        return copy.deepcopy(self.configs[image_id])

    # -- pull: the low-level calls pull_image makes
    def _url(self, pathfmt, *args, **kwargs):
        self._record("_url", pathfmt, *args, **kwargs)
        return "http+docker://localhost/v1.41" + pathfmt.format(*args)

    def _post(self, url, **kwargs):
        self._record("_post", url, **kwargs)
        response = FakeResponse(self.push_events if url.endswith("/push") else self.pull_events)
        with self._lock:
            self.posts.append(dict(kwargs, url=url))
            self.responses.append(response)
        return response

    def _raise_for_status(self, response):
        self._record("_raise_for_status", response)
        if self.raise_for_status_error is not None:
            raise self.raise_for_status_error

    def _stream_helper(self, response, decode=False):
        self._record("_stream_helper", response, decode=decode)
        assert decode, "pull_image reads decoded events"
        for event in response.events:
            if event is BLOCK:
                if not response.closed.wait(10):
                    raise AssertionError("the response was never closed")
                raise AttributeError("'NoneType' object has no attribute 'read'")  # urllib3 after close()
            yield copy.deepcopy(event)

    # -- login: POST /auth, the call registry.login makes
    def _post_json(self, url, data, **kwargs):
        self._record("_post_json", url, data, **kwargs)
        with self._lock:
            self.auth_requests.append(copy.deepcopy(data))
        return http_response(200)

    def _result(self, response, json=False, binary=False):
        self._record("_result", response, json=json, binary=binary)
        if self.auth_error is not None:
            raise self.auth_error
        return copy.deepcopy(self.auth_result)

    def reload_config(self, *args, **kwargs):
        self._record("reload_config", *args, **kwargs)
        self.reloads += 1

    # -- search: GET /images/search (Docker Hub through the engine); set search_results or search_error
    def search(self, *args, **kwargs):
        self._record("search", *args, **kwargs)
        if getattr(self, "search_error", None) is not None:
            raise self.search_error
        return copy.deepcopy(getattr(self, "search_results", []))

    # -- removal: set removals[target] to the records DELETE /images/{target} answers, or to an exception;
    #    histories[image id] to what GET /images/{id}/history answers
    def remove_image(self, *args, **kwargs):
        self._record("remove_image", *args, **kwargs)
        image = args[0] if args else kwargs["image"]
        outcome = getattr(self, "removals", {}).get(image)
        if outcome is None:
            raise api_error(404, f"No such image: {image}", docker.errors.ImageNotFound)
        if isinstance(outcome, Exception):
            raise outcome
        return copy.deepcopy(outcome)

    def history(self, *args, **kwargs):
        self._record("history", *args, **kwargs)
        image = args[0] if args else kwargs["image"]
        histories = getattr(self, "histories", {})
        if image not in histories:
            raise api_error(404, f"No such image: {image}", docker.errors.ImageNotFound)
        return copy.deepcopy(histories[image])

    # -- tag: POST /images/{image}/tag; set tag_error to fail it
    def tag(self, *args, **kwargs):
        self._record("tag", *args, **kwargs)
        if getattr(self, "tag_error", None) is not None:
            raise self.tag_error
        return True

    # -- the host: GET /version and GET /info; set version_result / info_result (default: a Linux amd64 host)
    def version(self, *args, **kwargs):
        self._record("version", *args, **kwargs)
        return copy.deepcopy(getattr(self, "version_result", LINUX_HOST_VERSION))

    def info(self, *args, **kwargs):
        self._record("info", *args, **kwargs)
        return copy.deepcopy(getattr(self, "info_result", LINUX_HOST_INFO))


# What GET /version and GET /info answer by default: a Linux amd64 host (set version_result / info_result to
# be another, e.g. from windows_host(20348)).
LINUX_HOST_VERSION = {"Os": "linux", "Arch": "amd64", "KernelVersion": "6.1.0-18-amd64", "ApiVersion": "1.41"}
LINUX_HOST_INFO = {"OSType": "linux", "OSVersion": "12", "KernelVersion": "6.1.0-18-amd64", "Architecture": "x86_64",
                   "OperatingSystem": "Debian GNU/Linux 12 (bookworm)", "RegistryConfig": {"Mirrors": []}}


def windows_host(build, isolation="process", revision=1):
    """(version, info) answers of a Windows engine of that build, as dockerd on Windows gives them."""
    kernel = f"10.0 {build} ({build}.{revision}.amd64fre.release.000000-0000)"
    version = {"Os": "windows", "Arch": "amd64", "KernelVersion": kernel, "ApiVersion": "1.41"}
    info = {"OSType": "windows", "OSVersion": f"10.0.{build}", "KernelVersion": kernel, "Architecture": "x86_64",
            "Isolation": isolation, "OperatingSystem": f"Windows Server (OS Build {build}.{revision})",
            "RegistryConfig": {"Mirrors": []}}
    return version, info


class FakeEngine:
    def __init__(self, api):
        self.api = api
        self.host = "unix:///fake/docker.sock"
        self.source = "test"
        self.client_calls = 0
        self.platforms = PlatformCache()  # as engine.Engine, but in memory only

    def client(self):
        self.client_calls += 1
        return self.api


class NoEngine:
    """For code that must not reach the engine at all."""

    host = None

    def client(self):
        raise AssertionError("the engine must not be asked")


class TTY(io.StringIO):
    """A text stream that says it is a terminal (so the CLI colours what it writes)."""

    def isatty(self):
        return True


def serve_once(answer, accepted=None):
    """A registry on 127.0.0.1 that answers every connection with `answer` (bytes) and hangs up; None: it
    resets the connection instead. Each connection accepted is appended to `accepted` when given.
    Returns (the listening socket, to close; its address)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def run():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            if accepted is not None:
                accepted.append(connection)
            connection.recv(65536)
            if answer is None:
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                connection.sendall(answer)
            connection.close()
    threading.Thread(target=run, daemon=True).start()
    return listener, f"127.0.0.1:{listener.getsockname()[1]}"
