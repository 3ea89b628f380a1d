"""registry/copy.py at its seam: fake registry clients that keep blobs and manifests in memory and log
every call, so the order (blobs first, manifests last), what is skipped, mounted or streamed, and the
errors can be checked exactly. The real registries are in tests/python/integration/test_copy.py."""

import hashlib
import json
import threading

import pytest

from containerimage.errors import Cancelled, InvalidData, NotFound, RegistryUnavailable, Unauthorized
from containerimage.registry.address import Registry
from containerimage.registry.copy import Copy, parse_platforms

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
FOREIGN = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"


def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Response:
    """A streamed blob: iter_content in pieces, noting how far it was read."""

    def __init__(self, data, piece=4, cut_at=None):
        self.data, self.piece, self.cut_at = data, piece, cut_at
        self.produced = 0
        self.closed = False

    def iter_content(self, size):
        end = len(self.data) if self.cut_at is None else self.cut_at
        for offset in range(0, end, self.piece):
            self.produced += 1
            yield self.data[offset:min(offset + self.piece, end)]

    def close(self):
        self.closed = True


class FakeRegistry:
    """What Copy uses of a RegistryClient, over dicts. log: (call, repository, what) in call order."""

    def __init__(self, host, log):
        self.registry = Registry(host)
        self.log = log
        self.blobs = {}  # (repository, digest) -> bytes
        self.manifests = {}  # (repository, reference) -> (bytes, media type)
        self.fail = {}  # call name -> exception to raise
        self.mountable = True
        self.lock = threading.Lock()
        self.responses = []

    def _note(self, *entry):
        with self.lock:
            self.log.append((self.registry.host,) + entry)
        if entry[0] in self.fail:
            raise self.fail[entry[0]]

    # reads
    def manifest_raw(self, name, reference):
        self._note("manifest_raw", name, reference)
        if (name, reference) not in self.manifests:
            raise NotFound(f"Not found on {self.registry.name}: {name}:{reference}.", self.registry.name)
        body, media_type = self.manifests[(name, reference)]
        return body, media_type, digest(body)

    def head_manifest(self, name, reference):
        self._note("head_manifest", name, reference)
        found = self.manifests.get((name, reference))
        return (digest(found[0]), found[1], len(found[0])) if found else None

    def head_blob(self, name, blob):
        self._note("head_blob", name, blob)
        data = self.blobs.get((name, blob))
        return None if data is None else len(data)

    def blob_json(self, name, blob, what):
        self._note("blob_json", name, blob)
        return json.loads(self.blobs[(name, blob)])

    def open_blob(self, name, blob):
        self._note("open_blob", name, blob)
        response = Response(self.blobs[(name, blob)], cut_at=getattr(self, "cut_at", None))
        self.responses.append(response)
        return response

    # writes
    def mount_blob(self, name, blob, source):
        self._note("mount_blob", name, blob)
        if self.mountable and (source, blob) in self.blobs:
            self.blobs[(name, blob)] = self.blobs[(source, blob)]
            return True
        return False

    def push_blob(self, name, blob, chunks):
        self._note("push_blob", name, blob)
        received = []
        for chunk in chunks:
            received.append(chunk)
            self.seen_while_pushing = getattr(self, "seen_while_pushing", [])
            self.seen_while_pushing.append(len(received))
        data = b"".join(received)
        assert digest(data) == blob
        self.blobs[(name, blob)] = data

    def put_manifest(self, name, reference, body, media_type):
        self._note("put_manifest", name, reference)
        self.manifests[(name, reference)] = (body, media_type)
        self.manifests[(name, digest(body))] = (body, media_type)
        return digest(body)


