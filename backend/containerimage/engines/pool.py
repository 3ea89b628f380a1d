"""A pool of engines, keyed by the name a request gives (a context name, an address, or `default`).

One backend serves requests for many engines: each request names its engine (or none: the one the
environment names, as the docker CLI chooses it), and may carry its caller's engine variables (DOCKER_HOST,
DOCKER_CONTEXT, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH: resolve.overrides) where they differ from the backend's:
the name and those differences together key the engine. An engine is made on first use, shared by the requests
that name it, and closed once it has been idle for IDLE_SECONDS, or when more than MAX_IDLE engines are
idle (the least recently used first). An engine in use by a request is never closed under it.
"""

import threading
import time

from . import resolve
from .engine import Engine

IDLE_SECONDS = 300
MAX_IDLE = 16


class Pool:
    def __init__(self, default, factory=None, clock=time.monotonic, idle_seconds=IDLE_SECONDS, max_idle=MAX_IDLE):
        """default: the engine for requests that name none and change no engine variable (never closed by the
        pool). factory(name, environ): a new engine for a name (None: the one environ names) resolved in environ
        (None: the backend's own); by default an Engine sharing the default's platform cache."""
        self.default = default
        self._factory = factory or self._new_engine
        self._clock = clock
        self._idle_seconds = idle_seconds
        self._max_idle = max_idle
        self._entries = {}  # (name, overrides) -> _Entry
        self._lock = threading.Lock()

    def _new_engine(self, name, environ=None):
        return Engine(environ=environ, name=name, platforms=getattr(self.default, "platforms", None))

    def acquire(self, name=None, overrides=()):
        """The engine for name (None: the one the environment names) in the backend's environment changed by
        overrides (resolve.overrides), held until release(engine)."""
        if name is None and not overrides:
            return self.default
        key = (name, tuple(overrides))
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                environ = resolve.apply(key[1]) if key[1] else None
                entry = self._entries[key] = _Entry(self._factory(name, environ))
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
            idle = sorted(((e.released, key) for key, e in self._entries.items() if e.users == 0),
                          key=lambda item: (item[0], repr(item[1])))
            closing = [key for released, key in idle if now - released >= self._idle_seconds]
            survivors = [key for _, key in idle if key not in closing]
            closing += survivors[:max(0, len(survivors) - self._max_idle)]
            return [self._entries.pop(key).engine for key in closing]

    def names(self):
        """The engines held, as 'name' or 'name DOCKER_HOST=...' (None: the environment's engine)."""
        with self._lock:
            return sorted(" ".join([name or "(environment)"] + [f"{v}={value or ''}" for v, value in changed])
                          for name, changed in self._entries)

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
