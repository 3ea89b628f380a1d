"""Image references, parsed by the grammar of distribution/reference (what the engine itself accepts).

    reference := name [ ":" tag ] [ "@" digest ]
    name      := [ domain "/" ] path-component [ "/" path-component ]*

A malformed reference is refused here, with a message saying what is wrong, before the engine is asked.
Unlike the docker CLI, names are case-insensitive (PowerShell users type 'Microsoft/NanoServer'):
repository names are lowercase by definition, so the path is lowercased; tags keep their case.
"""

import re
from dataclasses import dataclass
from typing import Optional

from .errors import InvalidReference
from .registry.address import HUB_ALIASES, HUB_NAME

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = re.compile(rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*\Z")
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = re.compile(rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*(?::[0-9]+)?\Z|\[[0-9a-fA-F:]+\](?::[0-9]+)?\Z")
_TAG = re.compile(r"[\w][\w.-]{0,127}\Z", re.ASCII)
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}\Z|(?!sha256:)[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}\Z")
_NAME_MAX = 255

DEFAULT_DOMAIN = HUB_NAME
DEFAULT_TAG = "latest"


@dataclass(frozen=True)
class Reference:
    domain: Optional[str]  # None: Docker Hub
    path: str  # "microsoft/nanoserver"; "library/busybox" for Hub's official images
    tag: Optional[str] = None
    digest: Optional[str] = None

    @property
    def repository(self):
        """The repository as the engine lists it: Hub names short ("busybox", "microsoft/nanoserver")."""
        if self.domain is None:
            return self.path[len("library/"):] if self.path.startswith("library/") else self.path
        return f"{self.domain}/{self.path}"

    @property
    def registry(self):
        return self.domain or DEFAULT_DOMAIN

    def __str__(self):
        text = self.repository
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def parse(text):
    """Parse a reference; raise InvalidReference naming the part that is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidReference("An image reference cannot be empty.", text)
    original, rest = text, text.strip()

    digest = None
    if "@" in rest:
        rest, digest = rest.split("@", 1)
        if not _DIGEST.match(digest):
            raise InvalidReference(f"'{original}' is not a valid reference: '{digest}' is not a digest "
                                   "(expected algorithm:hex, e.g. sha256:...).", original)
    tag = None
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        rest, tag = rest[:colon], rest[colon + 1:]
        if not _TAG.match(tag):
            raise InvalidReference(f"'{original}' is not a valid reference: '{tag}' is not a valid tag "
                                   "(letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-').",
                                   original)

    domain, path = _split_domain(rest)
    if domain is not None and not _DOMAIN.match(domain):
        raise InvalidReference(f"'{original}' is not a valid reference: '{domain}' is not a registry host.", original)
    if len(rest) > _NAME_MAX:
        raise InvalidReference(f"'{original}' is not a valid reference: the name is longer than {_NAME_MAX} "
                               "characters.", original)
    path = path.lower()  # repository names are lowercase by definition: 'Microsoft/NanoServer' means it
    for component in path.split("/"):
        if not _PATH_COMPONENT.match(component):
            raise InvalidReference(f"'{original}' is not a valid reference: '{component}' is not a valid "
                                   "name component (lowercase letters and digits, separated by '.', '_', "
                                   "'__' or '-').", original)
    if domain is None or domain.lower() in HUB_ALIASES:
        domain = None
        if "/" not in path:
            path = f"library/{path}"
    return Reference(domain, path, tag, digest)


def _split_domain(name):
    first, sep, remainder = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first, remainder
    return None, name


def split_pattern(pattern):
    """Split 'repo[:tag]' where the repository may itself hold a registry port: ('repo', 'tag' or None)."""
    slash = pattern.rfind("/")
    colon = pattern.rfind(":")
    if colon > slash:
        return pattern[:colon], pattern[colon + 1:]
    return pattern, None
