"""The endpoint: reads requests, runs them concurrently, writes responses and notifications.

Messages (JSON-RPC 2.0, one per line):
  request       {"jsonrpc":"2.0","id":7,"method":"image.pull","params":{"name":"microsoft/nanoserver"}}
                optionally with "engine":"web1" beside params: the engine it is for (a docker context name,
                an address, or "default"); without it, the engine the backend's environment names
                and optionally "environment":{"DOCKER_HOST":"tcp://..."}: the caller's engine variables
                (DOCKER_HOST, DOCKER_CONTEXT, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH; one left out is unset),
                which the engine is chosen by instead of the backend's own (a change applies at once)
  response      {"jsonrpc":"2.0","id":7,"result":{...}}  or  {"jsonrpc":"2.0","id":7,"error":{code,message,data}}
  progress      {"jsonrpc":"2.0","method":"$/progress","params":{"request":7,"id":"layer","status":...}}
  cancel        {"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":7}}

The read loop never dies on bad input: each bad line gets an error response and the loop reads on.
"""

import functools
import inspect
import json
import logging
import os
import threading
import typing
from concurrent.futures import ThreadPoolExecutor

from . import errors, protocol, settings
from .engines import Pool, resolve

log = logging.getLogger("containerimage")

PROGRESS = "$/progress"
CANCEL = "$/cancelRequest"


class Context:
    """What an operation gets besides its params: the engine, a progress sink, cancellation, which
    transport carries the request ("Stdio", "InProcess", or None outside a server), and the environment the
    request's engines are chosen in (os.environ, changed by the request's engine variables)."""

    def __init__(self, engine, progress=None, transport=None, environ=None):
        self.engine = engine
        self.transport = transport
        self.environ = os.environ if environ is None else environ
        self._progress = progress
        self._show_progress = None  # the Progress setting, read at the first progress of this request
        self._cancelled = threading.Event()
        self._on_cancel = []
        self._lock = threading.Lock()

    @property
    def cancelled(self):
        return self._cancelled.is_set()

    def progress(self, **fields):
        if self._progress is None:
            return
        if self._show_progress is None:  # per request, so a changed setting applies to the next one
            self._show_progress = settings.current().progress
        if self._show_progress:
            self._progress(fields)

    def on_cancel(self, callback):
        """Run callback (e.g. closing an HTTP response) when the request is cancelled, at once if it was."""
        with self._lock:
            if not self.cancelled:
                self._on_cancel.append(callback)
                return
        callback()

    def cancel(self):
        with self._lock:
            self._cancelled.set()
            callbacks, self._on_cancel = self._on_cancel, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # a cancel must never fail the loop
                log.debug("cancel callback failed", exc_info=True)

    def check_cancelled(self):
        if self.cancelled:
            raise errors.Cancelled("The request was cancelled.")


class Server:
    def __init__(self, instream, outstream, engine, methods, max_workers=8, transport="Stdio", pool=None):
        """engine: the engine of requests that name none; pool: where named engines come from (by default
        a Pool around engine)."""
        self._in = instream
        self._transport = transport
        self._writer = protocol.MessageWriter(outstream)
        self._engines = pool or Pool(engine)
        self._methods = methods
        self._max_workers = max_workers
        self._inflight = {}
        self._lock = threading.Lock()

    def serve(self, cancel_at_end=False):
        """Serve until stdin closes, then finish what was asked (a client that wants less cancels first),
        or with cancel_at_end cancel it: for a client that closes stdin only when it no longer waits for
        answers (the PowerShell module: removed, or its process gone).
        Interrupted (Ctrl+C on `containerimage serve` run in a terminal): every request is cancelled, as
        the docker CLI stops its work, and the KeyboardInterrupt goes on once they have answered."""
        with ThreadPoolExecutor(max_workers=self._max_workers, thread_name_prefix="request") as pool:
            try:
                for line in protocol.read_lines(self._in):
                    self.handle(line, pool)
            except KeyboardInterrupt:
                self.cancel_all()
                raise
            if cancel_at_end:
                self.cancel_all()

    def cancel_all(self):
        """Cancel every request received and not yet answered."""
        with self._lock:
            contexts = list(self._inflight.values())
        for context in contexts:
            context.cancel()

    def close(self):
        """Release what the server holds (its engine connections), once it has answered everything."""
        self._engines.close()

    def handle(self, line, pool):
        """Answer one message line: errors at once, a request by a task on pool (its answer comes later)."""
        try:
            message = json.loads(line)
        except (ValueError, RecursionError) as exc:
            self._send(protocol.error_response(None, errors.ParseError(f"Malformed JSON: {exc}").to_dict()))
            return
        request_id = message.get("id") if isinstance(message, dict) else None
        if isinstance(request_id, bool) or not isinstance(request_id, (str, int, type(None))):
            request_id = None  # JSON-RPC: an id we cannot read is answered as null
        try:
            method, params, engine_name, changed = _validate(message)
            if "id" not in message:
                self._notified(method, params)
                return
            function = self._methods.get(method)
            if function is None:
                raise errors.MethodNotFound(f"Unknown method '{method}'.", method)
            context = Context(None, self._progress_sink(request_id), self._transport,
                              resolve.apply(changed) if changed else None)
            call = _bind(function, context, params)
            with self._lock:
                if request_id in self._inflight:
                    raise errors.InvalidRequest(f"Request id {request_id!r} is already in use.", request_id)
                self._inflight[request_id] = context
            context.engine = self._engines.acquire(engine_name, changed)
        except errors.BackendError as exc:
            if not isinstance(message, dict) or "id" in message:
                self._send(protocol.error_response(request_id, exc.to_dict()))
            return
        pool.submit(self._run, request_id, method, call, context, engine_name)

    def _run(self, request_id, method, call, context, engine_name=None):
        try:
            context.check_cancelled()
            reply = protocol.response(request_id, _stamp(call(), engine_name))
        except Exception as exc:  # every failure becomes an error response, never a dead thread
            error = (errors.Cancelled("The request was cancelled.") if context.cancelled
                     else errors.translate(exc, engine=context.engine))
            if isinstance(error, errors.Internal):
                log.error("%s failed", method, exc_info=exc)
            reply = protocol.error_response(request_id, error.to_dict())
        finally:
            with self._lock:
                self._inflight.pop(request_id, None)
            self._engines.release(context.engine)
        self._send(reply)

    def _notified(self, method, params):
        if method == CANCEL:
            with self._lock:
                context = self._inflight.get(params.get("id"))
            if context is not None:
                context.cancel()
        else:
            log.warning("ignored notification %s", method)

    def _progress_sink(self, request_id):
        def send(fields):
            self._send(protocol.notification(PROGRESS, dict(fields, request=request_id)))
        return send

    def _send(self, message):
        try:
            data = protocol.encode(message)
        except (TypeError, ValueError) as exc:  # a result that is not JSON: still answer the request
            log.error("cannot encode the answer to %r", message.get("id"), exc_info=exc)
            if "id" not in message:
                return
            data = protocol.encode(protocol.error_response(
                message["id"], errors.Internal(f"The backend could not encode its answer: {exc}").to_dict()))
        try:
            self._writer.write_bytes(data)
        except (OSError, ValueError):  # the reader went away; the loop ends when stdin closes
            log.debug("could not write a message", exc_info=True)


