"""Image operations: list and pull.

An image row is one repository:tag, as `docker images` shows them, with PascalCase keys that become the
PowerShell object's properties as they are.
"""

import fnmatch
import re
import socket
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import List, Optional

import docker.auth
import docker.errors

from .. import reference
from ..errors import InvalidParams, NotFound, classify_message, translate

WILDCARDS = frozenset("*?[")
INSPECT_THREADS = 8
PROGRESS_INTERVAL = 0.1  # seconds between two progress notifications of one layer with the same status
_LAYER_ID = re.compile(r"[0-9a-f]{12}\Z")  # the engine's short layer ids; other ids are tags or "WARNING"


# ---------------------------------------------------------------------------------------------- list

def list_images(ctx, name: Optional[List[str]] = None, id: Optional[List[str]] = None, all: bool = False,
                dangling: Optional[bool] = None, label: Optional[List[str]] = None):
    """Image rows, newest first. Names are references or wildcard patterns (repo, repo:tag); ids are
    prefixes. A name or id given without wildcards that matches nothing is reported in `errors`."""
    api = ctx.engine.client()
    filters = {}
    if dangling is not None:
        filters["dangling"] = ["true" if dangling else "false"]
    if label:
        filters["label"] = label
    summaries = api.images(all=all, filters=filters)
    containers = Counter(c.get("ImageID") for c in api.containers(all=True, trunc=False))
    rows = [row for summary in summaries for row in _rows(summary, containers)]

    problems = []
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
    rows.sort(key=lambda r: (r["Created"], r["Repository"] or "", r["Tag"] or ""), reverse=True)
    return {"images": rows, "errors": problems}


def _rows(summary, containers):
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
        "Containers": containers.get(full_id, 0),
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


# ---------------------------------------------------------------------------------------------- pull

def pull_image(ctx, name: str, tag: Optional[str] = None, all_tags: bool = False, platform: Optional[str] = None,
               auth: Optional[dict] = None, if_missing: bool = False):
    """Pull name (with tag or digest, or every tag), sending per-layer progress; return the pulled rows.
    With if_missing, an image already on the engine is returned as it is, without asking the registry."""
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
            return {"images": present, "digest": present[0]["Digest"], "status": "Already installed"}

    api = ctx.engine.client()
    params = {"fromImage": ref.repository, "tag": ref.digest or tag or ("" if all_tags else reference.DEFAULT_TAG)}
    if platform:
        params["platform"] = platform
    try:
        response = api._post(api._url("/images/create"), params=params, headers=_auth_header(api, ref, auth),
                             stream=True, timeout=None)
        ctx.on_cancel(lambda: _abort(response))
        api._raise_for_status(response)
        digest, status = _follow_pull(ctx, api, response, target)
    except Exception as exc:
        raise _pull_error(translate(exc, target), ref, target) from exc
    ctx.check_cancelled()
    return {"images": _pulled_rows(ctx, ref, tag, all_tags), "digest": digest, "status": status}


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


def _pull_error(error, ref, target):
    """The engine's words about a failed pull, framed to say which image and which registry."""
    template = _PULL_MESSAGES.get(error.kind)
    if template is None:
        return error
    registry = "Docker Hub" if ref.domain is None else ref.domain
    return type(error)(template.format(target=target, registry=registry, message=error.message.rstrip(".")),
                       target, registry=ref.registry)


def _abort(response):
    """End a streaming response now, from any thread: shutting the socket down wakes a read blocked on it
    (closing alone does not), and the engine, seeing its client gone, abandons the pull."""
    try:
        response.raw._fp.fp.raw._sock.shutdown(socket.SHUT_RDWR)
    except (AttributeError, OSError):  # already closed, or a transport without a socket (npipe)
        pass
    response.close()


def _auth_header(api, ref, auth):
    registry, _ = docker.auth.resolve_repository_name(ref.repository)
    if auth:
        config = {"username": auth.get("username"), "password": auth.get("password"), "serveraddress": registry}
        return {"X-Registry-Auth": docker.auth.encode_header(config)}
    api.reload_config()  # logins made since the backend started count too
    header = docker.auth.get_config_header(api, registry)
    return {"X-Registry-Auth": header} if header else {}


def _follow_pull(ctx, api, response, target):
    """Read the engine's event stream to its end: progress per layer, the first error raised."""
    digest = status = None
    last_sent = {}
    try:
        for event in api._stream_helper(response, decode=True):
            ctx.check_cancelled()
            if event.get("error") or event.get("errorDetail"):
                message = event.get("error") or event["errorDetail"].get("message", "")
                raise classify_message(message, target)
            text = event.get("status") or ""
            if text.startswith("Digest: "):
                digest = text[len("Digest: "):]
            elif text.startswith("Status: "):
                status = text[len("Status: "):]
            elif _LAYER_ID.match(event.get("id") or ""):
                _layer_progress(ctx, event, last_sent)
    except Exception:
        ctx.check_cancelled()  # a read broken by our own cancel is a cancellation, not a failure
        raise
    return digest, status


def _layer_progress(ctx, event, last_sent):
    layer, text = event["id"], event.get("status", "")
    detail = event.get("progressDetail") or {}
    now = time.monotonic()
    previous = last_sent.get(layer)
    if previous and previous[0] == text and now - previous[1] < PROGRESS_INTERVAL:
        return
    last_sent[layer] = (text, now)
    ctx.progress(id=layer, status=text, current=detail.get("current"), total=detail.get("total"))


METHODS = {
    "image.list": list_images,
    "image.pull": pull_image,
}
