"""The update check's pure parts: the revision arithmetic of Windows patch levels, the platform a manifest
list gives this host, the base image among local ones, times; and its decisions (update._ask, Lookup.image)
with a fake registry client at the seam (what update_lookup.py reads through)."""

import pytest

from containerimage import compat, errors
from containerimage.host import Host
from containerimage.operations import state, sync, update
from containerimage.operations.update_lookup import Lookup, RemoteTag
from containerimage import dsc


# ------------------------------------------------------------------------------- revisions (patch levels)

@pytest.mark.parametrize("local, remote, behind", [
    ("10.0.20348.2113", "10.0.20348.2227", 114),
    ("10.0.20348.2227", "10.0.20348.2227", 0),
    ("10.0.20348.2227", "10.0.20348.2113", 0),       # the registry went back: not behind
    ("10.0.17763.5329", "10.0.20348.2227", None),    # another build: revisions do not compare
    ("10.0.20348", "10.0.20348.2227", None),         # no revision on one side
    (None, "10.0.20348.2227", None),
    ("6.1.0-18-amd64", "6.1.0-20-amd64", None),      # Linux kernels are no Windows versions
])
def test_revisions_behind(local, remote, behind):
    assert compat.revisions_behind(local, remote) == behind


# -------------------------------------------------------------------- the platform a manifest list gives

LIST = [
    {"os": "windows", "os.version": "10.0.17763.5329", "architecture": "amd64", "digest": "sha256:w17763"},
    {"os": "windows", "os.version": "10.0.20348.2113", "architecture": "amd64", "digest": "sha256:w2113"},
    {"os": "windows", "os.version": "10.0.20348.2227", "architecture": "amd64", "digest": "sha256:w2227"},
    {"os": "linux", "os.version": None, "architecture": "amd64", "digest": "sha256:linux"},
    {"os": "unknown", "os.version": None, "architecture": "unknown", "digest": "sha256:attestation"},
]


@pytest.mark.parametrize("host_os, version, isolation, chosen", [
    ("windows", "10.0.20348", "process", "sha256:w2227"),   # its build, the newest patch level
    ("windows", "10.0.26100", "process", "sha256:w2227"),   # runs 20348 images; 17763 only with Hyper-V
    ("windows", "10.0.17763", "process", "sha256:w17763"),  # only its own build
    ("windows", "10.0.20348", "hyperv", "sha256:w2227"),    # the newest it runs
    ("linux", "6.1.0-18-amd64", None, "sha256:linux"),
])
def test_the_entry_a_host_would_pull(host_os, version, isolation, chosen):
    assert compat.choose_platform(LIST, host_os, version, "amd64", isolation)["digest"] == chosen


# ---------------------------------------------------------------------------------------- the base image

def test_the_nearest_ancestor_by_layers_or_parent():
    layers = {"base": ("a",), "mid": ("a", "b"), "top": ("a", "b", "c"), "other": ("x",), "same": ("a", "b", "c"),
              "committed": ("a",)}
    parents = {"committed": "base"}
    candidates = ["base", "mid", "other", "same"]
    assert update.nearest_ancestor("top", layers, parents, candidates) == "mid"  # most layers; same size is no base
    assert update.nearest_ancestor("mid", layers, parents, candidates) == "base"
    assert update.nearest_ancestor("base", layers, parents, candidates) is None
    # docker commit without a change: no layer more, but the parent id says it
    assert update.nearest_ancestor("committed", layers, parents, candidates) == "base"


def test_times_are_utc_seconds():
    assert update._time("2024-01-09T18:21:03.123456789Z") == "2024-01-09T18:21:03Z"
    assert update._time("2024-01-09T20:21:03+02:00") == "2024-01-09T18:21:03Z"
    assert update._time("yesterday") is None and update._time(None) is None


# ------------------------------------------------------------------- decisions, with a fake registry

WINDOWS_HOST = Host(os="windows", os_version="10.0.20348", architecture="amd64", isolation="process")
LINUX_HOST = Host(os="linux", os_version="6.1.0", architecture="amd64", isolation=None)


