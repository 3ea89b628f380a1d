"""New images and names from existing ones: commit a container (image.commit), tag an image (image.tag).

Both check the names they are given before asking the engine, so a malformed name creates nothing, and
both answer with the resulting image rows exactly as image.list gives them.
"""

import re
from typing import List, Optional

import docker.errors

from .. import reference
from ..errors import InvalidParams, InvalidReference, NotFound, translate
from .images import list_images

_IMAGE_ID = re.compile(r"(?:sha256:)?[0-9a-f]{4,64}\Z")  # what the engine also accepts as an image (prefix)
# The instructions the engine applies to a commit (dockerd's validCommitCommands).
COMMIT_INSTRUCTIONS = ("CMD", "ENTRYPOINT", "ENV", "EXPOSE", "HEALTHCHECK", "LABEL", "ONBUILD", "STOPSIGNAL",
                       "USER", "VOLUME", "WORKDIR")


# -------------------------------------------------------------------------------------------- commit

def commit_container(ctx, container: str, name: Optional[str] = None, tag: Optional[str] = None,
                     message: Optional[str] = None, author: Optional[str] = None,
                     changes: Optional[List[str]] = None, pause: bool = True):
    """Make an image of a container (docker commit), named name[:tag] (untagged without a name); the
    container is paused while it is copied unless pause is false. Returns the new image's rows."""
    if not container.strip():
        raise InvalidParams("A container id or name cannot be empty.", container)
    if tag is not None and name is None:
        raise InvalidParams(f"Tag '{tag}' was given without a repository name to go with it.", tag)
    ref = _target(name, tag) if name is not None else None

    api = ctx.engine.client()
    params = {"container": container, "repo": ref.repository if ref else None, "tag": ref.tag if ref else None,
              "comment": message, "author": author, "changes": changes or None,
              "pause": "1" if pause else "0"}  # the SDK's commit() has no pause: the Engine API's /commit has
    try:
        response = api._post_json(api._url("/commit"), data=None, params=params)
        image_id = api._result(response, json=True)["Id"]
    except docker.errors.NotFound as exc:
        raise NotFound(f"No container '{container}' on this engine.", container) from exc
    except docker.errors.APIError as exc:
        raise _commit_error(translate(exc, container, ctx.engine), changes) from exc

    rows = list_images(ctx, id=[image_id])["images"]
    if ref:
        rows = [r for r in rows if r["Repository"] == ref.repository and r["Tag"] == ref.tag] or rows
    return {"images": rows, "id": image_id}


def _commit_error(error, changes):
    """An engine refusal of the change instructions, said as such: the engine only names the instruction."""
    if error.kind != "InvalidParams" or not changes:
        return error
    given = "; ".join(changes)
    hint = ""
    if "not a valid change command" in error.message:
        hint = f" A commit takes only {', '.join(COMMIT_INSTRUCTIONS)}."
    return InvalidParams(f"The engine refused the change instructions '{given}': {error.message.rstrip('.')}.{hint}",
                         given)


# ----------------------------------------------------------------------------------------------- tag

def tag_image(ctx, name: str, target: str):
    """Give image name (a reference or an id) the name target (repository[:tag], tag latest when none),
    as docker tag does; a name target already has moves to this image. Returns the target's rows."""
    source = existing_image(name)
    ref = _target(target, None)
    api = ctx.engine.client()
    try:
        api.tag(source, ref.repository, ref.tag)
    except docker.errors.NotFound as exc:
        raise NotFound(f"No image '{name}' on this engine.", name) from exc
    except docker.errors.APIError as exc:
        raise translate(exc, name, ctx.engine) from exc
    return {"images": list_images(ctx, name=[f"{ref.repository}:{ref.tag}"])["images"]}


# --------------------------------------------------------------------------------------------- names

def existing_image(name):
    """An existing image as the engine finds it: an id (prefix) as given, a reference checked and
    normalized (lowercase repository), so a malformed one is refused here, naming what is wrong."""
    if not name.strip():
        raise InvalidReference("An image name or id cannot be empty.", name)
    if _IMAGE_ID.match(name):
        return name
    return str(reference.parse(name))


def _target(name, tag):
    """The reference a new image or name gets: repository and tag (latest when none), never a digest."""
    ref = reference.parse(name)
    if ref.digest:
        raise InvalidReference(f"'{name}' cannot be a new image name: a digest is computed by the engine, "
                               "give repository[:tag].", name)
    if tag is not None:
        reference.parse(f"{ref.repository}:{tag}")  # validates the tag, naming it
        if ref.tag and ref.tag != tag:
            raise InvalidParams(f"'{name}' names tag '{ref.tag}' but tag '{tag}' was also given.", name)
    return reference.Reference(ref.domain, ref.path, tag or ref.tag or reference.DEFAULT_TAG)


METHODS = {
    "image.commit": commit_container,
    "image.tag": tag_image,
}
