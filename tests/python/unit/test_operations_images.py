"""image.list and image.pull against a fake docker APIClient."""

import base64
import json
import threading

import docker.errors
import pytest

from containerimage import errors
from containerimage.operations import images, stream
from containerimage.server import Context

from .fakes import BLOCK, FakeDockerAPI, FakeEngine, NoEngine, api_error

SAFETY = 10


def image_id(char):
    return "sha256:" + char * 64


BUSYBOX = image_id("a")
NANO = image_id("b")
LOCAL = image_id("c")
DANGLING = image_id("d")
ALPINE = image_id("e")
MULTI = image_id("f")
BUSYBOX_DIGEST = "sha256:" + "1" * 64
LOCAL_DIGEST = "sha256:" + "2" * 64
ALPINE_DIGEST = "sha256:" + "3" * 64
MULTI_DIGEST_A = "sha256:" + "4" * 64
MULTI_DIGEST_B = "sha256:" + "5" * 64

SUMMARIES = [
    {"Id": BUSYBOX, "RepoTags": ["busybox:latest", "busybox:1.36"], "RepoDigests": [f"busybox@{BUSYBOX_DIGEST}"],
     "Created": 1_700_000_000, "Size": 4_261_550, "Labels": None, "ParentId": ""},
    {"Id": NANO, "RepoTags": ["mcr.microsoft.com/windows/nanoserver:ltsc2022"], "RepoDigests": [],
     "Created": 1_600_000_000, "Size": 300_000_000, "Labels": {"org.opencontainers.image.vendor": "Microsoft"},
     "ParentId": ""},
    {"Id": LOCAL, "RepoTags": ["127.0.0.1:5000/team/app:v1"], "RepoDigests": [f"127.0.0.1:5000/team/app@{LOCAL_DIGEST}"],
     "Created": 1_800_000_000, "Size": 10, "Labels": {}, "ParentId": NANO},
    {"Id": DANGLING, "RepoTags": ["<none>:<none>"], "RepoDigests": ["<none>@<none>"], "Created": 1_500_000_000,
     "Size": 1, "Labels": None, "ParentId": ""},
    {"Id": ALPINE, "RepoTags": None, "RepoDigests": [f"alpine@{ALPINE_DIGEST}"], "Created": 1_650_000_000,
     "Size": 7_000_000, "Labels": None, "ParentId": ""},
    {"Id": MULTI, "RepoTags": ["one/app:1", "two/app:1"],
     "RepoDigests": [f"one/app@{MULTI_DIGEST_A}", f"two/app@{MULTI_DIGEST_B}"], "Created": 1_750_000_000,
     "Size": 5, "Labels": None, "ParentId": ""},
]
CONFIGS = {
    BUSYBOX: {"Os": "linux", "Architecture": "amd64", "Variant": None},
    NANO: {"Os": "windows", "OsVersion": "10.0.20348.2227", "Architecture": "amd64"},
    LOCAL: {"Os": "linux", "Architecture": "arm64", "Variant": "v8"},
    DANGLING: {"Os": "linux", "Architecture": "amd64"},
    ALPINE: {"Os": "linux", "Architecture": "amd64"},
    MULTI: {"Os": "linux", "Architecture": "amd64"},
}
CONTAINERS = [{"Id": "c1", "ImageID": BUSYBOX}, {"Id": "c2", "ImageID": BUSYBOX}, {"Id": "c3", "ImageID": NANO},
              {"Id": "c4", "ImageID": image_id("9")}]


@pytest.fixture
def api():
    return FakeDockerAPI(SUMMARIES, CONTAINERS, CONFIGS)


def listing(api, **params):
    return images.list_images(Context(FakeEngine(api)), **params)


def names(result):
    return [(r["Repository"], r["Tag"]) for r in result["images"]]


# --------------------------------------------------------------------------------------- list

def test_one_row_per_repository_and_tag_newest_first(api):
    result = listing(api)
    assert result["errors"] == []
    assert names(result) == [
        ("127.0.0.1:5000/team/app", "v1"),
        ("two/app", "1"), ("one/app", "1"),
        ("busybox", "latest"), ("busybox", "1.36"),
        ("alpine", None),
        ("mcr.microsoft.com/windows/nanoserver", "ltsc2022"),
        (None, None),
    ]


