"""Image operations: list and pull.

An image row is one repository:tag, as `docker images` shows them, with PascalCase keys that become the
PowerShell object's properties as they are.
"""

import fnmatch
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List, Optional

import docker.errors

from .. import aliases, host, reference
from ..errors import InvalidParams, NotFound, translate
from . import compatibility, stream

WILDCARDS = frozenset("*?[")
INSPECT_THREADS = 8


# ---------------------------------------------------------------------------------------------- list

def list_images(ctx, name: Optional[List[str]] = None, id: Optional[List[str]] = None, all: bool = False,
                dangling: Optional[bool] = None, label: Optional[List[str]] = None, child_of: Optional[str] = None,
                disk_usage: bool = False):
    """Image rows, newest first. Names are references or wildcard patterns (repo, repo:tag); ids are
    prefixes. A name or id given without wildcards that matches nothing is reported in `errors`.
    child_of (a name or id) keeps only the images built on that image (see descendants).
    disk_usage adds SharedSize and UniqueSize, the engine's /system/df figures (disk.py), asked at the same
    time as the listing; None for the images /system/df does not weigh (intermediate ones)."""
    api = ctx.engine.client()
    filters = {}
    if dangling is not None:
        filters["dangling"] = ["true" if dangling else "false"]
    if label:
        filters["label"] = label
    # The two listings at once: the engine answers the second while this thread waits on the first.
    usage = None
    with ThreadPoolExecutor(max_workers=2 if disk_usage else 1) as pool:
        containers = pool.submit(api.containers, all=True, trunc=False)
        if disk_usage and not all and not filters:
            # /system/df lists the same images as /images/json (top-level, unfiltered): one engine call for both.
            usage, answer = engine_df(api)
            summaries = answer.get("Images") or []
        else:
            weighed = pool.submit(lambda: engine_df(api)[0]) if disk_usage else None
            summaries = api.images(all=all, filters=filters)
            usage = weighed.result() if weighed is not None else None
        users = containers_by_image(containers.result())
    rows = [row for summary in summaries for row in _rows(summary, users)]
    if usage is not None:
        for row in rows:
            row.update(usage.get(row["FullId"], _NO_USAGE))

    problems = []
    if child_of is not None:
        rows = _children_rows(api, rows, child_of, problems)
    if name or id:
        matchers = []
        for pattern in name or []:
            try:
                matchers.append((pattern, _name_matcher(pattern)))
            except reference.InvalidReference as exc:
                problems.append(exc.to_dict())
        for prefix in id or []:
            matchers.append((prefix, _id_matcher(prefix)))
        matched = set()
        selected = []
        for row in rows:
            hits = [pattern for pattern, matches in matchers if matches(row)]
            if hits:
                matched.update(hits)
                selected.append(row)
        rows = selected
        for pattern, _ in matchers:
            if pattern not in matched and not WILDCARDS.intersection(pattern):
                what = "image" if pattern in (name or []) else "image with id"
                problems.append(NotFound(f"No {what} '{pattern}' on this engine.", pattern).to_dict())

    _add_platforms(ctx.engine, api, rows)
    compatibility.add_runs_on_host(ctx.engine, rows)
    rows.sort(key=lambda r: (r["Created"], r["Repository"] or "", r["Tag"] or ""), reverse=True)
    return {"images": rows, "errors": problems}


def engine_df(api):
    """(image id -> {"SharedSize", "UniqueSize"}, the raw answer) of the engine's /system/df: what docker
    system df -v shows (UNIQUE SIZE is Size - SharedSize); None where the engine could not weigh an image."""
    answer = _system_df(api)
    usage = {}
    for summary in answer.get("Images") or []:
        size, shared = summary.get("Size", -1), summary.get("SharedSize", -1)
        if size is None or shared is None or size < 0 or shared < 0:
            usage[summary["Id"]] = _NO_USAGE
        else:
            usage[summary["Id"]] = {"SharedSize": shared, "UniqueSize": size - shared}
    return usage, answer


# The engine computes one /system/df at a time and refuses a second meanwhile ("a disk usage operation is
# already running": two runbooks, or two names of one engine asked at once): wait for it, as docker's own
# clients would have to.
DF_BUSY = "operation is already running"
DF_WAIT_SECONDS = 120


def _system_df(api, sleep=time.sleep, clock=time.monotonic):
    deadline = clock() + DF_WAIT_SECONDS
    delay = 0.1
    while True:
        try:
            return api.df()
        except docker.errors.APIError as exc:
            if DF_BUSY not in str(exc) or clock() >= deadline:
                raise
        sleep(delay)
        delay = min(delay * 2, 2.0)