def put_image(registry, name, platform, manifest_type=OCI_MANIFEST, foreign=False, layer=b"layer"):
    """An image (config + one layer, + a foreign base layer) in registry; returns its manifest's descriptor."""
    config = json.dumps(dict(platform, rootfs={"type": "layers"})).encode()
    layer = layer + json.dumps(platform).encode()
    registry.blobs[(name, digest(config))] = config
    registry.blobs[(name, digest(layer))] = layer
    layers = [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": len(layer), "digest": digest(layer)}]
    if foreign:
        base = b"windows base layer"
        registry.blobs[(name, digest(base))] = base
        layers.insert(0, {"mediaType": FOREIGN, "size": len(base), "digest": digest(base), "urls": ["https://mcr"]})
    body = json.dumps({"schemaVersion": 2, "mediaType": manifest_type,
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": len(config),
                                  "digest": digest(config)}, "layers": layers}).encode()
    registry.manifests[(name, digest(body))] = (body, manifest_type)
    return {"mediaType": manifest_type, "size": len(body), "digest": digest(body), "platform": platform}


def put_index(registry, name, tag, platforms, foreign_windows=True):
    entries = [put_image(registry, name, p, foreign=foreign_windows and p["os"] == "windows") for p in platforms]
    # written with odd spacing: a copy that re-serialized it would change its digest
    body = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}, indent=7).encode()
    registry.manifests[(name, tag)] = (body, OCI_INDEX)
    return body, entries


PLATFORMS = [{"os": "linux", "architecture": "amd64"}, {"os": "linux", "architecture": "arm64"},
             {"os": "windows", "architecture": "amd64", "os.version": "10.0.20348.2227"}]


@pytest.fixture
def log():
    return []


@pytest.fixture
def source(log):
    return FakeRegistry("source.example:5000", log)


@pytest.fixture
def destination(log):
    return FakeRegistry("destination.example:5000", log)


def run(source, destination, reference="1", tag="1", name="team/app", target="mirror/app", **options):
    progress = []
    copy = Copy(source, name, reference, destination, target, tag, progress=lambda **f: progress.append(f), **options)
    return copy.run(), progress


def calls(log, host, call):
    return [entry for entry in log if entry[0] == host and entry[1] == call]


def test_a_whole_list_keeps_its_bytes_and_goes_in_after_every_blob_and_image(source, destination, log):
    body, entries = put_index(source, "team/app", "1", PLATFORMS)
    result, progress = run(source, destination)
    assert destination.manifests[("mirror/app", "1")] == (body, OCI_INDEX)
    assert result["Digest"] == digest(body) and result["MediaType"] == OCI_INDEX
    assert result["Platforms"] == ["linux/amd64", "linux/arm64", "windows/amd64 (10.0.20348.2227)"]
    writes = [e for e in log if e[0] == destination.registry.host and e[1] in ("push_blob", "put_manifest")]
    assert [e[1] for e in writes] == ["push_blob"] * 6 + ["put_manifest"] * 4
    assert [e[3] for e in writes[6:]] == [e["digest"] for e in entries] + ["1"]
    # the foreign layer: named by the manifest, not copied
    assert (result["Copied"], result["ForeignLayers"], result["Size"]) == (6, 1, sum(
        len(v) for (n, _), v in destination.blobs.items()))
    assert not any(d == digest(b"windows base layer") for (_, d) in destination.blobs)
    assert {p["status"] for p in progress} >= {"Waiting", "Copied"}


def test_foreign_layers_go_when_asked(source, destination):
    put_index(source, "team/app", "1", PLATFORMS)
    result, _ = run(source, destination, include_foreign=True)
    assert ("mirror/app", digest(b"windows base layer")) in destination.blobs
    assert (result["Copied"], result["ForeignLayers"]) == (7, 0)


def test_one_platform_is_that_image_alone_and_several_a_new_list_in_the_source_order(source, destination):
    body, entries = put_index(source, "team/app", "1", PLATFORMS)
    one, _ = run(source, destination, platforms=parse_platforms(["linux/arm64"]), tag="arm")
    assert one["Digest"] == entries[1]["digest"] and one["MediaType"] == OCI_MANIFEST
    assert digest(destination.manifests[("mirror/app", "arm")][0]) == entries[1]["digest"]
    two, _ = run(source, destination, platforms=parse_platforms(["windows", "linux/amd64"]), tag="two")
    subset = json.loads(destination.manifests[("mirror/app", "two")][0])
    assert subset["manifests"] == [entries[0], entries[2]] and subset["mediaType"] == OCI_INDEX
    assert two["Digest"] != digest(body) and two["Platforms"] == ["linux/amd64", "windows/amd64 (10.0.20348.2227)"]
    every, _ = run(source, destination, platforms=parse_platforms(["linux", "windows"]), tag="all")
    assert every["Digest"] == digest(body)  # every entry chosen: the list as it is


