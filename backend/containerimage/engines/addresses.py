"""An engine's address, checked and taken apart: unix://, npipe://, tcp://host[:port], ssh://[user@]host[:port].

The forms are the docker CLI's (-H, DOCKER_HOST, a context's Host). A malformed one is InvalidParams saying what
is wrong with it; nothing here connects anywhere.
"""

import re
import urllib.parse
from dataclasses import dataclass
from typing import Optional

from ..errors import InvalidParams

SCHEMES = ("unix", "npipe", "tcp", "ssh")
EXAMPLES = ("unix:///var/run/docker.sock, npipe:////./pipe/docker_engine, tcp://host:2376 or "
            "ssh://user@host[:port]")
_HOST_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[[0-9A-Fa-f:.]+\]$")
_USER = re.compile(r"^[A-Za-z0-9._][A-Za-z0-9._-]*\$?$")


@dataclass(frozen=True)
class Address:
    url: str                     # as given (what the engine is called in messages and contexts)
    scheme: str                  # one of SCHEMES
    host: Optional[str] = None   # tcp, ssh: the host name or IP ([...] for IPv6)
    port: Optional[int] = None   # tcp, ssh: None when not given
    user: Optional[str] = None   # ssh
    path: Optional[str] = None   # unix: the socket; npipe: the pipe


def looks_like_address(text):
    """True when text is meant as an address (it has a scheme), not a context name."""
    return "://" in text


def parse(text):
    """The Address of text, or InvalidParams naming what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise _bad(text, "it is empty")
    if text != text.strip():
        raise _bad(text, "it has spaces around it")
    scheme, sep, rest = text.partition("://")
    if not sep:
        raise _bad(text, "it has no scheme (such as tcp://)")
    scheme = scheme.lower()
    if scheme not in SCHEMES:
        raise _bad(text, f"the scheme {scheme}:// is not one of {', '.join(s + '://' for s in SCHEMES)}")
    if scheme == "unix":
        if not rest.startswith("/") or rest == "/":
            raise _bad(text, "a unix:// address needs the absolute path of the socket (unix:///path/docker.sock)")
        return Address(text, scheme, path=rest)
    if scheme == "npipe":
        pipe = rest.replace("\\", "/")
        if not re.match(r"^//\./pipe/[^/]+$", pipe):
            raise _bad(text, "an npipe:// address names a pipe as npipe:////./pipe/NAME")
        return Address(text, scheme, path=rest)
    return _network(text, scheme, rest)


def _network(text, scheme, rest):
    try:
        parts = urllib.parse.urlsplit(f"{scheme}://{rest}")
        port = parts.port
    except ValueError as exc:
        raise _bad(text, f"its port is not a number from 1 to 65535 ({exc})") from exc
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise _bad(text, f"a {scheme}:// address has no path or query (it has '{rest[len(parts.netloc):]}')")
    netloc = parts.netloc
    user = None
    if "@" in netloc:
        if scheme != "ssh":
            raise _bad(text, "a tcp:// address has no user name")
        userinfo, netloc = netloc.rsplit("@", 1)
        if ":" in userinfo:
            raise _bad(text, "an ssh:// address never holds a password: use a key or an agent")
        if not _USER.match(userinfo):
            raise _bad(text, f"'{userinfo}' is not a user name")
        user = userinfo
    host = netloc.rsplit(":", 1)[0] if not netloc.endswith("]") else netloc
    if not host or not _HOST_NAME.match(host):
        raise _bad(text, f"'{host}' is not a host name or IP address" if host else "it names no host")
    if port == 0 or (netloc.endswith(":")):
        raise _bad(text, "its port is not a number from 1 to 65535")
    return Address(text, scheme, host=host, port=port, user=user)


def _bad(text, why):
    return InvalidParams(f"'{text}' is not an engine address: {why}. Addresses look like {EXAMPLES}.", text)
