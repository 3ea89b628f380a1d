"""Searching for images: Docker Hub through the engine, a private registry through its catalog (registry.search).

Docker Hub is searched as `docker search` does it, by the engine (GET /images/search). A Distribution
registry has no search API, so its catalog is read (every page) and the term matched against the
repository names; only the first `limit` matches, by name, get their description read (and their tags,
when asked), in parallel: 2-3 requests each, about 4 ms a repository on loopback (see the registry package).

A result row: Name (what Install-ContainerImage takes: "microsoft/nanoserver" on Hub, the full
"127.0.0.1:5000/private/busybox" elsewhere), Description, Stars, Official, Automated (Hub's; None for a
registry, which has no such things), Registry ("docker.io" or host[:port]) and Tags (with list_tags, else
None). A term is matched case-insensitively: as a substring, or, with wildcards (* ? [ ]), as a pattern
for the whole repository path or its last component.
"""

import fnmatch
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from typing import List, Optional

import docker.errors

from .. import settings
from ..errors import BackendError, Cancelled, InvalidParams, NotFound, RegistryUnavailable, classify_message, translate
from ..registry import manifests
from ..registry.address import HUB_NAME, Registry, parse_registry
from ..registry.client import RegistryClient

log = logging.getLogger("containerimage")

DEFAULT_LIMIT = 25  # docker search's
HUB_MAX = 100  # the most the engine's search gives
FETCH_THREADS = 8  # per-repository reads (tags, description) at once
WILDCARDS = frozenset("*?[")


def search(ctx, term: Optional[str] = None, registry: Optional[List[str]] = None, limit: Optional[int] = None,
           stars: int = 0, official: bool = False, automated: bool = False, list_tags: bool = False,
           page_size: Optional[int] = None):
    """Search Docker Hub and the Registries of the settings (no registry given), or each registry given, in
    that order. A registry that fails (malformed, down, refusing) is reported in `errors` and the others are
    still searched."""
    limit = DEFAULT_LIMIT if limit is None else limit
    if limit < 1:
        raise InvalidParams(f"The limit must be 1 or more, not {limit}.", limit)
    if stars < 0:
        raise InvalidParams(f"The minimum number of stars cannot be negative ({stars}).", stars)
    if page_size is not None and page_size < 1:
        raise InvalidParams(f"The page size must be 1 or more, not {page_size}.", page_size)
    term = (term or "").strip() or None
    hub_filters = bool(stars or official or automated)

    results, problems, warnings, seen = [], [], [], set()
    for text in registry or _default_registries(term, hub_filters, warnings):
        try:
            target = parse_registry(text)
            if target.name in seen:
                continue
            seen.add(target.name)
            if target.is_hub:
                results.extend(_search_hub(ctx, term, limit, stars, official, automated, list_tags, problems))
            elif hub_filters:  # nothing in a registry has stars or is official: skip it, and say why
                warnings.append(f"Stars, official and automated are Docker Hub's: no repository of {target.name} "
                                "has them, so it was not searched.")
            else:
                results.extend(_search_catalog(ctx, target, term, limit, list_tags, page_size, problems))
        except Cancelled:
            raise
        except Exception as exc:  # one registry's failure does not stop the others
            ctx.check_cancelled()
            problems.append(translate(exc, text, ctx.engine).to_dict())
    return {"results": results, "errors": problems, "warnings": warnings}


def _default_registries(term, hub_filters, warnings):
    """Docker Hub and the settings' Registries. Hub's filters (stars, ...) mean Hub only, quietly: the user
    asked for something only Hub has. No term means the registries only: Hub cannot list everything, and
    a registry's catalog can (a warning says Hub was left out)."""
    configured = settings.current().registries
    if not configured or hub_filters:
        return [HUB_NAME]
    if not term:
        warnings.append("Docker Hub was not searched: it cannot list all its repositories, so give a search "
                        "term to search it too.")
        return configured
    return [HUB_NAME, *configured]


# ------------------------------------------------------------------------------------------ Docker Hub

def _search_hub(ctx, term, limit, stars, official, automated, list_tags, problems):
    if not term:
        raise InvalidParams("Docker Hub cannot list all its repositories: give a search term.", HUB_NAME)
    query, pattern = _hub_query(term)
    filtered = bool(stars or official or automated or pattern)
    api = ctx.engine.client()
    try:
        # Filters are applied here, to up to HUB_MAX results, so that the limit counts what passes them.
        found = api.search(query, limit=HUB_MAX if filtered else min(limit, HUB_MAX))
    except docker.errors.APIError as exc:
        raise _hub_error(exc, term) from None
    rows = [_hub_row(item) for item in found]
    rows = [row for row in rows
            if row["Stars"] >= stars and (row["Official"] or not official) and (row["Automated"] or not automated)
            and (pattern is None or _matches(row["Name"], pattern))]
    rows.sort(key=lambda row: -row["Stars"])  # as docker search; stable, so Hub's own order breaks ties
    rows = rows[:limit]
    if list_tags and rows:
        _add_hub_tags(ctx, rows, problems)
    return rows


