"""Which Docker engine to talk to, chosen as the docker CLI chooses it, and a lazily made client for it.

Order: DOCKER_HOST; else the context named by DOCKER_CONTEXT; else the Engine of the user's settings
(settings.py); else the context named by `currentContext` in config.json (in DOCKER_CONFIG, default
~/.docker); else the OS default (unix socket, or the npipe on Windows). The Engine setting comes before
config.json's current context because it is this module's own, more specific choice.
DOCKER_TLS_VERIFY and DOCKER_CERT_PATH apply to DOCKER_HOST as they do for the CLI.
"""

import hashlib
import json
import os
import sys
import threading

import docker
from docker.tls import TLSConfig

from . import dockerconfig, settings
from .cache import PlatformCache, cache_dir
from .errors import EngineUnavailable, engine_unavailable

DEFAULT_HOST = "npipe:////./pipe/docker_engine" if sys.platform == "win32" else "unix:///var/run/docker.sock"
TIMEOUT_SECONDS = 120


def _tls_from_env(environ):
    if not environ.get("DOCKER_TLS_VERIFY") and not environ.get("DOCKER_CERT_PATH"):
        return None
    cert_path = environ.get("DOCKER_CERT_PATH") or dockerconfig.config_dir(environ)
    verify = bool(environ.get("DOCKER_TLS_VERIFY"))
    return TLSConfig(
        client_cert=(os.path.join(cert_path, "cert.pem"), os.path.join(cert_path, "key.pem")),
        ca_cert=os.path.join(cert_path, "ca.pem") if verify else None,
        verify=verify,
    )


def _context_name(environ):
    name = environ.get("DOCKER_CONTEXT")
    if name:
        return name
    try:
        with open(dockerconfig.config_path(environ), encoding="utf-8") as f:
            config = json.load(f)
    except (OSError, ValueError):
        return None
    return config.get("currentContext") if isinstance(config, dict) else None


def _context_endpoint(name, environ):
    """(host, tls) of a named docker context, read from its meta.json as the CLI stores it."""
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()
    contexts = os.path.join(dockerconfig.config_dir(environ), "contexts")
    try:
        with open(os.path.join(contexts, "meta", digest, "meta.json"), encoding="utf-8") as f:
            endpoint = json.load(f)["Endpoints"]["docker"]
            host = endpoint["Host"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"Docker context '{name}' cannot be read: {exc}") from exc
    tls = None
    tls_dir = os.path.join(contexts, "tls", digest, "docker")
    if os.path.isdir(tls_dir):
        ca = os.path.join(tls_dir, "ca.pem")
        tls = TLSConfig(
            client_cert=(os.path.join(tls_dir, "cert.pem"), os.path.join(tls_dir, "key.pem")),
            ca_cert=ca if os.path.exists(ca) else None,
            verify=not endpoint.get("SkipTLSVerify", False),
        )
    return host, tls


def resolve(environ=os.environ):
    """(host, tls, source) for the engine the docker CLI would use in this environment."""
    if environ.get("DOCKER_HOST"):
        return environ["DOCKER_HOST"], _tls_from_env(environ), "DOCKER_HOST"
    configured = _engine_setting(environ)
    if configured:
        return configured, _tls_from_env(environ), f"the Engine setting in {settings.path(environ)}"
    name = _context_name(environ)
    if name and name != "default":
        host, tls = _context_endpoint(name, environ)
        return host, tls, f"docker context '{name}'"
    return DEFAULT_HOST, _tls_from_env(environ), "default"


def _engine_setting(environ):
    """The settings' Engine when it applies: neither DOCKER_HOST nor DOCKER_CONTEXT is set."""
    if environ.get("DOCKER_HOST") or environ.get("DOCKER_CONTEXT"):
        return None
    return settings.current(environ).engine  # a broken file: its default (None), as current() gives


class Engine:
    """The engine the environment names, and one docker APIClient for it, made on first use.

    Nothing is resolved or connected at construction, so a backend starts even while the engine is
    down or misconfigured; each call that needs the engine gets a clear EngineUnavailable instead.
    """

    def __init__(self, environ=None):
        self._environ = dict(os.environ if environ is None else environ)
        self._client = None
        self._lock = threading.Lock()
        self._setting = None  # the Engine setting the client was made for: a change makes a new client
        self.host = None
        self.source = None
        # image id -> its platform fields; ids are content hashes, so entries never go stale
        self.platforms = PlatformCache(os.path.join(cache_dir(self._environ), "platforms.json"))

    def client(self):
        with self._lock:
            # The settings file may name another engine since: a new client (requests still using the old
            # one finish with it).
            if self._client is not None and _engine_setting(self._environ) != self._setting:
                self._client = None
            if self._client is None:
                self._setting = _engine_setting(self._environ)
                try:
                    host, tls, self.source = resolve(self._environ)
                except (ValueError, docker.errors.TLSParameterError) as exc:
                    raise EngineUnavailable(str(exc)) from exc
                self.host = host
                try:
                    # version="auto" asks the engine its API version once, so old and new engines both work.
                    self._client = docker.APIClient(base_url=host, tls=tls or False, version="auto",
                                                    timeout=TIMEOUT_SECONDS)
                    if host.startswith(("unix://", "npipe://")):
                        # No proxy or netrc applies to a local socket; without this, requests looks both up
                        # in the environment and the home folder at every call (~0.3 ms each).
                        self._client.trust_env = False
                except docker.errors.DockerException as exc:
                    raise engine_unavailable(exc, host, self) from exc
            return self._client

    def locate(self):
        """Resolve host and source as client() does, without connecting (for naming the engine in an error);
        a configuration that cannot be resolved leaves them None. Returns self."""
        if self.host is None:
            try:
                self.host, _, self.source = resolve(self._environ)
            except (ValueError, docker.errors.TLSParameterError):
                pass
        return self

    def close(self):
        """Close the connection to the engine (a process backend's exit does it; a hosted one must)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()
