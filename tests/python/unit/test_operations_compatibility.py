"""image.test, the check before image.pull, RunsOnHost in image.list, and aliases: a fake engine (Linux or
Windows host) and a fake Distribution registry over real HTTP on 127.0.0.1 (manifests, lists, configs)."""

import base64
import copy
import hashlib
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from containerimage import aliases, errors, host
from containerimage.operations import compatibility, images
from containerimage.server import Context

from .fakes import LINUX_HOST_INFO, FakeDockerAPI, FakeEngine, windows_host

LIST_TYPE = "application/vnd.docker.distribution.manifest.list.v2+json"
MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"


class FakeRegistry:
    """Serves pushed images: GET /v2/<name>/manifests/<tag|digest> and /v2/<name>/blobs/<digest>, optionally
    behind Basic auth; records every request path."""

    def __init__(self, user=None, password=None):
        self.blobs, self.manifests, self.requests = {}, {}, []
        self.credentials = (user, password) if user else None
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                registry.requests.append(self.path)
                if registry.credentials and not registry.authorized(self.headers.get("Authorization")):
                    return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                                      {"WWW-Authenticate": 'Basic realm="fake"'})
                parts = self.path.split("/")
                name, kind, ref = "/".join(parts[2:-2]), parts[-2], parts[-1]
                if kind == "manifests" and (name, ref) in registry.manifests:
                    media_type, body = registry.manifests[(name, ref)]
                    return self.reply(200, body, {"Content-Type": media_type,
                                                  "Docker-Content-Digest": digest_of(body)})
                if kind == "blobs" and ref in registry.blobs:
                    return self.reply(200, registry.blobs[ref], {"Content-Type": "application/octet-stream"})
                self.reply(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}')

            def reply(self, status, body, headers=None):
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self.address = f"127.0.0.1:{self.server.server_address[1]}"

    def authorized(self, header):
        expected = base64.b64encode(":".join(self.credentials).encode()).decode()
        return header == f"Basic {expected}"

    def push(self, name, tag, os_name, os_version=None, architecture="amd64"):
        """An image of one layer whose config says os_name/os_version; returns its manifest digest."""
        config = {"architecture": architecture, "os": os_name, "rootfs": {"type": "layers", "diff_ids": []}}
        if os_version:
            config["os.version"] = os_version
        config_bytes, layer = json.dumps(config).encode(), os.urandom(32)
        self.blobs[digest_of(config_bytes)] = config_bytes
        self.blobs[digest_of(layer)] = layer
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(config_bytes),
                       "digest": digest_of(config_bytes)},
            "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": len(layer),
                        "digest": digest_of(layer)}]}).encode()
        for ref in (tag, digest_of(manifest)):
            self.manifests[(name, ref)] = (MANIFEST_TYPE, manifest)
        return digest_of(manifest), digest_of(layer)

    def push_list(self, name, tag, platforms):
        """A manifest list of images pushed for each (os, os.version, architecture)."""
        entries = []
        for os_name, os_version, architecture in platforms:
            digest, _ = self.push(name, f"{os_name}-{os_version}-{architecture}", os_name, os_version, architecture)
            platform = {"os": os_name, "architecture": architecture}
            if os_version:
                platform["os.version"] = os_version
            entries.append({"mediaType": MANIFEST_TYPE, "size": 1, "digest": digest, "platform": platform})
        body = json.dumps({"schemaVersion": 2, "mediaType": LIST_TYPE, "manifests": entries}).encode()
        self.manifests[(name, tag)] = (LIST_TYPE, body)

    def layer_requests(self):
        return [p for p in self.requests if "/blobs/" in p and self.blobs.get(p.rsplit("/", 1)[-1], b"{")[:1] != b"{"]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def digest_of(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture
def registry(no_registry, monkeypatch):
    """A fake registry, with the real registry reads back in place (conftest stubs them out)."""
    monkeypatch.setattr(compatibility, "read_remote", no_registry)
    served = FakeRegistry()
    yield served
    served.close()


def engine_for(build=None, isolation="process", configs=None, summaries=(), mirrors=()):
    """A fake engine on a Linux amd64 host, or a Windows one of that build and default isolation."""
    api = FakeDockerAPI(summaries=summaries, configs=configs or {})
    if build is not None:
        api.version_result, api.info_result = windows_host(build, isolation)
    else:
        api.info_result = copy.deepcopy(LINUX_HOST_INFO)
    api.info_result["RegistryConfig"] = {"Mirrors": list(mirrors)}
    return FakeEngine(api)


def test_remote_single_manifest_reads_manifest_and_config_only(registry):
    registry.push("win/app", "1", "windows", "10.0.20348.2227")
    row = compatibility.test_image(Context(engine_for(20348)), name=f"{registry.address}/win/app:1")
    assert row["Compatible"] is True
    assert (row["Source"], row["ImageOs"], row["ImageOsVersion"], row["Architecture"]) == \
        ("Registry", "windows", "10.0.20348.2227", "amd64")
    assert (row["HostOs"], row["HostOsVersion"], row["Isolation"]) == ("windows", "10.0.20348", "Process")
    assert row["Platforms"] is None and row["Registry"] == registry.address
    assert registry.layer_requests() == []  # nothing pulled: a manifest and a config
    assert len(registry.requests) == 2


def test_remote_older_image_on_a_newer_host_needs_hyperv(registry):
    registry.push("win/old", "ltsc2019", "windows", "10.0.17763.5329")
    name = f"{registry.address}/win/old:ltsc2019"
    process = compatibility.test_image(Context(engine_for(20348)), name=name)
    assert process["Compatible"] is False
    assert "17763" in process["Reason"] and "20348" in process["Reason"]
    hyperv = compatibility.test_image(Context(engine_for(20348)), name=name, isolation="HyperV")
    assert hyperv["Compatible"] is True and hyperv["Isolation"] == "HyperV"


def test_remote_list_picks_the_platform_the_host_would_pull(registry):
    registry.push_list("win/multi", "latest", [("windows", "10.0.17763.1", "amd64"), ("windows", "10.0.20348.1", "amd64"),
                                               ("linux", None, "amd64")])
    on_windows = compatibility.test_image(Context(engine_for(22621)), name=f"{registry.address}/win/multi")
    assert (on_windows["Compatible"], on_windows["ImageOsVersion"]) == (True, "10.0.20348.1")
    assert on_windows["Platforms"] == ["windows/amd64 10.0.17763.1", "windows/amd64 10.0.20348.1", "linux/amd64"]
    on_linux = compatibility.test_image(Context(engine_for()), name=f"{registry.address}/win/multi")
    assert (on_linux["Compatible"], on_linux["ImageOs"]) == (True, "linux")
    assert registry.layer_requests() == [] and not any("/blobs/" in p for p in registry.requests)


def test_remote_list_where_nothing_runs_lists_what_it_offers(registry):
    registry.push_list("win/new", "latest", [("windows", "10.0.26100.1", "amd64")])
    row = compatibility.test_image(Context(engine_for(17763)), name=f"{registry.address}/win/new")
    assert row["Compatible"] is False
    assert "None of the platforms" in row["Reason"] and "windows/amd64 10.0.26100.1" in row["Reason"]
    assert "17763" in row["Reason"]


def test_a_platform_the_list_does_not_have_is_not_found(registry):
    registry.push_list("win/only", "latest", [("windows", "10.0.20348.1", "amd64")])
    with pytest.raises(errors.NotFound, match="no image for linux/arm64: it offers windows/amd64 10.0.20348.1"):
        compatibility.test_image(Context(engine_for()), name=f"{registry.address}/win/only", platform="linux/arm64")


def test_a_local_image_is_inspected_not_looked_up(registry):
    image = "sha256:" + "b" * 64
    configs = {"win/local:1": {"Id": image, "Os": "windows", "OsVersion": "10.0.20348.2227", "Architecture": "amd64",
                               "RepoDigests": ["win/local@sha256:" + "1" * 64]}}
    row = compatibility.test_image(Context(engine_for(configs=configs)), name="win/local:1")
    assert (row["Source"], row["Compatible"], row["Id"], row["Digest"]) == ("Local", False, image, "sha256:" + "1" * 64)
    assert "Linux engine cannot run Windows images" in row["Reason"]
    assert registry.requests == []


def test_remote_asks_the_registry_even_for_a_local_image(registry):
    registry.push("lin/app", "1", "linux", None)
    configs = {f"{registry.address}/lin/app:1": {"Id": "sha256:" + "c" * 64, "Os": "linux", "Architecture": "amd64"}}
    row = compatibility.test_image(Context(engine_for(configs=configs)), name=f"{registry.address}/lin/app:1",
                                   remote=True)
    assert row["Source"] == "Registry" and row["Compatible"] is True


def test_hub_names_go_to_the_engine_mirror_first(registry):
    registry.push("library/busybox", "latest", "linux", None, "arm64")
    engine = engine_for(mirrors=[f"http://{registry.address}/"])
    row = compatibility.test_image(Context(engine), name="busybox")
    assert (row["Registry"], row["Compatible"], row["Architecture"]) == (registry.address, False, "arm64")
    assert registry.requests[0] == "/v2/library/busybox/manifests/latest"


def test_credentials_given_are_used_and_wrong_ones_refused(no_registry, monkeypatch):
    monkeypatch.setattr(compatibility, "read_remote", no_registry)
    secured = FakeRegistry("alice", "s3cret")
    try:
        secured.push("team/app", "1", "linux")
        name = f"{secured.address}/team/app:1"
        row = compatibility.test_image(Context(engine_for()), name=name, auth={"username": "alice", "password": "s3cret"})
        assert row["Compatible"] is True
        with pytest.raises(errors.Unauthorized) as refused:
            compatibility.test_image(Context(engine_for()), name=name, auth={"username": "alice", "password": "nope"})
        assert secured.address in refused.value.message and "nope" not in refused.value.message
    finally:
        secured.close()


def test_bad_inputs(registry):
    context = Context(engine_for())
    with pytest.raises(errors.InvalidParams, match="'vm' is no isolation"):
        compatibility.test_image(context, name="busybox", isolation="vm")
    with pytest.raises(errors.InvalidReference, match="not a valid reference"):
        compatibility.test_image(context, name="Bad Name!")
    with pytest.raises(errors.InvalidParams, match="is an image id"):
        compatibility.test_image(context, name="sha256:" + "a" * 64, remote=True)
    with pytest.raises(errors.NotFound, match="No image .abcdef012345. on this engine"):
        compatibility.test_image(context, name="abcdef012345")
    with pytest.raises(errors.NotFound, match="nosuch"):
        compatibility.test_image(context, name=f"{registry.address}/team/nosuch:1")
    with pytest.raises(errors.InvalidParams, match="not a platform"):
        compatibility.test_image(context, name="busybox", platform="linux//")


# ----------------------------------------------------------------------------------- before a pull

def test_a_pull_the_host_cannot_run_is_refused_before_the_engine_is_asked(registry):
    registry.push("win/app", "1", "windows", "10.0.20348.2227")
    engine = engine_for()
    with pytest.raises(errors.Incompatible) as refused:
        images.pull_image(Context(engine), name=f"{registry.address}/win/app:1")
    assert "10.0.20348.2227" in refused.value.message and "kernel 6.1.0-18-amd64" in refused.value.message
    assert refused.value.target == f"{registry.address}/win/app:1"
    assert engine.api.posts == []  # no /images/create
    assert registry.layer_requests() == []


def test_a_windows_host_refuses_an_image_newer_than_itself(registry):
    registry.push_list("win/new", "latest", [("windows", "10.0.26100.1", "amd64")])
    engine = engine_for(20348)
    with pytest.raises(errors.Incompatible, match="it offers windows/amd64 10.0.26100.1.*newer"):
        images.pull_image(Context(engine), name=f"{registry.address}/win/new")
    assert engine.api.posts == []
    with pytest.raises(errors.Incompatible):  # Hyper-V does not run newer images either
        images.pull_image(Context(engine), name=f"{registry.address}/win/new", isolation="HyperV")


def test_a_pull_that_runs_goes_on_and_says_so(registry):
    registry.push("lin/app", "1", "linux")
    engine = engine_for()
    result = images.pull_image(Context(engine), name=f"{registry.address}/lin/app:1")
    assert len(engine.api.posts) == 1
    assert any(note.startswith("compatibility: The image is for Linux") for note in result["notes"])


def test_hyperv_lets_an_older_image_through(registry):
    registry.push("win/old", "1", "windows", "10.0.17763.1")
    engine = engine_for(20348)
    with pytest.raises(errors.Incompatible):
        images.pull_image(Context(engine), name=f"{registry.address}/win/old:1")
    images.pull_image(Context(engine), name=f"{registry.address}/win/old:1", isolation="HyperV")
    assert len(engine.api.posts) == 1


def test_a_check_that_cannot_be_made_does_not_stop_the_pull():
    engine = engine_for()  # conftest: no registry can be reached
    result = images.pull_image(Context(engine), name="127.0.0.1:1/team/app:1")
    assert len(engine.api.posts) == 1
    assert result["notes"][0].startswith("compatibility not checked before the pull: unit tests reach no registry")


def test_no_check_with_a_platform_all_tags_or_an_installed_image(registry):
    registry.push("win/app", "1", "windows", "10.0.20348.1")
    engine = engine_for()
    images.pull_image(Context(engine), name=f"{registry.address}/win/app:1", platform="windows/amd64")
    images.pull_image(Context(engine), name=f"{registry.address}/win/app", all_tags=True)
    assert registry.requests == [] and len(engine.api.posts) == 2


# -------------------------------------------------------------------------------------- listing

WINDOWS_IMAGE, LINUX_IMAGE, OLD_IMAGE = ("sha256:" + c * 64 for c in "abc")
SUMMARIES = [{"Id": i, "RepoTags": [f"img/{n}:1"], "RepoDigests": [], "Created": 1, "Size": 1}
             for i, n in ((WINDOWS_IMAGE, "win"), (LINUX_IMAGE, "lin"), (OLD_IMAGE, "old"))]
CONFIGS = {WINDOWS_IMAGE: {"Os": "windows", "OsVersion": "10.0.20348.2227", "Architecture": "amd64"},
           LINUX_IMAGE: {"Os": "linux", "Architecture": "amd64"},
           OLD_IMAGE: {"Os": "windows", "OsVersion": "10.0.17763.1", "Architecture": "amd64"}}


@pytest.mark.parametrize("build, isolation, expected", [
    (None, "process", {"win": False, "lin": True, "old": False}),
    (20348, "process", {"win": True, "lin": False, "old": False}),
    (20348, "hyperv", {"win": True, "lin": False, "old": True}),  # the engine's default isolation counts
])
def test_list_rows_say_whether_they_run_on_this_host(build, isolation, expected):
    engine = engine_for(build, isolation, configs=CONFIGS, summaries=SUMMARIES)
    rows = images.list_images(Context(engine))["images"]
    assert {r["Repository"].split("/")[1]: r["RunsOnHost"] for r in rows} == expected


def test_the_host_is_asked_once_for_many_listings():
    engine = engine_for(20348, configs=CONFIGS, summaries=SUMMARIES)
    for _ in range(3):
        images.list_images(Context(engine))
    assert len(engine.api.calls_to("info")) == 1 and len(engine.api.calls_to("version")) == 1
    assert len(engine.api.calls_to("inspect_image")) == 3  # once per image id, as before


def test_an_unknown_platform_runs_on_host_is_none():
    summaries = [dict(SUMMARIES[0], Id="sha256:" + "d" * 64)]
    engine = engine_for(configs={"sha256:" + "d" * 64: {"Architecture": "amd64"}}, summaries=summaries)
    assert images.list_images(Context(engine))["images"][0]["RunsOnHost"] is None


def test_host_facts_from_engine_answers():
    windows = host.from_engine(*windows_host(26100, "hyperv"))
    assert (windows.os, windows.os_version, windows.architecture, windows.isolation) == \
        ("windows", "10.0.26100", "amd64", "hyperv")
    linux = host.from_engine({"Os": "linux", "Arch": "arm64", "KernelVersion": "6.1.0"}, {"OSType": "linux"})
    assert (linux.os, linux.os_version, linux.architecture, linux.isolation) == ("linux", "6.1.0", "arm64", None)
    kernel_only = host.from_engine({"Os": "windows"}, {"OSType": "windows",
                                                       "KernelVersion": "10.0 17763 (17763.1.amd64fre.rs5)"})
    assert (kernel_only.os_version, kernel_only.isolation) == ("10.0.17763", "process")


# -------------------------------------------------------------------------------------- aliases

@pytest.mark.parametrize("build, tag", [(17763, "1809"), (20348, "ltsc2022"), (22000, "ltsc2022"),
                                        (22621, "ltsc2022"), (26100, "ltsc2025")])
def test_the_nanoserver_alias_picks_the_tag_for_the_host_build(build, tag):
    facts = host.from_engine(*windows_host(build))
    for spelling in ("NanoServer", "nanoserver", "NANOSERVER"):
        resolution = aliases.resolve(spelling, host_facts=lambda: facts)
        assert resolution.reference == f"mcr.microsoft.com/windows/nanoserver:{tag}"
        assert str(build) in resolution.note or tag in resolution.note


def test_server_core_has_a_tag_for_2016_and_server_none():
    facts = host.from_engine(*windows_host(14393))
    assert aliases.resolve("WindowsServerCore", host_facts=lambda: facts).reference == \
        "mcr.microsoft.com/windows/servercore:ltsc2016"
    with pytest.raises(errors.Incompatible) as refused:
        aliases.resolve("Server", host_facts=lambda: facts)
    assert "10.0.14393" in refused.value.message and "20348 (ltsc2022), 26100 (ltsc2025)" in refused.value.message


def test_a_windows_alias_on_a_linux_host_is_refused():
    facts = host.from_engine({"Os": "linux", "Arch": "amd64", "KernelVersion": "6.1.0"}, {"OSType": "linux"})
    with pytest.raises(errors.Incompatible, match="is for Windows hosts.*runs Linux \\(6.1.0\\)"):
        aliases.resolve("NanoServer", host_facts=lambda: facts)


def test_the_alias_wins_only_for_a_bare_name_without_tag():
    never = lambda: pytest.fail("the host must not be asked")  # noqa: E731
    assert aliases.resolve("nanoserver:latest", host_facts=never).reference == "nanoserver:latest"
    assert aliases.resolve("library/nanoserver", host_facts=never).reference == "library/nanoserver"
    assert aliases.resolve("NanoServer", tag="1809", host_facts=never).reference == "NanoServer"
    assert aliases.resolve("busybox", host_facts=never) == aliases.Resolution("busybox")


def test_user_aliases_from_the_settings_file(containerimage_config):
    containerimage_config.write_text("Aliases:\n  Tools:\n    Repository: 127.0.0.1:5000/tools/busybox\n    Tag: '1.36'\n"
                                     "  NanoServer:\n    Repository: 127.0.0.1:5000/windows/nanoserver\n"
                                     "    Tags: {20348: ltsc2022}\n")
    never = lambda: pytest.fail("the host must not be asked")  # noqa: E731
    tools = aliases.resolve("tools", host_facts=never)
    assert (tools.reference, tools.alias.source) == ("127.0.0.1:5000/tools/busybox:1.36", "settings")
    facts = host.from_engine(*windows_host(20348))
    assert aliases.resolve("NanoServer", host_facts=lambda: facts).reference == "127.0.0.1:5000/windows/nanoserver:ltsc2022"


def test_a_broken_settings_file_fails_default_aliases_but_not_other_names(containerimage_config):
    containerimage_config.write_text("Aliases: [oops\n")
    with pytest.raises(errors.InvalidData) as broken:
        aliases.resolve("NanoServer", host_facts=lambda: pytest.fail("not asked"))
    assert str(containerimage_config) in broken.value.message and "line" in broken.value.message
    resolution = aliases.resolve("busybox", host_facts=lambda: pytest.fail("not asked"))
    assert resolution.reference == "busybox" and "cannot be read" in resolution.note


def test_install_of_an_alias_pulls_the_resolved_reference(registry, containerimage_config):
    registry.push("tools/busybox", "1.36", "linux")
    containerimage_config.write_text(f"Aliases:\n  Tools:\n    Repository: {registry.address}/tools/busybox\n"
                                     "    Tag: '1.36'\n")
    engine = engine_for()
    result = images.pull_image(Context(engine), name="Tools")
    post = engine.api.posts[0]
    assert (post["params"]["fromImage"], post["params"]["tag"]) == (f"{registry.address}/tools/busybox", "1.36")
    assert result["notes"][0] == f"alias 'Tools' (from {containerimage_config}) is {registry.address}/tools/busybox:1.36"


def test_every_tag_of_an_alias_is_every_tag_of_its_repository(containerimage_config):
    engine = engine_for()
    result = images.pull_image(Context(engine), name="NanoServer", all_tags=True)  # a Linux host: no tag chosen
    post = engine.api.posts[0]
    assert (post["params"]["fromImage"], post["params"]["tag"]) == ("mcr.microsoft.com/windows/nanoserver", "")
    assert result["notes"] == ["alias 'NanoServer' (shipped with the module) is mcr.microsoft.com/windows/nanoserver"]


def test_a_tag_given_beside_the_name(registry):
    registry.push("lin/app", "2", "linux")
    row = compatibility.test_image(Context(engine_for()), name=f"{registry.address}/lin/app", tag="2")
    assert (row["Name"], row["Reference"], row["Compatible"]) == (f"{registry.address}/lin/app:2",) * 2 + (True,)
    with pytest.raises(errors.InvalidParams, match="names its tag, digest or id already"):
        compatibility.test_image(Context(engine_for()), name="busybox:1", tag="2")
    with pytest.raises(errors.InvalidReference, match="not a valid tag"):
        compatibility.test_image(Context(engine_for()), name="busybox", tag="-bad")


def test_host_facts_are_kept_for_the_ttl_and_per_engine_address(monkeypatch):
    engine = engine_for()
    clock = [1000.0]
    monkeypatch.setattr(host, "monotonic", lambda: clock[0])
    host.facts(engine)
    host.facts(engine)
    assert len(engine.api.calls_to("info")) == 1
    clock[0] += host.TTL_SECONDS + 1
    host.facts(engine)
    assert len(engine.api.calls_to("info")) == 2
    engine.host = "unix:///another/docker.sock"  # the Engine setting switched engines
    host.facts(engine)
    assert len(engine.api.calls_to("info")) == 3