def _hub_query(term):
    """(what to ask Hub, the wildcard pattern to filter by or None). Hub knows no wildcards, so it is asked
    for the longest literal part of a pattern."""
    if not WILDCARDS.intersection(term):
        return term, None
    literal = re.sub(r"\[[^\]]*\]", "*", term)
    parts = [part.strip("/") for part in re.split(r"[*?\[\]]+", literal)]
    longest = max(parts, key=len)
    if not longest:
        raise InvalidParams(f"'{term}' has no letters to search Docker Hub for: give part of a name.", term)
    return longest, term


def _hub_row(item):
    return {
        "Name": item.get("name"),
        "Description": item.get("description") or None,
        "Stars": int(item.get("star_count") or 0),
        "Official": bool(item.get("is_official")),
        "Automated": bool(item.get("is_automated")),
        "Registry": HUB_NAME,
        "Tags": None,
    }


def _hub_error(exc, term):
    """The engine's words about a failed search, framed to say it was Docker Hub and which term."""
    error = translate(exc, HUB_NAME)
    if error.kind == "InvalidParams":
        return error
    if exc.status_code and exc.status_code >= 500 and error.kind not in ("Unauthorized", "NotFound"):
        error = classify_message(error.message, HUB_NAME, default=RegistryUnavailable)
    prefix = "Docker Hub cannot be reached" if error.kind == "RegistryUnavailable" else "Docker Hub refused"
    return type(error)(f"{prefix} to search for '{term}': {error.message}", HUB_NAME, registry=HUB_NAME)


def _add_hub_tags(ctx, rows, problems):
    client = RegistryClient(Registry(HUB_NAME), check_cancelled=ctx.check_cancelled)
    ctx.on_cancel(client.close)

    def read(row):
        path = row["Name"] if "/" in row["Name"] else f"library/{row['Name']}"
        return client.tags(path)
    try:
        _fill_tags(rows, read, problems)
    finally:
        client.close()


# ------------------------------------------------------------------------------------ private registry

def _search_catalog(ctx, target, term, limit, list_tags, page_size, problems):
    client = RegistryClient(target, check_cancelled=ctx.check_cancelled)
    ctx.on_cancel(client.close)
    try:
        paths = sorted(path for path in client.catalog(page_size) if _matches(path, term, target.host))[:limit]
        rows = [{"Name": f"{target.host}/{path}", "Description": None, "Stars": None, "Official": None,
                 "Automated": None, "Registry": target.name, "Tags": None} for path in paths]
        details = _parallel(lambda path: _details(client, path, page_size, list_tags), paths)
        for row, (tags, description, failure) in zip(rows, details):
            row.update(Description=description, Tags=tags)
            if failure is not None:
                problems.append(failure.to_dict())
        return rows
    finally:
        client.close()


def _details(client, path, page_size, list_tags):
    """(tags or None, description, error reading the tags) of one repository."""
    tags = None
    if list_tags:
        try:
            tags = client.tags(path, page_size)
        except Cancelled:
            raise
        except BackendError as exc:
            return None, None, exc
    return tags, _description(client, path, tags, page_size), None


def _description(client, path, tags, page_size):
    """The description of the 'latest' image, else of the last tag by name. Without the tags at hand,
    'latest' is tried first: two requests instead of three for most repositories. One that cannot be
    read is left out, quietly."""
    try:
        if tags is None or "latest" in tags:
            try:
                return manifests.description(client, path, "latest")
            except NotFound:
                if tags is not None:
                    return None
                tags = client.tags(path, page_size)
        return manifests.description(client, path, tags[-1]) if tags else None
    except Cancelled:
        raise
    except (BackendError, KeyError, IndexError, TypeError, ValueError) as exc:
        log.debug("no description for %s: %s", path, exc)
        return None


# ---------------------------------------------------------------------------------------------- shared

def _matches(path, term, host=None):
    """A repository path against a term: substring, or wildcard pattern for the path or its last part."""
    if not term:
        return True
    path, term = path.lower(), term.lower()
    if host and term.startswith(host.lower() + "/"):
        term = term[len(host) + 1:]
    if not WILDCARDS.intersection(term):
        return term in path
    return fnmatch.fnmatchcase(path, term) or fnmatch.fnmatchcase(path.rpartition("/")[2], term)


def _parallel(function, items):
    if not items:
        return []
    with ThreadPoolExecutor(max_workers=min(FETCH_THREADS, len(items)), thread_name_prefix="registry") as pool:
        return list(pool.map(function, items))


def _fill_tags(rows, read, problems):
    def attempt(row):
        try:
            return read(row), None
        except Cancelled:
            raise
        except BackendError as exc:
            return None, exc
    failures = []
    for row, (tags, failure) in zip(rows, _parallel(attempt, rows)):
        row["Tags"] = tags
        if failure is not None:
            failures.append(failure)
    if failures:  # Hub's tags fail for one reason (unreachable, refused): say it once
        problems.append(failures[0].to_dict())


METHODS = {
    "registry.search": search,
}
