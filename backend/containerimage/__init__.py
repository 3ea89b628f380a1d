"""ContainerImage backend: Docker image operations served as JSON-RPC over stdin/stdout.

Layers, each in its own module:
  protocol    framing: one UTF-8 JSON message per line
  server      the endpoint: requests, responses, notifications, cancellation
  errors      one error class per JSON-RPC code, and the one translation of docker SDK errors
  engine      which Docker engine to talk to (the docker CLI's rules)
  reference   image reference parsing (the distribution grammar)
  operations  the dispatch table and the operations themselves
  cli         the `containerimage` command: `serve` and a human CLI
"""

import sys

__version__ = "0.1.0"
PROTOCOL_VERSION = 1


def _use_stdlib_distutils():
    """docker 5 imports distutils.spawn and distutils.version. Where setuptools' distutils hack is installed
    (a .pth file; Debian's python3-setuptools has it) that import loads setuptools and pkg_resources instead
    of Python's own distutils: ~110 ms of every start of the backend, half the docker SDK's import. Python
    before 3.12 still has its own, with the same two functions docker uses: import those first, past the hack."""
    if sys.version_info >= (3, 12) or "distutils" in sys.modules:
        return
    hacks = [finder for finder in sys.meta_path if type(finder).__module__ == "_distutils_hack"]
    if not hacks:
        return
    import warnings
    for finder in hacks:
        sys.meta_path.remove(finder)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # "distutils is deprecated": docker's to fix
            import distutils.spawn  # noqa: F401
            import distutils.version  # noqa: F401
    except ImportError:  # a Python without its own distutils: docker gets setuptools' copy, as before
        for name in [m for m in sys.modules if m == "distutils" or m.startswith("distutils.")]:
            del sys.modules[name]
    finally:
        sys.meta_path[0:0] = hacks


_use_stdlib_distutils()
