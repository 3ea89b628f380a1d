"""registry.search against the sandbox: its engine (Docker Hub unreachable), the auth-less mirror registry
(with repositories pushed here under search-test/py-*), the htpasswd registry and the down registry."""

import io
import base64
import json
import re
import subprocess
import sys
import tarfile
import urllib.request

import pytest

from sandbox import pin_credential_store

from .conftest import BACKEND, Backend, result

pytestmark = pytest.mark.engine

REPOSITORIES = ["search-test/py-alpha", "search-test/py-beta", "search-test/py-gamma", "search-test/py-delta"]
ALPHA_TAGS = ["1.0", "2.0", "latest"]


def run_docker(env, *args, input=None):
    done = subprocess.run(["docker", *args], env=env, input=input, capture_output=True, timeout=300)
    assert done.returncode == 0, f"docker {' '.join(args)} failed: {done.stderr.decode()}"
    return done.stdout.decode()


def tiny_archive(text):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        data = text.encode()
        info = tarfile.TarInfo("search-test.txt")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def pushed(sandbox_env):
    """The search-test/py-* repositories in the mirror, pushed with the docker CLI; each image carries an
    org.opencontainers.image.description label naming it. Local copies are removed again."""
    mirror = sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]
    local = []
    for repository in REPOSITORIES:
        name = f"{mirror}/{repository}"
        run_docker(sandbox_env, "import", "--change", f'LABEL org.opencontainers.image.description="{repository} '
                   'for the search tests"', "-", f"{name}:latest", input=tiny_archive(repository))
        tags = ALPHA_TAGS if repository.endswith("alpha") else ["latest"]
        for tag in tags:
            if tag != "latest":
                run_docker(sandbox_env, "tag", f"{name}:latest", f"{name}:{tag}")
            run_docker(sandbox_env, "push", f"{name}:{tag}")
            local.append(f"{name}:{tag}")
    run_docker(sandbox_env, "rmi", *local)
    return {f"{mirror}/{r}" for r in REPOSITORIES}


def registry_catalog(address):
    """The catalog in one request (the registry's largest page), to compare with what search read in pages."""
    request = urllib.request.Request(f"http://{address}/v2/_catalog?n=1000")
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.load(reply)["repositories"]


def test_a_registry_search_gives_full_names_with_descriptions_and_tags(backend, pushed, sandbox_env):
    mirror = sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]
    found = result(backend.call("registry.search", {"term": "py-", "registry": [mirror], "list_tags": True}))
    assert found["errors"] == [] and found["warnings"] == []
    rows = {row["Name"]: row for row in found["results"]}
    assert set(rows) == pushed
    assert [row["Name"] for row in found["results"]] == sorted(pushed)
    alpha = rows[f"{mirror}/search-test/py-alpha"]
    assert alpha["Description"] == "search-test/py-alpha for the search tests"
    assert alpha["Tags"] == ALPHA_TAGS
    assert (alpha["Stars"], alpha["Official"], alpha["Automated"], alpha["Registry"]) == (None, None, None, mirror)


def test_the_seed_images_description_label_is_read(backend, sandbox_env):
    mirror = sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]
    found = result(backend.call("registry.search", {"term": "microsoft/nano*", "registry": [mirror]}))
    assert [(row["Name"], row["Description"]) for row in found["results"]] == [
        (f"{mirror}/microsoft/nanoserver", "microsoft/nanoserver:latest seed: busybox, one layer")]


@pytest.mark.parametrize("page_size", [1, 2])
def test_the_catalog_is_read_in_pages(backend, pushed, sandbox_env, page_size):
    mirror = sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]
    everything = registry_catalog(mirror)
    assert len(everything) > 2 * page_size  # so several pages are needed
    found = result(backend.call("registry.search", {"registry": [mirror], "page_size": page_size,
                                                    "limit": 100000}))
    assert [row["Name"] for row in found["results"]] == [f"{mirror}/{name}" for name in sorted(everything)]


def test_the_limit_keeps_the_first_by_name(backend, pushed, sandbox_env):
    mirror = sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]
    found = result(backend.call("registry.search", {"term": "search-test/py", "registry": [mirror], "limit": 2}))
    assert [row["Name"] for row in found["results"]] == sorted(pushed)[:2]


def test_a_term_that_matches_nothing_gives_nothing_and_no_error(backend, sandbox_env):
    found = result(backend.call("registry.search", {"term": "no-such-repository-anywhere",
                                                    "registry": [sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]]}))
    assert found == {"results": [], "errors": [], "warnings": []}


