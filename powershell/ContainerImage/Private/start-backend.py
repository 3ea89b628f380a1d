"""Starts the ContainerImage backend for the PowerShell module: `python start-backend.py [DIR...]`.

Where the backend comes from, first found wins: $CONTAINERIMAGE_BACKEND (a folder holding the
`containerimage` package), then an installed `containerimage` package, then each DIR (the built
module's bundled copy, then the source checkout's backend/).
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

sys.path.pop(0)  # this script's folder holds no Python packages
if os.environ.get("CONTAINERIMAGE_BACKEND"):
    sys.path.insert(0, os.environ["CONTAINERIMAGE_BACKEND"])
sys.path.extend(sys.argv[1:])

from containerimage.cli import main  # noqa: E402

# The module closes stdin when it no longer waits for answers (it is removed, or its PowerShell ended, as
# when its terminal closed): what still runs is then cancelled, as the engine stops the pull of a docker
# CLI that is gone.
sys.exit(main(["serve", "--cancel-at-end"]))