def containers_by_image(containers):
    """image id -> [{Id, Name, State}] of the containers (running or not) created from that image."""
    users = {}
    for container in containers:
        users.setdefault(container.get("ImageID"), []).append(container_row(container))
    return users


def container_row(container):
    """A container as an image row tells it: short id, name (without the leading '/'), state."""
    names = container.get("Names") or []
    return {"Id": (container.get("Id") or "")[:12], "Name": names[0].lstrip("/") if names else None,
            "State": container.get("State")}


def short_id(image_id):
    """The 12 hex digits the docker CLI shows for an image id ("sha256:..."); None for none."""
    return image_id.split(":", 1)[-1][:12] if image_id else None


def _rows(summary, users):
    full_id = summary["Id"]
    digests = {}
    for repo_digest in summary.get("RepoDigests") or []:
        repo, _, digest = repo_digest.rpartition("@")
        digests.setdefault(repo, digest)
    common = {
        "Id": full_id.split(":", 1)[-1][:12],
        "FullId": full_id,
        "Created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(summary.get("Created", 0))),
        "Size": summary.get("Size", 0),
        "Labels": summary.get("Labels") or {},
        "Containers": len(users.get(full_id, ())),
        "UsedBy": users.get(full_id, []),
        "ParentId": summary.get("ParentId") or None,
    }
    tags = [t for t in summary.get("RepoTags") or [] if t != "<none>:<none>"]
    if not tags:  # dangling, or pulled by digest only
        repos = [d.rpartition("@")[0] for d in summary.get("RepoDigests") or [] if d != "<none>@<none>"]
        return [dict(common, Repository=repo or None, Tag=None, Digest=digests.get(repo)) for repo in repos[:1]] \
            or [dict(common, Repository=None, Tag=None, Digest=None)]
    rows = []
    for repo_tag in tags:
        repo, tag = reference.split_pattern(repo_tag)
        rows.append(dict(common, Repository=repo, Tag=tag, Digest=digests.get(repo)))
    return rows


def _name_matcher(pattern):
    if WILDCARDS.intersection(pattern):
        repo_pattern, tag_pattern = reference.split_pattern(pattern.lower())

        def matches(row):
            return (row["Repository"] is not None
                    and fnmatch.fnmatchcase(row["Repository"].lower(), repo_pattern)
                    and (tag_pattern is None or fnmatch.fnmatchcase((row["Tag"] or "").lower(), tag_pattern)))
        return matches

    ref = reference.parse(pattern)

    repository = ref.repository.lower()  # registry hosts are case-insensitive

    def matches(row):
        return (row["Repository"] is not None and row["Repository"].lower() == repository
                and (ref.tag is None or row["Tag"] == ref.tag)
                and (ref.digest is None or row["Digest"] == ref.digest))
    return matches


def _id_matcher(prefix):
    prefix = prefix.lower()
    full = prefix if prefix.startswith("sha256:") else f"sha256:{prefix}"

    def matches(row):
        return row["FullId"].startswith(full)
    return matches


_NO_USAGE = {"SharedSize": None, "UniqueSize": None}
_NO_PLATFORM = {"Os": None, "OsVersion": None, "Architecture": None, "Variant": None}


def _add_platforms(engine, api, rows):
    """Os, OsVersion, Architecture, Variant: not in the engine's listing, so inspected once per image id
    (ids are content hashes, so what an id's config says never changes) and kept (cache.py)."""
    cache = engine.platforms.load()
    missing = list({row["FullId"] for row in rows} - cache.keys())
    if missing:
        with ThreadPoolExecutor(max_workers=min(INSPECT_THREADS, len(missing))) as pool:
            for image_id, platform in zip(missing, pool.map(lambda i: _platform(api, i), missing)):
                if platform is not None:
                    cache.add(image_id, platform)
        cache.save()
    for row in rows:
        row.update(cache.get(row["FullId"], _NO_PLATFORM))


def _platform(api, image_id):
    try:
        config = api.inspect_image(image_id)
    except docker.errors.NotFound:  # removed since it was listed: nothing to keep
        return None
    return {"Os": config.get("Os"), "OsVersion": config.get("OsVersion") or None,
            "Architecture": config.get("Architecture"), "Variant": config.get("Variant")}


# ------------------------------------------------------------------------------------ finding images

_ID = re.compile(r"(?:sha256:)?[0-9a-f]{1,64}\Z")
_NAME_AS_ID = re.compile(r"[0-9a-f]{12,64}\Z")
_LAYERS = {}  # image id -> its RootFS layer ids; ids are content hashes, so an entry never goes stale
_LAYERS_LOCK = threading.Lock()