def test_row_fields(api):
    rows = {(r["Repository"], r["Tag"]): r for r in listing(api)["images"]}
    busybox = rows[("busybox", "latest")]
    assert busybox == {
        "Id": "a" * 12, "FullId": BUSYBOX, "Created": "2023-11-14T22:13:20Z", "Size": 4_261_550, "Labels": {},
        "Containers": 2, "ParentId": None, "Repository": "busybox", "Tag": "latest", "Digest": BUSYBOX_DIGEST,
        "Os": "linux", "OsVersion": None, "Architecture": "amd64", "Variant": None, "RunsOnHost": True,
        "UsedBy": [{"Id": "c1", "Name": None, "State": None}, {"Id": "c2", "Name": None, "State": None}],
    }
    nano = rows[("mcr.microsoft.com/windows/nanoserver", "ltsc2022")]
    assert (nano["Containers"], nano["Digest"], nano["Os"], nano["OsVersion"]) == (1, None, "windows",
                                                                                    "10.0.20348.2227")
    assert nano["Labels"] == {"org.opencontainers.image.vendor": "Microsoft"}
    local = rows[("127.0.0.1:5000/team/app", "v1")]
    assert (local["ParentId"], local["Digest"], local["Variant"], local["Containers"]) == (NANO, LOCAL_DIGEST, "v8", 0)


def test_dangling_and_digest_only_rows(api):
    rows = {r["FullId"]: r for r in listing(api)["images"]}
    assert (rows[DANGLING]["Repository"], rows[DANGLING]["Tag"], rows[DANGLING]["Digest"]) == (None, None, None)
    assert (rows[ALPINE]["Repository"], rows[ALPINE]["Tag"], rows[ALPINE]["Digest"]) == ("alpine", None,
                                                                                          ALPINE_DIGEST)


def test_a_dangling_image_without_repo_lists_at_all_is_one_row():
    api = FakeDockerAPI([{"Id": DANGLING, "RepoTags": None, "RepoDigests": None, "Created": 1}], [], CONFIGS)
    rows = listing(api)["images"]
    assert len(rows) == 1 and rows[0]["Repository"] is None and rows[0]["Tag"] is None


def test_digests_are_per_repository(api):
    rows = {r["Repository"]: r for r in listing(api)["images"] if r["FullId"] == MULTI}
    assert rows["one/app"]["Digest"] == MULTI_DIGEST_A
    assert rows["two/app"]["Digest"] == MULTI_DIGEST_B


def test_the_engine_is_asked_for_all_containers_untruncated(api):
    listing(api)
    assert api.calls_to("containers") == [{"all": True, "trunc": False}]


@pytest.mark.parametrize("params, filters, all_", [
    ({}, {}, False),
    ({"all": True}, {}, True),
    ({"dangling": True}, {"dangling": ["true"]}, False),
    ({"dangling": False}, {"dangling": ["false"]}, False),
    ({"label": ["a=b", "c"]}, {"label": ["a=b", "c"]}, False),
    ({"dangling": True, "label": ["x"]}, {"dangling": ["true"], "label": ["x"]}, False),
])
def test_filters_are_passed_to_the_engine(api, params, filters, all_):
    listing(api, **params)
    assert api.calls_to("images") == [{"all": all_, "filters": filters}]


@pytest.mark.parametrize("pattern, expected", [
    ("busy*", [("busybox", "latest"), ("busybox", "1.36")]),
    ("BUSY*", [("busybox", "latest"), ("busybox", "1.36")]),
    ("busybox:1.*", [("busybox", "1.36")]),
    ("*:1", [("two/app", "1"), ("one/app", "1")]),
    # PowerShell wildcards: '*' crosses '/' (unlike docker's path.Match), as -like does.
    ("*/app", [("127.0.0.1:5000/team/app", "v1"), ("two/app", "1"), ("one/app", "1")]),
    ("127.0.0.1:5000/*", [("127.0.0.1:5000/team/app", "v1")]),
    ("127.0.0.1:5000/team/app:v?", [("127.0.0.1:5000/team/app", "v1")]),
    ("mcr.microsoft.com/windows/nano*:LTSC*", [("mcr.microsoft.com/windows/nanoserver", "ltsc2022")]),
    ("[ab]*", [("busybox", "latest"), ("busybox", "1.36"), ("alpine", None)]),
])
def test_name_wildcards_match_case_insensitively(api, pattern, expected):
    result = listing(api, name=[pattern])
    assert names(result) == expected
    assert result["errors"] == []


