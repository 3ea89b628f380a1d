"""The DSC v3 command resource ContainerImage/Image: `containerimage dsc get|test|set`, as the manifest
powershell/ContainerImage/ContainerImage.dsc.resource.json tells DSC to call it.

DSC writes the instance (the desired state) as JSON on stdin; the command prints JSON lines on stdout:
  get   the actual state
  test  the actual state with _inDesiredState, then the array of the properties that differ (stateAndDiff)
  set   the state after the change, then the array of the properties it changed (stateAndDiff); set tests
        first itself (implementsPretest) and deletes for _exist false (handlesExist)
An instance: name (required; may carry :tag or @digest), tag (default latest), digest (a pin), latest (true:
also the version the registry serves now; no pin then), _exist (DSC's canonical Ensure; `ensure:
Present|Absent` is accepted too), engine (the engine it is on: a docker context name, an address or
'default'; without it, the one the environment names), id (read-only: the local image id).
The state logic is operations/state.py's, shared with the PowerShell class resource and Sync-ContainerImage.
"""

import json

from .errors import InvalidParams
from .operations import state

OPERATIONS = ("get", "test", "set")
_INPUT_KEYS = {"name": "name", "tag": "tag", "digest": "digest", "ensure": "ensure", "_exist": "_exist",
               "latest": "latest", "engine": "engine"}
_READ_ONLY = ("id", "_indesiredstate")  # DSC may hand back what get printed: ignored
_PROPERTY = {"Ensure": "_exist", "Digest": "digest", "Latest": "latest"}  # state.py's property names -> the instance's


def desired(text):
    """The Desired the instance JSON asks for; InvalidParams saying what is wrong with it."""
    try:
        instance = json.loads(text) if text.strip() else None
    except ValueError as exc:
        raise InvalidParams(f"The instance on standard input is not JSON: {exc}.", "stdin") from None
    if not isinstance(instance, dict):
        raise InvalidParams("The instance on standard input must be a JSON object with at least 'name'.", "stdin")
    given = {}
    for key, value in instance.items():
        known = _INPUT_KEYS.get(key if key.startswith("_") else key.lower())
        if known is None:
            if key.lower() in _READ_ONLY:
                continue
            raise InvalidParams(f"Unknown property '{key}': an instance has name, tag, digest, latest, engine and _exist.",
                                key)
        given[known] = value
    for key in ("name", "tag", "digest", "ensure", "engine"):
        if given.get(key) is not None and not isinstance(given[key], str):
            raise InvalidParams(f"'{key}' must be a string, not {json.dumps(given[key])}.", key)
    if "latest" in given and not isinstance(given["latest"], bool):
        raise InvalidParams(f"'latest' must be true or false, not {json.dumps(given['latest'])}.", "latest")
    if given.get("engine") is not None and not given["engine"].strip():
        raise InvalidParams("'engine' must name an engine (a docker context name, an address or 'default'), "
                            "not an empty string; leave it out for the one the environment names.", "engine")
    if "_exist" in given and not isinstance(given["_exist"], bool):
        raise InvalidParams(f"'_exist' must be true or false, not {json.dumps(given['_exist'])}.", "_exist")
    if not given.get("name"):
        raise InvalidParams("The instance has no 'name' (the image repository, e.g. microsoft/nanoserver).", "name")
    ensure = given.get("ensure")
    if "_exist" in given:
        from_exist = "Present" if given["_exist"] else "Absent"
        if ensure is not None and ensure.strip().lower() != from_exist.lower():
            raise InvalidParams(f"'_exist' is {json.dumps(given['_exist'])} but 'ensure' is '{ensure}'.", "ensure")
        ensure = from_exist
    return state.desired(given["name"], given.get("tag"), ensure or "Present", given.get("digest"),
                         bool(given.get("latest")))


def engine_of(text):
    """The engine the instance names (its "engine", any case), or None: read before the engine is made;
    anything wrong with the instance is reported by desired()."""
    try:
        given = json.loads(text) if text.strip() else None
    except ValueError:
        return None
    if not isinstance(given, dict):
        return None
    for key, value in given.items():
        if key.lower() == "engine" and isinstance(value, str) and value.strip():
            return value.strip()
    return None


def instance(found):
    """A state (state.get's) as the instance DSC reads: absent values are left out."""
    result = {"name": found["Name"], "tag": found["Tag"], "_exist": found["Ensure"] == "Present"}
    if found["Digest"]:
        result["digest"] = found["Digest"]
    if found["Id"]:
        result["id"] = found["Id"]
    if "Latest" in found:
        result["latest"] = found["Latest"]
    return result


def properties(names):
    return [_PROPERTY[name] for name in names]


def invoke(operation, text, ctx):
    """The lines to print for one operation."""
    want = desired(text)
    api = ctx.engine.client()
    engine = {"engine": ctx.engine.name} if getattr(ctx.engine, "name", None) else {}
    if operation == "get":
        return [json.dumps(dict(instance(state.get(api, want, ctx)), **engine))]
    if operation == "test":
        found = state.get(api, want, ctx)
        return [json.dumps(dict(instance(found), **engine, _inDesiredState=found["InDesiredState"])),
                json.dumps(properties(found["Differing"]))]
    if operation == "set":
        outcome = state.apply(ctx, want)
        return [json.dumps(dict(instance(outcome["State"]), **engine)), json.dumps(properties(outcome["Changed"]))]
    raise InvalidParams(f"Unknown operation '{operation}': {', '.join(OPERATIONS)}.", operation)
