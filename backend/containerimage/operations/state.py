"""The desired state of one image, one implementation for every front end: the DSC class resource
(ContainerImage), the DSC v3 command resource (`containerimage dsc`) and Sync-ContainerImage (sync.py).

A desired state is {name, tag (default latest), ensure Present|Absent, digest (an optional pin,
"sha256:<64 hex>"), latest (Present only, no pin: also the version the registry serves now)}; `name` may
carry the tag or the digest itself ("microsoft/nanoserver:1809").

- get: the actual state of repository:tag on the engine: Ensure, Id, and Digest (the repository digest
  the local image has for that repository: the pin when it is among them). Reasons says, per property
  that differs from the desired state, what is wrong ({Code, Phrase}, the Azure machine configuration
  convention); none when the image is in the desired state.
- test: get, and whether it is in the desired state, and which properties differ (Ensure, Digest).
- set: the least change. Nothing at all (no engine write) when test passes. Present and missing: a pull
  of the tag, or with a pin a pull of repository@digest then the tag moved onto it. Present with another
  digest: the same pull by digest and tag. Absent: the name is removed, as Remove-ContainerImage removes
  it (only untagged while the image has other names; refused with a Conflict naming every container that
  depends on it, never silently and never forced).

Only what is on the engine is compared: a tag without a pin is in its desired state while it is there,
whatever the registry holds now (checking would make every test a registry round trip, and fail when the
registry is down). Pin the digest to hold exact content, or ask for `latest`: then the registry is asked
(update.py's check, the manifest only) and an image the registry has a newer version of, one with no
digest from the registry, or one whose registry cannot be asked has the reason Latest (set pulls the tag:
a registry that is still down then fails the set with its error, rather than a test passing unchecked).
"""

import re
from dataclasses import dataclass
from typing import Optional

import docker.errors

from .. import reference
from ..errors import Internal, InvalidParams
from . import images, remove, update

ENSURE = ("Present", "Absent")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}\Z")
CODE_PREFIX = "ContainerImage:ContainerImage:"  # Azure machine configuration: <resource>:<resource>:<reason>


@dataclass(frozen=True)
class Desired:
    repository: str  # as the engine lists it: "microsoft/nanoserver", "127.0.0.1:5000/team/app"
    tag: str
    ensure: str = "Present"
    digest: Optional[str] = None
    latest: bool = False

    @property
    def reference(self):
        return f"{self.repository}:{self.tag}"


def desired(name, tag=None, ensure="Present", digest=None, latest=False):
    """A checked Desired; InvalidReference or InvalidParams naming what is wrong, before any engine call."""
    ref = reference.parse(name)
    if tag is not None and tag != "":
        reference.parse(f"{ref.repository}:{tag}")  # validates the tag, naming it
        if ref.tag and ref.tag != tag:
            raise InvalidParams(f"'{name}' names tag '{ref.tag}' but tag '{tag}' was also given.", name)
    if digest is not None and digest != "":
        digest = digest.strip()
        if not _DIGEST.match(digest.lower()):
            raise InvalidParams(f"'{digest}' is not an image digest: expected 'sha256:' and 64 hexadecimal digits.",
                                digest)
        digest = digest.lower()
        if ref.digest and ref.digest != digest:
            raise InvalidParams(f"'{name}' names digest '{ref.digest}' but digest '{digest}' was also given.", name)
    else:
        digest = ref.digest
    if digest is not None and not _DIGEST.match(digest):
        raise InvalidParams(f"'{digest}' is not an image digest: expected 'sha256:' and 64 hexadecimal digits.",
                            digest)
    wanted = next((e for e in ENSURE if isinstance(ensure, str) and e.lower() == ensure.strip().lower()), None)
    if wanted is None:
        raise InvalidParams(f"Ensure must be Present or Absent, not '{ensure}'.", ensure)
    if latest not in (True, False, None):
        raise InvalidParams(f"Latest must be true or false, not '{latest}'.", str(latest))
    if latest and wanted == "Absent":
        raise InvalidParams(f"'{name}': Latest applies to an image that is Present, not Absent.", name)
    if latest and digest is not None:
        raise InvalidParams(f"'{name}': Latest (the registry's newest version) and a Digest pin (exactly this "
                            "content) contradict each other: give one of them.", name)
    return Desired(ref.repository, tag or ref.tag or reference.DEFAULT_TAG, wanted, digest, bool(latest))


# ------------------------------------------------------------------------------------------------ get

def actual(api, want):
    """The state of want's repository:tag on the engine: Name, Tag, Ensure, Digest, Id."""
    try:
        config = api.inspect_image(want.reference)
    except docker.errors.NotFound:
        config = None
    state = {"Name": want.repository, "Tag": want.tag, "Ensure": "Absent", "Digest": None, "Id": None}
    if config is not None:
        digests = images.repository_digests(config, want.repository)
        state.update(Ensure="Present", Id=config["Id"],
                     Digest=want.digest if want.digest in digests else (digests[0] if digests else None))
    return state


