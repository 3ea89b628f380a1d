"""Is there a newer version of a local image in its registry (image.update_check, Get-ContainerImageUpdate),
and getting it (image.update, Update-ContainerImage).

image.update_check gives one row per local repository:tag, without pulling anything:

- Status LocalOnly: the image has no digest from that repository's registry (committed, built, loaded or
  tagged here): there is nothing to compare with.
- Else the registry is asked for the tag's manifest digest, one HEAD (update_lookup.py, on the registry
  package: the registry as a pull asks it, the engine's mirrors first for Hub names, with the stored
  logins). The same digest as the local image's: UpToDate. Another digest: the image this host would pull from it (a manifest list's entry for this
  host's platform) is read, manifest and config blob, a few KB: when its config is the local image's
  (ids are config digests) only the list around it changed: UpToDate; else UpdateAvailable, with the
  remote image's Created and, for Windows, its os.version and how many revisions (monthly patch levels)
  the local one is behind (compat.revisions_behind).
- Unknown, with the reason: the registry is down or refuses the login (one error per registry in
  `errors`, however many images it holds: it is asked no more), or it no longer has the tag (deleted: the
  reason says so; no error, the registry itself answered), or it sent something unreadable.

Base images: for every image, BaseName is the image it was built on and BaseStatus that image's status, so
that an admin knows what to rebuild. The base is named by the image's labels
org.opencontainers.image.base.name (and .base.digest, what it was built from) when it has them, else it is
the local tagged image nearest below it: the one with the most layers among those whose layers are a strict
prefix of its own, or an ancestor by the engine's parent ids (what docker commit and the classic builder
record) - the relation Get-ContainerImage -ChildOf uses (images.descendants). When that nearest image has no
tag any more but still a digest from its registry (repository@digest: its tag has moved to a newer pull, as
Update-ContainerImage leaves it), the base is that repository@digest, and its status UpdateAvailable: it was
replaced on this engine, so the image built on it needs a rebuild.

The registries are asked concurrently, at most CHECK_THREADS requests at a time: first one image of each
registry (which settles its login, or finds it down), then all the others.
"""

import datetime
import re
from concurrent.futures import ThreadPoolExecutor
from typing import List, Optional

import docker.errors

from .. import compat, host as hostinfo, reference
from ..errors import BackendError, Conflict, InvalidParams, NotFound, translate
from . import images, remove
from .update_lookup import Lookup

CHECK_THREADS = 16
UP_TO_DATE, UPDATE_AVAILABLE, LOCAL_ONLY, UNKNOWN = "UpToDate", "UpdateAvailable", "LocalOnly", "Unknown"
BASE_NAME_LABEL = "org.opencontainers.image.base.name"
BASE_DIGEST_LABEL = "org.opencontainers.image.base.digest"
_TIME = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)?\Z")


# ------------------------------------------------------------------------------------------ the check

def check_updates(ctx, name: Optional[List[str]] = None):
    """{images: [Update rows], errors: [one per name that matches nothing, one per registry that failed]}."""
    listing = images.list_images(ctx, name=name) if name else images.list_images(ctx)
    rows = [row for row in listing["images"] if row["Repository"] and row["Tag"]]
    problems = list(listing["errors"])
    if not rows:
        return {"images": [], "errors": problems}
    api = ctx.engine.client()
    host = hostinfo.facts(ctx.engine)
    bases = find_bases(api, rows)
    lookup = Lookup(host, ctx.check_cancelled)
    try:
        wanted = {}  # what to ask: key -> (reference, local digest, local id)
        for row in rows:
            if row["Digest"]:
                wanted[_key(row)] = (f"{row['Repository']}:{row['Tag']}", row["Digest"], row["FullId"])
        for base in bases.values():
            if base.get("key") and base["key"] not in wanted:
                wanted[base["key"]] = base["ask"]
        answers = _ask_all(lookup, wanted)
        problems.extend(error.to_dict() for error in lookup.failures.values())
    finally:
        lookup.close()
    return {"images": [_row(row, answers.get(_key(row)), bases.get(row["FullId"]), answers) for row in rows],
            "errors": problems}


