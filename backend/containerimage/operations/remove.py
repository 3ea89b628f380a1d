"""Removing images: one by one with dependency protection (image.remove), and pruning (image.prune).

The seed's rule: an image cannot be removed while any container, even a stopped one, depends on it, that is
runs it or runs an image built on it (docker commit, docker build). The engine alone refuses only for a
container of that very image, and names just the first one; so the dependents are found first, with the
engine's `ancestor` container filter, and a refusal names every one of them. As docker does, removing one
tag of an image that has others only untags it, whoever uses the image. Force removes anyway (the engine
still never deletes the image of a running container: asked by name, it then only untags it).

Space reclaimed: among what it deleted, the engine names the layers it freed (their chain ids); each is
sized from the image's history, read before the removal.

Pruning computes its plan itself (what the engine's prune would take, but where an image a container
depends on is never touched), so that a dry run lists exactly what a real run removes; the real run then
removes those images one by one, children before parents, each without force.
"""

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List, Optional

import docker.errors

from .. import reference
from ..errors import Conflict, InvalidParams, NotFound, translate
from . import images, retention


# -------------------------------------------------------------------------------------------- remove

def remove_image(ctx, name: Optional[str] = None, id: Optional[str] = None, tag: Optional[str] = None,
                 force: bool = False, no_prune: bool = False, dry_run: bool = False):
    """Remove an image, or only untag it when the reference given is one of several.

    name is a reference (a name without tag means :latest) or, as for docker, an id; id is an id prefix.
    The result: Image (as given), Id, FullId, Untagged and Deleted (image ids) as the engine reports them,
    SpaceReclaimed (bytes). With dry_run nothing is removed and the result says what would be: Action
    ("Untag" or "Delete"), Untagged, and Containers (the dependents that force overrides). A refusal is
    a Conflict naming every dependent container, in a dry run too."""
    name, shown = _checked_target(name, id, tag)
    api = ctx.engine.client()
    config, target = images.find_image(api, name=name, id=id)
    plan = _plan(api, config, target, shown, force)
    if dry_run:
        return plan
    sizes = _layer_sizes(api, config)
    try:
        records = api.remove_image(target, force=force, noprune=no_prune)
    except docker.errors.APIError as exc:
        raise _refused(translate(exc, shown, ctx.engine), shown, config) from exc
    return _result(shown, config, records, sizes)


def _checked_target(name, id, tag):
    """(name with its tag, the name or id as shown in messages) of a removal, or InvalidParams/InvalidReference."""
    if (name is None) == (id is None):
        raise InvalidParams("Give the name or the id of the image to remove (one of them).", name or id)
    if tag is not None:
        if name is None:
            raise InvalidParams("A tag goes with a name, not with an id.", tag)
        name = _with_tag(name, tag)
    images.check_image_argument(name, id)
    return name, name if name is not None else id


def _with_tag(name, tag):
    ref = reference.parse(name)
    reference.parse(f"{ref.repository}:{tag}")  # validates the tag
    if ref.digest or (ref.tag and ref.tag != tag):
        raise InvalidParams(f"'{name}' already names {'a digest' if ref.digest else f'tag {ref.tag!r}'} but tag "
                            f"'{tag}' was also given.", name)
    return f"{ref.repository}:{tag}"


def _plan(api, config, target, shown, force, dependents_of=None):
    """What removing target does: untag only, or delete (refused, unless forced, while containers depend).
    dependents_of(image id) gives the dependent containers (default: the engine's ancestor filter)."""
    full_id = config["Id"]
    tags, digests = _refs(config.get("RepoTags")), _refs(config.get("RepoDigests"))
    if target == full_id:
        # By id the engine removes every reference, but refuses an image of several repositories unless forced.
        if not force and not _single_reference(tags, digests):
            raise Conflict(f"The image {images.short_id(full_id)} has several names ({', '.join(tags + digests)}): remove "
                           "them by name (each only untags while others remain), or force the removal to remove "
                           "them all.", shown, image=full_id)
        untagged, action = tags + digests, "Delete"
    else:
        untagged = _untagged_by(target, tags, digests)
        action = "Untag" if [r for r in tags + digests if r not in untagged] else "Delete"
    containers = (dependents_of or (lambda image: dependents(api, image)))(full_id) if action == "Delete" else []
    if containers and not force:
        raise Conflict(_busy_message(shown, full_id, containers), shown, image=full_id, containers=containers)
    return {"Image": shown, "Id": images.short_id(full_id), "FullId": full_id, "Action": action, "Untagged": untagged,
            "Containers": containers}


