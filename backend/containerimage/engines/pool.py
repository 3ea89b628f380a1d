"""A pool of engines, keyed by the name a request gives (a context name, an address, or `default`).

One backend serves requests for many engines: each request names its engine (or none: the one the
environment names, as the docker CLI chooses it). An engine is made on first use, shared by the requests
that name it, and closed once it has been idle for IDLE_SECONDS, or when more than MAX_IDLE engines are
idle (the least recently used first). An engine in use by a request is never closed under it.
"""

import threading
import time

from .engine import Engine

IDLE_SECONDS = 300
MAX_IDLE = 16


class Pool:
    def __init__(self, default, factory=None, clock=time.monotonic, idle_seconds=IDLE_SECONDS, max_idle=MAX_IDLE):
        """default: the engine for requests that name none (never closed by the pool). factory(name): a new
        engine for a name (by default an Engine sharing the default's platform cache)."""
        self.default = default
        self._factory = factory or self._new_engine
        self._clock = clock
        self._idle_seconds = idle_seconds
        self._max_idle = max_idle
        self._entries = {}  # name -> _Entry
        self._lock = threading.Lock()

    def _new_engine(self, name):
        return Engine(name=name, platforms=getattr(self.default, "platforms", None))

    def acquire(self, name=None):
        """The engine for name (None: the default), held until release(engine)."""
        if name is None:
            return self.default
        with self._lock:
            entry = self._entries.get(name)
            if entry is None:
                entry = self._entries[name] = _Entry(self._factory(name))
            entry.users += 1
            return entry.engine

    def release(self, engine):
        """A request is done with engine; engines idle too long (or too many) are closed."""
        if engine is self.default:
            closing = self._sweep()
        else:
            with self._lock:
                for entry in self._entries.values():
                    if entry.engine is engine:
                        entry.users -= 1
                        entry.released = self._clock()
                        break
            closing = self._sweep()
        for stale in closing:
            _close(stale)

    def _sweep(self):
        """Take out of the pool the engines to close: idle too long, or beyond MAX_IDLE idle ones."""
        now = self._clock()
        with self._lock:
            idle = sorted((e.released, name) for name, e in self._entries.items() if e.users == 0)
            closing = [name for released, name in idle if now - released >= self._idle_seconds]
            survivors = [name for _, name in idle if name not in closing]
            closing += survivors[:max(0, len(survivors) - self._max_idle)]
            return [self._entries.pop(name).engine for name in closing]

    def names(self):
        with self._lock:
            return sorted(self._entries)

    def close(self):
        """Close every engine (the backend is ending: it has answered everything)."""
        with self._lock:
            engines, self._entries = [e.engine for e in self._entries.values()], {}
        for engine in engines + [self.default]:
            _close(engine)


class _Entry:
    __slots__ = ("engine", "users", "released")

    def __init__(self, engine):
        self.engine = engine
        self.users = 0
        self.released = 0.0


def _close(engine):
    if engine is not None and hasattr(engine, "close"):
        engine.close()
