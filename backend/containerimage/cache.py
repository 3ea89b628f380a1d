"""What never changes for an image id, kept between sessions.

Image ids are content hashes of the image's config, so an id's OS and architecture are the same on every
engine, forever. The engine's listing does not include them (API 1.41), and inspecting every image costs
about a millisecond each: on a host with thousands of images, the first listing of every session would pay
seconds for facts already known. So they are kept in one small JSON file per user:
$CONTAINERIMAGE_CACHE_DIR, else %LOCALAPPDATA%\\containerimage or $XDG_CACHE_HOME/containerimage
(~/.cache/containerimage). A missing or broken file is only a slower first listing.
"""

import json
import logging
import os
import sys
import tempfile
import threading

log = logging.getLogger("containerimage")

MAX_ENTRIES = 50_000  # the oldest entries go first; a dropped one is only inspected again


def cache_dir(environ=os.environ):
    if environ.get("CONTAINERIMAGE_CACHE_DIR"):
        return environ["CONTAINERIMAGE_CACHE_DIR"]
    if sys.platform == "win32" and environ.get("LOCALAPPDATA"):
        return os.path.join(environ["LOCALAPPDATA"], "containerimage")
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "containerimage")


class PlatformCache(dict):
    """image id -> {"Os", "OsVersion", "Architecture", "Variant"}; read on first use, saved by save()."""

    def __init__(self, path=None):
        super().__init__()
        self.path = path
        self._loaded = path is None
        self._dirty = False
        self._lock = threading.Lock()  # listings run concurrently: one reads the file, the others wait for it

    def load(self):
        with self._lock:
            if not self._loaded:
                self._loaded = True
                self._read()
        return self

    def _read(self):
        try:
            with open(self.path, encoding="utf-8") as f:
                entries = json.load(f)
            if isinstance(entries, dict):
                self.update((k, v) for k, v in entries.items() if isinstance(v, dict))
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:
            log.warning("ignoring the platform cache %s: %s", self.path, exc)

    def add(self, image_id, platform):
        self[image_id] = platform
        self._dirty = True

    def save(self):
        """Write the file atomically (a reader never sees half of it) if anything was added."""
        with self._lock:
            if not self._dirty or self.path is None:
                return
            self._dirty = False
            entries = dict(list(self.items())[-MAX_ENTRIES:])
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(self.path), prefix=".platforms-")
            with os.fdopen(handle, "w", encoding="utf-8") as f:
                json.dump(entries, f, separators=(",", ":"))
            os.replace(temporary, self.path)
        except OSError as exc:
            log.warning("could not save the platform cache %s: %s", self.path, exc)
