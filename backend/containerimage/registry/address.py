"""A registry's address, and Docker Hub's names.

Docker Hub answers to several names; HUB_ALIASES is the one list of them, used by the registry client,
the logins (credentials.server_key) and image references (reference.parse). Its logins live in config.json
under HUB_CONFIG_KEY ("https://index.docker.io/v1/"), its registry API answers at HUB_API_HOST, and results
name it HUB_NAME.

Scheme: an explicit http:// or https:// in the registry's address is used as given. Otherwise https; for a
loopback host (127.0.0.0/8, ::1, localhost) or one the engine lists as an insecure registry, which the
engine trusts without TLS, https without certificate checks and then plain http, as the engine tries them.
The scheme that answered is remembered for the life of the process.
"""

import ipaddress
import re
import threading

from ..errors import InvalidParams

HUB_NAME = "docker.io"
HUB_API_HOST = "registry-1.docker.io"  # where Hub's registry API answers (its search goes through the engine)
HUB_CONFIG_KEY = "https://index.docker.io/v1/"  # Hub's key in config.json (docker.auth.INDEX_URL)
# Every name that means Docker Hub. The first two are the ones image references drop (the engine's
# distribution/reference normalizes them); the rest are hosts users log in to or name in an address.
HUB_ALIASES = ("docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com", "hub.docker.com")

_HOST = re.compile(r"(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])(?:\.(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9]))*\Z"
                   r"|\[[0-9a-f:.]+\]\Z")

_schemes = {}  # host -> the scheme that answered, for the life of the process
_schemes_lock = threading.Lock()


def is_hub(host):
    """True when host (any case, without scheme) is one of Docker Hub's names."""
    return isinstance(host, str) and host.lower() in HUB_ALIASES


class Registry:
    """A registry address as the user gave it: host[:port], optionally with a scheme.

    insecure: the engine lists it as an insecure registry (plain http allowed, as for loopback)."""

    def __init__(self, host, scheme=None, insecure=False):
        self.host = host  # lowercase host[:port], as docker login stores it
        self.scheme = scheme  # "http", "https" or None (decide by host)
        self.insecure = insecure

    @property
    def is_hub(self):
        return is_hub(self.host)

    @property
    def name(self):
        """How results and messages name it: docker.io for Hub, else host[:port]."""
        return HUB_NAME if self.is_hub else self.host

    @property
    def api_host(self):
        """Where its registry API answers: registry-1.docker.io for Hub, else its host."""
        return HUB_API_HOST if self.is_hub else self.host

    def __eq__(self, other):
        return isinstance(other, Registry) and (self.name, self.scheme) == (other.name, other.scheme)

    def __hash__(self):
        return hash((self.name, self.scheme))

    def __repr__(self):
        return f"Registry({self.host!r}, {self.scheme!r})"


def parse_registry(text):
    """A Registry from 'host[:port]' or 'http(s)://host[:port]', or InvalidParams saying what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidParams("A registry cannot be empty: give host[:port], e.g. 127.0.0.1:5000.", text)
    original = text
    text = text.strip()
    scheme = None
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*)://", text)
    if match:
        scheme = match.group(1).lower()
        if scheme not in ("http", "https"):
            raise InvalidParams(f"'{original}' is not a registry: the scheme can only be http:// or https://.",
                                original)
        text = text[match.end():]
    text = text.rstrip("/")
    if "/" in text:
        raise InvalidParams(f"'{original}' is not a registry: give host[:port] only (the repository goes in "
                            "the search term).", original)
    host, port = split_port(text)
    if port is not None and not (port.isdigit() and 0 < int(port) < 65536):
        raise InvalidParams(f"'{original}' is not a registry: '{port}' is not a port (1-65535).", original)
    if not _HOST.match(host.lower()):
        raise InvalidParams(f"'{original}' is not a registry: '{host}' is not a host name or IP address.", original)
    return Registry(host.lower() + (f":{int(port)}" if port is not None else ""), scheme)


def split_port(text):
    """(host, port or None) of 'host[:port]' or '[v6]:port'."""
    if text.startswith("["):  # [::1]:5000
        end = text.find("]")
        rest = text[end + 1:] if end >= 0 else ""
        return (text[:end + 1], rest[1:]) if rest.startswith(":") else (text, None)
    host, sep, port = text.partition(":")
    return (host, port) if sep else (text, None)


def is_loopback(host):
    """True for 127.0.0.0/8, ::1 and localhost (with or without a port)."""
    bare, _ = split_port(host)
    bare = bare.strip("[]")
    if bare == "localhost":
        return True
    try:
        return ipaddress.ip_address(bare).is_loopback
    except ValueError:
        return False


def is_listed_insecure(host, insecure):
    """True when host (host[:port]) is among insecure: the engine's insecure registries (host[:port]) and
    CIDRs (an IP host inside one; names are not resolved here)."""
    if host in insecure:
        return True
    bare = split_port(host)[0].strip("[]")
    try:
        ip = ipaddress.ip_address(bare)
    except ValueError:
        return False
    for item in insecure:
        try:
            if ip in ipaddress.ip_network(item, strict=False):
                return True
        except ValueError:
            continue
    return False


def candidate_schemes(host, scheme=None, insecure=False):
    """The schemes to try for host, in order (see the module's docstring); scheme: the one the user gave;
    insecure: the engine lists host as an insecure registry."""
    if scheme:
        return [scheme]
    with _schemes_lock:
        known = _schemes.get(host)
    if known:
        return [known]
    return ["https", "http"] if insecure or is_loopback(host) else ["https"]


def remember_scheme(host, scheme):
    """The scheme that answered for host, used first from now on."""
    with _schemes_lock:
        _schemes[host] = scheme