def dependents(api, image_id):
    """The containers, running or not, of the image or of any image built on it (parent chain)."""
    return [dict(images.container_row(c), Image=c.get("Image"), ImageId=c.get("ImageID"))
            for c in api.containers(all=True, trunc=False, filters={"ancestor": image_id})]


def _busy_message(shown, image_id, containers):
    described = []
    for c in containers:
        text = f"{c['Id']} '{c['Name']}' ({c['State']}"
        if c["ImageId"] != image_id:  # the engine shows the name the container was created with, or an id
            shown_image = images.short_id(c["Image"]) if (c["Image"] or "").startswith("sha256:") else c["Image"]
            text += f", of the image {shown_image} built on it"
        described.append(text + ")")
    many = len(containers) > 1
    return (f"The image '{shown}' ({images.short_id(image_id)}) cannot be removed: {len(containers)} "
            f"container{'s' if many else ''} depend{'' if many else 's'} on it: {'; '.join(described)}. "
            f"Remove {'them' if many else 'it'} first, or force the removal.")


def _refs(values):
    return [v for v in values or [] if v not in ("<none>:<none>", "<none>@<none>")]


def _repository(ref):
    return ref.rpartition("@")[0] if "@" in ref else reference.split_pattern(ref)[0]


def _untagged_by(target, tags, digests):
    """The references removing target takes away: the engine drops a repository's digests with its last tag."""
    if "@" in target:
        return [target]
    repository = _repository(target)
    if any(_repository(t) == repository for t in tags if t != target):
        return [target]
    return [target] + [d for d in digests if _repository(d) == repository]


def _single_reference(tags, digests):
    """The engine's rule for removing by id without force: at most one tag, digests of its repository only."""
    if len(tags) + len(digests) <= 1:
        return True
    if len(tags) > 1:
        return False
    repositories = {_repository(d) for d in digests}
    return len(repositories) == 1 and _repository((tags or digests)[0]) in repositories


def _refused(error, shown, config):
    """The engine's conflict (a running container, child images), framed to name the image."""
    if error.kind != "Conflict":
        return error
    reason = error.message.rpartition(" - ")[2] if " - " in error.message else error.message
    return Conflict(f"The image '{shown}' ({images.short_id(config['Id'])}) cannot be removed: {reason}.", shown,
                    image=config["Id"])


def _result(shown, config, records, sizes):
    untagged = [r["Untagged"] for r in records if "Untagged" in r]
    deleted = [r["Deleted"] for r in records if "Deleted" in r]
    return {"Image": shown, "Id": images.short_id(config["Id"]), "FullId": config["Id"], "Untagged": untagged,
            "Deleted": [d for d in deleted if d not in sizes],  # the others are layers
            "SpaceReclaimed": sum(sizes[d] for d in deleted if d in sizes)}


# -------------------------------------------------------------------------------------- remove many

_ITEM_KEYS = {"name": str, "id": str, "tag": str, "force": bool, "no_prune": bool}


# DELETEs in flight at once in a batch: the engine serves them in parallel. Measured on the sandbox engine,
# 300 untags: one at a time 715 ms, two 540 ms, four 488 ms; `docker rmi` of the same 300: 549 ms.
REMOVAL_THREADS = 2
# From this many items on, a batch lists all images and containers once instead of asking the engine about
# each item: on a host of 20,000 images a listing costs far more than the few lookups of a small batch.
LISTED_BATCH = 8