@pytest.mark.parametrize("name, expected", [
    ("busybox", [("busybox", "latest"), ("busybox", "1.36")]),
    ("BusyBox", [("busybox", "latest"), ("busybox", "1.36")]),
    ("docker.io/library/busybox", [("busybox", "latest"), ("busybox", "1.36")]),
    ("index.docker.io/library/busybox:1.36", [("busybox", "1.36")]),
    ("busybox:1.36", [("busybox", "1.36")]),
    (f"busybox@{BUSYBOX_DIGEST}", [("busybox", "latest"), ("busybox", "1.36")]),
    (f"alpine@{ALPINE_DIGEST}", [("alpine", None)]),
    ("127.0.0.1:5000/team/app:v1", [("127.0.0.1:5000/team/app", "v1")]),
    ("127.0.0.1:5000/team/app", [("127.0.0.1:5000/team/app", "v1")]),
    ("mcr.microsoft.com/Windows/NanoServer", [("mcr.microsoft.com/windows/nanoserver", "ltsc2022")]),
])
def test_exact_names_are_normalised(api, name, expected):
    result = listing(api, name=[name])
    assert names(result) == expected
    assert result["errors"] == []


def test_exact_names_ignore_the_case_of_the_registry_host(api):
    # Host names are case-insensitive, and the module promises case-insensitive names; only the path is
    # lowercased today, so 'MCR.microsoft.com/...' finds nothing while 'MCR*' (a wildcard) does.
    result = listing(api, name=["MCR.Microsoft.com/windows/nanoserver:ltsc2022"])
    assert names(result) == [("mcr.microsoft.com/windows/nanoserver", "ltsc2022")]
    assert result["errors"] == []


@pytest.mark.parametrize("prefix", ["aaaa", "sha256:aaaa", "AAAA", "a" * 64, "sha256:" + "a" * 64])
def test_id_prefixes_with_and_without_sha256(api, prefix):
    result = listing(api, id=[prefix])
    assert names(result) == [("busybox", "latest"), ("busybox", "1.36")]
    assert result["errors"] == []


def test_names_and_ids_together_are_a_union(api):
    result = listing(api, name=["alpine"], id=["cccc"])
    assert names(result) == [("127.0.0.1:5000/team/app", "v1"), ("alpine", None)]


def test_a_missing_exact_name_is_reported_not_raised(api):
    result = listing(api, name=["busybox", "nothere", "busybox:nope"])
    assert names(result) == [("busybox", "latest"), ("busybox", "1.36")]
    assert [(e["code"], e["data"]["kind"], e["data"]["target"]) for e in result["errors"]] == [
        (-32002, "NotFound", "nothere"), (-32002, "NotFound", "busybox:nope")]
    assert "'nothere'" in result["errors"][0]["message"] and "'busybox:nope'" in result["errors"][1]["message"]


def test_a_missing_id_is_reported(api):
    result = listing(api, id=["0123abc"])
    assert result["images"] == []
    assert [(e["data"]["kind"], e["data"]["target"]) for e in result["errors"]] == [("NotFound", "0123abc")]
    assert "id" in result["errors"][0]["message"]


def test_a_wildcard_matching_nothing_is_no_error(api):
    result = listing(api, name=["nothing*", "zz?"])
    assert result == {"images": [], "errors": []}


def test_an_invalid_name_is_reported_and_matches_nothing(api):
    result = listing(api, name=["Bad Name!"])
    assert result["images"] == []
    assert len(result["errors"]) == 1
    error = result["errors"][0]
    assert error["code"] == -32004 and error["data"] == {"kind": "InvalidReference", "target": "Bad Name!"}


