"""Copying an image from one registry to another through the registry API, never through the engine.

    copy = Copy(source, "team/app", "1.0", destination, "mirror/app", "1.0", progress=..., ...)
    result = copy.run()

source and destination are RegistryClients (client.py; the copy needs manifest_raw, head_manifest,
head_blob, open_blob, mount_blob, push_blob, put_manifest and their registry). What is copied:

- an image manifest: its config and layers, then the manifest itself, its bytes as they are;
- a manifest list or OCI index: every image it names (each one's blobs, then each manifest by digest),
  then the list itself, its bytes as they are, so the destination's digest is the source's. With
  platforms, only the entries of those platforms: one entry is copied as that image alone (the
  destination's tag then names that image's manifest, the digest the list gives it); several make a new
  list of just those entries, kept in the source's order, whose digest is its own.

Blobs first, manifests last (each list after the images it names), so a copy cut in the middle leaves
no manifest naming a blob the destination lacks, and a second run copies only what is missing: a blob
the destination has (HEAD) is skipped; one in another repository of the same registry is mounted
(POST ?mount=&from=, one token with push on the destination and pull on the source); the rest is
streamed from the source's GET into the destination's upload in chunks (never held whole), WORKERS at a
time, with a progress notification per blob. Foreign layers (Windows base layers, which the registry
does not hold but names URLs for) are left out unless include_foreign: the manifest still names them, and
who pulls the copy fetches them from those URLs, as from the source.

Every failure says which side it is about (the source or the destination), as the user named it.
"""

import hashlib
import json
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

from .. import compat
from ..errors import (BackendError, Cancelled, InvalidData, InvalidParams, NotFound, RegistryUnavailable, Unauthorized,
                      connection_failure, root_cause)
from . import manifests

WORKERS = 6  # blobs copied at once (as skopeo and containers/image copy them)
CHUNK = 1 << 20  # bytes read from the source and sent to the destination at a time
PROGRESS_INTERVAL = 0.1  # seconds between two progress notifications of one blob


