"""image.sync: make the engine hold exactly the images an image list names (Sync-ContainerImage).

The image list is YAML; keys are matched case-insensitively, and anything else is an error (a mistyped
"Digets" must not silently leave an image unpinned):

    Images:
      - Name: microsoft/nanoserver          # repository, optionally with :tag or @digest
        Tag: '1809'                         # optional, default latest
        Digest: sha256:4f5c...              # optional: exactly this content
      - registry.example.com:5000/team/app:1.2   # a plain reference is fine too
      - Name: mcr.microsoft.com/windows/servercore:ltsc2022
        Latest: true                        # optional: also what the registry serves now (no Digest then)
    Engine: web1                            # optional: the engine(s) the list is for (a name or a list)

Each listed image is brought to its desired state by state.py (Install when missing, Update when its
content is not the pinned digest, or with Latest: true when the registry has a newer version; a tag without
a pin or Latest is not checked against the registry, see state.py).
With prune, every other image goes: an image with a listed tag loses only its other tags (Untag), an image
with none is removed (Remove) unless a container depends on it (Keep, naming the containers).

A Prune: section makes pruning part of the list, by a retention policy (retention.py), as
Remove-ContainerImage -Unused -OlderThan -KeepLatest does; every sync then removes the unlisted images no
container depends on that the policy lets go (the other unlisted images are left alone, untagged or not):

    Prune:
      OlderThan: 30d      # only images created longer ago (a number with s, m, h, d or w)
      KeepLatest: 3       # in each repository, the 3 newest images stay (listed ones count)

The file is read and checked completely before anything changes: a bad file is one InvalidData naming the
file, line and column. A dry run gives the plan; a real run recomputes it (what changed since is taken
into account), applies the changes whose Key the caller confirmed (all when `only` is not given), and
reports each failure without stopping the others.
"""

import collections
from dataclasses import dataclass
from typing import List, Optional


from ..errors import BackendError, InvalidData, InvalidParams, NotFound, PermissionDenied, translate
from . import images, remove, retention, state

ITEM_KEYS = ("Name", "Tag", "Digest", "Latest")
PRUNE_KEYS = ("OlderThan", "KeepLatest")
_BOOLEANS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


@dataclass(frozen=True)
class Item:
    want: state.Desired
    line: int  # 1-based, where the item starts in the file


# ------------------------------------------------------------------------------------------ the file

ImageList = collections.namedtuple("ImageList", "items prune engines")


def read_image_list(path):
    """[Item] from the file; NotFound, PermissionDenied or one InvalidData naming file, line and column."""
    return read_list(path)[0]


def read_list(path):
    """ImageList(items: [Item], prune: the Prune: policy {"older_than", "keep_latest"} or None, engines: the
    engines its Engine key names, [] when none) from the file; NotFound, PermissionDenied or one InvalidData
    naming file, line and column."""
    import yaml  # PyYAML: imported by the first image list read, not by every start of the backend
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise NotFound(f"The image list '{path}' does not exist.", path) from None
    except IsADirectoryError:
        raise InvalidParams(f"'{path}' is a folder, not an image list file.", path) from None
    except PermissionError:
        raise PermissionDenied(f"The image list '{path}' cannot be read: permission denied.", path) from None
    except UnicodeDecodeError as exc:
        raise InvalidData(f"{path}: the image list is not UTF-8 text ({exc.reason} at byte {exc.start}).", path,
                          path=path) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise _problem(path, mark, f"this is not valid YAML: {exc.problem or exc.context}.") from None
    except yaml.YAMLError as exc:
        raise InvalidData(f"{path}: this is not valid YAML: {exc}", path, path=path) from None
    if root is None:
        raise InvalidData(f"{path}, line 1, column 1: the image list is empty; it must hold 'Images:', a list of "
                          "images.", path, path=path, line=1, column=1)
    images_node, engines = _images_node(path, root)
    items, seen = [], {}
    for node in images_node.value:
        item = _item(path, node)
        first = seen.get(item.want.reference)
        if first is not None:
            raise _problem(path, node.start_mark, f"{item.want.reference} is listed twice (first on line {first}).")
        seen[item.want.reference] = item.line
        items.append(item)
    return ImageList(items, _prune_policy(path, root), engines)


