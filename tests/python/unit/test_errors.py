"""Error classes (the protocol's codes and kinds) and the translation of docker SDK errors."""

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


def test_translate_connection_error_is_engine_unavailable_with_its_root_cause():
    cause = FileNotFoundError(2, "No such file or directory")
    exc = requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError("Connection aborted.", cause))
    error = errors.translate(exc)
    assert isinstance(error, errors.EngineUnavailable)
    assert error.message == "Cannot reach the Docker engine: No such file or directory"


def test_translate_timeout_is_engine_unavailable():
    assert errors.translate(requests.exceptions.ReadTimeout("read timed out")).kind == "EngineUnavailable"


def test_translate_version_fetch_failure_is_engine_unavailable():
    exc = docker.errors.DockerException("Error while fetching server API version: ('Connection aborted.', ...)")
    assert errors.translate(exc).kind == "EngineUnavailable"


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
