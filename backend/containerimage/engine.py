"""Which Docker engine to talk to: the names the rest of the backend imports from here.

The work is done in the engines package: engines/resolve.py (a name or the environment -> an Endpoint:
DOCKER_HOST; else the context DOCKER_CONTEXT names; else the Engine of the user's settings; else config.json's
currentContext; else the OS default), engines/contexts.py (docker's context store), engines/connect.py and
engines/ssh.py (a client for an endpoint), engines/engine.py (Engine: one engine and its client), and
engines/pool.py (the engines of one backend).
"""

import os

from .engines import resolve as _resolution
from .engines.engine import TIMEOUT_SECONDS, Engine  # noqa: F401

DEFAULT_HOST = _resolution.DEFAULT_HOST


def resolve(environ=os.environ):
    """(host, tls, source) of the engine in use when none is named."""
    endpoint = _resolution.current(environ)
    return endpoint.host, endpoint.tls, endpoint.source


def resolve_name(name, environ=os.environ):
    """(host, tls, source) of an engine the user named: `default`, an address, or a docker context."""
    endpoint = _resolution.endpoint(name, environ)
    return endpoint.host, endpoint.tls, endpoint.source