def _images_node(path, root):
    import yaml
    if not isinstance(root, yaml.MappingNode):
        raise _problem(path, root.start_mark, "the image list must be a mapping with the key 'Images'.")
    found, engines = None, []
    for key, value in root.value:
        if _key(key) == "prune":
            continue  # _prune_policy
        if _key(key) == "engine":
            engines = _engines(path, value)
            continue
        if _key(key) != "images":
            raise _problem(path, key.start_mark,
                           f"unknown key '{key.value}': the keys are 'Images', 'Engine' and 'Prune'.")
        found = value
    if found is None:
        raise _problem(path, root.start_mark, "the key 'Images' is missing.")
    if isinstance(found, yaml.ScalarNode) and found.tag == "tag:yaml.org,2002:null":
        return yaml.SequenceNode("tag:yaml.org,2002:seq", []), engines  # "Images:" with nothing: an empty list
    if not isinstance(found, yaml.SequenceNode):
        raise _problem(path, found.start_mark, "'Images' must be a list (each item '- Name: ...').")
    return found, engines


def _engines(path, node):
    """The Engine key: one engine name (a docker context, an address or 'default'), or a list of them."""
    import yaml
    nodes = node.value if isinstance(node, yaml.SequenceNode) else [node]
    names = []
    for item in nodes:
        name = _text(path, item, "Engine (a docker context name, an address or 'default')")
        if name not in names:
            names.append(name)
    if not names:
        raise _problem(path, node.start_mark, "Engine must name at least one engine.")
    return names


def _prune_policy(path, root):
    """The Prune: section as {"older_than": seconds or None, "keep_latest": n or None}; None without one."""
    import yaml
    node = next((value for key, value in root.value if _key(key) == "prune"), None)
    if node is None:
        return None
    if not isinstance(node, yaml.MappingNode) or not node.value:
        raise _problem(path, node.start_mark, "'Prune' must be a mapping with OlderThan and/or KeepLatest (to remove "
                                              "every unlisted image, use -Prune instead).")
    policy = {"older_than": None, "keep_latest": None}
    for key, value in node.value:
        known = next((k for k in PRUNE_KEYS if k.lower() == _key(key)), None)
        if known is None:
            raise _problem(path, key.start_mark, f"unknown key '{key.value}': Prune has {', '.join(PRUNE_KEYS)}.")
        text = _text(path, value, known)
        if known == "OlderThan":
            try:
                policy["older_than"] = retention.parse_span(text)
            except ValueError as exc:
                raise _problem(path, value.start_mark, f"OlderThan {exc}.") from None
        else:
            if not text.isdigit() or int(text) < 1:
                raise _problem(path, value.start_mark, f"KeepLatest '{text}' must be a whole number, 1 or more (to keep "
                                                       "no image of a repository, leave KeepLatest out).")
            policy["keep_latest"] = int(text)
    return policy


def _item(path, node):
    import yaml
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        return Item(_desired(path, node, name=_text(path, node, "the image")), line)
    if not isinstance(node, yaml.MappingNode):
        raise _problem(path, node.start_mark, "an image must be a reference or a mapping with Name, Tag, Digest.")
    fields = {}
    for key, value in node.value:
        known = next((k for k in ITEM_KEYS if k.lower() == _key(key)), None)
        if known is None:
            raise _problem(path, key.start_mark, f"unknown key '{key.value}': an image has {', '.join(ITEM_KEYS)}.")
        fields[known] = (_text(path, value, known), value)
    if "Name" not in fields:
        raise _problem(path, node.start_mark, "this image has no Name.")
    name, name_node = fields["Name"]
    tag, tag_node = fields.get("Tag", (None, None))
    digest, digest_node = fields.get("Digest", (None, None))
    latest, latest_node = fields.get("Latest", (None, None))
    if latest is not None:
        if latest.lower() not in _BOOLEANS:
            raise _problem(path, latest_node.start_mark, f"Latest must be true or false, not '{latest}'.")
        latest = _BOOLEANS[latest.lower()]
        try:
            state.desired(name, tag, "Present", digest, latest)
        except BackendError as exc:
            raise _problem(path, latest_node.start_mark, exc.message) from None
    try:
        if tag is not None:
            state.desired(name, tag)
    except BackendError as exc:
        raise _problem(path, tag_node.start_mark, exc.message) from None
    try:
        if digest is not None:
            state.desired(name, digest=digest)
    except BackendError as exc:
        raise _problem(path, digest_node.start_mark, exc.message) from None
    return Item(_desired(path, name_node, name, tag, digest, bool(latest)), line)


def _desired(path, node, name, tag=None, digest=None, latest=False):
    try:
        return state.desired(name, tag, "Present", digest, latest)
    except BackendError as exc:
        raise _problem(path, node.start_mark, exc.message) from None