def remove_images(ctx, items: List[dict], dry_run: bool = False, sizes: bool = True, stop_on_error: bool = False):
    """image.remove for each item ({name | id, tag, force, no_prune}), as if each were its own request, in
    order, but at the cost of one engine call per image (what `docker rmi a b c` pays): the images and
    containers are listed once, names are looked up in that listing (kept up to date as the batch plans its
    removals), and dependents are found from it; only a name the listing does not have is asked of the
    engine. Every item is planned first, in order (a refusal or a bad name is known before anything is
    removed); then the removals run, the names of one image in the order given (so the same one deletes
    the image as in a run one by one), different images REMOVAL_THREADS at a time.

    With dry_run, each plan is made as though the items before it had been removed (so a second tag of the
    same image plans a Delete). sizes=False leaves SpaceReclaimed out (0), sparing two engine calls per
    image; the caller asks for it only when it shows it. Returns {"results": [{"result": ...} or
    {"error": ...}]}, one per item: a failure (refusal, not found, ...) does not stop the items after it,
    unless stop_on_error (PowerShell's -ErrorAction Stop): then all go one at a time in the order given,
    and the items after the first failure are not tried (their answer is null)."""
    state = _Listing(ctx.engine, listed=len(items) >= LISTED_BATCH)
    answers = [None] * len(items)
    per_image = {}  # image id -> the planned removals of its names, in the order given
    for index, item in enumerate(items):
        ctx.check_cancelled()
        shown = _shown(item)
        try:
            planned = _plan_listed(state, _item_params(item))
        except Exception as exc:  # one image that fails does not stop the others
            answers[index] = {"error": translate(exc, shown, ctx.engine).to_dict()}
            if stop_on_error:
                break
            continue
        if dry_run:
            answers[index] = {"result": planned["plan"]}
        else:
            per_image.setdefault(planned["config"]["Id"], []).append((index, planned))

    def remove_names(removals):
        for index, planned in removals:
            if ctx.cancelled:
                return
            try:
                answers[index] = {"result": _remove_planned(state.api, planned, sizes)}
            except Exception as exc:
                answers[index] = {"error": translate(exc, planned["shown"], ctx.engine).to_dict()}
                if stop_on_error:
                    return

    if stop_on_error or not state.listed or _related(state, per_image):
        # A small batch, or a parent and its child among the images (the engine's answer depends on which
        # goes first: a parent given by id is refused while its child exists): all in the order given.
        remove_names(sorted((entry for entries in per_image.values() for entry in entries), key=lambda e: e[0]))
    elif len(per_image) == 1:
        remove_names(next(iter(per_image.values())))
    elif per_image:
        with ThreadPoolExecutor(REMOVAL_THREADS, thread_name_prefix="remove") as pool:
            list(pool.map(remove_names, per_image.values()))
    ctx.check_cancelled()
    return {"results": answers}


def _related(state, image_ids):
    """Whether one of these images is a parent (or further ancestor) of another, by the listing's parents."""
    for image_id in image_ids:
        parent, seen = state.parents.get(image_id), set()
        while parent and parent not in seen:
            if parent in image_ids:
                return True
            seen.add(parent)
            parent = state.parents.get(parent)
    return False


def _shown(item):
    if not isinstance(item, dict):
        return None
    return item.get("name") if item.get("name") is not None else item.get("id")


def _item_params(item):
    if not isinstance(item, dict):
        raise InvalidParams(f"Each item must be an object of name or id, tag, force, no_prune; not {item!r}.", None)
    for key, value in item.items():
        expected = _ITEM_KEYS.get(key)
        if expected is None:
            raise InvalidParams(f"Unknown item param '{key}'.", key)
        if value is not None and not (isinstance(value, expected) and (expected is bool) == isinstance(value, bool)):
            raise InvalidParams(f"Item param '{key}' must be {'true or false' if expected is bool else 'a string'}.",
                                key)
    return {key: item.get(key) for key in _ITEM_KEYS}


def _plan_listed(state, params):
    """The plan of one item of a batch, from the batch's listing, which then forgets what the plan removes."""
    id, force, no_prune = params["id"], bool(params["force"]), bool(params["no_prune"])
    name, shown = _checked_target(params["name"], id, params["tag"])
    config, target = state.find(name, id)
    plan = _plan(state.api, config, target, shown, force, state.dependents)
    state.forget(plan["FullId"], plan["Untagged"], plan["Action"] == "Delete")
    return {"plan": plan, "shown": shown, "config": config, "target": target, "force": force, "no_prune": no_prune}


def _remove_planned(api, planned, sizes):
    """Carry out one planned removal; the result says what the engine did."""
    config, shown = planned["config"], planned["shown"]
    layer_sizes = {}
    if sizes:
        config = api.inspect_image(config["Id"])  # the listing has no layers
        layer_sizes = _layer_sizes(api, config)
    try:
        records = api.remove_image(planned["target"], force=planned["force"], noprune=planned["no_prune"])
    except docker.errors.APIError as exc:
        raise _refused(translate(exc, shown), shown, config) from exc
    return _result(shown, config, records, layer_sizes)


