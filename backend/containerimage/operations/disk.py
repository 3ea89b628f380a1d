"""Disk: what images cost (the engine's /system/df) and what removing a batch of them would free.

Sizes are the engine's own. /system/df weighs each image as the sum of its layers, and a layer as shared
when more than one (top-level) image holds it: SharedSize is the weight of an image's shared layers, and
docker system df -v shows Size - SharedSize as UNIQUE SIZE. The totals are docker system df's: the count
of images, the active ones (a container was created from them), the size of all layers (LayersSize), and
what is reclaimable by docker's rule (LayersSize less the unique size of the active images).

What a removal frees is worked out over the whole batch, layer by layer (chain ids, as the engine keys its
layer store): a layer goes when every image holding it goes, so a layer shared only among removed images
counts once and a layer a kept image still holds counts nothing. Each freed layer is weighed from the
history of an image holding it (the engine's own DiffSize), as image.remove weighs what it reclaimed.
"""

from typing import List

from . import images, remove


# ------------------------------------------------------------------------------------- /system/df

def totals(answer):
    """docker system df's Images row from a /system/df answer (docker/cli formatter/disk_usage.go):
    TotalCount, Active (images with a container), Size (all layers), Reclaimable (Size less what the
    active images hold alone)."""
    summaries = answer.get("Images") or []
    size = answer.get("LayersSize") or 0
    used = 0
    active = 0
    for summary in summaries:
        if summary.get("Containers", 0) > 0:
            active += 1
            virtual, shared = summary.get("VirtualSize", summary.get("Size", -1)), summary.get("SharedSize", -1)
            if virtual is not None and shared is not None and virtual >= 0 and shared >= 0:
                used += virtual - shared
    return {"Type": "Images", "TotalCount": len(summaries), "Active": active, "Size": size,
            "Reclaimable": size - used, "ReclaimablePercent": (size - used) * 100 // size if size > 0 else 0}


def disk_usage(ctx):
    """image.disk_usage: the totals of docker system df for images."""
    _, answer = images.engine_df(ctx.engine.client())
    return totals(answer)


# ------------------------------------------------------------------------------- what a batch frees

def freed_layers(layers, removed):
    """The pure arithmetic of a batch. layers: image id -> its chain ids (every image on the engine);
    removed: the ids of the images that go, in order. Returns image id -> the chain ids whose removal it
    is counted for: a layer goes when no kept image holds it, and is counted once, for the first removed
    image that holds it."""
    removed = list(dict.fromkeys(removed))
    gone = set(removed)
    kept = set()
    for image_id, chains in layers.items():
        if image_id not in gone:
            kept.update(chains)
    counted = set()
    freed = {}
    for image_id in removed:
        mine = []
        for chain in layers.get(image_id, ()):
            if chain not in kept and chain not in counted:
                counted.add(chain)
                mine.append(chain)
        freed[image_id] = mine
    return freed


def pruned_parents(removed, parents, tagged, used):
    """The untagged parents the engine also deletes when it removes these images without noprune: a parent
    with no name (tag or digest), no container, and no child left, then its own parent, and so on.
    parents: image id -> parent id; tagged: ids with a name; used: ids a container was created from."""
    children = {}
    for image_id, parent in parents.items():
        if parent:
            children.setdefault(parent, set()).add(image_id)
    gone = set(removed)
    added = []
    pending = list(removed)
    while pending:
        parent = parents.get(pending.pop())
        if (parent and parent in parents and parent not in gone and parent not in tagged and parent not in used
                and children.get(parent, set()) <= gone):
            gone.add(parent)
            added.append(parent)
            pending.append(parent)
    return added


def space_freed(ctx, ids: List[str], prune_parents: bool = True):
    """image.space_freed: what removing these images (full ids, in order) would free, as a batch.
    prune_parents: the untagged parents left with no child go too (as a removal without noprune does).
    Returns {"SpaceFreed": bytes, "Images": [{"FullId", "Id", "SpaceFreed"}] (the parents that would go
    included), "Layers": the number of layers freed}."""
    api = ctx.engine.client()
    summaries = {s["Id"]: s for s in api.images(all=True)}
    ids = [i for i in dict.fromkeys(ids) if i in summaries]  # one gone since it was planned frees nothing
    if prune_parents:
        parents = {i: s.get("ParentId") or None for i, s in summaries.items()}
        tagged = {i for i, s in summaries.items() if remove._refs(s.get("RepoTags")) or remove._refs(s.get("RepoDigests"))}
        used = {c.get("ImageID") for c in api.containers(all=True, trunc=False)}
        ids = ids + pruned_parents(ids, parents, tagged, used)
    diff_ids = images._layers_of(api, list(summaries))
    layers = {image_id: tuple(remove.chain_ids(list(found))) for image_id, found in diff_ids.items()}
    freed = freed_layers(layers, ids)
    rows = []
    total = 0
    for image_id in ids:
        size = 0
        if freed[image_id]:
            # Weighed only when it frees something: one history call per such image.
            sizes = remove._layer_sizes(api, {"Id": image_id, "RootFS": {"Layers": list(diff_ids.get(image_id, ()))}})
            size = sum(sizes.get(chain, 0) for chain in freed[image_id])
        total += size
        rows.append({"FullId": image_id, "Id": images.short_id(image_id), "SpaceFreed": size})
    return {"SpaceFreed": total, "Images": rows, "Layers": sum(len(chains) for chains in freed.values())}


METHODS = {
    "image.disk_usage": disk_usage,
    "image.space_freed": space_freed,
}