class FakeClient:
    """A registry client at the seam: manifests by reference, blobs by digest; every read recorded."""

    def __init__(self, manifests, blobs):
        self.manifests, self.blobs, self.reads = manifests, blobs, []

    def manifest(self, name, reference):
        self.reads.append(("manifest", reference))
        if reference not in self.manifests:
            raise errors.NotFound(f"Not found on fake: {name}:{reference}: manifest unknown.", "fake")
        return self.manifests[reference], "sha256:" + reference.split(":")[-1] if ":" in reference else None

    def blob_json(self, name, digest, what):
        self.reads.append(("blob", digest))
        return self.blobs[digest]


def _image_manifest(config):
    return {"schemaVersion": 2, "config": {"digest": config}, "layers": [{"digest": "sha256:layer-never-read"}]}


def test_a_list_is_read_down_to_the_config_of_this_hosts_entry_and_never_a_layer():
    client = FakeClient({f"sha256:w{r}": _image_manifest(f"sha256:c{r}") for r in ("17763", "2113", "2227", "linux")},
                        {f"sha256:c{r}": {"created": f"2024-01-0{i}T00:00:00Z", "os": "windows",
                                          "os.version": f"10.0.20348.{r}"} for i, r in enumerate(("2113", "2227"), 1)})
    client.manifests["sha256:wlinux"] = _image_manifest("sha256:clinux")
    client.blobs["sha256:clinux"] = {"created": "2024-02-01T00:00:00Z", "os": "linux", "architecture": "amd64"}
    listing = {"schemaVersion": 2, "manifests": [
        {"digest": e["digest"].replace("linux", "wlinux"), "platform": {k: v for k, v in e.items() if k != "digest" and v}}
        for e in LIST]}
    remote = RemoteTag(registry=None, client=client, path="win/core", digest="sha256:list", manifest=listing)
    found = Lookup(WINDOWS_HOST).image(remote, "win/core:ltsc2022")
    assert (found["Digest"], found["Config"], found["OsVersion"], found["Created"]) == \
        ("sha256:w2227", "sha256:c2227", "10.0.20348.2227", "2024-01-02T00:00:00Z")
    assert client.reads == [("manifest", "sha256:w2227"), ("blob", "sha256:c2227")]
    linux = Lookup(LINUX_HOST).image(remote, "win/core:ltsc2022")
    assert (linux["Digest"], linux["Os"]) == ("sha256:wlinux", "linux")
    assert not any("layer" in digest for _, digest in client.reads)


class FakeLookup:
    """update._ask's view of a registry: the tag's digest, and the image behind it."""

    def __init__(self, digest=None, image=None, failure=None):
        self.digest, self._image, self.failure, self.images_read = digest, image, failure, 0

    def tag(self, ref):
        if self.failure:
            raise self.failure
        return RemoteTag(type("R", (), {"name": "127.0.0.1:5000"})(), None, ref.path, self.digest, {})

    def image(self, remote, shown):
        self.images_read += 1
        return self._image

    def registry_names(self, ref):
        return ["127.0.0.1:5000"]


def test_the_same_digest_is_up_to_date_without_reading_more():
    lookup = FakeLookup(digest="sha256:" + "1" * 64)
    answer = update._ask(lookup, "127.0.0.1:5000/app:1", "sha256:" + "1" * 64, "sha256:" + "a" * 64)
    assert answer["Status"] == "UpToDate" and lookup.images_read == 0


def test_another_list_around_the_same_image_is_up_to_date():
    image = {"Digest": "sha256:entry", "Config": "sha256:" + "a" * 64, "Created": "2024-01-01T00:00:00Z",
             "OsVersion": None}
    answer = update._ask(FakeLookup("sha256:" + "2" * 64, image), "127.0.0.1:5000/app:1", "sha256:" + "1" * 64,
                         "sha256:" + "a" * 64)
    assert answer["Status"] == "UpToDate"