def _ask_all(lookup, wanted):
    """key -> answer for every key of wanted, at most CHECK_THREADS at a time. The first image of each
    registry goes alone (the registries in parallel): its login is settled before the others follow, and a
    registry that is down is found so by one request, not by one per image."""
    first, rest = {}, []
    for key, (name, _, _) in wanted.items():
        registry = lookup.registry_names(reference.parse(name))[0]
        if registry in first:
            rest.append(key)
        else:
            first[registry] = key
    answers = {}
    for keys in (list(first.values()), rest):
        if keys:
            with ThreadPoolExecutor(max_workers=min(CHECK_THREADS, len(keys))) as pool:
                answers.update(zip(keys, pool.map(lambda k: _ask(lookup, *wanted[k]), keys)))
    return answers


def check_one(ctx, repository, tag):
    """The Update row of one local repository:tag (NotFound when it is not on the engine); a registry that
    fails makes it Unknown, with the reason."""
    found = check_updates(ctx, name=[f"{repository}:{tag}"])
    if not found["images"]:
        raise NotFound(f"No image '{repository}:{tag}' on this engine.", f"{repository}:{tag}")
    return found["images"][0]


def _key(row):
    return (f"{row['Repository']}:{row['Tag']}", row["Digest"], row["FullId"])


def _ask(lookup, name, local_digest, local_id):
    """{Status, Reason, RemoteDigest, RemoteCreated, RemoteOsVersion, Registry} of one tag in its registry,
    against the local image's repository digest and id."""
    ref = reference.parse(name)
    try:
        remote = lookup.tag(ref)
        found = {"Registry": remote.registry.name, "RemoteDigest": remote.digest, "RemoteCreated": None,
                 "RemoteOsVersion": None, "Reason": None}
        if remote.digest == local_digest:
            return dict(found, Status=UP_TO_DATE, Same=True)
        image = lookup.image(remote, name)
        same = local_id is not None and image["Config"] == local_id or image["Digest"] == local_digest
        return dict(found, Status=UP_TO_DATE if same else UPDATE_AVAILABLE, Same=same,
                    RemoteCreated=_time(image["Created"]), RemoteOsVersion=image["OsVersion"])
    except NotFound as exc:
        registries = " or ".join(lookup.registry_names(ref))
        return _unknown(f"{registries} has no {name} any more (the tag was deleted, or never pushed there): "
                        f"{exc.message}")
    except BackendError as exc:
        if exc.kind == "Cancelled":
            raise
        return _unknown(exc.message)


def _unknown(reason):
    return {"Status": UNKNOWN, "Reason": reason, "RemoteDigest": None, "RemoteCreated": None,
            "RemoteOsVersion": None, "Registry": None, "Same": False}


def _row(row, answer, base, answers):
    result = {
        "Name": row["Repository"], "Tag": row["Tag"], "Id": row["Id"], "FullId": row["FullId"],
        "LocalDigest": row["Digest"], "LocalCreated": row["Created"], "LocalOsVersion": row.get("OsVersion"),
        "Os": row.get("Os"),
    }
    if not row["Digest"]:
        answer = {"Status": LOCAL_ONLY, "Reason": f"{row['Repository']}:{row['Tag']} has no digest from a "
                  "registry (committed, built, loaded or tagged on this engine): there is nothing to compare with.",
                  "RemoteDigest": None, "RemoteCreated": None, "RemoteOsVersion": None, "Registry": None}
    elif answer.get("Same"):  # the registry serves this very image: its facts are the local ones
        answer = dict(answer, RemoteCreated=answer["RemoteCreated"] or row["Created"],
                      RemoteOsVersion=answer["RemoteOsVersion"] or row.get("OsVersion"))
    result.update({k: answer[k] for k in ("Status", "Reason", "RemoteDigest", "RemoteCreated", "RemoteOsVersion",
                                          "Registry")})
    result["RevisionsBehind"] = compat.revisions_behind(result["LocalOsVersion"], result["RemoteOsVersion"]) \
        if result["Status"] in (UP_TO_DATE, UPDATE_AVAILABLE) else None
    result.update(_base_fields(base, answers))
    return {key: result[key] for key in ORDER}


