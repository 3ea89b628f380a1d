"""Cleanup by policy: which of the candidate images a retention policy lets go (pure: no engine here).

The policy of Remove-ContainerImage -Unused -OlderThan -KeepLatest, and of the Prune: section of a Sync
image list:
- older_than (seconds): only images created longer ago than that go;
- keep_latest (n): in each repository, the n newest images (by Created, among all the repository's images,
  those in use too) stay. An image named in several repositories stays when any of them keeps it; an
  untagged image is in no repository, so only older_than holds it back;
- the base of an image that stays, stays too (built_on: the layer-prefix and parent relation of
  images.descendants), however old, so that what a kept image was built on keeps its name.
The caller has already left out the images a container uses; they count as kept images (their bases stay).
"""

from ..errors import InvalidParams


def check(older_than=None, keep_latest=None):
    """InvalidParams for a policy that means nothing or everything (see Remove-ContainerImage's help)."""
    if older_than is not None:
        if isinstance(older_than, bool) or not isinstance(older_than, (int, float)) or older_than <= 0:
            raise InvalidParams(f"older_than must be a positive number of seconds, not {older_than!r}: an image "
                                "created in the future or right now is never older than it.", "OlderThan")
    if keep_latest is not None:
        if isinstance(keep_latest, bool) or not isinstance(keep_latest, int) or keep_latest < 1:
            raise InvalidParams(f"keep_latest must be 1 or more, not {keep_latest!r}: to keep none of a repository's "
                                "images, leave the policy out.", "KeepLatest")


UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_span(text):
    """Seconds of a span written as a number with a unit (30d, 12h, 90m, 45s, 2w), as -OlderThan takes it;
    ValueError saying what is wrong (no unit, not a number, not positive)."""
    value = str(text).strip()
    unit = value[-1:].lower()
    if unit not in UNITS:
        raise ValueError(f"'{value}' is not a span of time: give a number with a unit, such as 30d, 12h, 90m, 45s "
                         "or 2w")
    try:
        seconds = float(value[:-1]) * UNITS[unit]
    except ValueError:
        raise ValueError(f"'{value}' is not a span of time: give a number with a unit, such as 30d, 12h, 90m, "
                         "45s or 2w") from None
    if not seconds > 0 or seconds == float("inf"):
        raise ValueError(f"'{value}' is not a positive span of time: every image is older than that")
    return int(-(-seconds // 1))


def select(candidates, everything, now, older_than=None, keep_latest=None, built_on=None):
    """{image id: why it goes} of the candidates the policy lets go.

    candidates: the ids that may go (unused); everything: image id -> {"Created": epoch seconds,
    "Repositories": [names]} for every image on the engine (candidates included); now: epoch seconds;
    built_on(base id, ids) -> the ids among ids that are built on base (None: no base relation known)."""
    check(older_than, keep_latest)
    reasons = {}
    for image_id in candidates:
        age = now - everything[image_id]["Created"]
        if older_than is not None and age <= older_than:
            continue
        reasons[image_id] = [f"created {_days(age)} ago"] if older_than is not None else []
    if keep_latest is not None:
        newest = _newest(everything, keep_latest)
        for image_id in list(reasons):
            repositories = everything[image_id]["Repositories"]
            if any(image_id in newest[r] for r in repositories):
                del reasons[image_id]
            elif repositories:
                reasons[image_id].append(f"not among the {keep_latest} newest of {', '.join(sorted(set(repositories)))}")
    if built_on is not None:
        # A kept image's bases stay; keeping one may keep its own bases: until nothing changes.
        while True:
            kept = [i for i in everything if i not in reasons]
            bases = [i for i in reasons if built_on(i, kept)]
            if not bases:
                break
            for image_id in bases:
                del reasons[image_id]
    return {image_id: "; ".join(why) or "unused" for image_id, why in reasons.items()}


def _newest(everything, count):
    """repository -> the ids of its count newest images (newest by Created; the id breaks a tie)."""
    by_repository = {}
    for image_id, image in everything.items():
        for repository in set(image["Repositories"]):
            by_repository.setdefault(repository, []).append(image_id)
    return {repository: set(sorted(ids, key=lambda i: (-everything[i]["Created"], i))[:count])
            for repository, ids in by_repository.items()}


def _days(seconds):
    for unit, length in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count = round(seconds / length)
        if count >= 1 or unit == "second":
            return f"{count} {unit}{'' if count == 1 else 's'}"
