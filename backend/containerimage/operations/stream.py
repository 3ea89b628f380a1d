"""What pull and push share: an engine call that answers with a stream of JSON events, read to its end
with per-layer progress, cancellable from another thread, its failures framed to name image and registry.
"""

import os
import re
import socket
import time

import docker.auth

from .. import credentials
from ..errors import classify_message, network_words

PROGRESS_INTERVAL = 0.1  # seconds between two progress notifications of one layer with the same status
_LAYER_ID = re.compile(r"[0-9a-f]{12}\Z")  # the engine's short layer ids; other ids are tags or "WARNING"


def auth_header(api, ref, auth):
    """X-Registry-Auth for ref's registry: the credentials given for this call, else the stored login
    (config.json in DOCKER_CONFIG, credsStore or credHelpers, read anew: logins made since the backend
    started count);
    {} when there is neither."""
    registry, _ = docker.auth.resolve_repository_name(ref.repository)
    if auth:
        config = {"username": auth.get("username"), "password": auth.get("password"), "serveraddress": registry}
        return {"X-Registry-Auth": docker.auth.encode_header(config)}
    path = credentials.config_path()
    if not os.path.isfile(path):  # no logins; the SDK alone would fall back to ~/.docker, as docker does not
        return {}
    api.reload_config(dockercfg_path=path)
    header = docker.auth.get_config_header(api, registry)
    return {"X-Registry-Auth": header} if header else {}


def post(ctx, api, url, params, headers):
    """Start a streaming POST; a cancel of the request (from any thread) ends it at once."""
    response = api._post(url, params=params, headers=headers, stream=True, timeout=None)
    ctx.on_cancel(lambda: abort(response))
    api._raise_for_status(response)
    return response


def follow(ctx, api, response, target, on_event):
    """Read the engine's event stream to its end: layer events become progress notifications, every
    other event goes to on_event, the first error event is raised (classified by its text)."""
    last_sent = {}
    try:
        for event in api._stream_helper(response, decode=True):
            ctx.check_cancelled()
            if event.get("error") or event.get("errorDetail"):
                message = event.get("error") or event["errorDetail"].get("message", "")
                raise classify_message(message, target)
            if _LAYER_ID.match(event.get("id") or ""):
                layer_progress(ctx, event, last_sent)
            else:
                on_event(event)
    except Exception:
        ctx.check_cancelled()  # a read broken by our own cancel is a cancellation, not a failure
        raise


def frame_error(error, ref, target, templates):
    """The engine's words about a failed call, framed by templates[error.kind] to say which image and which
    registry ({target}, {registry}, {message}); the registry's host goes in the error's data."""
    template = templates.get(error.kind)
    if template is None:
        return error
    registry = "Docker Hub" if ref.domain is None else ref.domain
    message = network_words(error.message) if error.kind == "RegistryUnavailable" else error.message
    return type(error)(template.format(target=target, registry=registry, message=message.rstrip(".")),
                       target, registry=ref.registry)


def abort(response):
    """End a streaming response now, from any thread: shutting the socket down wakes a read blocked on it
    (closing alone does not), and the engine, seeing its client gone, abandons the call."""
    try:
        response.raw._fp.fp.raw._sock.shutdown(socket.SHUT_RDWR)
    except (AttributeError, OSError):  # already closed, or a transport without a socket (npipe)
        pass
    response.close()


def layer_progress(ctx, event, last_sent):
    """An engine event about one layer as a progress notification, at most one a PROGRESS_INTERVAL per
    layer and status (last_sent: layer -> (status, time) of the last one sent)."""
    layer, text = event["id"], event.get("status", "")
    detail = event.get("progressDetail") or {}
    now = time.monotonic()
    previous = last_sent.get(layer)
    if previous and previous[0] == text and now - previous[1] < PROGRESS_INTERVAL:
        return
    last_sent[layer] = (text, now)
    ctx.progress(id=layer, status=text, current=detail.get("current"), total=detail.get("total"))
