"""The handshake, and a no-op for measuring the transport."""

import os
import platform
import sys

from .. import PROTOCOL_VERSION, __version__
from ..errors import translate


def handshake(ctx):
    """Who we are and which engine we reach. An engine that is down is reported, not raised: the
    backend is usable (and says why each engine call fails) until the engine comes back."""
    engine = {"host": None, "version": None, "apiVersion": None, "os": None, "architecture": None,
              "kernelVersion": None, "error": None}
    try:
        version = ctx.engine.client().version()
        engine.update(host=ctx.engine.host, apiVersion=version.get("ApiVersion"), os=version.get("Os"),
                      kernelVersion=version.get("KernelVersion"),
                      architecture=version.get("Arch"), version=version.get("Version"))
    except Exception as exc:
        error = translate(exc)
        engine.update(host=ctx.engine.host, error=error.to_dict())
    return {
        "protocolVersion": PROTOCOL_VERSION,
        "backendVersion": __version__,
        "python": platform.python_version(),
        "executable": sys.executable,
        "location": os.path.dirname(os.path.dirname(os.path.abspath(__file__))),  # which copy of the backend
        "pid": os.getpid(),
        "engine": engine,
    }


def ping(ctx):
    return {}


METHODS = {
    "handshake": handshake,
    "ping": ping,
}
