"""image.push against a fake docker APIClient: the local check, the stream, progress, errors, cancel."""

import base64
import json
import threading

import docker.errors
import pytest

from containerimage import errors
from containerimage.operations import push, stream
from containerimage.server import Context

from .fakes import BLOCK, FakeDockerAPI, FakeEngine, NoEngine, api_error

SAFETY = 10
REGISTRY = "127.0.0.1:5000"
APP = "sha256:" + "a" * 64
HUBAPP = "sha256:" + "b" * 64
DIGEST_LATEST = "sha256:" + "1" * 64
DIGEST_V1 = "sha256:" + "2" * 64
SUMMARIES = [
    {"Id": APP, "RepoTags": [f"{REGISTRY}/team/app:latest", f"{REGISTRY}/team/app:v1"], "RepoDigests": [],
     "Created": 1_700_000_000, "Size": 4_261_550, "Labels": None, "ParentId": ""},
    {"Id": HUBAPP, "RepoTags": ["username/containername:latest"], "RepoDigests": [], "Created": 1_600_000_000,
     "Size": 777, "Labels": None, "ParentId": ""},
]
CONFIGS = {APP: {"Os": "linux", "Architecture": "amd64"}, HUBAPP: {"Os": "linux", "Architecture": "amd64"}}
LAYER = "0123456789ab"


def push_events(*tags, repository=f"{REGISTRY}/team/app"):
    events = [{"status": f"The push refers to repository [{repository}]"},
              {"status": "Preparing", "progressDetail": {}, "id": LAYER},
              {"status": "Pushing", "progressDetail": {"current": 512, "total": 2048}, "progress": "[=>  ]", "id": LAYER},
              {"status": "Pushed", "progressDetail": {}, "id": LAYER}]
    for tag, digest in tags:
        events += [{"status": f"{tag}: digest: {digest} size: 528"},
                   {"progressDetail": {}, "aux": {"Tag": tag, "Digest": digest, "Size": 528}}]
    return events


def fake(*tags):
    return FakeDockerAPI(SUMMARIES, [], CONFIGS, push_events=push_events(*(tags or [("latest", DIGEST_LATEST)])))


def run(api, progress=None, **params):
    return push.push_image(Context(FakeEngine(api), progress), **params)


def failure(api, **params):
    with pytest.raises(Exception) as caught:
        run(api, **params)
    return errors.translate(caught.value)


def decode_auth(header):
    return json.loads(base64.urlsafe_b64decode(header + b"=" * (-len(header) % 4)))


# --------------------------------------------------------------------------------------- success

def test_push_streams_progress_per_layer_and_returns_the_pushed_tag(monkeypatch):
    monkeypatch.setattr(stream, "PROGRESS_INTERVAL", 3600)
    api = fake()
    sent = []
    result = run(api, sent.append, name=f"{REGISTRY}/team/app")
    assert result == {"pushed": [{"Name": f"{REGISTRY}/team/app", "Tag": "latest", "Digest": DIGEST_LATEST,
                                  "Registry": REGISTRY, "Size": 4_261_550}]}
    assert sent == [{"id": LAYER, "status": "Preparing", "current": None, "total": None},
                    {"id": LAYER, "status": "Pushing", "current": 512, "total": 2048},
                    {"id": LAYER, "status": "Pushed", "current": None, "total": None}]
    [post] = api.posts
    assert post["url"] == f"http+docker://localhost/v1.41/images/{REGISTRY}/team/app/push"
    assert post["params"] == {"tag": "latest"} and post["stream"] is True and post["timeout"] is None


@pytest.mark.parametrize("params, tag", [
    ({"name": f"{REGISTRY}/team/app:v1"}, "v1"),
    ({"name": f"{REGISTRY}/team/app", "tag": "v1"}, "v1"),
    ({"name": f"{REGISTRY}/Team/App:v1", "tag": "v1"}, "v1"),
])
def test_push_of_a_tag(params, tag):
    api = fake((tag, DIGEST_V1))
    assert [row["Tag"] for row in run(api, **params)["pushed"]] == [tag]
    assert api.posts[0]["params"] == {"tag": tag}


