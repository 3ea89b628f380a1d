"""What the engine's host is, for compatibility checks: its OS, version, CPU and default isolation.

From GET /version (Os, Arch, KernelVersion) and GET /info (OSType, OSVersion, KernelVersion, Isolation,
RegistryConfig.Mirrors). On Windows, /info's OSVersion is "10.0.20348" and KernelVersion
"10.0 20348 (20348.1.amd64fre.fe_release.210507-1500)"; on Linux, OSVersion is the distribution's
(e.g. "12") and the kernel version is what identifies the host, so that is the version shown.

Kept per engine for TTL_SECONDS: a listing then pays nothing for RunsOnHost, while an engine restarted on
another host (Docker Desktop switching between its Linux and Windows engines on the same pipe) is seen
within the TTL.
"""

import threading
import weakref
from time import monotonic  # bound here: a test that fakes time.monotonic for its own module is not disturbed
from dataclasses import dataclass, field
from typing import Optional, Tuple

from . import compat

TTL_SECONDS = 30.0

_cache = weakref.WeakKeyDictionary()  # engine -> (its host address, monotonic time, Host)
_lock = threading.Lock()


@dataclass(frozen=True)
class Host:
    os: str  # "linux" or "windows"
    os_version: Optional[str]  # Windows: 10.0.20348; Linux: the kernel version
    architecture: Optional[str]  # OCI name: amd64, arm64, ...
    isolation: Optional[str]  # the engine's default: "process" or "hyperv" on Windows; None on Linux
    name: Optional[str] = None  # e.g. "Windows Server 2022 Datacenter", "Debian GNU/Linux 12 (bookworm)"
    mirrors: Tuple[str, ...] = field(default=())  # the engine's registry mirrors for Docker Hub
    insecure: Tuple[str, ...] = field(default=())  # registries (host[:port]) and CIDRs the engine reaches without TLS

    @property
    def is_windows(self):
        return self.os == compat.WINDOWS


def facts(engine, refresh=False):
    """The Host of engine's engine (two engine calls, then kept for TTL_SECONDS)."""
    api = engine.client()  # first: the settings may have switched the engine since (engine.host tells)
    now = monotonic()
    with _lock:
        cached = _cache.get(engine)
    if cached and not refresh and cached[0] == engine.host and now - cached[1] < TTL_SECONDS:
        return cached[2]
    found = from_engine(api.version(), api.info())
    with _lock:
        _cache[engine] = (engine.host, now, found)
    return found


def from_engine(version, info):
    """A Host from the engine's answers to /version and /info."""
    version, info = version or {}, info or {}
    os_name = (info.get("OSType") or version.get("Os") or "").lower() or None
    kernel = info.get("KernelVersion") or version.get("KernelVersion")
    if os_name == compat.WINDOWS:
        parsed = compat.parse_windows_version(info.get("OSVersion")) or compat.parse_windows_version(kernel)
        os_version = str(parsed) if parsed else None
        isolation = _isolation(info.get("Isolation"))
    else:
        os_version, isolation = kernel or None, None
    registries = info.get("RegistryConfig") or {}
    mirrors = tuple(registries.get("Mirrors") or ())
    insecure = tuple(name for name, index in (registries.get("IndexConfigs") or {}).items()
                     if isinstance(index, dict) and index.get("Secure") is False)
    insecure += tuple(registries.get("InsecureRegistryCIDRs") or ())
    return Host(os=os_name, os_version=os_version,
                architecture=compat.normalize_architecture(version.get("Arch") or info.get("Architecture")),
                isolation=isolation, name=info.get("OperatingSystem") or None, mirrors=mirrors, insecure=insecure)


def _isolation(text):
    """The default isolation a Windows engine reports; process when it says none (Windows Server's)."""
    try:
        return compat.normalize_isolation(text) or compat.PROCESS
    except ValueError:  # "default" or a future word: the engine's own default is process on servers
        return compat.PROCESS
