"""One error class per JSON-RPC error code, and the one place that turns docker SDK errors into them.

Every error carries a stable `kind` (what the PowerShell module maps to an ErrorCategory), a human
message, and the `target` it is about (an image reference, a registry, a container).
"""

import re

import docker.errors
import requests.exceptions


class BackendError(Exception):
    code = -32603
    kind = "Internal"

    def __init__(self, message, target=None, **data):
        super().__init__(message)
        self.message = message
        self.target = target
        self.data = data

    def to_dict(self):
        data = {"kind": self.kind, "target": self.target}
        data.update(self.data)
        return {"code": self.code, "message": self.message, "data": data}


# JSON-RPC's own codes.
class ParseError(BackendError):
    code, kind = -32700, "ParseError"


class InvalidRequest(BackendError):
    code, kind = -32600, "InvalidRequest"


class MethodNotFound(BackendError):
    code, kind = -32601, "MethodNotFound"


class InvalidParams(BackendError):
    code, kind = -32602, "InvalidParams"


class Internal(BackendError):
    code, kind = -32603, "Internal"


# Ours, in the range JSON-RPC leaves to servers.
class EngineUnavailable(BackendError):
    code, kind = -32001, "EngineUnavailable"


class NotFound(BackendError):
    code, kind = -32002, "NotFound"


class Conflict(BackendError):
    code, kind = -32003, "Conflict"


class InvalidReference(BackendError):
    code, kind = -32004, "InvalidReference"


class Unauthorized(BackendError):
    code, kind = -32005, "Unauthorized"


class RegistryUnavailable(BackendError):
    code, kind = -32006, "RegistryUnavailable"


class AlreadyExists(BackendError):
    code, kind = -32007, "AlreadyExists"  # e.g. a file that is not overwritten without force


class InvalidData(BackendError):
    code, kind = -32008, "InvalidData"  # e.g. a corrupt archive, a malformed config file


class PermissionDenied(BackendError):
    code, kind = -32009, "PermissionDenied"  # the file system refused (a folder we may not write in)


class Incompatible(BackendError):
    code, kind = -32010, "Incompatible"  # the host cannot run the image (another OS, or a Windows build it cannot run)


class Cancelled(BackendError):
    code, kind = -32800, "Cancelled"  # LSP's RequestCancelled


# What the engine says when a registry is the problem; the engine reports these as text, often with
# status 500 or inside a 200 stream, so the text is all there is to go on. Checked in this order.
_REGISTRY_MESSAGES = [
    (Unauthorized, re.compile(
        r"unauthorized|authentication required|incorrect username or password|no basic auth credentials"
        r"|denied: requested access|access to the resource is denied", re.I)),
    (NotFound, re.compile(
        r"manifest unknown|name unknown|not found|repository does not exist|no such image"
        r"|no matching manifest|does not exist locally", re.I)),
    (RegistryUnavailable, re.compile(
        r"connection refused|no such host|dial tcp|i/o timeout|timeout exceeded|TLS handshake"
        r"|server gave HTTP response to HTTPS client|network is unreachable|connection reset"
        r"|EOF$|context deadline exceeded|Service Unavailable|Bad Gateway", re.I)),
    (InvalidReference, re.compile(r"invalid reference format|invalid tag format|repository name must", re.I)),
]


def classify_message(message, target=None, default=Internal):
    """The error class for a message from the engine about a registry or a reference."""
    for error_class, pattern in _REGISTRY_MESSAGES:
        if pattern.search(message):
            return error_class(message, target)
    return default(message, target)


def translate(exc, target=None):
    """Any exception raised while serving a request, as a BackendError."""
    if isinstance(exc, BackendError):
        return exc
    if isinstance(exc, docker.errors.APIError):
        message = _api_message(exc)
        status = exc.status_code
        if status == 404:
            return NotFound(message, target)
        if status == 409:
            return Conflict(message, target)
        if status in (401, 403):
            return Unauthorized(message, target)
        if status == 400:
            return classify_message(message, target, default=InvalidParams)
        return classify_message(message, target)
    if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
        return EngineUnavailable(f"Cannot reach the Docker engine: {root_cause(exc)}", target)
    if isinstance(exc, docker.errors.DockerException):
        text = str(exc)
        if "Error while fetching server API version" in text or "Connection" in text:
            return EngineUnavailable(f"Cannot reach the Docker engine: {text}", target)
        return Internal(text, target)
    return Internal(f"{type(exc).__name__}: {exc}", target)


def _api_message(exc):
    explanation = exc.explanation
    if isinstance(explanation, bytes):
        explanation = explanation.decode("utf-8", "replace")
    return (explanation or str(exc)).strip()


def root_cause(exc):
    """The innermost reason of a chained exception, e.g. 'No such file or directory' for a missing socket."""
    seen = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        inner = exc.__cause__ or exc.__context__
        nested = [a for a in getattr(exc, "args", ()) if isinstance(a, BaseException)]
        if inner is None and nested:
            inner = nested[-1]
        if inner is None:
            break
        exc = inner
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
