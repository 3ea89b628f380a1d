"""An image's layers, newest first (image.history), like docker history."""

import time

import docker.errors

from ..errors import NotFound, translate
from .commit import existing_image

MISSING = "<missing>"  # the engine's id for a layer that is not an image on this engine (pulled layers)


def image_history(ctx, name: str):
    """The layers of image name (a reference or an id), newest first: one row per layer with the command
    that made it. Layers the engine has no image for have Id and FullId null (docker shows <missing>)."""
    source = existing_image(name)
    api = ctx.engine.client()
    try:
        entries = api.history(source)
    except docker.errors.NotFound as exc:
        raise NotFound(f"No image '{name}' on this engine.", name) from exc
    except docker.errors.APIError as exc:
        raise translate(exc, name, ctx.engine) from exc
    return {"history": [_row(entry) for entry in entries]}


def _row(entry):
    full_id = entry.get("Id") or MISSING
    known = full_id != MISSING
    return {
        "Id": full_id.split(":", 1)[-1][:12] if known else None,
        "FullId": full_id if known else None,
        "Created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(entry.get("Created") or 0)),
        "CreatedBy": entry.get("CreatedBy") or "",
        "Size": entry.get("Size") or 0,
        "Comment": entry.get("Comment") or "",
        "Tags": [t for t in entry.get("Tags") or [] if t != "<none>:<none>"],
    }


METHODS = {
    "image.history": image_history,
}
