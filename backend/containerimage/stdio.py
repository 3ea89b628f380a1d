"""The backend on stdin/stdout (`containerimage serve`, and the PowerShell module's start-backend.py).

Kept apart from cli.py: the module starts the backend at every import, and the human CLI's imports
(argparse, calendar, getpass, colorama, dsc) are no part of serving; only what the first request needs is
imported before the handshake.
"""

import logging
import os
import sys

from .engine import Engine
from .operations import METHODS
from .server import Server


def configure_logging():
    """Log records to stderr (never stdout, the protocol channel), at $CONTAINERIMAGE_LOG_LEVEL."""
    logging.basicConfig(stream=sys.stderr, level=os.environ.get("CONTAINERIMAGE_LOG_LEVEL", "WARNING").upper(),
                        format="containerimage: %(levelname)s %(message)s")


def serve(engine=None, cancel_at_end=False):
    """Serves JSON-RPC on stdin/stdout until stdin closes; engine: of requests that name none (the one the
    environment names, by default)."""
    protocol_out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but protocol messages may reach the protocol channel
    Server(sys.stdin.buffer, protocol_out, engine if engine is not None else Engine(), METHODS).serve(
        cancel_at_end=cancel_at_end)