ORDER = ("Name", "Tag", "Id", "Status", "Reason", "LocalDigest", "RemoteDigest", "LocalCreated", "RemoteCreated",
         "LocalOsVersion", "RemoteOsVersion", "RevisionsBehind", "Os", "Registry", "BaseName", "BaseStatus",
         "BaseReason", "FullId")


def _base_fields(base, answers):
    if base is None:
        return {"BaseName": None, "BaseStatus": None, "BaseReason": None}
    if base.get("replaced"):
        return {"BaseName": base["name"], "BaseStatus": UPDATE_AVAILABLE, "BaseReason": base["reason"]}
    if base.get("key") is None:
        return {"BaseName": base["name"], "BaseStatus": UNKNOWN, "BaseReason": base["reason"]}
    if base["local_only"]:
        return {"BaseName": base["name"], "BaseStatus": LOCAL_ONLY, "BaseReason": None}
    answer = answers.get(base["key"]) or {}
    return {"BaseName": base["name"], "BaseStatus": answer.get("Status"), "BaseReason": answer.get("Reason")}


def _time(text):
    """An image config's created time (RFC 3339, nanoseconds, any offset) as the listing gives times:
    YYYY-MM-DDTHH:MM:SSZ in UTC; None for none or an unreadable one."""
    match = _TIME.match((text or "").strip())
    if not match:
        return None
    offset = match.group(2) or "Z"
    moment = datetime.datetime.fromisoformat(match.group(1) + ("+00:00" if offset == "Z" else offset))
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------------------------------------ base images

def find_bases(api, rows):
    """FullId -> {name, key (what to ask, None when it cannot be asked), ask, local_only, reason} for the
    images of rows that have a base (see the module's docstring)."""
    summaries = api.images(all=True)
    tagged, replaced = {}, {}
    for summary in summaries:
        for row in images._rows(summary, {}):
            if row["Repository"] and row["Tag"]:
                tagged.setdefault(summary["Id"], []).append(row)
            elif row["Repository"] and row["Digest"]:
                replaced[summary["Id"]] = row  # untagged, pulled: its tag moved on
    parents = {s["Id"]: s.get("ParentId") or None for s in summaries}
    layers = images._layers_of(api, set(tagged) | set(replaced) | {row["FullId"] for row in rows})
    bases = {}
    for row in rows:
        if row["FullId"] in bases:
            continue
        labels = row.get("Labels") or {}
        if labels.get(BASE_NAME_LABEL):
            bases[row["FullId"]] = _labelled_base(labels[BASE_NAME_LABEL], labels.get(BASE_DIGEST_LABEL), tagged)
            continue
        ancestor = nearest_ancestor(row["FullId"], layers, parents, set(tagged) | set(replaced))
        if ancestor in tagged:
            bases[row["FullId"]] = _local_base(_preferred(tagged[ancestor]))
        elif ancestor is not None:
            bases[row["FullId"]] = _replaced_base(replaced[ancestor])
    return bases


def nearest_ancestor(image_id, layers, parents, candidates):
    """The id among candidates (ids) nearest below image_id: most layers among those whose layers are a
    strict prefix of image_id's, or that are its ancestors by parent id; None when none is."""
    mine = layers.get(image_id)
    chain, parent, seen = set(), parents.get(image_id), set()
    while parent and parent not in seen:
        seen.add(parent)
        chain.add(parent)
        parent = parents.get(parent)
    best, best_depth = None, -1
    for candidate in sorted(candidates):
        if candidate == image_id:
            continue
        theirs = layers.get(candidate)
        by_layers = (mine is not None and theirs and len(theirs) < len(mine) and mine[:len(theirs)] == theirs)
        if by_layers or candidate in chain:
            depth = len(theirs or ())
            if depth > best_depth:
                best, best_depth = candidate, depth
    return best


def _preferred(rows):
    """The name to give a base image with several: one pulled from a registry first, then by name."""
    return sorted(rows, key=lambda r: (r["Digest"] is None, r["Repository"], r["Tag"]))[0]


def _local_base(row):
    name = f"{row['Repository']}:{row['Tag']}"
    return {"name": name, "key": _key(row), "ask": (name, row["Digest"], row["FullId"]),
            "local_only": not row["Digest"], "reason": None}