def test_an_invalid_name_next_to_a_good_one(api):
    result = listing(api, name=["-bad", "alpine"])
    assert names(result) == [("alpine", None)]
    assert [e["data"]["kind"] for e in result["errors"]] == ["InvalidReference"]


def test_platforms_are_inspected_once_per_image_and_cached(api):
    engine = FakeEngine(api)
    first = images.list_images(Context(engine))
    assert sorted(api.inspected) == sorted(s["Id"] for s in SUMMARIES)
    api.inspected.clear()
    second = images.list_images(Context(engine))
    assert api.inspected == []
    assert first == second


def test_only_the_selected_rows_are_inspected(api):
    listing(api, name=["alpine"])
    assert api.inspected == [ALPINE]


def test_the_platform_cache_is_per_engine(api):
    first, second = FakeEngine(api), FakeEngine(api)
    images.list_images(Context(first))
    api.inspected.clear()
    images.list_images(Context(second))
    assert sorted(api.inspected) == sorted(s["Id"] for s in SUMMARIES)


def test_an_image_removed_since_listed_has_no_platform():
    configs = dict(CONFIGS)
    del configs[BUSYBOX]
    rows = listing(FakeDockerAPI(SUMMARIES, CONTAINERS, configs), name=["busybox:latest"])["images"]
    assert (rows[0]["Os"], rows[0]["Architecture"]) == (None, None)


def test_a_platform_not_found_once_is_looked_up_again():
    # Listing raced with a removal; once the image is back (same content, same id), its platform shows.
    api = FakeDockerAPI(SUMMARIES, CONTAINERS, {k: v for k, v in CONFIGS.items() if k != BUSYBOX})
    engine = FakeEngine(api)
    assert images.list_images(Context(engine), name=["busybox:latest"])["images"][0]["Os"] is None
    api.configs[BUSYBOX] = CONFIGS[BUSYBOX]
    assert images.list_images(Context(engine), name=["busybox:latest"])["images"][0]["Os"] == "linux"


def test_other_inspect_failures_are_raised():
    class Failing(FakeDockerAPI):
        def inspect_image(self, image):
            raise api_error(500, "engine hiccup")

    with pytest.raises(docker.errors.APIError):
        listing(Failing(SUMMARIES, CONTAINERS, CONFIGS))


def test_explicit_default_params_list_everything():
    api = FakeDockerAPI([], [], {})
    assert listing(api, name=None, id=None, all=False, dangling=None, label=None) == {"images": [], "errors": []}


# --------------------------------------------------------------------------------------- pull: arguments

@pytest.mark.parametrize("params, error, named", [
    ({"name": "Bad Name"}, errors.InvalidReference, "'bad name'"),
    ({"name": "busybox", "tag": "bad tag!"}, errors.InvalidReference, "'bad tag!'"),
    ({"name": "busybox:1.36", "tag": "1.35"}, errors.InvalidParams, "'1.36'"),
    ({"name": "busybox", "tag": "1.36", "all_tags": True}, errors.InvalidParams, "all tags"),
    ({"name": "busybox:1.36", "all_tags": True}, errors.InvalidParams, "all tags"),
    ({"name": f"busybox@{BUSYBOX_DIGEST}", "all_tags": True}, errors.InvalidParams, "all tags"),
])
def test_pull_argument_errors_come_before_any_engine_call(params, error, named):
    with pytest.raises(error) as caught:
        images.pull_image(Context(NoEngine()), **params)
    assert type(caught.value) is error
    assert named in caught.value.message.lower()


# --------------------------------------------------------------------------------------- pull: the stream

def pull_events(*layer_events, digest=BUSYBOX_DIGEST, status="Downloaded newer image for busybox:latest"):
    return [{"status": "Pulling from library/busybox", "id": "latest"}, *layer_events,
            {"status": f"Digest: {digest}"}, {"status": f"Status: {status}"}]


