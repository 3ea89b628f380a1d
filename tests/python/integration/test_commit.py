"""image.commit, image.tag and image.history through a backend process against the sandbox engine."""

import json
import time
from types import SimpleNamespace

import pytest

from .conftest import error, result

pytestmark = pytest.mark.engine

BASE = "microsoft/aspnet:latest"  # two layers: windowsservercore's and its own


@pytest.fixture
def engine(docker):
    """The docker CLI, with the base image pulled, and containers and images made by the test removed after it."""
    docker("pull", "-q", BASE)
    made = {"containers": [], "images": []}

    def container(*command, running=False):
        name = f"test-commit-{len(made['containers'])}-{time.monotonic_ns()}"
        verb = ["run", "-d"] if running else ["create"]
        docker(*verb, "--network", "none", "--name", name, BASE, *command)
        made["containers"].append(name)
        return name

    def images(*names):
        made["images"].extend(names)
        for name in names:
            docker("rmi", "-f", name, check=False)

    yield SimpleNamespace(docker=docker, container=container, images=images)
    for name in made["containers"]:
        docker("rm", "-f", name, check=False)
    for name in made["images"]:
        docker("rmi", "-f", name, check=False)


def image_ids(docker):
    return set(docker("images", "-aq", "--no-trunc").stdout.split())


def inspect(docker, name):
    return json.loads(docker("image", "inspect", name).stdout)[0]


# -------------------------------------------------------------------------------------------- commit

def test_commit_makes_the_image_with_message_author_and_changes(backend, engine):
    engine.images("test/commit:v1")
    container = engine.container("/bin/sh", "-c", "echo built")
    committed = result(backend.call("image.commit", {
        "container": container, "name": "Test/Commit", "tag": "v1", "message": "IIS configured",
        "author": "Jane Doe <jane@example.com>", "changes": ["LABEL stage=test", "ENV GREETING=hello"]}))

    made = inspect(engine.docker, "test/commit:v1")
    assert committed["id"] == made["Id"]
    assert made["Comment"] == "IIS configured" and made["Author"] == "Jane Doe <jane@example.com>"
    assert made["Config"]["Labels"]["stage"] == "test"
    assert "GREETING=hello" in made["Config"]["Env"]
    assert made["Parent"] == inspect(engine.docker, BASE)["Id"]
    # The answer is the image's row exactly as image.list gives it.
    listed = result(backend.call("image.list", {"name": ["test/commit:v1"]}))["images"]
    assert committed["images"] == listed and [r["Tag"] for r in listed] == ["v1"]


def _actions(docker, container, since, until):
    out = docker("events", "--since", str(since), "--until", str(until), "--filter", f"container={container}",
                 "--filter", "event=pause", "--filter", "event=unpause", "--filter", "event=commit",
                 "--format", "{{.Action}}").stdout
    return out.split()


def test_commit_pauses_a_running_container_unless_told_not_to(backend, engine):
    engine.images("test/commit:paused", "test/commit:running")
    container = engine.container("sleep", "300", running=True)
    since = int(time.time()) - 1
    result(backend.call("image.commit", {"container": container, "name": "test/commit:paused"}))
    result(backend.call("image.commit", {"container": container, "name": "test/commit:running", "pause": False}))
    until = int(time.time()) + 2
    time.sleep(2.1)  # events up to `until` are complete once it has passed
    actions = _actions(engine.docker, container, since, until)
    assert actions == ["pause", "commit", "unpause", "commit"]  # the second commit: no pause


def test_commit_of_a_missing_container_is_not_found_and_makes_nothing(backend, engine):
    before = image_ids(engine.docker)
    failure = error(backend.call("image.commit", {"container": "no-such-container", "name": "test/commit"}))
    assert failure["data"]["kind"] == "NotFound"
    assert failure["message"] == "No container 'no-such-container' on this engine."
    assert image_ids(engine.docker) == before


@pytest.mark.parametrize("name, tag, mentioned", [
    ("Bad Name", None, "'Bad Name' is not a valid reference"),
    ("repo:bad tag", None, "'bad tag' is not a valid tag"),
    ("test/commit", "bad tag", "'bad tag' is not a valid tag"),
])
def test_commit_of_a_malformed_name_is_invalid_reference_and_makes_nothing(backend, engine, name, tag, mentioned):
    container = engine.container()
    before = image_ids(engine.docker)
    params = {"container": container, "name": name}
    if tag:
        params["tag"] = tag
    failure = error(backend.call("image.commit", params))
    assert failure["data"]["kind"] == "InvalidReference"
    assert mentioned in failure["message"]
    assert image_ids(engine.docker) == before


