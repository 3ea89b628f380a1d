"""Copying an image from one registry to another without the engine (image.copy); the work is
registry/copy.py's, this names the two sides and their logins."""

from typing import List, Optional

from .. import reference
from ..errors import InvalidParams
from ..registry.copy import Copy, parse_platforms
from . import stream
from .remote import registry_client


def copy_image(ctx, name: str, destination: str, tag: Optional[str] = None, platform: Optional[List[str]] = None,
               include_foreign_layers: bool = False, auth: Optional[dict] = None,
               destination_auth: Optional[dict] = None):
    """Copy name (registry/repository[:tag|@digest], or name with tag) to destination (registry/repository
    [:tag]); the destination's tag is the source's unless it names one. Returns Copy.run()'s row."""
    source = reference.parse(name)
    if tag is not None:
        reference.parse(f"{source.repository}:{tag}")  # validates the tag
        if source.tag and source.tag != tag or source.digest:
            raise InvalidParams(f"'{name}' names {'a digest' if source.digest else 'tag ' + source.tag} and the "
                                f"tag '{tag}' was also given: give one.", name)
    source_reference = source.digest or tag or source.tag or reference.DEFAULT_TAG
    target = reference.parse(destination)
    if target.digest:
        raise InvalidParams(f"'{destination}' names a digest: a copy keeps the source's digest, so name the "
                            "destination as registry/repository[:tag].", destination)
    destination_tag = target.tag or (None if source.digest else source_reference)
    platforms = parse_platforms(platform)
    with registry_client(ctx, source, auth) as source_client, \
            registry_client(ctx, target, destination_auth) as destination_client:
        copy = Copy(source_client, source.path, source_reference, destination_client, target.path, destination_tag,
                    platforms=platforms, include_foreign=include_foreign_layers, progress=ctx.progress,
                    check_cancelled=ctx.check_cancelled,
                    watch=lambda response: ctx.on_cancel(lambda: stream.abort(response)))
        return copy.run()


METHODS = {
    "image.copy": copy_image,
}
