"""image.remove, image.prune and the list's UsedBy and child_of, against the sandbox's real engine."""

import os

import pytest

from .conftest import error, result

pytestmark = pytest.mark.engine

LABEL = "containerimage.test=remove-py"


@pytest.fixture
def made(docker, tmp_path):
    """Makes images and containers for a test (all labelled, all removed after it):
    made.image(name, file_size=0) -> full id; made.container(image, running=False, name=None) -> full id."""
    containers, images = [], []
    docker("pull", "microsoft/nanoserver")

    class Made:
        @staticmethod
        def image(name=None, file_size=0, base="microsoft/nanoserver", label=LABEL):
            box = docker("create", "--network", "none", base, "/bin/true").stdout.strip()
            try:
                if file_size:
                    data = tmp_path / "data.bin"
                    data.write_bytes(os.urandom(file_size))
                    docker("cp", str(data), f"{box}:/data.bin")
                image = docker("commit", "--change", f"LABEL {label}", box, *([name] if name else [])).stdout.strip()
            finally:
                docker("rm", "-f", box)
            images.append(image)
            return image

        @staticmethod
        def container(image, running=False, name=None):
            named = ["--name", name] if name else []
            if running:
                box = docker("run", "-d", "--network", "none", *named, image, "sleep", "300").stdout.strip()
            else:
                box = docker("create", "--network", "none", *named, image, "/bin/true").stdout.strip()
            containers.append(box)
            return box

    yield Made
    for box in containers:
        docker("rm", "-f", box, check=False)
    for image in reversed(images):
        docker("rmi", "-f", image, check=False)


def exists(docker, name):
    return docker("image", "inspect", name, check=False).returncode == 0


def size(docker, name):
    return int(docker("image", "inspect", "--format", "{{.Size}}", name).stdout)


def test_every_container_that_depends_on_an_image_is_named_and_the_image_kept(backend, docker, made):
    image = made.image("test/rm-py-busy:1")
    stopped = made.container(image, name="rm-py-stopped")
    running = made.container(image, running=True, name="rm-py-running")
    made.image("test/rm-py-busy-child:1", base=image)
    on_child = made.container("test/rm-py-busy-child:1", name="rm-py-child-box")

    for params in ({"name": "test/rm-py-busy:1"}, {"id": image[7:19]}, {"name": "test/rm-py-busy:1", "dry_run": True}):
        failure = error(backend.call("image.remove", params))
        assert failure["data"]["kind"] == "Conflict", failure
        message = failure["message"]
        assert f"The image '{params.get('name') or params.get('id')}' ({image[7:19]}) cannot be removed: 3 containers" \
            in message
        assert f"{stopped[:12]} 'rm-py-stopped' (created)" in message
        assert f"{running[:12]} 'rm-py-running' (running)" in message
        assert f"{on_child[:12]} 'rm-py-child-box' (created, of the image test/rm-py-busy-child:1 built on it)" \
            in message
        assert {c["Id"] for c in failure["data"]["containers"]} == {stopped[:12], running[:12], on_child[:12]}
        assert exists(docker, "test/rm-py-busy:1")


def test_force_removes_an_image_a_stopped_container_uses(backend, docker, made):
    image = made.image("test/rm-py-forced:1")
    box = made.container(image)
    removed = result(backend.call("image.remove", {"name": "test/rm-py-forced:1", "force": True}))
    assert removed["Untagged"] == ["test/rm-py-forced:1"]
    assert removed["Deleted"] == [image]
    assert not exists(docker, image)
    assert docker("container", "inspect", box, check=False).returncode == 0  # the container is left alone


def test_force_on_the_image_of_a_running_container_only_untags_it_as_docker_does(backend, docker, made):
    image = made.image("test/rm-py-running:1")
    made.container(image, running=True)
    removed = result(backend.call("image.remove", {"name": "test/rm-py-running:1", "force": True}))
    assert (removed["Untagged"], removed["Deleted"]) == (["test/rm-py-running:1"], [])
    assert exists(docker, image)
    failure = error(backend.call("image.remove", {"id": image, "force": True}))
    assert failure["data"]["kind"] == "Conflict"
    assert f"({image[7:19]}) cannot be removed: image is being used by running container" in failure["message"]


def test_one_tag_of_several_is_only_untagged_even_while_a_container_uses_the_image(backend, docker, made):
    image = made.image("test/rm-py-multi:1")
    docker("tag", image, "test/rm-py-multi:2")
    made.container(image)
    plan = result(backend.call("image.remove", {"name": "test/rm-py-multi:2", "dry_run": True}))
    assert (plan["Action"], plan["Untagged"]) == ("Untag", ["test/rm-py-multi:2"])
    removed = result(backend.call("image.remove", {"name": "test/rm-py-multi:2"}))
    assert (removed["Untagged"], removed["Deleted"], removed["SpaceReclaimed"]) == (["test/rm-py-multi:2"], [], 0)
    assert not exists(docker, "test/rm-py-multi:2")
    assert exists(docker, "test/rm-py-multi:1")


def test_the_space_reclaimed_is_the_image_s_own_layer(backend, docker, made):
    image = made.image("test/rm-py-space:1", file_size=300_000)
    own = size(docker, image) - size(docker, "microsoft/nanoserver")
    assert own >= 300_000
    removed = result(backend.call("image.remove", {"name": "test/rm-py-space:1"}))
    assert removed["Deleted"] == [image]
    assert removed["SpaceReclaimed"] == own


