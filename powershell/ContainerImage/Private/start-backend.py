"""Starts the ContainerImage backend for the PowerShell module: `python start-backend.py [DIR...]`.

Where the backend comes from, first found wins: $CONTAINERIMAGE_BACKEND (a folder holding the
`containerimage` package), then an installed `containerimage` package, then each DIR (the built
module's bundled copy, then the source checkout's backend/).
"""

import os
import sys

sys.path.pop(0)  # this script's folder holds no Python packages
if os.environ.get("CONTAINERIMAGE_BACKEND"):
    sys.path.insert(0, os.environ["CONTAINERIMAGE_BACKEND"])
sys.path.extend(sys.argv[1:])

from containerimage.cli import main  # noqa: E402

sys.exit(main(["serve"]))
