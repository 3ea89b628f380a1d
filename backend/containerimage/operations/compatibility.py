"""Can the engine's host run an image: image.test, the check before a pull, and RunsOnHost in listings.

image.test looks at a local image (its inspect), or at a remote reference without pulling it: the
manifest (one GET), and for a single-platform manifest its config blob (a second GET, a few KB), through
the registry API (the registry package, with the stored logins or the credentials given). A manifest list (or
OCI index) names its platforms itself, so the config is not read: the platform the host would pull is
chosen as containerd chooses it (compat.choose_platform). For a Docker Hub name the engine's registry
mirrors (from /info) are asked first, as the engine asks them.

Before a pull (image.pull calls check_before_pull), the same remote read decides whether the host can run
the image; one it cannot is refused (Incompatible) before the engine is asked, so no layer is downloaded.
A check that cannot be made (registry unreachable from here, a login refused, no platform named) does not
stop the pull: the engine, which may reach registries we cannot, decides, and the result says so.
"""

from typing import Optional

from .. import aliases, compat, host as hostinfo, reference
from ..errors import BackendError, Cancelled, Incompatible, InvalidParams, NotFound, RegistryUnavailable
from ..registry import manifests
from ..registry.address import HUB_NAME, Registry, parse_registry
from ..registry.auth import LOOKUP
from ..registry.client import RegistryClient
from . import images

ISOLATION_NAMES = {compat.PROCESS: "Process", compat.HYPERV: "HyperV"}


# ------------------------------------------------------------------------------------------ image.test

def test_image(ctx, name: str, tag: Optional[str] = None, isolation: Optional[str] = None, remote: bool = False,
               platform: Optional[str] = None, auth: Optional[dict] = None):
    """A Compatibility row for name (or name:tag): a local image (unless remote), else the registry's
    manifest. name may be an alias (only without a tag). isolation: Process or HyperV (default: the
    engine's). platform: os[/arch[/variant]] to look at in a manifest list instead of the one the host
    would pull."""
    wanted_isolation = _isolation(isolation)
    wanted_platform = _platform(platform)
    shown = _with_tag(name, tag)
    host = hostinfo.facts(ctx.engine)
    resolution = aliases.resolve(shown, host_facts=lambda: host)
    name = shown
    effective = wanted_isolation or host.isolation
    if not remote:
        try:
            config, _ = images.find_image(ctx.engine.client(), name=resolution.reference)
        except NotFound:
            if _looks_like_id(name):
                raise
        else:
            return _local_row(name, resolution, config, host, effective)
    elif _looks_like_id(name):
        raise InvalidParams(f"'{name}' is an image id: only a local image has one, so it cannot be looked up in a "
                            "registry (-Remote).", name)
    ref = reference.parse(resolution.reference)
    remote_image = read_remote(ref, host, auth, ctx.check_cancelled)
    return _remote_row(name, resolution, ref, remote_image, host, effective, wanted_platform)


def _with_tag(name, tag):
    """name:tag, for a name without tag or digest (InvalidParams otherwise)."""
    if tag is None:
        return name
    ref = reference.parse(name)
    if ref.tag or ref.digest or _looks_like_id(name):
        raise InvalidParams(f"'{name}' names its tag, digest or id already, but tag '{tag}' was also given.", name)
    reference.parse(f"{ref.repository}:{tag}")  # validates the tag
    return f"{name.strip()}:{tag}"


def _looks_like_id(name):
    text = (name or "").strip().lower()
    return text.startswith("sha256:") or images._NAME_AS_ID.match(text) is not None


def _isolation(text):
    try:
        return compat.normalize_isolation(text)
    except ValueError as exc:
        raise InvalidParams(str(exc), text) from None


