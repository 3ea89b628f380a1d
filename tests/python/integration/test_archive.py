"""image.save and image.load, and `containerimage save/load`, against the sandbox's real engine."""

import json
import os
import subprocess
import sys
import tarfile
import time

import pytest

from containerimage.cli import human_size
from stall_engine import StallEngine

from .conftest import BACKEND, Backend, error, result

pytestmark = pytest.mark.engine

NANO = "microsoft/nanoserver:latest"
ASPNET = "microsoft/aspnet:nanoserver"


@pytest.fixture
def seeded(docker):
    """The two images the tests save, pulled from the sandbox's mirror (and put back afterwards, since a
    test may remove them)."""
    for name in (NANO, ASPNET):
        docker("pull", "-q", name)
    yield {name: image_id(docker, name) for name in (NANO, ASPNET)}
    for name in (NANO, ASPNET):
        docker("pull", "-q", name)


def image_id(docker, name):
    return docker("image", "inspect", "--format", "{{.Id}}", name).stdout.strip()


def all_image_ids(docker):
    return set(docker("images", "-a", "-q", "--no-trunc").stdout.split())


def repo_tags(path):
    with tarfile.open(path) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    return sorted(tag for entry in manifest for tag in entry["RepoTags"] or [])


def test_round_trip_two_images_in_one_archive(backend, docker, seeded, tmp_path):
    path = str(tmp_path / "two.tar")
    saved = result(backend.call("image.save", {"name": [NANO, ASPNET], "path": path}))
    assert saved["path"] == path and saved["size"] == os.path.getsize(path) > 0
    assert repo_tags(path) == sorted([ASPNET, NANO])
    assert os.listdir(tmp_path) == ["two.tar"]

    docker("rmi", NANO, ASPNET)
    response, progress = backend.wait(backend.start("image.load", {"path": path}))
    loaded = result(response)
    assert sorted(loaded["loaded"]) == sorted([NANO, ASPNET])
    assert {f"{r['Repository']}:{r['Tag']}": r["FullId"] for r in loaded["images"]} == seeded
    assert {name: image_id(docker, name) for name in seeded} == seeded
    reads = [p for p in progress if p["id"] == "archive"]
    assert reads[-1]["current"] == reads[-1]["total"] == os.path.getsize(path)


def test_a_repository_without_tag_saves_all_its_tags_and_an_id_saves_the_untagged_image(backend, docker, seeded,
                                                                                        tmp_path):
    docker("pull", "-q", "microsoft/aspnet:windowsservercore")
    every_tag = str(tmp_path / "aspnet.tar")
    result(backend.call("image.save", {"name": ["microsoft/aspnet"], "path": every_tag}))
    assert repo_tags(every_tag) == ["microsoft/aspnet:nanoserver", "microsoft/aspnet:windowsservercore"]

    by_id = str(tmp_path / "by-id.tar")
    result(backend.call("image.save", {"name": [seeded[ASPNET][len("sha256:"):][:12]], "path": by_id}))
    docker("rmi", ASPNET)
    loaded = result(backend.call("image.load", {"path": by_id}))
    assert loaded["loaded"] == [seeded[ASPNET]]
    assert [(r["Repository"], r["Tag"], r["FullId"]) for r in loaded["images"]] == [(None, None, seeded[ASPNET])]


def test_save_refuses_bad_input_and_leaves_no_file(backend, seeded, tmp_path):
    existing = tmp_path / "existing.tar"
    existing.write_bytes(b"precious")
    cases = [
        ({"name": ["microsoft/nosuchimage:1"]}, str(tmp_path / "a.tar"), "NotFound", "microsoft/nosuchimage:1"),
        ({"name": [NANO, "nosuch:2"]}, str(tmp_path / "a.tar"), "NotFound", "nosuch:2"),
        ({"name": ["Microsoft/Nano Server"]}, str(tmp_path / "a.tar"), "InvalidReference", "Nano Server"),
        ({"name": [NANO]}, str(existing), "AlreadyExists", str(existing)),
        ({"name": [NANO]}, str(tmp_path / "no" / "folder" / "a.tar"), "NotFound", str(tmp_path / "no" / "folder")),
        ({"name": [NANO]}, str(tmp_path), "InvalidParams", str(tmp_path)),
    ]
    for params, path, kind, named in cases:
        failure = error(backend.call("image.save", dict(params, path=path)))
        assert failure["data"]["kind"] == kind, (params, path, failure)
        assert named in failure["message"], failure
    assert os.listdir(tmp_path) == ["existing.tar"]
    assert existing.read_bytes() == b"precious"

    result(backend.call("image.save", {"name": [NANO], "path": str(existing), "force": True}))
    assert repo_tags(existing) == [NANO]


