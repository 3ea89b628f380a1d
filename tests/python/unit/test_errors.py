"""Error classes (the protocol's codes and kinds) and the translation of docker SDK errors."""

import http.client
import socket

import docker.errors
import pytest
import requests
import urllib3.exceptions

from containerimage import errors

from .fakes import api_error


# The codes and kinds are the contract with the PowerShell module (Private/ErrorRecord.ps1).
@pytest.mark.parametrize("cls, code, kind", [
    (errors.ParseError, -32700, "ParseError"),
    (errors.InvalidRequest, -32600, "InvalidRequest"),
    (errors.MethodNotFound, -32601, "MethodNotFound"),
    (errors.InvalidParams, -32602, "InvalidParams"),
    (errors.Internal, -32603, "Internal"),
    (errors.EngineUnavailable, -32001, "EngineUnavailable"),
    (errors.NotFound, -32002, "NotFound"),
    (errors.Conflict, -32003, "Conflict"),
    (errors.InvalidReference, -32004, "InvalidReference"),
    (errors.Unauthorized, -32005, "Unauthorized"),
    (errors.RegistryUnavailable, -32006, "RegistryUnavailable"),
    (errors.Cancelled, -32800, "Cancelled"),
])
def test_codes_and_kinds(cls, code, kind):
    error = cls("message", "target")
    assert error.to_dict() == {"code": code, "message": "message", "data": {"kind": kind, "target": "target"}}
    assert isinstance(error, errors.BackendError) and str(error) == "message"


def test_to_dict_includes_extra_data_and_null_target():
    error = errors.Conflict("in use", None, containers=["abc"])
    assert error.to_dict() == {"code": -32003, "message": "in use",
                               "data": {"kind": "Conflict", "target": None, "containers": ["abc"]}}


def kind_of(exc, target=None):
    return errors.translate(exc, target)


@pytest.mark.parametrize("exc, kind", [
    (api_error(404, "No such image: nothere:latest", docker.errors.ImageNotFound), "NotFound"),
    (api_error(404, "No such container: abc", docker.errors.NotFound), "NotFound"),
    (api_error(404, "page not found"), "NotFound"),
    (api_error(409, "conflict: unable to delete a1b2 (must be forced) - image is being used by running container"),
     "Conflict"),
    (api_error(401, "unauthorized"), "Unauthorized"),
    (api_error(403, "forbidden"), "Unauthorized"),
    (api_error(500, "manifest for busybox:nope not found: manifest unknown: manifest unknown"), "NotFound"),
    (api_error(500, 'Get "https://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused'),
     "RegistryUnavailable"),
    (api_error(500, "dial tcp 127.0.0.1:1: connect: connection refused"), "RegistryUnavailable"),
    (api_error(500, 'Get "https://registry.invalid/v2/": dial tcp: lookup registry.invalid: no such host'),
     "RegistryUnavailable"),
    (api_error(500, "Get https://reg.example/v2/: net/http: TLS handshake timeout"), "RegistryUnavailable"),
    (api_error(500, 'Get "https://127.0.0.1:5000/v2/": http: server gave HTTP response to HTTPS client'),
     "RegistryUnavailable"),
    (api_error(500, "Head https://127.0.0.1:5000/v2/a/manifests/latest: unauthorized: authentication required"),
     "Unauthorized"),
    (api_error(500, "unauthorized: authentication required"), "Unauthorized"),
    (api_error(500, "pull access denied for nothere, repository does not exist or may require 'docker login': "
                    "denied: requested access to the resource is denied"), "Unauthorized"),
    (api_error(400, "invalid reference format"), "InvalidReference"),
    (api_error(400, "invalid reference format: repository name must be lowercase"), "InvalidReference"),
    (api_error(400, "invalid tag format"), "InvalidReference"),
    (api_error(400, "invalid platform: osx"), "InvalidParams"),
    (api_error(500, "something odd inside the engine"), "Internal"),
])
def test_translate_api_errors(exc, kind):
    error = kind_of(exc, "busybox")
    assert error.kind == kind, error.to_dict()
    assert error.target == "busybox"
    assert error.message == exc.explanation  # the engine's words, not the HTTP noise around them


def test_translate_decodes_a_bytes_explanation():
    error = errors.translate(api_error(409, b"conflict: caf\xc3\xa9 in use\n"))
    assert error.kind == "Conflict" and error.message == "conflict: caf\u00e9 in use"