def _platform(text):
    """(os, architecture, variant) from os[/arch[/variant]], or None."""
    if text is None:
        return None
    parts = text.strip().lower().split("/")
    if not 1 <= len(parts) <= 3 or not all(parts):
        raise InvalidParams(f"'{text}' is not a platform: give os[/arch[/variant]], e.g. windows/amd64.", text)
    return tuple(parts + [None] * (3 - len(parts)))


def _base_row(name, resolution, host, isolation):
    return {
        "Name": name,
        "Reference": resolution.reference,
        "Alias": resolution.alias.name if resolution.alias else None,
        "HostOs": host.os,
        "HostOsVersion": host.os_version,
        "HostArchitecture": host.architecture,
        "Isolation": ISOLATION_NAMES.get(isolation),
    }


def _local_row(name, resolution, config, host, isolation):
    verdict = compat.check(host.os, host.os_version, config.get("Os"), config.get("OsVersion"), isolation,
                           host.architecture, config.get("Architecture"))
    digests = config.get("RepoDigests") or []
    return dict(_base_row(name, resolution, host, isolation), Source="Local", Compatible=verdict.compatible,
                Reason=verdict.reason, ImageOs=config.get("Os"), ImageOsVersion=config.get("OsVersion") or None,
                Architecture=config.get("Architecture"), Variant=config.get("Variant") or None,
                Id=config.get("Id"), Digest=digests[0].rpartition("@")[2] if digests else None, Platforms=None,
                Registry=None)


def _remote_row(name, resolution, ref, remote_image, host, isolation, wanted_platform=None):
    entries = remote_image["entries"]
    if wanted_platform:
        entries = [e for e in entries if compat.platform_matches(e, *wanted_platform)]
        if not entries:
            raise NotFound(f"{ref} has no image for {'/'.join(p for p in wanted_platform if p)}: it offers "
                           f"{_platform_list(remote_image['entries'])}.", name)
    chosen = compat.choose_platform(entries, host.os, host.os_version, host.architecture, isolation)
    if chosen is None:
        verdict = compat.Verdict(None, f"{ref} names no platform (only attestations or empty entries).")
        chosen = {}
    else:
        verdict = compat.check(host.os, host.os_version, chosen.get("os"), chosen.get("os.version"), isolation,
                               host.architecture, chosen.get("architecture"))
        if remote_image["list"] and verdict.compatible is False:
            verdict = compat.Verdict(False, f"None of the platforms of {ref} ({_platform_list(entries)}) runs on "
                                            f"this host. The nearest: {verdict.reason}")
    return dict(_base_row(name, resolution, host, isolation), Source="Registry", Compatible=verdict.compatible,
                Reason=verdict.reason, ImageOs=chosen.get("os"), ImageOsVersion=chosen.get("os.version"),
                Architecture=chosen.get("architecture"), Variant=chosen.get("variant"), Id=None,
                Digest=chosen.get("digest"),
                Platforms=[_platform_text(e) for e in remote_image["entries"]] if remote_image["list"] else None,
                Registry=remote_image["registry"])


def _platform_text(entry):
    text = "/".join(p for p in (entry.get("os"), entry.get("architecture"), entry.get("variant")) if p)
    return f"{text} {entry['os.version']}" if entry.get("os.version") else text


def _platform_list(entries):
    return ", ".join(_platform_text(e) for e in entries) or "nothing"


# --------------------------------------------------------------------------------- reading a registry

def read_remote(ref, host, auth=None, check_cancelled=None):
    """{'entries': [{os, os.version, architecture, variant, digest}], 'list': bool, 'registry': name} for a
    reference, read from its registry (for Hub names, the engine's mirrors first) without pulling."""
    attempts = _registries_for(ref, host, auth)
    for index, (registry, credentials) in enumerate(attempts):
        client = RegistryClient(registry, credentials, check_cancelled=check_cancelled)
        try:
            return dict(_read(client, ref), registry=registry.name)
        except (NotFound, RegistryUnavailable):
            if index == len(attempts) - 1:  # the mirrors may lack it or be down; the registry itself decides
                raise
        finally:
            client.close()