class _Listing:
    """The engine's images and containers, listed once for a batch of removals and kept up to date as the
    batch removes (or, in a dry run, plans to remove) names and images. Listed on first use: a batch of
    malformed names never reaches the engine. With listed=False (a small batch) nothing is listed: names
    and dependents are asked of the engine, and only what the batch removes is remembered."""

    def __init__(self, engine, listed=True):
        self._engine = engine
        self.listed = listed
        self.api = None
        self.gone_refs = set()
        self.gone_images = set()

    def _load(self):
        if self.api is not None:
            return
        api = self._engine.client()
        self.images = {}   # image id -> {"Id", "RepoTags", "RepoDigests"}, as an inspect has them
        self.refs = {}     # "repo:tag" or "repo@digest", as the engine lists it -> image id
        self.parents = {}  # image id -> parent image id
        if not self.listed:
            self.api = api
            return
        for summary in api.images(all=True):
            image_id = summary["Id"]
            tags, digests = _refs(summary.get("RepoTags")), _refs(summary.get("RepoDigests"))
            self.images[image_id] = {"Id": image_id, "RepoTags": tags, "RepoDigests": digests}
            self.parents[image_id] = summary.get("ParentId") or None
            for ref in tags + digests:
                self.refs[ref] = image_id
        self.containers = api.containers(all=True, trunc=False)
        self.api = api

    def find(self, name, id):
        """As images.find_image, from the listing when it has the name."""
        self._load()
        if self.listed and name is not None and id is None and not name.strip().lower().startswith("sha256:"):
            ref = reference.parse(name)
            target = ref.repository + (f"@{ref.digest}" if ref.digest else f":{ref.tag or reference.DEFAULT_TAG}")
            if target in self.refs:
                return dict(self.images[self.refs[target]]), target
            if target in self.gone_refs:
                looked_for = f" (looked for {target})" if target != name else ""
                raise NotFound(f"No image '{name}' on this engine{looked_for}.", name)
        config, target = images.find_image(self.api, name=name, id=id)
        if config["Id"] in self.gone_images:
            raise NotFound(f"No image {'with id ' if name is None else ''}'{name or id}' on this engine.", name or id)
        config = dict(config, RepoTags=[r for r in _refs(config.get("RepoTags")) if r not in self.gone_refs],
                      RepoDigests=[r for r in _refs(config.get("RepoDigests")) if r not in self.gone_refs])
        return config, target

    def dependents(self, image_id):
        """As dependents(): the containers of the image or of an image whose parent chain reaches it."""
        if not self.listed:
            return dependents(self.api, image_id)
        found = []
        for container in self.containers:
            image, seen = container.get("ImageID"), set()
            while image and image not in seen:
                if image == image_id:
                    found.append(dict(images.container_row(container), Image=container.get("Image"),
                                      ImageId=container.get("ImageID")))
                    break
                seen.add(image)
                image = self.parents.get(image)
        return found

    def forget(self, image_id, untagged, deleted):
        """Names removed from an image, and whether the image itself went."""
        listed = self.images.get(image_id)
        gone = set(untagged)
        if deleted:
            self.gone_images.add(image_id)
            self.images.pop(image_id, None)
            if listed:
                gone.update(listed["RepoTags"] + listed["RepoDigests"])
        elif listed:
            listed["RepoTags"] = [r for r in listed["RepoTags"] if r not in gone]
            listed["RepoDigests"] = [r for r in listed["RepoDigests"] if r not in gone]
        for ref in gone:
            self.refs.pop(ref, None)
        self.gone_refs.update(gone)


# ------------------------------------------------------------------------------------------- layers

def _layer_sizes(api, config):
    """chain id -> size in bytes of each of the image's layers (its parents' are a prefix of them)."""
    layers = (config.get("RootFS") or {}).get("Layers") or []
    if not layers:
        return {}
    try:
        history = api.history(config["Id"])
    except docker.errors.APIError:  # no history: the layers are still told apart, only not weighed
        history = []
    sizes = _sizes_per_layer([entry.get("Size") or 0 for entry in reversed(history)], len(layers))
    return dict(zip(chain_ids(layers), sizes))