def test_another_image_is_an_update():
    image = {"Digest": "sha256:new", "Config": "sha256:" + "b" * 64, "Created": "2024-03-01T10:00:00.5Z",
             "OsVersion": "10.0.20348.2227"}
    answer = update._ask(FakeLookup("sha256:" + "2" * 64, image), "127.0.0.1:5000/app:1", "sha256:" + "1" * 64,
                         "sha256:" + "a" * 64)
    assert (answer["Status"], answer["RemoteCreated"], answer["RemoteOsVersion"], answer["Registry"]) == \
        ("UpdateAvailable", "2024-03-01T10:00:00Z", "10.0.20348.2227", "127.0.0.1:5000")


def test_a_deleted_tag_and_a_down_registry_are_unknown_with_the_reason():
    gone = update._ask(FakeLookup(failure=errors.NotFound("Not found on 127.0.0.1:5000: app:1: manifest unknown.")),
                       "127.0.0.1:5000/app:1", "sha256:" + "1" * 64, None)
    assert gone["Status"] == "Unknown" and "deleted" in gone["Reason"] and "manifest unknown" in gone["Reason"]
    down = update._ask(FakeLookup(failure=errors.RegistryUnavailable("The registry 127.0.0.1:5000 cannot be "
                                                                     "reached: connection refused.")),
                       "127.0.0.1:5000/app:1", "sha256:" + "1" * 64, None)
    assert down["Status"] == "Unknown" and "connection refused" in down["Reason"]
    with pytest.raises(errors.Cancelled):
        update._ask(FakeLookup(failure=errors.Cancelled("cancelled")), "127.0.0.1:5000/app:1", None, None)


# ----------------------------------------------------------------------------- Latest in desired states

def test_latest_contradicts_a_pin_and_absence():
    assert state.desired("microsoft/nanoserver", latest=True).latest is True
    with pytest.raises(errors.InvalidParams, match="contradict"):
        state.desired("microsoft/nanoserver", digest="sha256:" + "a" * 64, latest=True)
    with pytest.raises(errors.InvalidParams, match="Present"):
        state.desired("microsoft/nanoserver", ensure="Absent", latest=True)


def test_the_reason_says_what_the_registry_has():
    want = state.desired("microsoft/nanoserver", latest=True)
    found = {"Ensure": "Present", "Id": "sha256:" + "a" * 64, "Digest": "sha256:" + "1" * 64,
             "Update": {"Status": "UpdateAvailable", "RemoteDigest": "sha256:" + "2" * 64, "Registry": "127.0.0.1:5000",
                        "RemoteCreated": "2024-01-09T00:00:00Z", "RevisionsBehind": None, "RemoteOsVersion": None}}
    [reason] = state.reasons(want, found)
    assert reason["Code"] == "ContainerImage:ContainerImage:Latest"
    assert "sha256:" + "2" * 64 in reason["Phrase"] and "2024-01-09" in reason["Phrase"]
    assert state.reasons(want, dict(found, Update=dict(found["Update"], Status="UpToDate"))) == []


def test_an_image_list_says_where_latest_is_wrong(tmp_path):
    path = tmp_path / "images.yaml"
    path.write_text("Images:\n  - Name: microsoft/nanoserver\n    Latest: maybe\n")
    with pytest.raises(errors.InvalidData, match=r"line 3, column 13: Latest must be true or false"):
        sync.read_image_list(str(path))
    path.write_text("Images:\n  - Name: microsoft/nanoserver\n    Digest: sha256:" + "a" * 64 + "\n    Latest: true\n")
    with pytest.raises(errors.InvalidData, match=r"line 4, .*contradict"):
        sync.read_image_list(str(path))
    path.write_text("Images:\n  - Name: microsoft/nanoserver\n    latest: yes\n")
    [item] = sync.read_image_list(str(path))
    assert item.want.latest is True


def test_the_dsc_v3_instance_takes_latest():
    assert dsc.desired('{"name": "microsoft/nanoserver", "latest": true}').latest is True
    with pytest.raises(errors.InvalidParams, match="'latest' must be true or false"):
        dsc.desired('{"name": "microsoft/nanoserver", "latest": "yes"}')
