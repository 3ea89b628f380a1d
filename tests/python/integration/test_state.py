"""state.get/test/set and image.sync through a real backend process, against the sandbox's engine and mirror."""

import json
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest

from .conftest import error, result

pytestmark = pytest.mark.engine

SANDBOX = Path(__file__).resolve().parents[3] / "tools" / "sandbox.py"


@pytest.fixture
def fresh(sandbox_env, docker):
    """fresh(): the Hub name of a new image on the mirror (a pull certainly downloads); all removed after."""
    names = []

    def make():
        name = f"fresh/state-py-{uuid.uuid4().hex[:8]}"
        push(sandbox_env, name)
        names.append(name)
        return name
    yield make
    for name in names:
        ids = docker("ps", "-aq", "--filter", f"ancestor={name}", check=False).stdout.split()
        if ids:
            docker("rm", "-f", *ids, check=False)
        docker("rmi", "-f", f"{name}:latest", check=False)


def push(env, name):
    """New content on the mirror under name:latest (the tag moves there if it was already pushed)."""
    subprocess.run([sys.executable, str(SANDBOX), "fresh-image", name, "--layers", "1"], env=env, check=True,
                   capture_output=True, timeout=120)


def mirror_digest(env, name):
    request = urllib.request.Request(f"http://{env['CONTAINERIMAGE_TEST_MIRROR']}/v2/{name}/manifests/latest",
                                     method="HEAD",
                                     headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers["Docker-Content-Digest"]


def image_id(docker, name):
    found = docker("image", "inspect", "--format", "{{.Id}}", name, check=False)
    return found.stdout.strip() if found.returncode == 0 else None


def test_set_installs_then_does_nothing_then_follows_a_pin_then_removes(backend, docker, fresh, sandbox_env):
    name = fresh()
    assert result(backend.call("state.test", {"name": name}))["Differing"] == ["Ensure"]

    installed = result(backend.call("state.set", {"name": name}))
    assert installed["Action"] == "Install" and installed["NewId"] == image_id(docker, f"{name}:latest")
    assert installed["State"]["Digest"] == mirror_digest(sandbox_env, name)

    again = result(backend.call("state.set", {"name": name}))
    assert again["Action"] == "None" and again["NewId"] == installed["NewId"]

    push(sandbox_env, name)
    moved = mirror_digest(sandbox_env, name)
    assert result(backend.call("state.test", {"name": name}))["InDesiredState"]  # no pin: the local tag is enough
    updated = result(backend.call("state.set", {"name": name, "digest": moved}))
    assert updated["Action"] == "Update" and updated["Changed"] == ["Digest"]
    assert updated["NewId"] == image_id(docker, f"{name}:latest") != installed["NewId"]
    docker("rmi", installed["NewId"])  # the content the pin replaced

    box = docker("create", "--network", "none", f"{name}:latest", "/bin/true").stdout.strip()
    refused = error(backend.call("state.set", {"name": name, "ensure": "Absent"}))
    assert refused["data"]["kind"] == "Conflict" and box[:12] in refused["message"]
    docker("rm", box)
    removed = result(backend.call("state.set", {"name": name, "ensure": "Absent"}))
    assert removed["Action"] == "Remove" and image_id(docker, f"{name}:latest") is None


def test_sync_does_what_its_dry_run_planned(backend, docker, fresh, tmp_path):
    wanted, unlisted = fresh(), fresh()
    docker("pull", unlisted)
    listed = [t for t in docker("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
              if "<none>" not in t and not t.startswith(unlisted)]
    path = tmp_path / "images.yaml"
    path.write_text("Images:\n" + "".join(f"  - '{t}'\n" for t in listed + [f"{wanted}:latest"]))

    plan = result(backend.call("image.sync", {"path": str(path), "prune": True, "dry_run": True}))
    mine = [(c["Action"], c["Name"]) for c in plan["changes"] if c["Name"] in (wanted, unlisted)]
    assert mine == [("Install", wanted), ("Remove", unlisted)]
    others = [c for c in plan["changes"] if c["Name"] not in (wanted, unlisted)]
    assert all(c["Action"] == "Remove" and c["Tag"] is None for c in others)  # untagged leftovers of other tests
    assert image_id(docker, f"{wanted}:latest") is None and image_id(docker, f"{unlisted}:latest")

    done = result(backend.call("image.sync", {"path": str(path), "prune": True,
                                              "only": [c["Key"] for c in plan["changes"]]}))
    assert done["errors"] == []
    assert [c["Key"] for c in done["changes"]] == [c["Key"] for c in plan["changes"]]
    assert image_id(docker, f"{wanted}:latest") and image_id(docker, f"{unlisted}:latest") is None
    assert result(backend.call("image.sync", {"path": str(path), "prune": True, "dry_run": True}))["changes"] == []


def test_a_bad_file_is_invalid_data_with_its_line(backend, tmp_path):
    path = tmp_path / "images.yaml"
    path.write_text("Images:\n  - Name: ok\n  - Name: 'Not OK'\n")
    failure = error(backend.call("image.sync", {"path": str(path)}))
    assert failure["data"]["kind"] == "InvalidData" and failure["data"]["line"] == 3
    assert failure["message"].startswith(f"{path}, line 3, column ")
    assert json.dumps(failure)  # plain JSON for the module