def _text(path, node, what):
    import yaml
    if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null" or not node.value.strip():
        raise _problem(path, node.start_mark, f"{what} must be a text value.")
    return node.value.strip()


def _key(node):
    import yaml
    return node.value.lower() if isinstance(node, yaml.ScalarNode) else None


def _problem(path, mark, what):
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    return InvalidData(f"{path}, line {line}, column {column}: {what}", path, path=path, line=line, column=column)


# ------------------------------------------------------------------------------------------ the plan

def plan_listed(api, items, ctx=None):
    """(changes, current): an Install or Update change per listed image not in its desired state, and the
    state of those that are. ctx: for the registry check of the items with Latest."""
    changes, current = [], []
    for item in items:
        found = state.get(api, item.want, ctx)
        if found["InDesiredState"]:
            current.append({"Name": found["Name"], "Tag": found["Tag"], "Digest": found["Digest"],
                            "Id": images.short_id(found["Id"]), "Line": item.line})
            continue
        action = "Install" if found["Ensure"] == "Absent" else "Update"
        changes.append(_change(action, item.want.repository, item.want.tag, item.want.digest or found["Digest"],
                               old=found["Id"], reason=found["Reasons"][0]["Phrase"], line=item.line,
                               key=f"{action} {item.want.reference}", item=item, before=found))
    return changes, current


def plan_prune(api, items, moving=None, policy=None):
    """Untag, Remove and Keep changes for what the list does not name. moving: image id -> the listed
    references an Update will take away from it (a dry run's forecast of the images updates leave).
    With a policy (the Prune: section), only Remove changes: of the unlisted images no container depends on,
    those the policy lets go."""
    if policy is not None:
        return _plan_policy(api, items, moving or {}, policy)
    listed = {item.want.reference for item in items}
    moving = moving or {}
    changes = []
    for summary in sorted(api.images(), key=lambda s: s.get("Created", 0)):
        image_id = summary["Id"]
        tags = [t for t in summary.get("RepoTags") or [] if t != "<none>:<none>"]
        digests = [d for d in summary.get("RepoDigests") or [] if d != "<none>@<none>"]
        staying = [t for t in tags if t in listed and t not in moving.get(image_id, ())]
        if staying:
            for tag in tags:
                if tag not in listed:
                    repository, _, name_tag = tag.rpartition(":")
                    changes.append(_change("Untag", repository, name_tag, None, old=image_id, key=f"Untag {tag}",
                                           reason=f"{tag} is not listed; the image stays as {', '.join(staying)}.",
                                           refs=[tag]))
            continue
        refs = [t for t in tags if t not in moving.get(image_id, ())] + digests
        shown = (tags or digests or ["<none>"])[0]
        repository, tag = _split(shown)
        users = remove.dependents(api, image_id)
        if users:
            described = ", ".join(f"{c['Id']} '{c['Name']}' ({c['State']})" for c in users)
            changes.append(_change("Keep", repository, tag, None, old=image_id, key=f"Keep {image_id}",
                                   reason=f"{shown} is not listed, but {len(users)} container"
                                          f"{'s depend' if len(users) > 1 else ' depends'} on it: {described}.",
                                   containers=users))
            continue
        replaced = [t for t in tags if t in moving.get(image_id, ())]
        why = (f"{', '.join(replaced)} moves to the pinned image; nothing else names this one" if replaced
               else f"{', '.join(tags or digests) or 'this untagged image'} is not listed")
        changes.append(_change("Remove", repository, tag, None, old=image_id, key=f"Remove {image_id}",
                               reason=f"{why}, and no container depends on it.", refs=refs))
    return changes


def _plan_policy(api, items, moving, policy):
    listed = {item.want.reference for item in items}
    candidates = {}
    used = {c.get("ImageID") for c in api.containers(all=True, trunc=False)}
    for summary in api.images():
        image_id = summary["Id"]
        tags = [t for t in summary.get("RepoTags") or [] if t != "<none>:<none>"]
        digests = [d for d in summary.get("RepoDigests") or [] if d != "<none>@<none>"]
        if [t for t in tags if t in listed and t not in moving.get(image_id, ())]:
            continue
        candidates[image_id] = (summary, tags, digests)
    # A container of an image built on a candidate protects it too (remove.dependents' rule).
    candidates = {i: c for i, c in candidates.items() if i not in used and not remove.dependents(api, i)}
    chosen = remove.policy_selection(api, list(candidates), policy["older_than"], policy["keep_latest"])
    changes = []
    for image_id, (summary, tags, digests) in sorted(candidates.items(), key=lambda c: c[1][0].get("Created", 0)):
        if image_id not in chosen:
            continue
        shown = (tags or digests or ["<none>"])[0]
        repository, tag = _split(shown)
        changes.append(_change("Remove", repository, tag, None, old=image_id, key=f"Remove {image_id}",
                               reason=f"{', '.join(tags or digests) or 'this untagged image'} is not listed, no container "
                                      f"depends on it, and the Prune policy lets it go: {chosen[image_id]}.",
                               refs=[t for t in tags if t not in moving.get(image_id, ())] + digests))
    return changes