def test_a_platform_not_in_the_list_is_not_found_naming_what_is(source, destination, log):
    put_index(source, "team/app", "1", PLATFORMS)
    with pytest.raises(NotFound) as caught:
        run(source, destination, platforms=parse_platforms(["linux/s390x"]))
    assert "linux/s390x" in caught.value.message and "linux/arm64" in caught.value.message
    assert caught.value.message.startswith("source.example:5000/team/app:1 has no image for the platform")
    assert not calls(log, destination.registry.host, "put_manifest")


def test_a_single_image_says_its_platform_and_refuses_another(source, destination):
    entry = put_image(source, "team/app", PLATFORMS[0])
    source.manifests[("team/app", "1")] = source.manifests[("team/app", entry["digest"])]
    result, _ = run(source, destination)
    assert result["Platforms"] == ["linux/amd64"] and result["Digest"] == entry["digest"]
    with pytest.raises(NotFound, match="is one image for linux/amd64, not for windows"):
        run(source, destination, platforms=parse_platforms(["windows"]))


def test_blobs_there_are_skipped_without_reading_the_source_and_others_mounted_within_a_registry(source, log):
    put_index(source, "team/app", "1", PLATFORMS[:1])
    same = FakeRegistry("source.example:5000", log)
    same.blobs = source.blobs
    same.manifests = source.manifests
    result, _ = run(source, same)
    assert (result["Copied"], result["Mounted"], result["Existing"]) == (0, 2, 0)
    assert not calls(log, "source.example:5000", "open_blob")
    again, _ = run(source, same, tag="2")  # the manifest is there: only the tag is set
    assert (again["Copied"], again["Mounted"], again["Existing"]) == (0, 0, 2)


def test_a_mount_refused_or_not_allowed_is_sent_instead(source, log):
    put_index(source, "team/app", "1", PLATFORMS[:1])
    same = FakeRegistry("source.example:5000", log)
    same.manifests, same.mountable = dict(source.manifests), False
    same.blobs = dict(source.blobs)
    result, _ = run(source, same)
    assert (result["Copied"], result["Mounted"]) == (2, 0)
    other = FakeRegistry("source.example:5000", log)
    other.fail["mount_blob"] = Unauthorized("no pull on team/app", "source.example:5000")
    result, _ = run(source, other)
    assert (result["Copied"], result["Mounted"]) == (2, 0)


def test_blobs_are_streamed_chunk_by_chunk_not_read_whole(source, destination):
    entry = put_image(source, "team/app", PLATFORMS[0], layer=b"x" * 400)
    source.manifests[("team/app", "1")] = source.manifests[("team/app", entry["digest"])]
    run(source, destination)
    big = max(source.responses, key=lambda r: len(r.data))
    assert big.produced > 50 and big.closed
    # the destination had chunk n in hand when the source had produced n (+ the one being read): no buffering
    assert destination.seen_while_pushing[:10] == list(range(1, 11))


def test_a_failed_blob_stops_the_copy_before_any_manifest_naming_the_destination(source, destination, log):
    put_index(source, "team/app", "1", PLATFORMS)
    destination.fail["push_blob"] = RegistryUnavailable("The registry destination.example:5000 cannot be "
                                                        "reached: connection refused.", "destination.example:5000")
    with pytest.raises(RegistryUnavailable) as caught:
        run(source, destination)
    assert caught.value.message.startswith("The destination destination.example:5000/mirror/app:1: The registry")
    assert not calls(log, destination.registry.host, "put_manifest")