LAYER_EVENTS = [
    {"status": "Pulling fs layer", "progressDetail": {}, "id": "0123456789ab"},
    {"status": "Pulling fs layer", "progressDetail": {}, "id": "fedcba987654"},
    {"status": "Downloading", "progressDetail": {"current": 10, "total": 100}, "progress": "[>  ]", "id": "0123456789ab"},
    {"status": "Downloading", "progressDetail": {"current": 20, "total": 100}, "progress": "[=> ]", "id": "0123456789ab"},
    {"status": "Downloading", "progressDetail": {"current": 5, "total": 50}, "id": "fedcba987654"},
    {"status": "Download complete", "progressDetail": {}, "id": "0123456789ab"},
    {"status": "Pull complete", "progressDetail": {}, "id": "0123456789ab"},
    {"status": "Downloading", "progressDetail": {"current": 50, "total": 50}, "id": "fedcba987654"},
    {"status": "Pull complete", "progressDetail": {}, "id": "fedcba987654"},
]


def pull(api, progress=None, engine=None, **params):
    return images.pull_image(Context(engine or FakeEngine(api), progress), **params)


def test_pull_sends_throttled_progress_per_layer_and_returns_the_rows(monkeypatch):
    monkeypatch.setattr(stream, "PROGRESS_INTERVAL", 3600)  # "fast" for certain
    api = FakeDockerAPI(SUMMARIES, CONTAINERS, CONFIGS, pull_events=pull_events(*LAYER_EVENTS))
    sent = []
    result = pull(api, sent.append, name="busybox")
    assert sent == [
        {"id": "0123456789ab", "status": "Pulling fs layer", "current": None, "total": None},
        {"id": "fedcba987654", "status": "Pulling fs layer", "current": None, "total": None},
        {"id": "0123456789ab", "status": "Downloading", "current": 10, "total": 100},
        # l1 Downloading 20/100 repeats l1's status within the interval: not sent
        {"id": "fedcba987654", "status": "Downloading", "current": 5, "total": 50},
        {"id": "0123456789ab", "status": "Download complete", "current": None, "total": None},
        {"id": "0123456789ab", "status": "Pull complete", "current": None, "total": None},
        # l2 Downloading 50/50 repeats l2's status within the interval: not sent
        {"id": "fedcba987654", "status": "Pull complete", "current": None, "total": None},
    ]
    assert result["digest"] == BUSYBOX_DIGEST
    assert result["status"] == "Downloaded newer image for busybox:latest"
    assert [(r["Repository"], r["Tag"], r["FullId"]) for r in result["images"]] == [("busybox", "latest", BUSYBOX)]


def test_pull_sends_a_repeated_status_again_once_the_interval_has_passed(monkeypatch):
    monkeypatch.setattr(stream, "PROGRESS_INTERVAL", 0)
    api = FakeDockerAPI(SUMMARIES, CONTAINERS, CONFIGS, pull_events=pull_events(*LAYER_EVENTS))
    sent = []
    pull(api, sent.append, name="busybox")
    assert [(p["id"], p["status"], p["current"]) for p in sent if p["status"] == "Downloading"] == [
        ("0123456789ab", "Downloading", 10), ("0123456789ab", "Downloading", 20), ("fedcba987654", "Downloading", 5), ("fedcba987654", "Downloading", 50)]


def test_pull_sends_progress_only_for_layers_not_for_warnings_or_the_tag_line(monkeypatch):
    warning = {"status": "Failed to pull manifest by the resolved digest...", "id": "WARNING"}
    api = FakeDockerAPI(SUMMARIES, CONTAINERS, CONFIGS, pull_events=pull_events(warning, *LAYER_EVENTS[:1]))
    sent = []
    pull(api, sent.append, name="busybox")
    assert [p["id"] for p in sent] == ["0123456789ab"]


def test_pull_asks_the_engine_for_the_image_and_tag():
    api = FakeDockerAPI(SUMMARIES, CONTAINERS, CONFIGS, pull_events=pull_events())
    pull(api, name="busybox:1.36", platform="linux/amd64")
    [post] = api.posts
    assert post["url"] == "http+docker://localhost/v1.41/images/create"
    assert post["params"] == {"fromImage": "busybox", "tag": "1.36", "platform": "linux/amd64"}
    assert post["stream"] is True and post["timeout"] is None
    assert api.reloads == 1  # logins made since the backend started count
    assert api.calls_to("_raise_for_status") and api.calls_to("_stream_helper") == [{"decode": True}]