def reasons(want, state):
    """[{Code, Phrase}] for each property of state that differs from want; [] in the desired state.
    For latest, state["Update"] is the update check's row of the local image."""
    shown = want.reference
    if want.ensure == "Absent":
        if state["Ensure"] == "Present":
            return [_reason("Ensure", f"The image {shown} ({images.short_id(state['Id'])}) is on this engine, and it should "
                                      "be absent.")]
        return []
    if state["Ensure"] == "Absent":
        pinned = f" with digest {want.digest}" if want.digest else ""
        return [_reason("Ensure", f"The image {shown} is not on this engine, and it should be present{pinned}.")]
    if want.digest and state["Digest"] != want.digest:
        has = f"digest {state['Digest']}" if state["Digest"] else "no digest of that repository (built or loaded here)"
        return [_reason("Digest", f"The image {shown} on this engine ({images.short_id(state['Id'])}) has {has}, not the "
                                  f"pinned {want.digest}.")]
    if want.latest and state.get("Update") and state["Update"]["Status"] != update.UP_TO_DATE:
        return [_reason("Latest", _not_latest(shown, state["Id"], state["Update"]))]
    return []


def _not_latest(shown, image_id, found):
    local = f"The image {shown} on this engine ({images.short_id(image_id)})"
    if found["Status"] == update.UPDATE_AVAILABLE:
        newer = f", created {found['RemoteCreated']}" if found.get("RemoteCreated") else ""
        patch = f", Windows {found['RemoteOsVersion']}" if found.get("RevisionsBehind") else ""
        return (f"{local} is not the latest: {found.get('Registry') or 'its registry'} has a newer version "
                f"({found['RemoteDigest']}{newer}{patch}).")
    if found["Status"] == update.LOCAL_ONLY:
        return f"{local} has no digest from its registry (built or loaded here), so it is not the registry's version."
    return f"{local} may not be the latest: {found['Reason']}"


def _reason(prop, phrase):
    return {"Code": CODE_PREFIX + prop, "Phrase": phrase}


def differing(found):
    """The desired-state properties the reasons are about: ['Ensure'] or ['Digest'] or []."""
    return [reason["Code"][len(CODE_PREFIX):] for reason in found]


def get(api, want, ctx=None):
    """The state with its Reasons; with want.latest, ctx (for the registry check) is needed, and the state's
    Latest says whether the local image is the registry's current one."""
    state = actual(api, want)
    if want.latest and state["Ensure"] == "Present":
        state["Update"] = update.check_one(ctx, want.repository, want.tag)
    found = reasons(want, state)
    checked = state.pop("Update", None)
    if want.latest:
        state["Latest"] = checked is not None and checked["Status"] == update.UP_TO_DATE
    return dict(state, Reasons=found, InDesiredState=not found, Differing=differing(found))


def get_state(ctx, name: str, tag: Optional[str] = None, ensure: str = "Present", digest: Optional[str] = None,
              latest: bool = False):
    """state.get: the actual state of name:tag, with the Reasons it differs from the desired state given."""
    want = desired(name, tag, ensure, digest, latest)
    return get(ctx.engine.client(), want, ctx)


def test_state(ctx, name: str, tag: Optional[str] = None, ensure: str = "Present", digest: Optional[str] = None,
               latest: bool = False):
    """state.test: {InDesiredState, Differing (property names), State (as state.get gives it)}; built on get."""
    state = get_state(ctx, name, tag, ensure, digest, latest)
    return {"InDesiredState": state["InDesiredState"], "Differing": state["Differing"], "State": state}


test_state.__test__ = False  # not a pytest test, whatever its name says


# ------------------------------------------------------------------------------------------------ set

def set_state(ctx, name: str, tag: Optional[str] = None, ensure: str = "Present", digest: Optional[str] = None,
              latest: bool = False):
    """state.set: the least change to reach the desired state. {Action: None|Install|Update|Remove,
    Changed (property names), Before, State (after), OldId, NewId}."""
    want = desired(name, tag, ensure, digest, latest)
    return apply(ctx, want)


def apply(ctx, want, before=None):
    api = ctx.engine.client()
    before = before or get(api, want, ctx)
    if before["InDesiredState"]:
        return _outcome("None", before, before)
    if want.ensure == "Absent":
        action = "Remove"
        remove.remove_image(ctx, name=want.reference)  # never forced: dependents make it a Conflict
    else:
        action = "Install" if before["Ensure"] == "Absent" else "Update"
        _pull(ctx, api, want)
    after = get(api, want, ctx)
    if not after["InDesiredState"]:  # e.g. a registry that serves other content under the pinned digest
        raise Internal(f"{want.reference} is still not in its desired state after the {action.lower()}: "
                       f"{' '.join(r['Phrase'] for r in after['Reasons'])}", want.reference)
    return _outcome(action, before, after)


def _pull(ctx, api, want):
    """The tag (no pin), or the pinned content moved under the tag: pull repository@digest, then tag it."""
    if want.digest is None:
        images.pull_image(ctx, name=want.repository, tag=want.tag)
        return
    pinned = f"{want.repository}@{want.digest}"
    images.pull_image(ctx, name=pinned)
    config = api.inspect_image(pinned)
    api.tag(config["Id"], want.repository, want.tag, force=True)


def _outcome(action, before, after):
    return {"Action": action, "Changed": before["Differing"] if action != "None" else [], "Before": before,
            "State": after, "OldId": before["Id"], "NewId": after["Id"]}


METHODS = {
    "state.get": get_state,
    "state.test": test_state,
    "state.set": set_state,
}
