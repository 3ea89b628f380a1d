"""Pushing an image to its registry, with per-layer progress (image.push).

The image must be on the engine under the name it is pushed as (the name says the registry, as for
`docker push`); that is checked first, so a name that is not local never reaches a registry.
"""

from typing import Optional

import docker.auth

from .. import reference
from ..errors import InvalidParams, NotFound, translate
from . import stream
from .images import list_images

_PUSH_MESSAGES = {
    "Unauthorized": "{registry} refused the push of {target}: {message}.",
    "RegistryUnavailable": "The registry {registry} cannot be reached to push {target}: {message}",
    "NotFound": "{target} cannot be pushed: {message}",
}


def push_image(ctx, name: str, tag: Optional[str] = None, all_tags: bool = False, auth: Optional[dict] = None):
    """Push name:tag (default latest), or every local tag of the repository with all_tags. Returns
    {"pushed": [{Name, Tag, Digest, Registry, Size}]}, one row per tag the registry now holds."""
    ref = reference.parse(name)
    if ref.digest:
        raise InvalidParams(f"'{name}' names a digest; push a tag (the registry makes the digest).", name)
    if tag is not None:
        reference.parse(f"{ref.repository}:{tag}")  # validates the tag
        if ref.tag and ref.tag != tag:
            raise InvalidParams(f"'{name}' names tag '{ref.tag}' but tag '{tag}' was also given.", name)
    tag = tag or ref.tag
    if all_tags and tag:
        raise InvalidParams(f"'{name}': all tags were asked for, so give no tag.", name)
    target = ref.repository if all_tags else f"{ref.repository}:{tag or reference.DEFAULT_TAG}"

    local = list_images(ctx, name=[target])["images"]
    if not local:
        raise NotFound(f"There is no image {target} on this engine to push: tag an image with that name first.",
                       target)

    api = ctx.engine.client()
    # The engine reads credentials from the body when this header is missing, so an empty login is sent.
    headers = stream.auth_header(api, ref, auth) or {"X-Registry-Auth": docker.auth.encode_header({})}
    pushed = []

    def note(event):
        aux = event.get("aux") or {}
        if aux.get("Digest"):
            pushed.append(aux)
    try:
        response = stream.post(ctx, api, api._url("/images/{0}/push", ref.repository),
                               {"tag": "" if all_tags else tag or reference.DEFAULT_TAG}, headers)
        stream.follow(ctx, api, response, target, note)
    except Exception as exc:
        raise stream.frame_error(translate(exc, target, ctx.engine), ref, target, _PUSH_MESSAGES) from exc
    ctx.check_cancelled()
    sizes = {row["Tag"]: row["Size"] for row in local}
    return {"pushed": [{"Name": ref.repository, "Tag": aux.get("Tag"), "Digest": aux["Digest"],
                        "Registry": ref.registry, "Size": sizes.get(aux.get("Tag"))} for aux in pushed]}


METHODS = {
    "image.push": push_image,
}