@pytest.mark.parametrize("params, tag", [
    ({"name": "busybox"}, "latest"),
    ({"name": "busybox", "tag": "1.36"}, "1.36"),
    ({"name": "busybox:1.36", "tag": "1.36"}, "1.36"),
    ({"name": f"busybox@{BUSYBOX_DIGEST}"}, BUSYBOX_DIGEST),
    ({"name": "busybox", "all_tags": True}, ""),
])
def test_pull_tag_param(params, tag):
    api = FakeDockerAPI(SUMMARIES, CONTAINERS, CONFIGS, pull_events=pull_events())
    result = pull(api, **params)
    assert api.posts[0]["params"] == {"fromImage": "busybox", "tag": tag}
    assert result["images"] and all(r["Repository"] == "busybox" for r in result["images"])


def test_pull_all_tags_returns_every_tag():
    api = FakeDockerAPI(SUMMARIES, CONTAINERS, CONFIGS, pull_events=pull_events())
    assert names(pull(api, name="busybox", all_tags=True)) == [("busybox", "latest"), ("busybox", "1.36")]


def test_pull_by_digest_returns_the_rows_with_that_digest():
    api = FakeDockerAPI(SUMMARIES, CONTAINERS, CONFIGS, pull_events=pull_events())
    result = pull(api, name=f"alpine@{ALPINE_DIGEST}")
    assert names(result) == [("alpine", None)]


def decode_auth(header):
    if isinstance(header, str):
        header = header.encode("ascii")
    return json.loads(base64.urlsafe_b64decode(header + b"=" * (-len(header) % 4)))


def test_pull_sends_explicit_credentials_for_the_registry():
    api = FakeDockerAPI(SUMMARIES, CONTAINERS, CONFIGS, pull_events=pull_events())
    pull(api, name="127.0.0.1:5000/team/app:v1", auth={"username": "me", "password": "pw"})
    auth = decode_auth(api.posts[0]["headers"]["X-Registry-Auth"])
    assert (auth["username"], auth["password"], auth["serveraddress"]) == ("me", "pw", "127.0.0.1:5000")
    assert api.reloads == 0


def test_pull_uses_stored_credentials_for_their_registry_only():
    api = FakeDockerAPI(SUMMARIES, CONTAINERS, CONFIGS, pull_events=pull_events())
    pull(api, name="registry.invalid/team/app")
    auth = decode_auth(api.posts[0]["headers"]["X-Registry-Auth"])
    assert (auth["username"], auth["password"]) == ("user", "secret")
    api.posts.clear()
    pull(api, name="busybox")
    assert "X-Registry-Auth" not in api.posts[0]["headers"]


def pull_failure(api, **params):
    """The error a failed pull raises, as the server will send it."""
    with pytest.raises(Exception) as caught:
        pull(api, **params)
    return errors.translate(caught.value)


def test_pull_error_event_raises_not_found():
    api = FakeDockerAPI(SUMMARIES, CONTAINERS, CONFIGS, pull_events=[
        {"status": "Pulling from library/x", "id": "nope"},
        {"errorDetail": {"message": "manifest for x:nope not found: manifest unknown"},
         "error": "manifest for x:nope not found: manifest unknown"}])
    error = pull_failure(api, name="x:nope")
    assert isinstance(error, errors.NotFound)
    assert error.target == "x:nope"
    assert "manifest for x:nope not found: manifest unknown" in error.message  # the engine's words are kept


def test_pull_error_detail_alone_is_enough():
    api = FakeDockerAPI(SUMMARIES, CONTAINERS, CONFIGS, pull_events=[
        {"errorDetail": {"message": "manifest for x:nope not found: manifest unknown"}}])
    assert isinstance(pull_failure(api, name="x:nope"), errors.NotFound)


@pytest.mark.parametrize("message, error", [
    ('Get "https://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused',
     errors.RegistryUnavailable),
    ("unauthorized: authentication required", errors.Unauthorized),
    ("something else entirely", errors.Internal),
])
def test_pull_error_events_are_classified(message, error):
    api = FakeDockerAPI(SUMMARIES, CONTAINERS, CONFIGS, pull_events=[{"error": message}])
    failure = pull_failure(api, name="127.0.0.1:1/x")
    assert type(failure) is error
    assert failure.target == "127.0.0.1:1/x:latest"
    # The engine's words, or for a registry it cannot reach, what they say in a few plain words.
    assert (errors.network_words(message) if error is errors.RegistryUnavailable else message) in failure.message