class Copy:
    """One copy of source_name at source_reference (a tag or digest) to destination_name, tagged
    destination_tag (None: by digest only).

    platforms: None for every platform, else a list of (os, architecture or None, variant or None).
    progress(**fields): per blob {id, status, current, total}. check_cancelled(): raises to stop.
    watch(response): called with each blob response being read, so that a cancel can end it at once."""

    def __init__(self, source, source_name, source_reference, destination, destination_name, destination_tag,
                 platforms=None, include_foreign=False, progress=None, check_cancelled=None, watch=None):
        self.source, self.source_name, self.source_reference = source, source_name, source_reference
        self.destination, self.destination_name = destination, destination_name
        self.destination_tag = destination_tag
        self.platforms = platforms
        self.include_foreign = include_foreign
        self._progress = progress or (lambda **fields: None)
        self._check_cancelled = check_cancelled or (lambda: None)
        self._watch = watch or (lambda response: None)
        self._failed = threading.Event()  # one blob failed: the others stop at their next chunk
        self._lock = threading.Lock()
        self.counts = {"copied": 0, "mounted": 0, "existing": 0, "foreign": 0, "bytes": 0}

    @property
    def source_label(self):
        return f"{self.source.registry.name}/{self.source_name}{_at(self.source_reference)}"

    @property
    def destination_label(self):
        tag = self.destination_tag
        return f"{self.destination.registry.name}/{self.destination_name}{_at(tag) if tag else ''}"

    # ----------------------------------------------------------------------------------------- plan

    def run(self):
        """Copy; returns {Source, Destination, Digest, MediaType, Platforms, Copied, Mounted, Existing,
        ForeignLayers, Size}."""
        with self._side("source"):
            body, media_type, _ = self.source.manifest_raw(self.source_name, self.source_reference)
            top, images, platforms = self._plan(body, media_type, _digest(body))  # the digest of these bytes
        blobs = self._blobs(images + [top])
        with self._side("destination"):
            # One request before the blobs go in parallel: it answers the destination's login challenge
            # once. And a destination that has this very manifest has every blob it names (the registry
            # checked them when it was stored): only the tag is left to set.
            there = self.destination.head_manifest(self.destination_name, top["digest"])
        if there and not self.include_foreign:
            self.counts["existing"] = len(blobs)
            for blob in blobs:
                self._report(blob, "Already exists", blob["size"])
        else:
            self._copy_blobs(blobs)
        with self._side("destination"):
            for image in images:
                self._put_manifest(image, image["digest"], skip_existing=True)
            self._put_manifest(top, self.destination_tag or top["digest"], skip_existing=False)
        return {
            "Source": self.source_label,
            "Destination": f"{self.destination.registry.name}/{self.destination_name}"
                           + (f":{self.destination_tag}" if self.destination_tag else f"@{top['digest']}"),
            "Digest": top["digest"], "MediaType": top["mediaType"], "Platforms": platforms,
            "Copied": self.counts["copied"], "Mounted": self.counts["mounted"],
            "Existing": self.counts["existing"], "ForeignLayers": self.counts["foreign"],
            "Size": self.counts["bytes"],
        }

    def _plan(self, body, media_type, digest):
        """(the manifest the tag gets, the image manifests a list names (put by digest before it), the
        platforms copied); manifests as {body, mediaType, digest, parsed}."""
        top = _manifest(body, media_type, digest, self.source_label)
        if media_type in manifests.INDEX_TYPES:
            entries = [e for e in top["parsed"].get("manifests") or [] if isinstance(e, dict)]
            chosen = self._choose(entries) if self.platforms else entries
            images = [self._child(entry) for entry in chosen]
            names = [_platform_name(entry.get("platform")) for entry in chosen]
            if len(chosen) == len(entries):  # the whole list, its bytes as they are
                return top, images, names
            if len(chosen) == 1:  # one platform: that image alone
                return images[0], [], names
            subset = json.dumps(dict(top["parsed"], manifests=chosen), indent=3).encode()
            return _manifest(subset, media_type, _digest(subset), self.source_label), images, names
        if media_type in manifests.IMAGE_TYPES:
            return top, [], [self._image_platform(top)]
        raise _unsupported(media_type, self.source_label)

    def _choose(self, entries):
        chosen = []
        for os_name, architecture, variant in self.platforms:
            found = [e for e in entries if not manifests.is_attestation(manifests.platform_of(e.get("platform")))
                     and compat.platform_matches(e.get("platform") or {}, os_name, architecture, variant)]
            if not found:
                wanted = "/".join(p for p in (os_name, architecture, variant) if p)
                offered = ", ".join(_platform_name(e.get("platform")) for e in entries) or "none"
                raise NotFound(f"{self.source_label} has no image for the platform {wanted} (it has: {offered}).",
                               self.source_label)
            chosen += [e for e in found if not any(e is c for c in chosen)]
        return [e for e in entries if any(e is c for c in chosen)]  # the list's own order

    def _child(self, entry):
        digest = entry.get("digest")
        if not isinstance(digest, str):
            raise InvalidData(f"{self.source_label} is a list with an entry without a digest.", self.source_label)
        self._check_cancelled()
        body, media_type, _ = self.source.manifest_raw(self.source_name, digest)
        if media_type not in manifests.IMAGE_TYPES:
            raise _unsupported(media_type, f"{self.source_label} (its entry {digest})")
        return _manifest(body, media_type, digest, self.source_label)

    def _image_platform(self, image):
        """os/arch[/variant] of a single image (its config: one small GET); checked against the platforms
        asked for, if any."""
        config = manifests.config_of(self.source, self.source_name, image["parsed"], self.source_label)
        platform = {"os": config.get("os"), "architecture": config.get("architecture"),
                    "variant": config.get("variant")}
        if self.platforms and not any(compat.platform_matches(platform, *wanted) for wanted in self.platforms):
            wanted = ", ".join("/".join(p for p in w if p) for w in self.platforms)
            raise NotFound(f"{self.source_label} is one image for {_platform_name(platform)}, not for {wanted}.",
                           self.source_label)
        return _platform_name(platform)

    def _blobs(self, images):
        """Every blob of these image manifests, once: {digest, size, mediaType}; foreign layers counted
        and left out unless include_foreign."""
        blobs, foreign = {}, set()
        for image in images:
            if image["mediaType"] not in manifests.IMAGE_TYPES:
                continue
            parsed = image["parsed"]
            config = parsed.get("config") or {}
            descriptors = [config] + [d for d in parsed.get("layers") or [] if isinstance(d, dict)]
            for descriptor in descriptors:
                digest = descriptor.get("digest")
                if not isinstance(digest, str) or not isinstance(descriptor.get("size"), int):
                    raise InvalidData(f"{self.source_label} names a blob without digest or size.", self.source_label)
                if manifests.is_foreign(descriptor.get("mediaType")) and not self.include_foreign:
                    foreign.add(digest)
                    continue
                blobs.setdefault(digest, {"digest": digest, "size": descriptor["size"],
                                          "mediaType": descriptor.get("mediaType")})
        self.counts["foreign"] = len(foreign - set(blobs))
        return list(blobs.values())

    # ---------------------------------------------------------------------------------------- blobs

    def _copy_blobs(self, blobs):
        for blob in blobs:
            self._report(blob, "Waiting", 0)
        if not blobs:
            return
        with ThreadPoolExecutor(max_workers=min(WORKERS, len(blobs)), thread_name_prefix="copy") as pool:
            futures = [pool.submit(self._copy_blob, blob) for blob in blobs]
            wait(futures, return_when=FIRST_EXCEPTION)
            if any(f.done() and f.exception() is not None for f in futures):
                self._failed.set()  # the others stop at their next chunk
                wait(futures)
                self._check_cancelled()
                errors = [f.exception() for f in futures if f.exception() is not None]
                # the first that is not the others stopping because of it
                raise next((e for e in errors if not isinstance(e, _Stopped)), errors[0])

    def _copy_blob(self, blob):
        self._stop_if_failed()
        digest = blob["digest"]
        with self._side("destination"):
            present = self.destination.head_blob(self.destination_name, digest)
        if present is not None:
            self._count("existing")
            return self._report(blob, "Already exists", blob["size"])
        if self._same_registry() and self._mount(digest):
            self._count("mounted")
            return self._report(blob, f"Mounted from {self.source_name}", blob["size"])
        self._stream(blob)
        self._count("copied")
        self._report(blob, "Copied", blob["size"])

    def _same_registry(self):
        return self.source.registry == self.destination.registry and self.source_name != self.destination_name

    def _mount(self, digest):
        """Mount digest from the source's repository; False when the registry would not (then it is sent)."""
        try:
            with self._side("destination"):
                return self.destination.mount_blob(self.destination_name, digest, self.source_name)
        except Unauthorized:  # the destination's login may push here but not read the source: send it
            return False

    def _stream(self, blob):
        digest, size = blob["digest"], blob["size"]
        with self._side("source"):
            response = self.source.open_blob(self.source_name, digest)
        self._watch(response)
        sent = [0]

        def chunks():
            last = 0.0
            pieces = response.iter_content(CHUNK)
            while True:
                try:
                    chunk = next(pieces)
                except StopIteration:
                    break
                except Exception as error:  # noqa: BLE001 - the source's answer broke: said as the source's
                    self._check_cancelled()  # ... unless our own cancel broke it
                    raise _BrokenOff(f"The source registry {self.source.registry.name} broke off the blob {digest} "
                                     f"of {self.source_label} ({sent[0]} of {size} bytes): "
                                     f"{connection_failure(error) or root_cause(error)}.", self.source_label) from None
                self._check_cancelled()
                self._stop_if_failed()
                sent[0] += len(chunk)
                now = time.monotonic()
                if now - last >= PROGRESS_INTERVAL:
                    last = now
                    self._report(blob, "Copying", sent[0])
                yield chunk
            if sent[0] != size:
                raise _BrokenOff(f"The source registry {self.source.registry.name} broke off the blob {digest} "
                                 f"of {self.source_label} ({sent[0]} of {size} bytes).", self.source_label)
        try:
            with self._side("destination"):
                self.destination.push_blob(self.destination_name, digest, chunks())
        except _BrokenOff as error:
            self._check_cancelled()
            raise RegistryUnavailable(error.message, self.source_label) from None
        except Exception:
            self._check_cancelled()  # an upload or a read broken by our own cancel is a cancellation
            raise
        finally:
            response.close()
        with self._lock:
            self.counts["bytes"] += size

    def _stop_if_failed(self):
        if self._failed.is_set():
            raise _Stopped()

    def _count(self, what):
        with self._lock:
            self.counts[what] += 1

    def _report(self, blob, status, current):
        self._progress(id=blob["digest"].split(":", 1)[-1][:12], status=status, current=current, total=blob["size"])

    # ------------------------------------------------------------------------------------ manifests

    def _put_manifest(self, manifest, reference, skip_existing):
        self._check_cancelled()
        if skip_existing and self.destination.head_manifest(self.destination_name, manifest["digest"]):
            return
        digest = self.destination.put_manifest(self.destination_name, reference, manifest["body"],
                                               manifest["mediaType"])
        if digest != manifest["digest"]:
            raise InvalidData(f"{self.destination_label} keeps the manifest {manifest['digest']} as {digest}: the "
                              "registry changed its bytes.", self.destination_label)

    # ---------------------------------------------------------------------------------------- errors

    def _side(self, side):
        return _Side(self, side)


