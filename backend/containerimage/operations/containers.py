"""Containers, as far as images need them: which exist (for completing New-ContainerImage -Container)."""

from typing import Optional


def list_containers(ctx, prefix: Optional[str] = None):
    """Every container, stopped ones too: short id, name, image, state. With a prefix, those whose name
    or id starts with it."""
    rows = []
    for container in ctx.engine.client().containers(all=True, trunc=False):
        names = [n.lstrip("/") for n in container.get("Names") or []]
        row = {"Id": container["Id"][:12], "Name": names[0] if names else None, "Image": container.get("Image"),
               "State": container.get("State")}
        if prefix is None or container["Id"].startswith(prefix) or any(n.startswith(prefix) for n in names):
            rows.append(row)
    return {"containers": rows}


METHODS = {
    "container.list": list_containers,
}