def test_pull_http_error_from_the_engine_is_raised():
    api = FakeDockerAPI(SUMMARIES, CONTAINERS, CONFIGS, pull_events=pull_events())
    api.raise_for_status_error = api_error(404, "pull access denied for nothere, repository does not exist",
                                           docker.errors.ImageNotFound)
    error = pull_failure(api, name="nothere")
    assert error.kind == "NotFound"
    assert "pull access denied for nothere" in error.message
    assert api.calls_to("_stream_helper") == []


def test_pull_if_missing_returns_a_present_image_without_asking_the_registry():
    api = FakeDockerAPI(SUMMARIES, CONTAINERS, CONFIGS, pull_events=pull_events())
    result = pull(api, name="busybox:1.36", if_missing=True)
    assert api.posts == []
    assert result["status"] == "Already installed" and result["digest"] == BUSYBOX_DIGEST
    assert names(result) == [("busybox", "1.36")]


def test_pull_if_missing_pulls_an_absent_image():
    api = FakeDockerAPI(SUMMARIES, CONTAINERS, CONFIGS, pull_events=pull_events())
    pull(api, name="busybox:9.9", if_missing=True)
    assert len(api.posts) == 1 and api.posts[0]["params"]["tag"] == "9.9"


# --------------------------------------------------------------------------------------- pull: cancel

def test_cancel_while_reading_the_stream_closes_the_response_and_raises_cancelled():
    api = FakeDockerAPI(SUMMARIES, CONTAINERS, CONFIGS, pull_events=[
        {"status": "Pulling fs layer", "id": "0123456789ab"}, BLOCK, {"status": "Digest: sha256:never"}])
    first_progress = threading.Event()
    context = Context(FakeEngine(api), lambda fields: first_progress.set())
    outcome = {}

    def run():
        try:
            outcome["result"] = images.pull_image(context, name="busybox")
        except Exception as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    assert first_progress.wait(SAFETY)
    context.cancel()  # what $/cancelRequest does, from the read loop's thread
    thread.join(SAFETY)
    assert not thread.is_alive()
    assert isinstance(outcome.get("error"), errors.Cancelled), outcome
    assert api.responses[0].close_calls == 1


def test_cancel_between_events_stops_at_the_next_event():
    api = FakeDockerAPI(SUMMARIES, CONTAINERS, CONFIGS, pull_events=pull_events(*LAYER_EVENTS))
    sent = []
    holder = {}

    def progress(fields):
        sent.append(fields)
        holder["context"].cancel()

    holder["context"] = context = Context(FakeEngine(api), progress)
    with pytest.raises(errors.Cancelled):
        images.pull_image(context, name="busybox")
    assert len(sent) == 1
    assert api.responses[0].close_calls == 1


def test_cancel_before_the_response_arrives_closes_it_at_once():
    api = FakeDockerAPI(SUMMARIES, CONTAINERS, CONFIGS, pull_events=[])
    context = Context(FakeEngine(api))
    context.cancel()
    with pytest.raises(errors.Cancelled):
        images.pull_image(context, name="busybox")
    assert api.responses[0].close_calls == 1


def test_without_a_config_json_in_docker_config_no_login_is_read_not_even_from_home(docker_config, monkeypatch,
                                                                                    tmp_path):
    (docker_config / "config.json").unlink()
    home = tmp_path / "home"
    (home / ".docker").mkdir(parents=True)
    (home / ".docker" / "config.json").write_text('{"auths": {"https://index.docker.io/v1/": {"auth": "dTpw"}}}')
    monkeypatch.setenv("HOME", str(home))  # where the docker SDK alone would look next
    api = FakeDockerAPI(SUMMARIES, CONTAINERS, CONFIGS, pull_events=pull_events())
    pull(api, name="busybox")
    assert api.reloads == 0
    assert "X-Registry-Auth" not in api.posts[0]["headers"]