def _sizes_per_layer(entry_sizes, count):
    """The history has one entry per layer, oldest first, plus entries of steps that added none (size 0).
    When there are more entries than layers, the empty ones are dropped; a layer that weighs nothing
    cannot be told from them, so the weighed ones are taken as the topmost layers."""
    if len(entry_sizes) == count:
        return entry_sizes
    weighed = [s for s in entry_sizes if s > 0][-count:]
    return [0] * (count - len(weighed)) + weighed


def chain_ids(layers):
    """The engine's ids of a layer stack: each layer's chain id digests the chain below it and its diff id."""
    chains = []
    for layer in layers:
        chains.append(layer if not chains else
                      "sha256:" + hashlib.sha256(f"{chains[-1]} {layer}".encode("ascii")).hexdigest())
    return chains


# --------------------------------------------------------------------------------------------- prune

def prune_images(ctx, unused: bool = False, label: Optional[List[str]] = None, dry_run: bool = False,
                 ids: Optional[List[str]] = None, older_than: Optional[int] = None,
                 keep_latest: Optional[int] = None):
    """Remove the dangling images (untagged, no image built on them), or with unused every image no
    container depends on; with label, only those with these labels ("key" or "key=value", all must match).
    Untagged parents left with no child go too. No image a container depends on is ever removed.

    dry_run: {"images": the plan}, children before parents, each {Image, Id, FullId, Tags, Digests, Size,
    Created, Reason, Policy}. Else {"results": a removal result per image, "errors": [...], "SpaceReclaimed"};
    with ids (full ids from a plan), only those, each still checked: one no longer in the plan is an error.

    With unused, a retention policy may narrow the plan (retention.py): older_than (seconds), keep_latest
    (per repository); then no image that a kept image is built on goes either. Policy says why each goes."""
    policy = older_than is not None or keep_latest is not None
    if policy:
        retention.check(older_than, keep_latest)
        if not unused:
            raise InvalidParams("A retention policy (older_than, keep_latest) goes with unused.", "unused")
    api = ctx.engine.client()
    plan = _prune_plan(api, unused, label or [], older_than, keep_latest) if policy else _prune_plan(api, unused, label or [])
    if dry_run:
        return {"images": plan}
    problems = []
    if ids is not None:
        planned, chosen = {item["FullId"] for item in plan}, set(ids)
        for image_id in ids:
            if image_id not in planned:
                problems.append(Conflict(f"The image {images.short_id(image_id)} was not removed: it is no longer "
                                         f"{'unused' if unused else 'dangling'} (or no longer on the engine).",
                                         images.short_id(image_id), image=image_id).to_dict())
        plan = [item for item in plan if item["FullId"] in chosen]
    results = []
    for item in plan:
        ctx.check_cancelled()
        try:
            results.append(_prune_one(api, item))
        except Exception as exc:  # one image that fails does not stop the others
            error = translate(exc, item["Image"], ctx.engine)
            if isinstance(exc, docker.errors.APIError):
                error = _refused(error, item["Image"], {"Id": item["FullId"]})
            problems.append(error.to_dict())
    return {"results": results, "errors": problems, "SpaceReclaimed": sum(r["SpaceReclaimed"] for r in results)}


def _prune_plan(api, unused, labels, older_than=None, keep_latest=None):
    summaries = {s["Id"]: s for s in api.images(all=True)}
    parents = {i: s.get("ParentId") or None for i, s in summaries.items()}
    children = {}
    for image_id, parent in parents.items():
        if parent:
            children.setdefault(parent, set()).add(image_id)
    in_use = set()  # the images of containers and every image they are built on
    for container in api.containers(all=True, trunc=False):
        image_id = container.get("ImageID")
        while image_id and image_id not in in_use:
            in_use.add(image_id)
            image_id = parents.get(image_id)

    def refs(image_id):
        return _refs(summaries[image_id].get("RepoTags")), _refs(summaries[image_id].get("RepoDigests"))

    reasons = {}
    for image_id, summary in summaries.items():
        if image_id in in_use or not _labels_match(summary.get("Labels") or {}, labels):
            continue
        tags, digests = refs(image_id)
        if unused and (tags or digests or not children.get(image_id)):  # not an intermediate: those follow their children
            reasons[image_id] = "unused"
        elif not unused and not tags and not children.get(image_id):
            reasons[image_id] = "dangling"
    policies = {}
    policy = older_than is not None or keep_latest is not None
    if policy:
        policies = _policy(api, summaries, children, reasons, older_than, keep_latest)
        reasons = {image_id: reason for image_id, reason in reasons.items() if image_id in policies}
    # Parents with no name left and no other child go with their last child, as the engine prunes them.
    pending = list(reasons)
    while pending:
        parent = parents.get(pending.pop())
        if (parent in summaries and parent not in reasons and parent not in in_use and refs(parent) == ([], [])
                and children.get(parent, set()) <= reasons.keys()):
            reasons[parent] = "parent"
            pending.append(parent)
    order = sorted(reasons, key=lambda i: (-_depth(parents, i), -summaries[i].get("Created", 0), i))
    plan = [_plan_item(summaries[i], reasons[i]) for i in order]
    for item in plan if policy else ():
        item["Policy"] = policies.get(item["FullId"])  # why the policy lets it go (None: a parent that follows)
    return plan


