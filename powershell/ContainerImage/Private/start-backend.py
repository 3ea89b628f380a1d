"""Starts the ContainerImage backend for the PowerShell module: `python start-backend.py [--bundle DIR] [DIR...]`.

Where the backend and its dependencies come from, first found wins: $CONTAINERIMAGE_BACKEND (a folder
holding the `containerimage` package), then the installed module's bundle (--bundle: the backend and
pure-Python copies of docker, requests, PyYAML, colorama... ahead of any site-packages, so a Python
with no package installed works and the user's own packages cannot break it), then an installed
`containerimage` package, then each DIR (the source checkout's backend/). The bundle's fallback/ (a
distutils for Pythons without one) goes last.
"""

import os
import sys

# First, before anything slow: a session of its own. A terminal's Ctrl+C signals its whole foreground
# process group, and this process would be in PowerShell's; the module cancels the backend's work itself
# ($/cancelRequest) and ends it by closing its stdin, so the terminal's signals must not reach it.
if hasattr(os, "setsid"):  # not on Windows (no sessions; the module starts it there without a window)
    try:
        os.setsid()
    except OSError:  # already a process group leader: started so by whoever started it
        pass

if sys.version_info < (3, 9):
    sys.stderr.write("ContainerImage needs Python 3.9 or later; %s is Python %d.%d.\n"
                     % (sys.executable, sys.version_info[0], sys.version_info[1]))
    sys.exit(3)

sys.path.pop(0)  # this script's folder holds no Python packages
arguments = sys.argv[1:]
front = []
bundle = None
if arguments[:1] == ["--bundle"]:
    bundle = arguments[1]
    arguments = arguments[2:]
    front.append(bundle)
    arguments.append(os.path.join(bundle, "fallback"))
if os.environ.get("CONTAINERIMAGE_BACKEND"):
    front.insert(0, os.environ["CONTAINERIMAGE_BACKEND"])
sys.path[0:0] = front
sys.path.extend(arguments)

if bundle:
    # The bundle's compiled bytecode goes to the user's ContainerImage cache (pycache/), and is written even
    # where the module's folder is read-only (an all-users install) or PYTHONDONTWRITEBYTECODE is set:
    # without it every start compiles docker, requests, chardet... anew (about half a second).
    from containerimage.cache import cache_dir  # noqa: E402

    sys.pycache_prefix = os.path.join(cache_dir(), "pycache")
    sys.dont_write_bytecode = False

# The server itself, not the human CLI (containerimage.cli): its imports are no part of serving.
from containerimage import stdio  # noqa: E402

stdio.configure_logging()
# The module closes stdin when it no longer waits for answers (it is removed, or its PowerShell ended, as
# when its terminal closed): what still runs is then cancelled, as the engine stops the pull of a docker
# CLI that is gone.
stdio.serve(cancel_at_end=True)
sys.exit(0)
