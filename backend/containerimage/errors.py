"""One error class per JSON-RPC error code, and the one place that turns docker SDK errors into them.

Every error carries a stable `kind` (what the PowerShell module maps to an ErrorCategory), a human
message, and the `target` it is about (an image reference, a registry, a container).
"""

import http.client
import re
import socket
import ssl

import docker.errors
import requests.exceptions
import urllib3.exceptions


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


class SecurityError(BackendError):
    code, kind = -32011, "SecurityError"  # a certificate the engine or we do not trust (unknown CA, expired, name)


class TransportFailure(ConnectionError):
    """A connection through a program (the ssh client) that failed; words say what it said, e.g.
    'ssh could not log in: root@host: Permission denied (publickey)'. No connection was made."""

    def __init__(self, words):
        super().__init__(words)
        self.words = words


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


# How the engine (Go's net/http) words a connection to a registry that failed or broke off, as few words.
_ENGINE_NETWORK_WORDS = [
    (re.compile(r"connection refused", re.I), "the connection was refused; nothing listens there"),
    (re.compile(r"connection reset by peer|broken pipe|\bEOF\b|server closed|unexpected EOF", re.I),
     "the connection broke off in the middle of the transfer"),
    (re.compile(r"i/o timeout|timeout exceeded|context deadline exceeded|TLS handshake timeout", re.I),
     "it did not answer in time"),
    (re.compile(r"no such host", re.I), "its host name cannot be resolved"),
    (re.compile(r"network is unreachable", re.I), "its network is unreachable"),
]


def network_words(message):
    """The engine's text about a registry connection (e.g. 'Put "http://r/v2/x/manifests/1": EOF') as a few
    words ('the connection broke off ...'); the text itself when it is about something else."""
    for pattern, words in _ENGINE_NETWORK_WORDS:
        if pattern.search(message):
            return words
    return message


def classify_message(message, target=None, default=Internal):
    """The error class for a message from the engine about a registry or a reference."""
    for error_class, pattern in _REGISTRY_MESSAGES:
        if pattern.search(message):
            return error_class(message, target)
    return default(message, target)


def translate(exc, target=None, engine=None):
    """Any exception raised while serving a request, as a BackendError. engine (engine.Engine, or anything
    with its host and source) is the engine the request talked to: a connection that failed or broke off
    is EngineUnavailable naming its address and where that address came from."""
    if isinstance(exc, BackendError):
        return exc
    if isinstance(exc, docker.errors.APIError):
        message = _api_message(exc)
        status = exc.status_code
        if "HTTP request to an HTTPS server" in message:
            described = _describe_or(engine)
            return SecurityError(f"{described[:1].upper()}{described[1:]} speaks only TLS: give its certificates (DOCKER_TLS_VERIFY "
                                 f"and DOCKER_CERT_PATH, or a docker context that has them).", target)
        if status == 404:
            return NotFound(message, target)
        if status == 409:
            return Conflict(message, target)
        if status in (401, 403):
            return Unauthorized(message, target)
        if status == 400:
            return classify_message(message, target, default=InvalidParams)
        return classify_message(message, target)
    security = security_failure(exc)
    if security is not None:
        return SecurityError(f"Cannot trust {_describe_or(engine)}: {security}.", target)
    if connection_failure(exc) is not None:
        return engine_unavailable(exc, target, engine)
    if isinstance(exc, docker.errors.DockerException):
        return Internal(str(exc), target)
    return Internal(f"{type(exc).__name__}: {exc}", target)


# ------------------------------------------------------------------------------ connection failures
# What the docker SDK, requests, urllib3 and the standard library raise when a connection cannot be made,
# or breaks off while a request or its streamed answer is under way (the peer died, the socket vanished).
_WRAPPERS = (
    requests.exceptions.ConnectionError,      # also ProxyError, SSLError, ConnectTimeout
    requests.exceptions.Timeout,              # ConnectTimeout, ReadTimeout
    requests.exceptions.ChunkedEncodingError,  # a chunked answer cut off
    urllib3.exceptions.ProtocolError,         # "Connection aborted." / "Connection broken: ..."
    urllib3.exceptions.IncompleteRead,
    urllib3.exceptions.TimeoutError,          # ReadTimeoutError, ConnectTimeoutError, NewConnectionError
    urllib3.exceptions.MaxRetryError,
    urllib3.exceptions.NewConnectionError,
    http.client.IncompleteRead,
    http.client.RemoteDisconnected,
)
# The standard library's own, which count when raised alone too (a socket read or write that failed).
_SOCKET_ERRORS = (ConnectionError, TimeoutError, socket.timeout, http.client.IncompleteRead)


def connection_failure(exc):
    """What went wrong with the connection when exc (or one it wraps) says it failed or broke off, as a
    few words ("the connection was refused", ...); None when exc is about something else. A bare
    FileNotFoundError or PermissionError is about a file, not a connection: it counts only inside a
    connection error (a unix socket that is missing or not ours)."""
    chain = _chain(exc)
    if isinstance(exc, docker.errors.DockerException) and not isinstance(exc, docker.errors.APIError):
        # The SDK's "Error while fetching server API version: ..." keeps the requests error as its context.
        if not any(isinstance(e, _WRAPPERS + _SOCKET_ERRORS) for e in chain[1:]):
            return "it did not tell its API version" if "fetching server API version" in str(exc) else None
    elif not isinstance(exc, _WRAPPERS + _SOCKET_ERRORS):
        return None
    for inner in chain:  # outermost first: the first that says more than "broken"
        reason = _socket_reason(inner)
        if reason:
            return reason
    if any(isinstance(e, urllib3.exceptions.NewConnectionError) for e in chain):
        return "a connection could not be made"
    if any(isinstance(e, (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, TimeoutError,
                          socket.timeout)) for e in chain):
        return "it did not answer in time"
    return "the connection broke off before the answer was complete"


