"""Image aliases: a friendly name (NanoServer) for a repository and a tag rule, from the settings.

A name is taken as an alias only when it is a bare word (no '/', ':' or '@') given without a tag, and the
settings (settings.py: DEFAULT_ALIASES merged with the user's Aliases) define it, case-insensitively. So
`NanoServer` is the alias, while `nanoserver:latest`, `library/nanoserver` or `-Name nanoserver -Tag x`
are Docker Hub's image of that name.

An alias gives its repository and:
- Tag: that fixed tag;
- Tags (Windows build -> tag): the tag of the newest listed build this host runs with process isolation
  (compat.py). No listed build runs: Incompatible, naming the host's build and the builds listed; a host
  that is not Windows: Incompatible too (unless the alias also has a fixed Tag, which is then used);
- neither: the repository's default tag (latest).
"""

from dataclasses import dataclass
from typing import Optional

from . import compat, settings
from .errors import Incompatible

_NOT_BARE = frozenset("/:@")


@dataclass(frozen=True)
class Resolution:
    reference: str  # what to pull or test: the name as given, or the alias's repository[:tag]
    alias: Optional[object] = None  # the settings.Alias used, if any
    note: Optional[str] = None  # what was decided, in words (for -Verbose); None for a plain name


def is_candidate(name, tag=None):
    """True when name could be an alias: a bare word, with no tag given beside it."""
    return isinstance(name, str) and tag is None and bool(name.strip()) and not _NOT_BARE.intersection(name)


def resolve(name, tag=None, host_facts=None, repository_only=False):
    """The Resolution of name. host_facts: a callable giving the host.Host, called only for an alias with
    Tags. Raises the settings file's problem (InvalidData) when name is one of the default aliases and the
    file is broken (the user may have redefined it); Incompatible when no tag of the alias suits the host.
    repository_only (for every tag of it): the alias's repository, no tag chosen."""
    if not is_candidate(name, tag):
        return Resolution(name)
    current = settings.current()
    key = name.strip().lower()
    if current.problem is not None:
        if key in current.aliases:  # a default alias: what the broken file says of it is unknown
            raise current.problem
        return Resolution(name, note=f"'{name}' was taken as an image name: the settings file cannot be read, so "
                                     f"its aliases are unknown ({current.problem.message})")
    alias = current.aliases.get(key)
    if alias is None:
        return Resolution(name)
    if repository_only:
        return Resolution(alias.repository, alias, f"alias '{alias.name}' ({_source(alias)}) is {alias.repository}")
    if alias.tags:
        host = host_facts()
        if host.is_windows:
            return _by_build(name, alias, host)
        if alias.tag is None:
            raise Incompatible(f"The alias '{alias.name}' ({alias.repository}) is for Windows hosts: it has tags for "
                               f"Windows builds {_builds(alias)} only, and this host runs {_host_text(host)}.",
                               name, alias=alias.name, hostOs=host.os, hostOsVersion=host.os_version)
    reference = f"{alias.repository}:{alias.tag}" if alias.tag else alias.repository
    return Resolution(reference, alias, f"alias '{alias.name}' ({_source(alias)}) is {reference}")


def _by_build(name, alias, host):
    build = compat.newest_runnable_build(alias.tags, host.os_version, compat.PROCESS)
    if build is None:
        raise Incompatible(f"No tag of the alias '{alias.name}' ({alias.repository}) runs on this host with process "
                           f"isolation: the host is Windows build {host.os_version or 'unknown'}, and the alias lists "
                           f"builds {_builds(alias)}. Give a tag that suits the host (-Tag), or an image name.",
                           name, alias=alias.name, hostOs=host.os, hostOsVersion=host.os_version,
                           builds=sorted(alias.tags))
    tag = alias.tags[build]
    reference = f"{alias.repository}:{tag}"
    return Resolution(reference, alias, f"alias '{alias.name}' ({_source(alias)}) is {reference}: build "
                                        f"{compat.build_name(build)} is the newest it lists that this Windows "
                                        f"{host.os_version} host runs with process isolation")


def _builds(alias):
    return ", ".join(f"{build} ({tag})" for build, tag in sorted(alias.tags.items()))


def _source(alias):
    return "shipped with the module" if alias.source == "default" else f"from {settings.path()}"


def _host_text(host):
    label = {"linux": "Linux", "windows": "Windows"}.get(host.os, host.os or "an unknown OS")
    return f"{label} ({host.os_version})" if host.os_version else label