def _stamp(result, engine_name):
    """A result for a request that named its engine, with "Engine": that name on the result and on each
    object of its lists (the rows the module outputs), so that every object remembers the engine it came
    from, as the user named it. A request that names none is answered as it always was."""
    if engine_name is None or not isinstance(result, dict):
        return result
    result.setdefault("Engine", engine_name)
    for value in result.values():
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    item.setdefault("Engine", engine_name)
                    if isinstance(item.get("result"), dict):  # one answer of several (image.remove_many)
                        item["result"].setdefault("Engine", engine_name)
    return result


def _validate(message):
    if not isinstance(message, dict) or message.get("jsonrpc") != protocol.JSONRPC:
        raise errors.InvalidRequest("A message must be a JSON object with \"jsonrpc\": \"2.0\".")
    method = message.get("method")
    if not isinstance(method, str) or not method:
        raise errors.InvalidRequest("A request must name its method as a string.")
    request_id = message.get("id")
    if "id" in message and not (request_id is None or isinstance(request_id, (str, int))) \
            or isinstance(request_id, bool):
        raise errors.InvalidRequest("A request id must be a string, an integer or null.")
    params = message.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise errors.InvalidParams("Params must be a JSON object of named parameters.", method)
    engine = message.get("engine")
    if engine is not None and (not isinstance(engine, str) or not engine.strip()):
        raise errors.InvalidRequest("A request's engine must be a non-empty string: a docker context name, an "
                                    "address (unix://, npipe://, tcp://, ssh://) or \"default\".", "engine")
    environment = message.get("environment")
    if environment is None:
        return method, params, engine, ()
    if not isinstance(environment, dict) or any(
            name not in resolve.ENGINE_VARIABLES or not isinstance(value, (str, type(None)))
            for name, value in environment.items()):
        raise errors.InvalidRequest("A request's environment must be a JSON object of strings (or null) for "
                                    f"{', '.join(resolve.ENGINE_VARIABLES)}.", "environment")
    return method, params, engine, resolve.overrides(environment)


@functools.lru_cache(maxsize=None)
def _signature(function):
    """The signature and type hints of an operation: read once (get_type_hints is slow for every request)."""
    return inspect.signature(function), typing.get_type_hints(function)


def _bind(function, context, params):
    """A call of function with these params, or InvalidParams saying which param is wrong."""
    signature, hints = _signature(function)
    try:
        bound = signature.bind(context, **params)
    except TypeError as exc:
        raise errors.InvalidParams(f"Wrong params: {exc}.", function.__name__) from None
    for name, value in bound.arguments.items():
        expected = hints.get(name)
        if expected is not None and name != "ctx" and not _is_instance(value, expected):
            raise errors.InvalidParams(f"Param '{name}' must be {_describe(expected)}, not {type(value).__name__}.",
                                       name)
    return lambda: function(*bound.args, **bound.kwargs)


def _is_instance(value, expected):
    options = typing.get_args(expected) if typing.get_origin(expected) is typing.Union else (expected,)
    for option in options:
        if option is type(None) and value is None:
            return True
        origin = typing.get_origin(option) or option
        if origin is bool and isinstance(value, bool):
            return True
        if origin is int and isinstance(value, int) and not isinstance(value, bool):
            return True
        if origin not in (bool, int, type(None)) and isinstance(value, origin):
            item = typing.get_args(option)
            if origin is list and item:
                return all(_is_instance(v, item[0]) for v in value)
            return True
    return False


def _describe(expected):
    options = typing.get_args(expected) if typing.get_origin(expected) is typing.Union else (expected,)
    names = []
    for option in options:
        if option is type(None):
            names.append("null")
        elif typing.get_origin(option) is list:
            names.append(f"a list of {typing.get_args(option)[0].__name__}")
        else:
            names.append({str: "a string", bool: "true or false", int: "an integer", dict: "an object"}.get(
                option, option.__name__))
    return " or ".join(names)