def test_translate_without_an_explanation_uses_the_http_error():
    error = errors.translate(api_error(404, None))
    assert error.kind == "NotFound" and "404" in error.message


class _Engine:
    """What translate reads of an engine.Engine: its address and where it came from."""

    def __init__(self, host="unix:///run/cis/docker.sock", source="DOCKER_HOST"):
        self.host, self.source = host, source


def _raised(make):
    """The exception make() raises, with the __context__ and __cause__ that raising gives it."""
    try:
        make()
    except Exception as exc:  # noqa: BLE001
        return exc
    raise AssertionError("nothing was raised")


def _chained(outer, inner):
    def make():
        try:
            raise inner
        except BaseException:
            raise outer
    return _raised(make)


def _from(outer, inner):
    def make():
        raise outer from inner
    return _raised(make)


_REFUSED = ConnectionRefusedError(111, "Connection refused")
_MISSING = FileNotFoundError(2, "No such file or directory")
_RESET = ConnectionResetError(104, "Connection reset by peer")
_BROKEN = urllib3.exceptions.ProtocolError(
    "Connection broken: IncompleteRead(0 bytes read)", urllib3.exceptions.IncompleteRead(0, 512))

# Each (exception as the libraries raise it, what the message must say). Built as they are in the wild:
# requests wraps urllib3's errors as args, urllib3 wraps socket errors as args or reason, the SDK chains.
CONNECTION_FAILURES = [
    # the engine is not there
    (requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError("Connection aborted.", _MISSING)),
     "socket does not exist"),
    (requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError("Connection aborted.", _REFUSED)),
     "refused"),
    (requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(
        None, "/v1.41/_ping", urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection: "
                                                                          "[Errno 111] Connection refused"))),
     "could not be made"),
    (requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/v1.41/_ping", _from(
        urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection"), _REFUSED))), "refused"),
    (requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError(
        "Connection aborted.", PermissionError(13, "Permission denied"))), "permission"),
    (urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection"), "could not be made"),
    (_chained(requests.exceptions.ConnectionError("Max retries exceeded"), _REFUSED), "refused"),
    (_chained(docker.errors.DockerException("Error while fetching server API version: ('Connection aborted.', "
                                            "FileNotFoundError(2, 'No such file or directory'))"),
              requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError("Connection aborted.", _MISSING))),
     "socket does not exist"),
    (_from(docker.errors.DockerException("Error while fetching server API version: Read timed out."),
           requests.exceptions.ReadTimeout("Read timed out.")), "did not answer in time"),
    (docker.errors.DockerException("Error while fetching server API version: ('Connection aborted.', ...)"),
     "did not tell its API version"),
    # the engine died while answering
    (_BROKEN, "connection broke off"),
    (urllib3.exceptions.IncompleteRead(0, 512), "connection broke off"),
    (requests.exceptions.ChunkedEncodingError(_BROKEN), "connection broke off"),
    (requests.exceptions.ChunkedEncodingError(urllib3.exceptions.ProtocolError(
        "Connection broken: InvalidChunkLength(got length b'', 0 bytes read)")), "connection broke off"),
    (requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError("Connection aborted.", _RESET)),
     "closed in the middle"),
    (requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError(
        "Connection aborted.", http.client.RemoteDisconnected("Remote end closed connection without response"))),
     "closed in the middle"),
    (requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError(
        "Connection aborted.", BrokenPipeError(32, "Broken pipe"))), "closed in the middle"),
    (http.client.IncompleteRead(b"", 100), "connection broke off"),
    (_RESET, "closed in the middle"),
    (BrokenPipeError(32, "Broken pipe"), "closed in the middle"),
    # the engine stopped answering
    (requests.exceptions.ReadTimeout(urllib3.exceptions.ReadTimeoutError(None, None, "Read timed out.")),
     "did not answer in time"),
    (requests.exceptions.ConnectTimeout("connect timed out"), "did not answer in time"),
    (requests.exceptions.ConnectionError(urllib3.exceptions.ReadTimeoutError(None, None, "Read timed out.")),
     "did not answer in time"),
    (urllib3.exceptions.ReadTimeoutError(None, None, "Read timed out."), "did not answer in time"),
    (socket.timeout("timed out"), "did not answer in time"),
]