def _replaced_base(row):
    name = f"{row['Repository']}@{row['Digest']}"
    return {"name": name, "key": None, "local_only": False, "replaced": True,
            "reason": f"The base image {name} ({row['Id']}) has no tag on this engine any more: "
                      f"{row['Repository']} was pulled anew (updated) since this image was built on it."}


def _labelled_base(name, digest, tagged):
    try:
        ref = reference.parse(name)
    except BackendError as exc:
        return {"name": name, "key": None, "reason": f"The image's label {BASE_NAME_LABEL} is no image name: "
                                                      f"{exc.message}", "local_only": False}
    shown = f"{ref.repository}:{ref.tag or reference.DEFAULT_TAG}"
    if digest:
        return {"name": shown, "key": (shown, digest, None), "ask": (shown, digest, None), "local_only": False,
                "reason": None}
    for rows in tagged.values():
        for row in rows:
            if f"{row['Repository']}:{row['Tag']}" == shown:
                return _local_base(row)
    return {"name": shown, "key": None, "local_only": False,
            "reason": f"The image names its base {shown} (label {BASE_NAME_LABEL}) without its digest "
                      f"({BASE_DIGEST_LABEL}), and no image of that name is on this engine to compare with."}


# ----------------------------------------------------------------------------------------- the update

def update_image(ctx, name: str, tag: Optional[str] = None, prune: bool = False):
    """Pull repository:tag (per-layer progress) and say what changed: {Name, Tag, OldId, NewId, OldDigest,
    NewDigest, OldOsVersion, NewOsVersion, Updated, Pruned, Kept (why the replaced image stayed), notes}.
    With prune, the replaced image is removed when nothing needs it any more: no container uses it (else
    Kept names them), no other tag names it, no image is built on it."""
    ref = reference.parse(name)
    if tag is not None and ref.tag and tag != ref.tag:
        raise InvalidParams(f"'{name}' names tag '{ref.tag}' but tag '{tag}' was also given.", name)
    tag = tag or ref.tag or reference.DEFAULT_TAG
    target = f"{ref.repository}:{tag}"
    api = ctx.engine.client()
    old, _ = images.find_image(api, name=target)
    pulled = images.pull_image(ctx, name=ref.repository, tag=tag)
    new = api.inspect_image(target)
    result = {"Name": ref.repository, "Tag": tag, "OldId": images.short_id(old["Id"]),
              "NewId": images.short_id(new["Id"]), "OldDigest": _digest(old, ref.repository),
              "NewDigest": _digest(new, ref.repository), "OldOsVersion": old.get("OsVersion") or None,
              "NewOsVersion": new.get("OsVersion") or None, "Updated": old["Id"] != new["Id"], "Pruned": False,
              "Kept": None, "notes": pulled.get("notes") or []}
    if prune and result["Updated"]:
        result["Pruned"], result["Kept"] = _prune(ctx, api, old["Id"], target)
    return result


def _digest(config, repository):
    found = images.repository_digests(config, repository)
    return found[0] if found else None


def _prune(ctx, api, image_id, target):
    """(removed, why not) for the image target named before the update."""
    shown = f"the replaced image {images.short_id(image_id)} (formerly {target})"
    users = remove.dependents(api, image_id)
    if users:
        names = ", ".join(f"{c['Id']} '{c['Name']}' ({c['State']})" for c in users)
        return False, f"{shown} is kept: {len(users)} container{'s use' if len(users) > 1 else ' uses'} it: {names}."
    try:
        config = api.inspect_image(image_id)
    except docker.errors.NotFound:
        return True, None  # removed meanwhile
    tags = [t for t in config.get("RepoTags") or [] if t != "<none>:<none>"]
    if tags:
        return False, f"{shown} is kept: it is still tagged {', '.join(tags)}."
    try:
        api.remove_image(image_id)
    except Exception as exc:  # noqa: BLE001 - classified: a conflict (images built on it) keeps it
        error = translate(exc, shown, ctx.engine)
        if isinstance(error, (Conflict, NotFound)) or error.kind == "Conflict":
            return False, f"{shown} is kept: {error.message}"
        raise error from None
    return True, None


METHODS = {
    "image.update_check": check_updates,
    "image.update": update_image,
}