class _Side:
    """Names the side (source or destination) in the errors raised inside it."""

    def __init__(self, copy, side):
        self.copy, self.side = copy, side

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if not isinstance(error, BackendError) or isinstance(error, (Cancelled, _Stopped, _BrokenOff)) \
                or getattr(error, "side", None) or self.copy.source_label in error.message:
            return False  # not the registry's, or already says which side
        label = self.copy.source_label if self.side == "source" else self.copy.destination_label
        if isinstance(error, NotFound) and self.side == "source":
            message = f"The source {label} was not found: {error.message}"
        else:
            message = f"The {self.side} {label}: {error.message}"
        framed = type(error)(message, error.target or label, **error.data)
        framed.side = self.side
        raise framed from None


class _Stopped(BackendError):
    """Another blob failed: this one stops (never reported: the other's error is)."""

    def __init__(self):
        super().__init__("Stopped: another blob of the copy failed.")


class _BrokenOff(RegistryUnavailable):
    """The source's blob ended before its size: raised inside the upload's body, reported as the source's."""


def _manifest(body, media_type, digest, what):
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise InvalidData(f"{what} is not a JSON manifest.", what)
    return {"body": body, "mediaType": media_type, "digest": digest, "parsed": parsed}


def _digest(body):
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _at(reference):
    return f"@{reference}" if ":" in reference else f":{reference}"


def _platform_name(platform):
    platform = platform if isinstance(platform, dict) else {}
    parts = [platform.get("os") or "unknown", platform.get("architecture") or "unknown"]
    if platform.get("variant"):
        parts.append(platform["variant"])
    name = "/".join(parts)
    return f"{name} ({platform['os.version']})" if platform.get("os.version") else name


def _unsupported(media_type, what):
    kinds = ", ".join(sorted(manifests.INDEX_TYPES | manifests.IMAGE_TYPES))
    if media_type in manifests.SCHEMA1_TYPES:
        return InvalidData(f"{what} is a Docker schema 1 manifest ({media_type}), which cannot be copied as it is "
                           f"(its signature names the repository). Copyable: {kinds}.", what)
    return InvalidData(f"{what} has the media type {media_type or 'none'}, which Copy-ContainerImage does not "
                       f"copy. Copyable: {kinds}.", what)


def parse_platforms(texts):
    """[(os, architecture, variant)] from ['os[/arch[/variant]]', ...]; InvalidParams naming a bad one."""
    platforms = []
    for text in texts or []:
        try:
            platforms.append(manifests.parse_platform(text))
        except ValueError as error:
            raise InvalidParams(str(error), text) from None
    return platforms or None