def find_image(api, name=None, id=None):
    """(the engine's inspect of the image, what to ask the engine for it) for a reference or an id prefix.

    A name without tag means :latest, as for docker. As docker does, a name that is no image but looks like
    an id is taken as one (`docker rmi 3a2d8b1e9f04`), though only from the 12 digits listings show: a
    shorter one could be a mistyped name that happens to start an id. "sha256:<prefix>" is always an id.
    InvalidReference, InvalidParams (a malformed or ambiguous id) or NotFound, each naming what was given."""
    check_image_argument(name, id)
    if id is not None or name.strip().lower().startswith("sha256:"):
        return _find_by_id(api, id if id is not None else name)
    ref = reference.parse(name)
    target = ref.repository + (f"@{ref.digest}" if ref.digest else f":{ref.tag or reference.DEFAULT_TAG}")
    try:
        return api.inspect_image(target), target
    except docker.errors.NotFound:
        if ref.tag is None and ref.digest is None and _NAME_AS_ID.match(name.strip().lower()):
            try:
                return _find_by_id(api, name)
            except NotFound:
                pass
        looked_for = f" (looked for {target})" if target != name else ""
        raise NotFound(f"No image '{name}' on this engine{looked_for}.", name) from None


def repository_digests(config, repository):
    """The digests an inspected image has for one repository (it may have several, or none if built here)."""
    found = []
    for repo_digest in config.get("RepoDigests") or []:
        repo, _, digest = repo_digest.rpartition("@")
        if repo.lower() == repository.lower() and digest not in found:
            found.append(digest)
    return found


def check_image_argument(name=None, id=None):
    """InvalidReference or InvalidParams for a malformed name or id, before any engine is asked."""
    if id is None and not (isinstance(name, str) and name.strip().lower().startswith("sha256:")):
        reference.parse(name)
        return
    text = id if id is not None else name
    if not isinstance(text, str) or not _ID.match(text.strip().lower()):
        raise InvalidParams(f"'{text}' is not an image id (hexadecimal digits, optionally after 'sha256:').", text)


def _find_by_id(api, text):
    prefix = text.strip().lower()
    full = prefix if prefix.startswith("sha256:") else f"sha256:{prefix}"
    try:
        config = api.inspect_image(full)
        return config, config["Id"]
    except docker.errors.NotFound:
        # The engine says "no such image" for an ambiguous prefix too: tell the two apart.
        matches = [i for i in api.images(all=True, quiet=True) if i.startswith(full)]
        if len(matches) > 1:
            shown = ", ".join(m.split(":", 1)[-1][:12] for m in matches[:5])
            raise InvalidParams(f"The id '{text}' is ambiguous: {len(matches)} images start with it ({shown}"
                                f"{', ...' if len(matches) > 5 else ''}). Give more digits.", text) from None
        raise NotFound(f"No image with id '{text}' on this engine.", text) from None


def _children_rows(api, rows, child_of, problems):
    """The rows of images built on child_of; for a child_of that cannot be found, none, and the error."""
    try:
        base, _ = find_image(api, name=child_of)
    except (NotFound, InvalidParams, reference.InvalidReference) as exc:
        problems.append(exc.to_dict())
        return []
    wanted = descendants(api, base, {row["FullId"] for row in rows if row["Size"] >= base.get("Size", 0)})
    return [row for row in rows if row["FullId"] in wanted]


def descendants(api, base, candidates, parents=None):
    """The ids among candidates of the images built on base: those whose layers extend base's (a strict
    prefix: how pulled images relate, as they carry no parent id), or with base among their parents (what
    docker commit and docker build record, even when no layer was added).

    Each candidate's layers come from an inspect (kept: ids are content hashes), so only the candidates
    are inspected; an image built on base is never smaller than base, which the caller may use to narrow
    them down. parents (image id -> parent id, of every image) spares the listing when the caller has it."""
    base_id = base["Id"]
    base_layers = tuple(base.get("RootFS", {}).get("Layers") or ())
    if parents is None:
        parents = {s["Id"]: s.get("ParentId") or None for s in api.images(all=True)}
    candidates = set(candidates) - {base_id}
    layers = _layers_of(api, candidates)
    found = set()
    for image_id in candidates:
        mine = layers.get(image_id)
        if mine is not None and len(mine) > len(base_layers) and mine[:len(base_layers)] == base_layers:
            found.add(image_id)
        elif _has_ancestor(parents, image_id, base_id):
            found.add(image_id)
    return found


def _has_ancestor(parents, image_id, ancestor):
    seen = set()
    parent = parents.get(image_id)
    while parent and parent not in seen:
        if parent == ancestor:
            return True
        seen.add(parent)
        parent = parents.get(parent)
    return False