def _registries_for(ref, host, auth):
    """[(Registry, credentials)] to ask, in order: for Hub, each engine mirror and then Hub itself."""
    given = {"username": auth.get("username"), "password": auth.get("password")} if auth else LOOKUP
    if ref.domain is not None:
        return [(parse_registry(ref.domain), given)]
    attempts = []
    for mirror in host.mirrors if host is not None else ():
        try:
            attempts.append((parse_registry(mirror), LOOKUP))
        except InvalidParams:  # a mirror with a path: not one we can address; the engine still may
            continue
    attempts.append((Registry(HUB_NAME), given))
    return attempts


def _read(client, ref):
    name, wanted = ref.path, ref.digest or ref.tag or reference.DEFAULT_TAG
    manifest, digest = client.manifest(name, wanted)
    what = str(ref) if ref.tag or ref.digest else f"{ref}:{reference.DEFAULT_TAG}"
    if manifests.is_index(manifest):
        entries = [{k: e[k] for k in ("os", "os.version", "architecture", "variant", "digest")}
                   for e in manifests.platforms(manifest)]
        return {"entries": entries, "list": True}
    if manifest.get("schemaVersion") != 1 and not (manifest.get("config") or {}).get("digest"):
        return {"entries": [], "list": False}
    config = manifests.config_of(client, name, manifest, what)
    return {"entries": [dict(manifests.platform_of(config), digest=digest)], "list": False}


# ------------------------------------------------------------------------------------ before a pull

def check_before_pull(ctx, ref, target, isolation=None, auth=None):
    """Notes (sentences) on the check; raises Incompatible when the host cannot run ref's image, before the
    engine is asked to pull it. A check that cannot be made is a note, not a failure (see the module)."""
    try:
        host = hostinfo.facts(ctx.engine)
        remote_image = read_remote(ref, host, auth, ctx.check_cancelled)
    except Cancelled:
        raise
    except BackendError as exc:
        return [f"compatibility not checked before the pull: {exc.message}"]
    effective = isolation or host.isolation
    chosen = compat.choose_platform(remote_image["entries"], host.os, host.os_version, host.architecture, effective)
    if chosen is None:
        return [f"compatibility not checked before the pull: {target} names no platform"]
    verdict = compat.check(host.os, host.os_version, chosen.get("os"), chosen.get("os.version"), effective,
                           host.architecture, chosen.get("architecture"))
    if verdict.compatible is False:
        offered = f" (it offers {_platform_list(remote_image['entries'])})" if remote_image["list"] else ""
        raise Incompatible(f"{target} was not installed: this host cannot run it{offered}. {verdict.reason}", target,
                           hostOs=host.os, hostOsVersion=host.os_version, imageOs=chosen.get("os"),
                           imageOsVersion=chosen.get("os.version"), isolation=ISOLATION_NAMES.get(effective))
    return [f"compatibility: {verdict.reason}"]


# ----------------------------------------------------------------------------------- in a listing

def add_runs_on_host(engine, rows):
    """RunsOnHost (True, False, or None when unknown) on image rows that carry Os, OsVersion, Architecture:
    one verdict per distinct platform, with the host's default isolation, and no engine call beyond the
    host's facts (kept, see host.py)."""
    try:
        host = hostinfo.facts(engine)
    except Exception:  # noqa: BLE001 - the listing itself worked: unknown, rather than a failed listing
        host = None
    verdicts = {}
    for row in rows:
        key = (row.get("Os"), row.get("OsVersion"), row.get("Architecture"))
        if key not in verdicts:
            verdicts[key] = None if host is None or not key[0] else compat.check(
                host.os, host.os_version, key[0], key[1], host.isolation, host.architecture, key[2]).compatible
        row["RunsOnHost"] = verdicts[key]


METHODS = {
    "image.test": test_image,
}