def policy_selection(api, candidates, older_than=None, keep_latest=None):
    """{image id: why} of the candidate images (full ids, none a container uses) that a retention policy
    lets go (retention.py): what Remove-ContainerImage -Unused -OlderThan -KeepLatest and a Sync image
    list's Prune: section both use."""
    summaries = {s["Id"]: s for s in api.images(all=True)}
    children = {}
    for image_id, summary in summaries.items():
        if summary.get("ParentId"):
            children.setdefault(summary["ParentId"], set()).add(image_id)
    return _policy(api, summaries, children, [i for i in candidates if i in summaries], older_than, keep_latest)


def _policy(api, summaries, children, candidates, older_than, keep_latest):
    """{image id: why} of the candidates a retention policy lets go (retention.select), over the images
    that are not intermediate (an intermediate follows its children), with images.descendants telling which
    images are built on which."""
    everything = {}
    for image_id, summary in summaries.items():
        tags, digests = _refs(summary.get("RepoTags")), _refs(summary.get("RepoDigests"))
        if tags or digests or not children.get(image_id):
            everything[image_id] = {"Created": summary.get("Created", 0),
                                    "Repositories": [_repository(r) for r in tags + digests]}
    parents = {i: s.get("ParentId") or None for i, s in summaries.items()}

    def built_on(base_id, kept):
        base = {"Id": base_id, "RootFS": {"Layers": list(images._layers_of(api, [base_id]).get(base_id, ()))}}
        size = summaries[base_id].get("Size", 0)
        return bool(images.descendants(api, base, [i for i in kept if summaries[i].get("Size", 0) >= size],
                                       parents=parents))

    return retention.select([i for i in candidates if i in everything], everything, time.time(), older_than,
                            keep_latest, built_on)


def _depth(parents, image_id):
    depth, seen = 0, set()
    while parents.get(image_id) and image_id not in seen:
        seen.add(image_id)
        image_id = parents[image_id]
        depth += 1
    return depth


def _labels_match(labels, wanted):
    for condition in wanted:
        key, equals, value = condition.partition("=")
        if key not in labels or (equals and labels[key] != value):
            return False
    return True


def _plan_item(summary, reason):
    tags, digests = _refs(summary.get("RepoTags")), _refs(summary.get("RepoDigests"))
    return {"Image": (tags or digests or ["<none>"])[0], "Id": images.short_id(summary["Id"]), "FullId": summary["Id"],
            "Tags": tags, "Digests": digests, "Size": summary.get("Size", 0),
            "Created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(summary.get("Created", 0))),
            "Reason": reason}


def _prune_one(api, item):
    """Remove one planned image without force: its names one by one (the last one deletes it), or its id."""
    config = api.inspect_image(item["FullId"])
    sizes = _layer_sizes(api, config)
    records = remove_by_names(api, item["FullId"], item["Tags"] + item["Digests"], noprune=True)
    return _result(item["Image"], config, records, sizes)


def remove_by_names(api, image_id, refs, noprune=False):
    """Remove an image without force (so a container created since it was planned still protects it): by
    its names one by one, the last one deleting it, or by its id when it has none. The engine's records."""
    if not refs:
        return api.remove_image(image_id, noprune=noprune)
    records = []
    for ref in refs:
        try:
            records += api.remove_image(ref, noprune=noprune)
        except docker.errors.NotFound:
            if "@" not in ref:  # digests go with their repository's last tag
                raise
    return records


METHODS = {
    "image.remove": remove_image,
    "image.remove_many": remove_images,
    "image.prune": prune_images,
}
