"""One engine a backend talks to, and one docker APIClient for it, made on first use.

The engine is the one the environment names (name None: resolve.current, the docker CLI's order with the
module's Engine setting) or the one a request names (a context, `default`, or an address: resolve.endpoint).
The client comes from connect.client (unix, npipe, tcp with TLS, ssh).
"""

import os
import threading

from ..cache import PlatformCache, cache_dir
from ..errors import BackendError, EngineUnavailable
from . import connect, resolve

TIMEOUT_SECONDS = connect.TIMEOUT_SECONDS


class Engine:
    """Nothing is resolved or connected at construction, so a backend starts even while the engine is down or
    misconfigured; each call that needs the engine gets a clear error instead. For the engine of the
    environment that is EngineUnavailable (the backend stays usable and says why); for a named one, the
    resolution's own error (an unknown context: NotFound listing the known ones; a malformed address:
    InvalidParams; a context file that is not JSON: InvalidData)."""

    def __init__(self, environ=None, name=None, platforms=None):
        self._environ = dict(os.environ if environ is None else environ)
        self.name = name
        self._client = None
        self._lock = threading.Lock()
        self._setting = None  # the Engine setting the client was made for: a change makes a new client
        self.host = None
        self.source = None
        # image id -> its platform fields; ids are content hashes, so entries never go stale (and one
        # cache serves every engine)
        self.platforms = platforms if platforms is not None else \
            PlatformCache(os.path.join(cache_dir(self._environ), "platforms.json"))

    def _endpoint(self):
        try:
            if self.name is None:
                return resolve.current(self._environ)
            return resolve.endpoint(self.name, self._environ)
        except BackendError as exc:
            if self.name is None:
                raise EngineUnavailable(exc.message, exc.target) from exc
            raise

    def client(self):
        with self._lock:
            # The settings file may name another engine since: a new client (requests still using the old
            # one finish with it).
            if self._client is not None and self.name is None and \
                    resolve.engine_setting(self._environ) != self._setting:
                self._client = None
            if self._client is None:
                self._setting = resolve.engine_setting(self._environ) if self.name is None else None
                endpoint = self._endpoint()
                self.host, self.source = endpoint.host, endpoint.source
                self._client = connect.client(endpoint, TIMEOUT_SECONDS, target=self.name or endpoint.host)
            return self._client

    def locate(self):
        """Resolve host and source as client() does, without connecting (for naming the engine in an error);
        a configuration that cannot be resolved leaves them None. Returns self."""
        if self.host is None:
            try:
                endpoint = self._endpoint()
                self.host, self.source = endpoint.host, endpoint.source
            except BackendError:
                pass
        return self

    def close(self):
        """Close the connection to the engine (a process backend's exit does it; a hosted one must)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()