@pytest.mark.parametrize("exc, reason", CONNECTION_FAILURES, ids=lambda v: type(v).__name__ if isinstance(
    v, BaseException) else v)
def test_every_connection_failure_is_engine_unavailable_naming_the_engine_and_its_source(exc, reason):
    error = errors.translate(exc, "busybox:latest", _Engine())
    assert isinstance(error, errors.EngineUnavailable), error.to_dict()
    assert error.target == "busybox:latest"
    assert "the Docker engine at unix:///run/cis/docker.sock (from DOCKER_HOST)" in error.message
    assert reason in error.message
    # No exception's own words: class names, urllib3's tuples, errno texts.
    for raw in ("Error", "IncompleteRead", "(", "Errno", "Max retries", "aborted", "HTTPConnection"):
        assert raw not in error.message.split(" (from DOCKER_HOST)")[1], error.message
    assert errors.connection_failure(exc) is not None


@pytest.mark.parametrize("source, words", [
    ("DOCKER_HOST", "(from DOCKER_HOST)"),
    ("docker context 'remote'", "(from docker context 'remote')"),
    ("the Engine setting in /root/.config/containerimage/config.yaml",
     "(from the Engine setting in /root/.config/containerimage/config.yaml)"),
    ("default", "(the default: neither DOCKER_HOST, a docker context nor the Engine setting names another)"),
])
def test_the_message_says_where_the_address_came_from(source, words):
    error = errors.translate(requests.exceptions.ChunkedEncodingError(_BROKEN), None, _Engine("tcp://h:2375", source))
    assert error.message.startswith(f"Lost the Docker engine at tcp://h:2375 {words}: ")


def test_a_refused_connection_is_cannot_reach_and_a_broken_one_is_lost():
    refused = errors.translate(requests.exceptions.ConnectionError(_REFUSED), None, _Engine())
    lost = errors.translate(_BROKEN, None, _Engine())
    assert refused.message == ("Cannot reach the Docker engine at unix:///run/cis/docker.sock (from DOCKER_HOST): "
                               "the connection was refused; nothing listens there. Is it running?")
    assert lost.message == ("Lost the Docker engine at unix:///run/cis/docker.sock (from DOCKER_HOST): the connection "
                            "broke off before the answer was complete. Is it still running?")


def test_without_an_engine_the_message_still_says_what_happened():
    error = errors.translate(requests.exceptions.ConnectionError(_REFUSED))
    assert error.kind == "EngineUnavailable"
    assert error.message.startswith("Cannot reach the Docker engine: the connection was refused")


def _stream(failure):
    yield {"status": "Pulling fs layer", "id": "0123456789ab"}
    raise failure


@pytest.mark.parametrize("failure", [_BROKEN, requests.exceptions.ChunkedEncodingError(_BROKEN), _RESET,
                                     requests.exceptions.ReadTimeout("Read timed out.")])
def test_a_failure_raised_inside_a_stream_generator_is_engine_unavailable(failure):
    try:
        for _ in _stream(failure):
            pass
    except Exception as exc:  # noqa: BLE001
        error = errors.translate(exc, "x", _Engine())
    assert error.kind == "EngineUnavailable" and "unix:///run/cis/docker.sock" in error.message


@pytest.mark.parametrize("exc", [
    FileNotFoundError(2, "No such file or directory", "/tmp/archive.tar"),  # a file, not a socket
    PermissionError(13, "Permission denied", "/root/x.tar"),
    OSError(28, "No space left on device"),
    docker.errors.InvalidArgument("bad argument"),
    docker.errors.DockerException("Invalid bind address format: foo"),
    ValueError("Connection broken"),  # words alone do not make a connection failure
    requests.exceptions.InvalidURL("bad url"),
])
def test_what_is_not_a_connection_failure_is_not_engine_unavailable(exc):
    assert errors.connection_failure(exc) is None
    assert errors.translate(exc, None, _Engine()).kind != "EngineUnavailable"


def test_an_api_error_wrapping_nothing_stays_an_api_error():
    # The engine answered (500 about a registry): that is not the engine going away.
    error = errors.translate(api_error(500, "dial tcp 127.0.0.1:1: connect: connection refused"), None, _Engine())
    assert error.kind == "RegistryUnavailable"


def test_translate_other_docker_exception_is_internal():
    error = errors.translate(docker.errors.InvalidArgument("bad argument"))
    assert error.kind == "Internal" and error.message == "bad argument"