@pytest.mark.parametrize("changes, reason", [
    (["FOO bar"], "foo is not a valid change command"),
    (["RUN echo hi"], "run is not a valid change command"),
    (["ENV"], "ENV requires at least one argument"),
])
def test_a_change_the_engine_refuses_is_invalid_params_with_its_reason(backend, engine, changes, reason):
    container = engine.container()
    before = image_ids(engine.docker)
    failure = error(backend.call("image.commit", {"container": container, "name": "test/commit", "changes": changes}))
    assert failure["data"]["kind"] == "InvalidParams"
    assert reason in failure["message"] and f"'{changes[0]}'" in failure["message"]
    assert image_ids(engine.docker) == before


# ----------------------------------------------------------------------------------------------- tag

def test_tag_names_the_same_image_and_answers_its_row(backend, engine):
    engine.images("test/tagged:stable", "test/tagged:latest")
    tagged = result(backend.call("image.tag", {"name": BASE, "target": "test/tagged:stable"}))
    base_id = inspect(engine.docker, BASE)["Id"]
    assert inspect(engine.docker, "test/tagged:stable")["Id"] == base_id
    assert tagged["images"] == result(backend.call("image.list", {"name": ["test/tagged:stable"]}))["images"]

    by_id = result(backend.call("image.tag", {"name": base_id, "target": "test/tagged"}))
    assert [(r["Repository"], r["Tag"], r["FullId"]) for r in by_id["images"]] == [("test/tagged", "latest", base_id)]


def test_tag_moves_an_existing_name(backend, engine):
    engine.images("test/tagged:moved")
    engine.docker("pull", "-q", "microsoft/nanoserver")
    result(backend.call("image.tag", {"name": "microsoft/nanoserver", "target": "test/tagged:moved"}))
    moved = result(backend.call("image.tag", {"name": BASE, "target": "test/tagged:moved"}))
    assert moved["images"][0]["FullId"] == inspect(engine.docker, BASE)["Id"]
    assert inspect(engine.docker, "test/tagged:moved")["Id"] == inspect(engine.docker, BASE)["Id"]


@pytest.mark.parametrize("source, target, kind, mentioned", [
    ("no/such:image", "test/tagged", "NotFound", "No image 'no/such:image' on this engine."),
    (BASE, "Bad Name", "InvalidReference", "'Bad Name' is not a valid reference"),
    (BASE, "repo:bad tag", "InvalidReference", "'bad tag' is not a valid tag"),
    ("Bad Name", "test/tagged", "InvalidReference", "'Bad Name' is not a valid reference"),
])
def test_tag_errors(backend, engine, source, target, kind, mentioned):
    before = docker_tags(engine.docker)
    failure = error(backend.call("image.tag", {"name": source, "target": target}))
    assert failure["data"]["kind"] == kind
    assert mentioned in failure["message"]
    assert docker_tags(engine.docker) == before


def docker_tags(docker):
    return sorted(docker("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split())


# ------------------------------------------------------------------------------------------- history

def docker_history(docker, name):
    out = docker("history", "--no-trunc", "--human=false", "--format",
                 "{{.ID}}\t{{.Size}}\t{{.Comment}}\t{{.CreatedBy}}", name).stdout
    return [line.split("\t") for line in out.splitlines()]


def test_history_of_a_two_layer_image_matches_docker_history(backend, engine):
    rows = result(backend.call("image.history", {"name": "microsoft/aspnet"}))["history"]
    expected = docker_history(engine.docker, BASE)
    assert len(rows) == len(expected) == 2
    assert [[r["FullId"] or "<missing>", str(r["Size"]), r["Comment"], r["CreatedBy"]] for r in rows] == expected
    assert rows[0]["FullId"] == inspect(engine.docker, BASE)["Id"] and "microsoft/aspnet:latest" in rows[0]["Tags"]
    assert rows[1]["Id"] is None and rows[1]["Tags"] == []


def test_history_of_a_committed_image_has_its_layer_on_top(backend, engine):
    engine.images("test/history:v1")
    container = engine.container("/bin/sh", "-c", "echo layered")
    committed = result(backend.call("image.commit", {"container": container, "name": "test/history:v1",
                                                     "message": "one more layer"}))
    rows = result(backend.call("image.history", {"name": committed["id"]}))["history"]
    assert [r["FullId"] for r in rows][:2] == [committed["id"], inspect(engine.docker, BASE)["Id"]]
    assert (rows[0]["Comment"], rows[0]["CreatedBy"], rows[0]["Tags"]) == ("one more layer", "/bin/sh -c echo layered",
                                                                            ["test/history:v1"])
    assert len(rows) == 3


@pytest.mark.parametrize("name, kind, mentioned", [
    ("no/such:image", "NotFound", "No image 'no/such:image' on this engine."),
    ("repo:bad tag", "InvalidReference", "'bad tag' is not a valid tag"),
])
def test_history_errors(backend, engine, name, kind, mentioned):
    failure = error(backend.call("image.history", {"name": name}))
    assert failure["data"]["kind"] == kind and mentioned in failure["message"]