def test_push_of_all_tags_asks_for_every_tag_and_returns_one_row_each():
    api = fake(("latest", DIGEST_LATEST), ("v1", DIGEST_V1))
    result = run(api, name=f"{REGISTRY}/team/app", all_tags=True)
    assert api.posts[0]["params"] == {"tag": ""}
    assert [(r["Tag"], r["Digest"], r["Size"]) for r in result["pushed"]] == [
        ("latest", DIGEST_LATEST, 4_261_550), ("v1", DIGEST_V1, 4_261_550)]


def test_a_hub_name_pushes_to_docker_io():
    api = fake()
    row = run(api, name="username/containername")["pushed"][0]
    assert (row["Name"], row["Registry"], row["Size"]) == ("username/containername", "docker.io", 777)
    assert api.posts[0]["url"].endswith("/images/username/containername/push")


# --------------------------------------------------------------------------------------- credentials

def test_explicit_credentials_are_sent_for_the_registry():
    api = fake()
    run(api, name=f"{REGISTRY}/team/app", auth={"username": "me", "password": "p w\"é"})
    auth = decode_auth(api.posts[0]["headers"]["X-Registry-Auth"])
    assert (auth["username"], auth["password"], auth["serveraddress"]) == ("me", "p w\"é", REGISTRY)
    assert api.reloads == 0


def test_a_stored_login_is_read_anew_and_sent():
    api = FakeDockerAPI(SUMMARIES, [], CONFIGS, push_events=push_events(("latest", DIGEST_LATEST),
                                                                        repository="registry.invalid/x"),
                        auth_configs=None)
    api.summaries.append({"Id": APP, "RepoTags": ["registry.invalid/team/app:latest"], "RepoDigests": [],
                          "Created": 1, "Size": 1})
    run(api, name="registry.invalid/team/app")
    assert api.reloads == 1
    auth = decode_auth(api.posts[0]["headers"]["X-Registry-Auth"])
    assert (auth["username"], auth["password"]) == ("user", "secret")


def test_without_any_login_an_empty_one_is_sent():
    # The engine reads credentials from the body when the header is missing, and fails on an empty body.
    api = fake()
    run(api, name=f"{REGISTRY}/team/app")
    assert decode_auth(api.posts[0]["headers"]["X-Registry-Auth"]) == {}


# --------------------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("params, kind, named", [
    ({"name": "Bad Name"}, errors.InvalidReference, "'bad name'"),
    ({"name": f"{REGISTRY}/team/app", "tag": "bad tag!"}, errors.InvalidReference, "'bad tag!'"),
    ({"name": f"{REGISTRY}/team/app:v1", "tag": "v2"}, errors.InvalidParams, "'v1'"),
    ({"name": f"{REGISTRY}/team/app:v1", "all_tags": True}, errors.InvalidParams, "all tags"),
    ({"name": f"{REGISTRY}/team/app@sha256:" + "1" * 64}, errors.InvalidParams, "digest"),
])
def test_argument_errors_come_before_any_engine_call(params, kind, named):
    with pytest.raises(kind) as caught:
        push.push_image(Context(NoEngine()), **params)
    assert named in caught.value.message.lower()


@pytest.mark.parametrize("params, target", [
    ({"name": f"{REGISTRY}/team/nothere"}, f"{REGISTRY}/team/nothere:latest"),
    ({"name": f"{REGISTRY}/team/app:v9"}, f"{REGISTRY}/team/app:v9"),
    ({"name": f"{REGISTRY}/team/nothere", "all_tags": True}, f"{REGISTRY}/team/nothere"),
])
def test_an_image_that_is_not_local_is_not_found_and_nothing_is_pushed(params, target):
    api = fake()
    error = failure(api, **params)
    assert isinstance(error, errors.NotFound)
    assert error.target == target and f"no image {target} on this engine" in error.message
    assert api.posts == [] and api.reloads == 0