def test_translate_keeps_backend_errors_as_they_are():
    original = errors.NotFound("gone", "x")
    assert errors.translate(original, "other") is original


def test_translate_anything_else_is_internal_naming_the_type():
    error = errors.translate(ZeroDivisionError("division by zero"), "t")
    assert error.to_dict() == {"code": -32603, "message": "ZeroDivisionError: division by zero",
                               "data": {"kind": "Internal", "target": "t"}}


@pytest.mark.parametrize("message, kind", [
    ("manifest for x:nope not found: manifest unknown", "NotFound"),
    ("no matching manifest for windows/amd64 10.0.17763 in the manifest list entries", "NotFound"),
    ("Get https://r/v2/: context deadline exceeded", "RegistryUnavailable"),
    ("received unexpected HTTP status: 503 Service Unavailable", "RegistryUnavailable"),
    ("Get https://r/v2/: EOF", "RegistryUnavailable"),
    ("incorrect username or password", "Unauthorized"),
    ("no basic auth credentials", "Unauthorized"),
    ("the moon is made of cheese", "Internal"),
])
def test_classify_message(message, kind):
    error = errors.classify_message(message, "target")
    assert error.kind == kind and error.message == message and error.target == "target"


def test_classify_message_default():
    assert errors.classify_message("meh", default=errors.InvalidParams).kind == "InvalidParams"


def test_root_cause_finds_the_innermost_os_error():
    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except OSError as inner:
            raise RuntimeError("outer") from inner
    except RuntimeError as outer:
        assert errors.root_cause(outer) == "Connection refused"


def test_root_cause_of_a_plain_exception_and_a_cycle():
    assert errors.root_cause(ValueError("plain")) == "plain"
    assert errors.root_cause(ValueError()) == "ValueError"
    a, b = ValueError("a"), ValueError("b")
    a.__cause__, b.__cause__ = b, a
    assert errors.root_cause(a) in ("a", "b")  # terminates


@pytest.mark.parametrize("message, words", [
    ('Put "http://127.0.0.1:5000/v2/x/manifests/1": EOF', "the connection broke off in the middle of the transfer"),
    ("Patch http://r:5000/v2/x/blobs/uploads/u: read tcp 127.0.0.1:1->127.0.0.1:5000: read: connection reset by peer",
     "the connection broke off in the middle of the transfer"),
    ('Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused',
     "the connection was refused; nothing listens there"),
    ("Get https://r/v2/: net/http: request canceled (Client.Timeout exceeded while awaiting headers)",
     "it did not answer in time"),
    ('Get "https://registry.invalid/v2/": dial tcp: lookup registry.invalid: no such host',
     "its host name cannot be resolved"),
    ("received unexpected HTTP status: 503 Service Unavailable",
     "received unexpected HTTP status: 503 Service Unavailable"),
])
def test_network_words_say_what_the_engine_met_without_its_go_error_text(message, words):
    assert errors.network_words(message) == words


def _sdk_error_classes():
    return sorted((c for c in vars(docker.errors).values()
                   if isinstance(c, type) and issubclass(c, docker.errors.DockerException)), key=lambda c: c.__name__)


@pytest.mark.parametrize("cls", _sdk_error_classes(), ids=lambda c: c.__name__)
def test_every_docker_sdk_error_is_engine_unavailable_exactly_when_it_wraps_a_connection_failure(cls):
    # Every class the installed SDK defines (5.0.3 on Debian, 7.1 elsewhere), raised alone and raised while
    # a connection failure was being handled (the SDK's own way of wrapping one).
    def make():
        if issubclass(cls, docker.errors.APIError):
            return cls("500 Server Error", response=None, explanation="something odd inside the engine")
        if cls.__name__ == "ContainerError":
            return cls("c", 1, "cmd", "image", b"stderr")
        if cls.__name__ == "BuildError":
            return cls("reason", [])
        try:
            return cls("message")
        except TypeError:
            return cls()
    alone = errors.translate(make(), None, _Engine())
    assert alone.kind != "EngineUnavailable", alone.to_dict()
    wrapped = errors.translate(_chained(make(), requests.exceptions.ConnectionError(_REFUSED)), None, _Engine())
    expected = "EngineUnavailable" if not issubclass(cls, docker.errors.APIError) else wrapped.kind
    assert wrapped.kind == expected, wrapped.to_dict()