def _split(ref):
    if "@" in ref:
        return ref.rpartition("@")[0], None
    if ref == "<none>":
        return None, None
    repository, _, tag = ref.rpartition(":")
    return (repository, tag) if "/" not in tag else (ref, None)


def _change(action, name, tag, digest, old=None, reason=None, line=None, key=None, **private):
    change = {"Action": action, "Name": name, "Tag": tag, "Digest": digest, "OldId": images.short_id(old), "NewId": None,
              "Reason": reason, "Line": line, "Key": key, "FullOldId": old, "Containers": private.pop("containers", [])}
    change["_"] = private  # what applying it needs; dropped before the change is sent
    return change


def _public(change):
    return {k: v for k, v in change.items() if k != "_"}


# ----------------------------------------------------------------------------------------- operation

def describe_image_list(ctx, path: str):
    """{engines, count}: the engines the image list names (its Engine key; [] when none) and how many
    images it lists, read and checked without the engine (so the caller can send the sync to them)."""
    items, _, engines = read_list(path)
    return {"engines": engines, "count": len(items)}


def sync_images(ctx, path: str, prune: bool = False, dry_run: bool = False, only: Optional[List[str]] = None):
    """{changes, current, errors}. dry_run: the plan, nothing changes. Else the changes made (those with a
    Key in only, when given; Keep changes are always reported), each with NewId, and one error per change
    that failed (the others go on)."""
    items, policy, _ = read_list(path)
    prune = prune or policy is not None  # a Prune: section prunes, by its policy, on every sync
    api = ctx.engine.client()
    listed, current = plan_listed(api, items, ctx)
    if dry_run:
        moving = {}
        for change in listed:
            if change["Action"] == "Update":
                moving.setdefault(change["FullOldId"], set()).add(change["_"]["item"].want.reference)
        pruned = plan_prune(api, items, moving, policy) if prune else []
        return {"changes": [_public(c) for c in listed + pruned], "current": current, "errors": []}

    chosen = None if only is None else set(only)
    done, problems = [], []
    selected = [c for c in listed if chosen is None or c["Key"] in chosen]
    for number, change in enumerate(selected, 1):
        item = change["_"]["item"]
        _progress(ctx, number, len(selected), f"{change['Action']} {item.want.reference}")
        try:
            outcome = state.apply(ctx, item.want, change["_"]["before"])
        except Exception as exc:
            problems.append(translate(exc, item.want.reference, ctx.engine).to_dict())
            continue
        change["NewId"] = images.short_id(outcome["NewId"])
        change["Digest"] = outcome["State"]["Digest"]
        done.append(change)
    if prune:
        pruned = plan_prune(api, items, policy=policy)
        selected = [c for c in pruned if c["Action"] != "Keep" and (chosen is None or c["Key"] in chosen)]
        for number, change in enumerate(selected, 1):
            _progress(ctx, number, len(selected), f"{change['Action']} {change['Name'] or change['OldId']}")
            try:
                _remove(api, change)
            except Exception as exc:
                problems.append(translate(exc, change["Name"] or change["OldId"], ctx.engine).to_dict())
                continue
            done.append(change)
        done += [c for c in pruned if c["Action"] == "Keep"]
    ctx.check_cancelled()
    return {"changes": [_public(c) for c in done], "current": current, "errors": problems}


def _remove(api, change):
    """Untag one name, or remove an image by its names one by one (the last one deletes it) or by id."""
    remove.remove_by_names(api, change["FullOldId"], change["_"]["refs"])


def _progress(ctx, number, total, what):
    ctx.progress(id="sync", activity=f"Image {number} of {total}: {what}", status=what, current=number, total=total)


METHODS = {
    "image.sync": sync_images,
    "image.sync_list": describe_image_list,
}