def _layers_of(api, image_ids):
    """image id -> tuple of its layer ids, for those still on the engine."""
    with _LAYERS_LOCK:
        known = {i: _LAYERS[i] for i in image_ids if i in _LAYERS}
    missing = [i for i in image_ids if i not in known]
    if missing:
        with ThreadPoolExecutor(max_workers=min(INSPECT_THREADS, len(missing))) as pool:
            for image_id, found in zip(missing, pool.map(lambda i: _inspect_layers(api, i), missing)):
                if found is not None:
                    known[image_id] = found
        with _LAYERS_LOCK:
            _LAYERS.update((i, known[i]) for i in missing if i in known)
    return known


def _inspect_layers(api, image_id):
    try:
        config = api.inspect_image(image_id)
    except docker.errors.NotFound:  # removed since it was listed
        return None
    return tuple(config.get("RootFS", {}).get("Layers") or ())


# ---------------------------------------------------------------------------------------------- pull

def pull_image(ctx, name: str, tag: Optional[str] = None, all_tags: bool = False, platform: Optional[str] = None,
               auth: Optional[dict] = None, if_missing: bool = False, isolation: Optional[str] = None):
    """Pull name (with tag or digest, or every tag), sending per-layer progress; return the pulled rows.
    With if_missing, an image already on the engine is returned as it is, without asking the registry.
    name may be an alias (aliases.py). Unless a platform or all tags are asked for, the image is first
    checked to run on this host (with isolation, default the engine's): Incompatible before any download
    when it cannot (operations/compatibility.py). `notes` says what was resolved and checked."""
    notes = []
    isolation = compatibility._isolation(isolation)
    resolution = aliases.resolve(name, tag, host_facts=lambda: host.facts(ctx.engine), repository_only=all_tags)
    if resolution.note:
        notes.append(resolution.note)
    name = resolution.reference
    ref = reference.parse(name)
    if tag is not None:
        reference.parse(f"{ref.repository}:{tag}")  # validates the tag
        if ref.tag and ref.tag != tag:
            raise InvalidParams(f"'{name}' names tag '{ref.tag}' but tag '{tag}' was also given.", name)
    tag = tag or ref.tag
    if all_tags and (tag or ref.digest):
        raise InvalidParams(f"'{name}': all tags were asked for, so give no tag or digest.", name)
    target = ref.repository + (f"@{ref.digest}" if ref.digest else f":{tag or 'latest'}" if not all_tags else "")

    if if_missing and not all_tags:
        present = _pulled_rows(ctx, ref, tag, all_tags)
        if present:
            return {"images": present, "digest": present[0]["Digest"], "status": "Already installed", "notes": notes}

    if not all_tags and not platform:
        notes.extend(compatibility.check_before_pull(ctx, reference.parse(target), target, isolation, auth))
    api = ctx.engine.client()
    params = {"fromImage": ref.repository, "tag": ref.digest or tag or ("" if all_tags else reference.DEFAULT_TAG)}
    if platform:
        params["platform"] = platform
    try:
        response = stream.post(ctx, api, api._url("/images/create"), params, stream.auth_header(api, ref, auth))
        digest, status = _follow_pull(ctx, api, response, target)
    except Exception as exc:
        raise stream.frame_error(translate(exc, target, ctx.engine), ref, target, _PULL_MESSAGES) from exc
    ctx.check_cancelled()
    return {"images": _pulled_rows(ctx, ref, tag, all_tags), "digest": digest, "status": status, "notes": notes}


def _pulled_rows(ctx, ref, tag, all_tags):
    if ref.digest:
        return [r for r in list_images(ctx, name=[ref.repository])["images"] if r["Digest"] == ref.digest]
    return list_images(ctx, name=[ref.repository if all_tags else f"{ref.repository}:{tag or 'latest'}"])["images"]


_PULL_MESSAGES = {
    "NotFound": "{target} was not found on {registry}: {message}",
    "Unauthorized": "{registry} refused access to {target}: {message}. Give credentials (-Credential) or log in "
                    "to {registry} first.",
    "RegistryUnavailable": "The registry {registry} cannot be reached for {target}: {message}",
}


def _follow_pull(ctx, api, response, target):
    """(digest, status) from the engine's pull stream; layer events become progress."""
    found = {}

    def note(event):
        text = event.get("status") or ""
        for prefix, key in (("Digest: ", "digest"), ("Status: ", "status")):
            if text.startswith(prefix):
                found[key] = text[len(prefix):]
    stream.follow(ctx, api, response, target, note)
    return found.get("digest"), found.get("status")


METHODS = {
    "image.list": list_images,
    "image.pull": pull_image,
}