@pytest.mark.parametrize("message, kind, words", [
    ("no basic auth credentials", errors.Unauthorized, f"{REGISTRY} refused the push of {REGISTRY}/team/app:latest"),
    ("unauthorized: authentication required", errors.Unauthorized, "refused the push"),
    ("denied: requested access to the resource is denied", errors.Unauthorized, "refused the push"),
    (f'Get "http://{REGISTRY}/v2/": dial tcp {REGISTRY}: connect: connection refused', errors.RegistryUnavailable,
     f"The registry {REGISTRY} cannot be reached to push {REGISTRY}/team/app:latest"),
    (f"An image does not exist locally with the tag: {REGISTRY}/team/app", errors.NotFound, "cannot be pushed"),
    ("something else", errors.Internal, "something else"),
])
def test_error_events_are_classified_and_name_image_and_registry(message, kind, words):
    api = FakeDockerAPI(SUMMARIES, [], CONFIGS, push_events=[
        {"status": f"The push refers to repository [{REGISTRY}/team/app]"},
        {"status": "Preparing", "progressDetail": {}, "id": LAYER},
        {"errorDetail": {"message": message}, "error": message}])
    error = failure(api, name=f"{REGISTRY}/team/app")
    assert type(error) is kind
    said = errors.network_words(message) if kind is errors.RegistryUnavailable else message
    assert words in error.message and said.rstrip(".") in error.message
    assert error.target == f"{REGISTRY}/team/app:latest"
    if kind is not errors.Internal:
        assert error.data["registry"] == REGISTRY


def test_the_hub_is_named_docker_hub_in_errors():
    api = FakeDockerAPI(SUMMARIES, [], CONFIGS, push_events=[{"error": "unauthorized: authentication required"}])
    error = failure(api, name="username/containername")
    assert error.message.startswith("Docker Hub refused the push of username/containername:latest")
    assert error.data["registry"] == "docker.io"


def test_an_http_error_from_the_engine_is_raised_without_reading_a_stream():
    api = fake()
    api.raise_for_status_error = api_error(500, "engine exploded")
    error = failure(api, name=f"{REGISTRY}/team/app")
    assert "engine exploded" in error.message
    assert api.calls_to("_stream_helper") == []


# --------------------------------------------------------------------------------------- cancel

def test_cancel_while_pushing_closes_the_response_and_raises_cancelled():
    api = FakeDockerAPI(SUMMARIES, [], CONFIGS, push_events=[
        {"status": "Pushing", "progressDetail": {"current": 1, "total": 9}, "id": LAYER}, BLOCK,
        {"aux": {"Tag": "latest", "Digest": DIGEST_LATEST}}])
    first_progress = threading.Event()
    context = Context(FakeEngine(api), lambda fields: first_progress.set())
    outcome = {}

    def work():
        try:
            outcome["result"] = push.push_image(context, name=f"{REGISTRY}/team/app")
        except Exception as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=work)
    thread.start()
    assert first_progress.wait(SAFETY)
    context.cancel()
    thread.join(SAFETY)
    assert not thread.is_alive()
    assert isinstance(outcome.get("error"), errors.Cancelled), outcome
    assert api.responses[0].close_calls == 1


def test_a_request_cancelled_before_the_push_is_not_pushed():
    api = fake()
    context = Context(FakeEngine(api))
    context.cancel()
    with pytest.raises(errors.Cancelled):
        push.push_image(context, name=f"{REGISTRY}/team/app")
    assert api.responses[0].close_calls >= 1  # the response was ended at once, before it was read


def test_the_method_is_registered():
    from containerimage.operations import METHODS
    assert METHODS["image.push"] is push.push_image
