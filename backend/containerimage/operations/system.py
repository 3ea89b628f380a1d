"""The handshake, and a no-op for measuring the transport."""

import importlib.util
import os
import platform
import sys
import sysconfig

from .. import PROTOCOL_VERSION, __version__, settings
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
        error = translate(exc, engine=ctx.engine)
        engine.update(host=ctx.engine.host, error=error.to_dict())
    return {
        "protocolVersion": PROTOCOL_VERSION,
        "backendVersion": __version__,
        "python": platform.python_version(),
        "executable": sys.executable,
        "location": os.path.dirname(os.path.dirname(os.path.abspath(__file__))),  # which copy of the backend
        "pid": os.getpid(),
        "transport": ctx.transport,  # Stdio (a process of its own) or InProcess (hosted, pid is the host's)
        "engine": engine,
        "settings": settings_summary(),
    }


def embedding(ctx=None):
    """What a host process needs to run this same backend in-process (inprocess.py): the shared libpython,
    Python's home and path, and pythonnet's Python.Runtime.dll when pythonnet is installed here. Its own
    method, not part of the handshake: only a module that wants the in-process transport pays for it."""
    library, reason = _shared_library()
    return {"library": library, "reason": reason, "home": sys.base_prefix, "path": [p for p in sys.path if p],
            "pythonnet": _pythonnet_runtime()}


def _shared_library():
    """(path, None) of this Python's shared library, or (None, why there is none)."""
    if sys.platform == "win32":
        candidates = [os.path.join(sys.base_prefix, f"python{sys.version_info[0]}{sys.version_info[1]}.dll")]
    else:
        if not sysconfig.get_config_var("Py_ENABLE_SHARED") and sys.platform != "darwin":
            return None, f"the Python at {sys.executable} is built without a shared libpython (Py_ENABLE_SHARED is 0)"
        folder = sysconfig.get_config_var("LIBDIR") or ""
        names = [sysconfig.get_config_var("INSTSONAME"), sysconfig.get_config_var("LDLIBRARY")]
        candidates = [os.path.join(folder, name) for name in names if name and not name.endswith(".a")]
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate, None
    return None, f"the Python at {sys.executable} has no shared libpython at {' or '.join(candidates) or 'its LIBDIR'}"


def _pythonnet_runtime():
    """Python.Runtime.dll of an installed pythonnet, found without importing it (that would load .NET)."""
    spec = importlib.util.find_spec("pythonnet")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = os.path.join(folder, "runtime", "Python.Runtime.dll")
        if os.path.isfile(path):
            return path
    return None


def settings_summary():
    """What the module needs of the settings at start: which file, the transport and Python to use, whether
    to show progress, and the file's problem (an error dict; the rest are then the defaults)."""
    current = settings.current()
    return {"path": current.path, "transport": current.transport, "python": current.python,
            "progress": current.progress, "problem": current.problem.to_dict() if current.problem else None}


def ping(ctx):
    return {}


METHODS = {
    "handshake": handshake,
    "ping": ping,
    "embedding": embedding,
}