def test_load_refuses_what_is_not_an_archive_and_adds_no_image(backend, docker, seeded, tmp_path):
    whole = tmp_path / "whole.tar"
    result(backend.call("image.save", {"name": [NANO, ASPNET], "path": str(whole)}))
    data = whole.read_bytes()
    docker("rmi", NANO, ASPNET)
    before = all_image_ids(docker)
    corrupt = {
        "random.tar": os.urandom(100_000),
        "truncated.tar": data[:len(data) // 2],
        "headless.tar": data[100:],  # a real archive's bytes, cut in the middle of its first header
        "empty.tar": b"",
        "notimages.tar": _tar_of(tmp_path, "hello.txt", b"not an image"),
    }
    for name, content in corrupt.items():
        path = tmp_path / name
        path.write_bytes(content)
        failure = error(backend.call("image.load", {"path": str(path)}))
        assert failure["data"]["kind"] == "InvalidData", (name, failure)
        assert failure["message"].startswith(f"'{path}' "), failure
        assert failure["data"]["target"] == str(path)
        assert all_image_ids(docker) == before, name

    missing = tmp_path / "missing.tar"
    failure = error(backend.call("image.load", {"path": str(missing)}))
    assert failure["data"]["kind"] == "NotFound" and str(missing) in failure["message"]
    failure = error(backend.call("image.load", {"path": str(tmp_path)}))
    assert failure["data"]["kind"] == "InvalidParams"


def _tar_of(folder, name, content):
    source = folder / name
    source.write_bytes(content)
    packed = folder / (name + ".tar")
    with tarfile.open(packed, "w") as tar:
        tar.add(source, arcname=name)
    data = packed.read_bytes()
    source.unlink()
    packed.unlink()
    return data


def test_cancel_in_the_middle_of_a_save_leaves_no_file(sandbox_env, seeded, tmp_path):
    # The stall passes the start of the archive, then nothing: the save is surely under way and cannot
    # finish by itself, whatever the timing.
    with StallEngine(sandbox_env["DOCKER_HOST"]) as stall:
        backend = Backend(dict(sandbox_env, DOCKER_HOST=stall.host))
        try:
            target = tmp_path / "x.tar"
            request = backend.start("image.save", {"name": [NANO, ASPNET], "path": str(target)})
            while True:  # the first bytes are written
                message = backend.messages.get(timeout=60)
                assert message.get("id") != request, message
                if message.get("method") == "$/progress" and message["params"]["request"] == request:
                    break
            _wait_for(lambda: stall.stalled == 1)
            [partial] = os.listdir(tmp_path)
            assert partial.startswith(".x.tar.") and partial.endswith(".partial")

            backend.send({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": request}})
            response, _ = backend.wait(request)
            assert error(response)["data"]["kind"] == "Cancelled"
            assert os.listdir(tmp_path) == []
            _wait_for(lambda: stall.stalled == 0)  # the backend hung up on the engine
            assert result(backend.call("ping")) == {}  # and still serves
        finally:
            backend.close()


def _wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def containerimage(env, *args, stdin=None, stdout=subprocess.PIPE):
    return subprocess.run([sys.executable, "-m", "containerimage", *args], env=dict(env, PYTHONPATH=str(BACKEND)),
                          stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, timeout=120)


def test_cli_save_and_load_through_files_and_pipes(sandbox_env, docker, seeded, tmp_path):
    path = tmp_path / "nano.tar"
    saved = containerimage(sandbox_env, "save", NANO, "-o", str(path))
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout.decode() == f"Saved {NANO} to {path} ({human_size(path.stat().st_size)})\n"  # piped: no colour
    again = containerimage(sandbox_env, "save", NANO, "-o", str(path))
    assert again.returncode == 8 and b"--force" in again.stderr

    with open(tmp_path / "piped.tar", "wb") as out:  # docker save NAME > FILE
        assert containerimage(sandbox_env, "save", NANO, stdout=out).returncode == 0
    assert repo_tags(tmp_path / "piped.tar") == [NANO]

    docker("rmi", NANO)
    with open(tmp_path / "piped.tar", "rb") as source:  # docker load < FILE
        loaded = containerimage(sandbox_env, "load", stdin=source)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.decode() == f"Loaded image: {NANO}\n"
    assert image_id(docker, NANO) == seeded[NANO]

    (tmp_path / "bad.tar").write_bytes(os.urandom(5000))
    bad = containerimage(sandbox_env, "load", "-i", str(tmp_path / "bad.tar"))
    assert bad.returncode == 9 and str(tmp_path / "bad.tar").encode() in bad.stderr