def test_unauthorized_and_not_found_say_which_side(source, destination):
    put_index(source, "team/app", "1", PLATFORMS[:1])
    destination.fail["head_blob"] = Unauthorized("destination.example:5000 requires a login.", "destination.example:5000")
    with pytest.raises(Unauthorized, match=r"^The destination destination.example:5000/mirror/app:1: "):
        run(source, destination)
    source.fail["manifest_raw"] = Unauthorized("source.example:5000 requires a login.", "source.example:5000")
    with pytest.raises(Unauthorized, match=r"^The source source.example:5000/team/app:1: "):
        run(source, destination)
    del source.fail["manifest_raw"]
    with pytest.raises(NotFound, match=r"^The source source.example:5000/team/app:2 was not found: "):
        run(source, destination, reference="2")


def test_a_source_that_breaks_off_a_blob_is_the_source_unavailable(source, destination, log):
    entry = put_image(source, "team/app", PLATFORMS[0], layer=b"y" * 100)
    source.manifests[("team/app", "1")] = source.manifests[("team/app", entry["digest"])]
    source.cut_at = 10
    with pytest.raises(RegistryUnavailable, match=r"^The source registry source.example:5000 broke off the blob"):
        run(source, destination)
    assert not calls(log, destination.registry.host, "put_manifest")


def test_a_cancel_in_the_middle_of_a_blob_stops_it_and_puts_no_manifest(source, destination, log):
    entry = put_image(source, "team/app", PLATFORMS[0], layer=b"z" * 400)
    source.manifests[("team/app", "1")] = source.manifests[("team/app", entry["digest"])]
    cancelled = threading.Event()
    watched = []

    def check():
        if any(r.produced > 5 for r in source.responses):
            cancelled.set()
        if cancelled.is_set():
            raise Cancelled("The request was cancelled.")
    with pytest.raises(Cancelled):
        run(source, destination, check_cancelled=check, watch=watched.append)
    assert not calls(log, destination.registry.host, "put_manifest")
    assert watched and all(r.closed for r in watched)


@pytest.mark.parametrize("media_type, words", [
    ("application/vnd.docker.distribution.manifest.v1+prettyjws", "Docker schema 1 manifest"),
    ("application/vnd.cncf.helm.chart.v1+json", "the media type application/vnd.cncf.helm.chart.v1+json"),
])
def test_unsupported_media_types_are_named(source, destination, media_type, words):
    source.manifests[("team/app", "1")] = (json.dumps({"schemaVersion": 1}).encode(), media_type)
    with pytest.raises(InvalidData) as caught:
        run(source, destination)
    assert words in caught.value.message and OCI_INDEX in caught.value.message


def test_platforms_are_parsed_or_refused_by_name():
    assert parse_platforms(["Linux/AMD64", "windows"]) == [("linux", "amd64", None), ("windows", None, None)]
    assert parse_platforms([]) is None
    with pytest.raises(Exception, match="'linux//v8' is not a platform"):
        parse_platforms(["linux//v8"])


# ------------------------------------------------------------------ image.copy: its params, before any registry

from containerimage.errors import InvalidParams, InvalidReference  # noqa: E402
from containerimage.operations import METHODS  # noqa: E402
from containerimage.operations.copy import copy_image  # noqa: E402
from containerimage.server import Context  # noqa: E402


@pytest.mark.parametrize("params, error, words", [
    ({"name": "r.example/a@sha256:" + "0" * 64, "tag": "1", "destination": "r.example/b"}, InvalidParams, "names a digest"),
    ({"name": "r.example/a:2", "tag": "1", "destination": "r.example/b"}, InvalidParams, "names tag 2"),
    ({"name": "r.example/a:1", "destination": "r.example/b@sha256:" + "0" * 64}, InvalidParams, "keeps the source's digest"),
    ({"name": "r.example/a:1", "destination": "r.example/b", "platform": ["linux/"]}, InvalidParams, "'linux/' is not a platform"),
    ({"name": "r.example/A B", "destination": "r.example/b"}, InvalidReference, "not a valid reference"),
])
def test_image_copy_refuses_bad_params_by_name(params, error, words):
    with pytest.raises(error) as caught:
        copy_image(Context(None), **params)
    assert words in caught.value.message


def test_image_copy_is_a_method():
    assert METHODS["image.copy"] is copy_image