@pytest.mark.parametrize("params, kind, target", [
    ({"name": "test/rm-py-nosuch"}, "NotFound", "test/rm-py-nosuch"),
    ({"name": "test/rm-py-nosuch:1.0"}, "NotFound", "test/rm-py-nosuch:1.0"),
    ({"name": "Test//Bad"}, "InvalidReference", "Test//Bad"),
    ({"id": "0123456789ab"}, "NotFound", "0123456789ab"),
    ({"id": "not-hex"}, "InvalidParams", "not-hex"),
])
def test_bad_inputs_are_told_apart_and_named(backend, params, kind, target):
    failure = error(backend.call("image.remove", params))
    assert (failure["data"]["kind"], failure["data"]["target"]) == (kind, target)
    assert target in failure["message"]


def test_the_dangling_plan_is_what_the_engine_s_own_prune_removes(backend, docker, made):
    label = "containerimage.test=remove-py-prune"
    loose = [made.image(label=label), made.image(label=label)]
    used = made.image(label=label)
    made.container(used)
    kept = made.image("test/rm-py-prune:1", label=label)
    plan = result(backend.call("image.prune", {"label": [label], "dry_run": True}))["images"]
    assert sorted(i["FullId"] for i in plan) == sorted(loose)
    assert all(i["Reason"] == "dangling" and i["Image"] == "<none>" for i in plan)

    pruned = docker("image", "prune", "--force", "--filter", f"label={label}").stdout
    assert sorted(line.split()[-1] for line in pruned.splitlines() if line.startswith("deleted: sha256:")
                  and line.split()[-1] in loose + [used, kept]) == sorted(loose)
    assert exists(docker, used) and exists(docker, kept)


def test_a_prune_removes_exactly_its_plan_and_never_an_image_in_use(backend, docker, made):
    label = "containerimage.test=remove-py-unused"
    loose = made.image(label=label)
    tagged = made.image("test/rm-py-unused:1", file_size=100_000, label=label)
    docker("tag", tagged, "test/rm-py-unused:2")
    used = made.image("test/rm-py-used:1", label=label)
    made.container(used)
    plan = result(backend.call("image.prune", {"unused": True, "label": [label], "dry_run": True}))["images"]
    assert sorted(i["FullId"] for i in plan) == sorted([loose, tagged])
    assert next(i for i in plan if i["FullId"] == tagged)["Tags"] == ["test/rm-py-unused:1", "test/rm-py-unused:2"]

    pruned = result(backend.call("image.prune", {"unused": True, "label": [label],
                                                 "ids": [i["FullId"] for i in plan] + [used]}))
    assert sorted(r["FullId"] for r in pruned["results"]) == sorted([loose, tagged])
    by_id = {r["FullId"]: r for r in pruned["results"]}
    assert sorted(by_id[tagged]["Untagged"]) == ["test/rm-py-unused:1", "test/rm-py-unused:2"]
    assert by_id[tagged]["Deleted"] == [tagged]
    assert by_id[tagged]["SpaceReclaimed"] >= 100_000
    assert pruned["SpaceReclaimed"] == sum(r["SpaceReclaimed"] for r in pruned["results"])
    assert [(e["data"]["kind"], e["data"]["target"]) for e in pruned["errors"]] == [("Conflict", used[7:19])]
    assert not exists(docker, loose) and not exists(docker, tagged)
    assert exists(docker, used)


def test_child_of_lists_pulled_and_committed_images_built_on_an_image(backend, docker, made):
    for name in ("microsoft/windowsservercore", "microsoft/aspnet:nanoserver", "microsoft/aspnet:latest"):
        docker("pull", name)
    committed = made.image("test/rm-py-child:1", base="microsoft/windowsservercore")
    listed = result(backend.call("image.list", {"child_of": "microsoft/windowsservercore"}))
    names = {f"{r['Repository']}:{r['Tag']}" for r in listed["images"]}
    assert {"microsoft/aspnet:nanoserver", "microsoft/aspnet:latest", "test/rm-py-child:1"} <= names
    assert "microsoft/windowsservercore:latest" not in names and "microsoft/nanoserver:latest" not in names
    assert committed in {r["FullId"] for r in listed["images"]}
    assert result(backend.call("image.list", {"child_of": "microsoft/aspnet:nanoserver"}))["images"] == []
    missing = result(backend.call("image.list", {"child_of": "test/rm-py-nosuch"}))
    assert missing["images"] == [] and missing["errors"][0]["data"]["kind"] == "NotFound"


def test_each_row_names_the_containers_of_its_image(backend, made):
    image = made.image("test/rm-py-usedby:1")
    stopped = made.container(image, name="rm-py-usedby-stopped")
    running = made.container(image, running=True, name="rm-py-usedby-running")
    row = result(backend.call("image.list", {"name": ["test/rm-py-usedby:1"]}))["images"][0]
    assert row["Containers"] == 2
    assert sorted(row["UsedBy"], key=lambda c: c["Name"]) == [
        {"Id": running[:12], "Name": "rm-py-usedby-running", "State": "running"},
        {"Id": stopped[:12], "Name": "rm-py-usedby-stopped", "State": "created"}]