def test_bad_registries_each_say_what_is_wrong(backend, sandbox_env):
    down = sandbox_env["CONTAINERIMAGE_TEST_DOWN_REGISTRY"]
    protected = sandbox_env["CONTAINERIMAGE_TEST_REGISTRY"]
    mirror = sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]
    found = result(backend.call("registry.search", {"term": "nanoserver",
                                                    "registry": [down, protected, "bad registry", mirror]}))
    assert [row["Name"] for row in found["results"]] == [f"{mirror}/microsoft/nanoserver"]
    problems = {e["data"]["target"]: e for e in found["errors"]}
    assert [e["data"]["kind"] for e in found["errors"]] == ["RegistryUnavailable", "Unauthorized", "InvalidParams"]
    assert problems[down]["message"] == (f"The registry {down} cannot be reached: the connection was refused; "
                                         "nothing listens there.")
    assert f"Connect-ContainerRegistry -Registry {protected} (or docker login {protected})" in \
        problems[protected]["message"]
    assert "'bad registry' is not a registry" in problems["bad registry"]["message"]


def test_docker_hub_unreachable_is_a_clear_registry_unavailable(backend):
    found = result(backend.call("registry.search", {"term": "nanoserver"}))
    assert found["results"] == []
    [problem] = found["errors"]
    assert problem["data"]["kind"] == "RegistryUnavailable"
    assert problem["data"]["target"] == "docker.io"
    assert problem["message"].startswith("Docker Hub cannot be reached to search for 'nanoserver': ")
    assert "Traceback" not in problem["message"]


def test_the_auth_registry_with_the_login_docker_login_stored(sandbox_env, tmp_path):
    protected = sandbox_env["CONTAINERIMAGE_TEST_REGISTRY"]
    config = tmp_path / "docker-config"
    pin_credential_store(str(config))  # docker login keeps the login in config.json, whatever helpers are here
    env = dict(sandbox_env, DOCKER_CONFIG=str(config))
    run_docker(env, "login", "--username", env["CONTAINERIMAGE_TEST_USER"], "--password-stdin", protected,
               input=env["CONTAINERIMAGE_TEST_PASSWORD"].encode())
    backend = Backend(env)
    try:
        found = result(backend.call("registry.search", {"term": "busybox", "registry": [protected],
                                                        "list_tags": True}))
        assert found["errors"] == []
        [row] = found["results"]
        assert row["Name"] == f"{protected}/private/busybox"
        assert row["Description"] == "private/busybox:1.0 seed: busybox in the auth registry"
        assert row["Tags"] == ["1.0"]

        # A stored login that is wrong: refused, and the stored password is not repeated.
        auth = base64.b64encode(f"{env['CONTAINERIMAGE_TEST_USER']}:not-the-password".encode()).decode()
        wrong = {"auths": {protected: {"auth": auth}}}
        (config / "config.json").write_text(json.dumps(wrong))
        found = result(backend.call("registry.search", {"registry": [protected]}))
        [problem] = found["errors"]
        assert problem["data"]["kind"] == "Unauthorized"
        assert "user 'ciuser'" in problem["message"] and "not-the-password" not in json.dumps(found)
    finally:
        backend.close()


def test_a_found_image_installs_by_its_name(backend, pushed, sandbox_env, docker):
    mirror = sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]
    [row] = result(backend.call("registry.search", {"term": "py-beta", "registry": [mirror]}))["results"]
    docker("rmi", "-f", row["Name"], check=False)
    try:
        pulled = result(backend.call("image.pull", {"name": row["Name"]}))
        assert [(i["Repository"], i["Tag"]) for i in pulled["images"]] == [(row["Name"], "latest")]
        labels = json.loads(docker("image", "inspect", "--format", "{{json .Config.Labels}}", row["Name"]).stdout)
        assert labels["org.opencontainers.image.description"] == row["Description"]
    finally:
        docker("rmi", "-f", row["Name"], check=False)


def test_the_cli_prints_a_plain_table_when_piped(pushed, sandbox_env):
    mirror = sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]
    env = dict(sandbox_env, PYTHONPATH=str(BACKEND))
    done = subprocess.run([sys.executable, "-m", "containerimage", "search", "py-alpha", "-r", mirror, "--tags"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert not re.search(r"\x1b\[", done.stdout)
    header, line = done.stdout.splitlines()
    assert header.split() == ["NAME", "DESCRIPTION", "STARS", "OFFICIAL", "AUTOMATED", "TAGS"]
    assert line.startswith(f"{mirror}/search-test/py-alpha ") and line.endswith("1.0, 2.0, latest")
    done = subprocess.run([sys.executable, "-m", "containerimage", "search", "x", "-r",
                           sandbox_env["CONTAINERIMAGE_TEST_DOWN_REGISTRY"]], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 6 and done.stdout == "" and "cannot be reached" in done.stderr