# What OpenSSL's verification codes mean, in words (X509_V_ERR_*).
_VERIFY_WORDS = {
    2: "its certificate is signed by a CA that was not given (unable to get the issuer's certificate)",
    18: "its certificate is self-signed and not trusted",
    19: "its certificate chain ends in a CA that was not given (a self-signed certificate in the chain)",
    20: "its certificate is signed by a CA that was not given (unknown CA)",
    21: "its certificate is signed by a CA that was not given (unknown CA)",
    9: "its certificate is not valid yet",
    10: "its certificate has expired",
    62: "its certificate does not name the host (name mismatch)",
    64: "its certificate does not name the IP address (name mismatch)",
}
# What the engine said with a TLS alert when it refused us, as OpenSSL words it.
_ALERT_WORDS = [
    ("certificate required", "the engine requires a client certificate and none was given"),
    ("unknown ca", "the engine does not trust the CA of the client certificate (unknown CA)"),
    ("bad certificate", "the engine refused the client certificate"),
    ("certificate expired", "the engine says the client certificate has expired"),
    ("wrong version number", "the engine does not speak TLS there"),
]


def security_failure(exc):
    """What was wrong with a TLS handshake in exc (or one it wraps), in words ('its certificate has expired');
    None when exc is about something else."""
    for inner in _chain(exc):
        if type(inner).__name__ == "CertificateError":  # urllib3 1.26 matches host names itself
            return f"its certificate does not name the host (name mismatch: {inner})"
        if isinstance(inner, ssl.SSLCertVerificationError):
            words = _VERIFY_WORDS.get(inner.verify_code)
            detail = inner.verify_message or inner.reason or "certificate verify failed"
            return f"{words} ({detail})" if words else f"its certificate cannot be verified ({detail})"
        if isinstance(inner, (ssl.SSLError, urllib3.exceptions.SSLError)) and not _chain(inner)[1:]:
            text = f"{inner.reason or ''} {inner}".lower().replace("_", " ")
            for needle, words in _ALERT_WORDS:
                if needle in text:
                    return words
            return f"the TLS handshake failed ({inner.reason or inner})"
    return None


def _describe_or(engine):
    return describe_engine(engine) if engine is not None else "the Docker engine"


def _socket_reason(exc):
    if isinstance(exc, TransportFailure):
        return exc.words
    if isinstance(exc, ConnectionRefusedError):
        return "the connection was refused; nothing listens there"
    if isinstance(exc, FileNotFoundError):
        return "its socket does not exist"
    if isinstance(exc, PermissionError):
        return "permission to use its socket was denied"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError,
                        http.client.RemoteDisconnected)):
        return "the connection was closed in the middle of the request"
    if isinstance(exc, socket.gaierror):
        return "its host name cannot be resolved"
    if isinstance(exc, (TimeoutError, socket.timeout, urllib3.exceptions.TimeoutError,
                        requests.exceptions.Timeout)) and not isinstance(exc, urllib3.exceptions.NewConnectionError):
        return "it did not answer in time"
    if isinstance(exc, OSError) and exc.errno is not None and exc.strerror:
        return exc.strerror[:1].lower() + exc.strerror[1:]
    return None


def _chain(exc):
    """exc and every exception it wraps (cause, context, exceptions among its args, urllib3's reason),
    outermost first, each once."""
    found, todo = [], [exc]
    while todo:
        current = todo.pop(0)
        if current is None or any(current is e for e in found):
            continue
        found.append(current)
        todo.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))
        todo.append(getattr(current, "reason", None) if isinstance(getattr(current, "reason", None),
                                                                      BaseException) else None)
        todo.extend((current.__cause__, current.__context__))
    return found


def describe_engine(engine):
    """'the Docker engine at HOST (from WHERE)' for an engine.Engine (or anything with host and source)."""
    host = getattr(engine, "host", None)
    if not host:
        return "the Docker engine"
    source = getattr(engine, "source", None)
    if source == "address":  # the user named the engine by its address: nothing to add
        return f"the Docker engine at {host}"
    if not source or source == "default":
        return f"the Docker engine at {host} (the default: neither DOCKER_HOST, a docker context nor the " \
               f"Engine setting names another)"
    return f"the Docker engine at {host} (from {source})"


def engine_unavailable(exc, target=None, engine=None):
    """EngineUnavailable for a connection to the engine that failed or broke off (connection_failure):
    'Cannot reach' when no connection was made, 'Lost' when one broke off or went quiet."""
    reason = connection_failure(exc) or root_cause(exc)
    words = describe_engine(engine)
    if any(isinstance(e, TransportFailure) for e in _chain(exc)):
        return EngineUnavailable(f"Cannot reach {words}: {reason}.", target)
    if "refused" in reason or "does not exist" in reason:
        return EngineUnavailable(f"Cannot reach {words}: {reason}. Is it running?", target)
    if "denied" in reason or "resolved" in reason or "could not be made" in reason:
        return EngineUnavailable(f"Cannot reach {words}: {reason}.", target)
    return EngineUnavailable(f"Lost {words}: {reason}. Is it still running?", target)


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
