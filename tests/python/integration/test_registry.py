"""Login, logout and push against the sandbox's real engine, registries and docker CLI.

Every test has a DOCKER_CONFIG of its own (the sandbox's stays without logins for the other tests), and a
folder on PATH where it can install a real credential helper (tools/credential_helper.py).
"""

import base64
import json
import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

import credential_helper
from sandbox import PINNED_DOCKER_CONFIG, pin_credential_store, registry_config

from .conftest import Backend, error, result

pytestmark = pytest.mark.engine

ODD_PASSWORD = "p@ss w\"o'rd ünï €"  # quotes, spaces, non-ASCII


class Client:
    """A private DOCKER_CONFIG and helper folder, and the docker CLI and backends that use them."""

    def __init__(self, sandbox_env, tmp_path):
        self.config_dir = tmp_path / "docker-config"
        pin_credential_store(str(self.config_dir))  # no login, and none into the machine's default helper
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        self.env = dict(sandbox_env, DOCKER_CONFIG=str(self.config_dir),
                        PATH=f"{self.bin}{os.pathsep}{sandbox_env['PATH']}")
        self.registry = sandbox_env["CONTAINERIMAGE_TEST_REGISTRY"]
        self.user = sandbox_env["CONTAINERIMAGE_TEST_USER"]
        self.password = sandbox_env["CONTAINERIMAGE_TEST_PASSWORD"]
        self.backends = []

    @property
    def config_path(self):
        return self.config_dir / "config.json"

    def config(self):
        return json.loads(self.config_path.read_text(encoding="utf-8"))

    def write_config(self, config):
        self.config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")

    def docker(self, *args, input=None, check=True):
        completed = subprocess.run(["docker", *args], env=self.env, input=input, capture_output=True, timeout=300)
        if check and completed.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)} failed: {completed.stderr.decode(errors='replace')}")
        return completed

    def docker_login(self, registry=None, user=None, password=None):
        self.docker("login", "--username", user or self.user, "--password-stdin", registry or self.registry,
                    input=(password or self.password).encode("utf-8"))

    def backend(self, **extra_env):
        process = Backend(dict(self.env, **extra_env))
        self.backends.append(process)
        return process

    def install_helper(self, name):
        credential_helper.install(str(self.bin), name)

    def helper_secrets(self, name):
        path = self.bin / f"docker-credential-{name}.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def helper_calls(self, name):
        path = self.bin / f"docker-credential-{name}.log"
        return path.read_text(encoding="utf-8").splitlines() if path.exists() else []

    def close(self):
        for process in self.backends:
            process.close()


@pytest.fixture
def client(sandbox_env, tmp_path):
    c = Client(sandbox_env, tmp_path)
    yield c
    c.close()


@pytest.fixture
def local_image(client):
    """tag(name) gives the sandbox's busybox-based microsoft/nanoserver another name; removed afterwards."""
    names = []

    def tag(name):
        client.docker("pull", "microsoft/nanoserver")
        client.docker("tag", "microsoft/nanoserver", name)
        names.append(name)
        return name
    yield tag
    for name in names:
        client.docker("rmi", "-f", name, check=False)


def unique(prefix):
    return f"{prefix}-{secrets.token_hex(3)}"


# --------------------------------------------------------------------------------------- login

def test_a_wrong_password_is_unauthorized_and_config_json_stays_byte_identical(client):
    client.config_path.write_bytes(b'{\n  "psFormat": "table {{.ID}}",\n  "auths": {"other.example.com": {}}\n}\n')
    before = client.config_path.read_bytes()
    backend = client.backend()
    failure = error(backend.call("registry.login", {"registry": client.registry, "username": client.user,
                                                    "password": "not-the-password"}))
    assert failure["data"]["kind"] == "Unauthorized"
    assert client.registry in failure["message"] and "not-the-password" not in json.dumps(failure)
    assert client.config_path.read_bytes() == before
    assert sorted(os.listdir(client.config_dir)) == ["config.json"]


def test_a_login_is_stored_as_docker_login_stores_it_and_docker_uses_it(client, sandbox_env, tmp_path):
    client.write_config({"psFormat": "table {{.ID}}", "auths": {}, "x-custom": [1, 2], **PINNED_DOCKER_CONFIG})
    backend = client.backend()
    login = result(backend.call("registry.login", {"registry": client.registry, "username": client.user,
                                                   "password": client.password}))
    assert login == {"Registry": client.registry, "UserName": client.user, "Store": "config.json"}
    ours = client.config()
    assert (ours["psFormat"], ours["x-custom"]) == ("table {{.ID}}", [1, 2])

    # The same entry docker login writes into a config of its own.
    theirs = Client(sandbox_env, tmp_path / "theirs")
    theirs.docker_login()
    assert ours["auths"] == theirs.config()["auths"]

    # And docker pulls from the private registry with our login.
    name = f"{client.registry}/private/busybox:1.0"
    client.docker("rmi", "-f", name, check=False)
    try:
        client.docker("pull", name)
    finally:
        client.docker("rmi", "-f", name, check=False)


def test_docker_login_is_used_by_the_backend_and_the_backend_logout_by_docker(client, local_image):
    client.docker_login()
    backend = client.backend()
    name = local_image(f"{client.registry}/{unique('h3-docker-login')}/app:latest")
    pushed = result(backend.call("image.push", {"name": name}))["pushed"]
    assert [row["Tag"] for row in pushed] == ["latest"]

    assert result(backend.call("registry.logout", {"registry": client.registry}))["Registry"] == client.registry
    assert client.config()["auths"] == {}
    denied = client.docker("pull", f"{client.registry}/private/busybox:1.0", check=False)
    assert denied.returncode != 0


# ------------------------------------------------------------ Debian's default helper: pass, for real

@pytest.fixture
def pass_store(client, tmp_path):
    """Debian's docker-credential-pass over a pass store and gpg key of this test's own (GNUPGHOME and
    PASSWORD_STORE_DIR in client.env, so docker, the helper and the backend all use them), in a client whose
    config.json holds no login: docker picks pass as its default helper. tools/bootstrap.sh installs
    golang-docker-credential-helpers and pass."""
    missing = [program for program in ("docker-credential-pass", "pass", "gpg", "gpgconf")
               if not shutil.which(program, path=client.env["PATH"])]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (tools/bootstrap.sh installs them)")
    gnupg = tmp_path / "gnupg"
    gnupg.mkdir(mode=0o700)
    client.env.update(GNUPGHOME=str(gnupg), PASSWORD_STORE_DIR=str(tmp_path / "pass-store"))
    try:
        subprocess.run(["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key",
                        "containerimage-test@example.org", "default", "default", "never"], env=client.env,
                       check=True, capture_output=True, timeout=120)
        subprocess.run(["pass", "init", "containerimage-test@example.org"], env=client.env, check=True,
                       capture_output=True, timeout=60)
        client.config_path.unlink()  # no pin: docker's default helper applies
        yield client
    finally:
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=client.env, capture_output=True, timeout=60)


def pass_secret(client):
    """What docker-credential-pass holds for the client's registry (Username, Secret), or None."""
    found = subprocess.run(["docker-credential-pass", "get"], input=client.registry.encode(), env=client.env,
                           capture_output=True, timeout=60)
    secret = json.loads(found.stdout) if found.returncode == 0 else {}
    return secret if secret.get("Secret") else None  # after an erase, 0.6's helper answers with an empty one


def test_with_debians_pass_helper_docker_login_and_the_backend_agree(pass_store, sandbox_env, tmp_path):
    client = pass_store
    name = f"{client.registry}/private/busybox:1.0"
    # docker login keeps the login in pass and says so in config.json; the backend pulls with it.
    client.docker_login()
    theirs = client.config()
    assert theirs == {"auths": {client.registry: {}}, "credsStore": "pass"}
    assert pass_secret(client)["Secret"] == client.password
    client.docker("rmi", "-f", name, check=False)
    try:
        pulled = result(client.backend().call("image.pull", {"name": name}))
        assert [row["Tag"] for row in pulled["images"]] == ["1.0"]
    finally:
        client.docker("rmi", "-f", name, check=False)

    # The backend's login in a config of its own goes to the same place, written the same way; docker pulls
    # with it.
    client.docker("logout", client.registry)
    assert pass_secret(client) is None
    client.config_path.unlink()
    login = result(client.backend().call("registry.login", {"registry": client.registry, "username": client.user,
                                                            "password": client.password}))
    assert login["Store"] == "pass"
    assert client.config() == theirs
    assert client.config_path.read_text(encoding="utf-8") == json.dumps(theirs, indent="\t")
    assert pass_secret(client)["Secret"] == client.password
    try:
        client.docker("pull", name)
    finally:
        client.docker("rmi", "-f", name, check=False)


def test_docker_logout_removes_a_login_the_backend_made(client):
    backend = client.backend()
    result(backend.call("registry.login", {"registry": client.registry, "username": client.user,
                                           "password": client.password}))
    client.docker("logout", client.registry)
    assert client.config()["auths"] == {}
    failure = error(backend.call("registry.logout", {"registry": client.registry}))
    assert failure["data"]["kind"] == "NotFound" and failure["message"].startswith(f"Not logged in to {client.registry}")


def test_a_registry_that_is_down_is_registry_unavailable_naming_it(client, sandbox_env):
    down = sandbox_env["CONTAINERIMAGE_TEST_DOWN_REGISTRY"]
    failure = error(client.backend().call("registry.login", {"registry": down, "username": "u", "password": "p"}))
    assert failure["data"]["kind"] == "RegistryUnavailable"
    assert failure["message"].startswith(f"The registry {down} cannot be reached")
    assert client.config() == PINNED_DOCKER_CONFIG


def test_logout_of_a_registry_not_logged_in_is_not_found_and_changes_nothing(client):
    client.write_config({"auths": {"other.example.com": {"auth": "dTpw"}}})
    before = client.config_path.read_bytes()
    failure = error(client.backend().call("registry.logout", {"registry": client.registry}))
    assert failure["data"]["kind"] == "NotFound" and client.registry in failure["message"]
    assert client.config_path.read_bytes() == before


def test_creds_store_is_shared_with_docker_both_ways(client):
    client.install_helper("citest")
    client.write_config({"credsStore": "citest"})
    backend = client.backend()

    # our login -> the helper; docker pulls with it (docker runs the helper's get)
    assert result(backend.call("registry.login", {"registry": client.registry, "username": client.user,
                                                  "password": client.password}))["Store"] == "citest"
    assert client.helper_secrets("citest") == {client.registry: {"Username": client.user, "Secret": client.password}}
    assert client.config()["auths"] == {client.registry: {}}
    assert client.password not in client.config_path.read_text(encoding="utf-8")
    name = f"{client.registry}/private/busybox:1.0"
    try:
        client.docker("pull", name)
    finally:
        client.docker("rmi", "-f", name, check=False)

    # docker logout erases it from the helper; docker login puts it back, and we pull with it
    client.docker("logout", client.registry)
    assert client.helper_secrets("citest") == {}
    client.docker_login()
    assert client.helper_secrets("citest") == {client.registry: {"Username": client.user, "Secret": client.password}}
    calls = len(client.helper_calls("citest"))
    try:
        pulled = result(backend.call("image.pull", {"name": name}))
        assert pulled["images"][0]["Tag"] == "1.0"
    finally:
        client.docker("rmi", "-f", name, check=False)
    assert f"get {client.registry}" in client.helper_calls("citest")[calls:]

    # our logout erases docker's login from the helper
    assert result(backend.call("registry.logout", {"registry": client.registry}))["Store"] == "citest"
    assert client.helper_secrets("citest") == {}


def test_cred_helpers_choose_the_store_per_registry(client, sandbox_env):
    client.install_helper("citest")
    mirror = sandbox_env["CONTAINERIMAGE_TEST_MIRROR"]  # no auth: any login is accepted
    client.write_config({"credHelpers": {client.registry: "citest"}, "detachKeys": "ctrl-e,e"})
    backend = client.backend()
    assert result(backend.call("registry.login", {"registry": client.registry, "username": client.user,
                                                  "password": client.password}))["Store"] == "citest"
    assert result(backend.call("registry.login", {"registry": mirror, "username": "someone",
                                                  "password": ODD_PASSWORD}))["Store"] == "config.json"
    config = client.config()
    assert config["detachKeys"] == "ctrl-e,e" and config["credHelpers"] == {client.registry: "citest"}
    assert config["auths"][client.registry] == {}
    assert base64.b64decode(config["auths"][mirror]["auth"]).decode("utf-8") == f"someone:{ODD_PASSWORD}"
    assert set(client.helper_secrets("citest")) == {client.registry}


@pytest.fixture(scope="module")
def odd_password_registry(tmp_path_factory):
    """A registry of our own whose only user has a password with quotes, spaces and non-ASCII letters."""
    folder = tmp_path_factory.mktemp("odd-registry")
    entry = subprocess.run(["htpasswd", "-Bin", "odd user"], input=ODD_PASSWORD.encode("utf-8"), check=True,
                           capture_output=True).stdout
    (folder / "htpasswd").write_bytes(entry)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (folder / "config.yml").write_text(registry_config(port, folder / "data", folder / "htpasswd"))
    process = subprocess.Popen(["docker-registry", "serve", str(folder / "config.yml")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    address = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://{address}/v2/", timeout=2)
        except urllib.error.HTTPError as exc:
            if exc.code == 401:
                break
        except OSError:
            pass
        assert time.monotonic() < deadline and process.poll() is None, "the registry did not start"
        time.sleep(0.1)
    yield address
    process.terminate()
    process.wait(timeout=10)


def test_a_password_with_quotes_spaces_and_unicode(client, odd_password_registry):
    backend = client.backend()
    wrong = error(backend.call("registry.login", {"registry": odd_password_registry, "username": "odd user",
                                                  "password": ODD_PASSWORD[:-1]}))
    assert wrong["data"]["kind"] == "Unauthorized"
    login = result(backend.call("registry.login", {"registry": odd_password_registry, "username": "odd user",
                                                   "password": ODD_PASSWORD}))
    assert login["UserName"] == "odd user"
    auth = client.config()["auths"][odd_password_registry]["auth"]
    assert base64.b64decode(auth).decode("utf-8") == f"odd user:{ODD_PASSWORD}"
    # docker reads it back and the registry accepts it
    client.docker("logout", odd_password_registry)
    client.docker_login(odd_password_registry, "odd user", ODD_PASSWORD)
    assert client.config()["auths"][odd_password_registry]["auth"] == auth


def test_the_password_is_in_no_log_line_and_no_process_argument(client, local_image):
    backend = client.backend(CONTAINERIMAGE_LOG_LEVEL="DEBUG")
    captured = []
    threading.Thread(target=lambda: captured.append(backend.process.stderr.read()), daemon=True).start()
    with open(f"/proc/{backend.process.pid}/cmdline", "rb") as f:
        assert client.password.encode() not in f.read()
    error(backend.call("registry.login", {"registry": client.registry, "username": client.user,
                                          "password": "wrong-" + client.password}))
    result(backend.call("registry.login", {"registry": client.registry, "username": client.user,
                                           "password": client.password}))
    name = local_image(f"{client.registry}/{unique('h3-log')}/app:latest")
    result(backend.call("image.push", {"name": name}))
    result(backend.call("image.push", {"name": name, "auth": {"username": client.user, "password": client.password}}))
    backend.close()
    client.backends.remove(backend)
    deadline = time.monotonic() + 10
    while not captured and time.monotonic() < deadline:
        time.sleep(0.05)
    log = captured[0].decode("utf-8", "replace")
    assert "DEBUG" in log  # debug logging was on: there were lines to leak into
    assert client.password not in log


# --------------------------------------------------------------------------------------- push

def registry_digest(client, repository, tag):
    request = urllib.request.Request(
        f"http://{client.registry}/v2/{repository}/manifests/{tag}", method="HEAD",
        headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json",
                 "Authorization": "Basic " + base64.b64encode(f"{client.user}:{client.password}".encode()).decode()})
    with urllib.request.urlopen(request, timeout=10) as reply:
        return reply.headers["Docker-Content-Digest"]


def test_push_with_credentials_reports_layer_progress_and_the_registry_digest(client, local_image):
    repository = f"{unique('h3-push')}/containername"
    name = local_image(f"{client.registry}/{repository}")
    backend = client.backend()
    response, progress = backend.wait(backend.start("image.push", {
        "name": name, "auth": {"username": client.user, "password": client.password}}))
    [row] = result(response)["pushed"]
    assert row["Name"] == f"{client.registry}/{repository}" and row["Tag"] == "latest"
    assert row["Registry"] == client.registry
    assert row["Digest"] == registry_digest(client, repository, "latest")
    image_size = json.loads(client.docker("image", "inspect", name).stdout)[0]["Size"]
    assert row["Size"] == image_size
    assert progress and all(len(p["id"]) == 12 for p in progress)
    final = progress[-1]["status"]  # a layer another repository of the registry has is mounted, not sent
    assert final in ("Pushed", "Layer already exists") or final.startswith("Mounted from "), final
    assert client.config() == PINNED_DOCKER_CONFIG  # credentials for one call are not stored


def test_push_all_tags(client, local_image):
    repository = f"{unique('h3-alltags')}/app"
    for tag in ("1.0", "2.0"):
        local_image(f"{client.registry}/{repository}:{tag}")
    client.docker_login()
    pushed = result(client.backend().call("image.push", {"name": f"{client.registry}/{repository}",
                                                         "all_tags": True}))["pushed"]
    assert sorted(row["Tag"] for row in pushed) == ["1.0", "2.0"]
    for row in pushed:
        assert row["Digest"] == registry_digest(client, repository, row["Tag"])


def test_push_without_login_is_unauthorized_naming_the_registry(client, local_image):
    name = local_image(f"{client.registry}/{unique('h3-nologin')}/app:latest")
    failure = error(client.backend().call("image.push", {"name": name}))
    assert failure["data"]["kind"] == "Unauthorized"
    assert failure["message"].startswith(f"{client.registry} refused the push of {name}")
    assert failure["data"]["registry"] == client.registry


def test_push_of_an_image_that_is_not_local_is_not_found_before_any_registry_is_asked(client, sandbox_env):
    down = sandbox_env["CONTAINERIMAGE_TEST_DOWN_REGISTRY"]
    # A registry that is down would say RegistryUnavailable if it were asked.
    failure = error(client.backend().call("image.push", {"name": f"{down}/h3/nothere:1.0"}))
    assert failure["data"]["kind"] == "NotFound"
    assert f"{down}/h3/nothere:1.0" in failure["message"]


def test_push_to_a_registry_that_is_down_is_registry_unavailable_naming_it(client, local_image, sandbox_env):
    down = sandbox_env["CONTAINERIMAGE_TEST_DOWN_REGISTRY"]
    name = local_image(f"{down}/h3/app:latest")
    failure = error(client.backend().call("image.push", {"name": name}))
    assert failure["data"]["kind"] == "RegistryUnavailable"
    assert failure["message"].startswith(f"The registry {down} cannot be reached to push {name}")


class SilentRegistry:
    """A TCP server that accepts connections and never answers: a push to it waits for ever."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.address = f"127.0.0.1:{self.server.getsockname()[1]}"
        self.open = []
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.accepted += 1
            self.open.append(connection)
            threading.Thread(target=self._drain, args=(connection,), daemon=True).start()

    def _drain(self, connection):
        try:
            while connection.recv(4096):
                pass
        except OSError:
            pass
        self.open.remove(connection)

    def close(self):
        self.server.close()
        for connection in list(self.open):
            connection.close()


def test_cancel_of_a_push_to_a_registry_that_never_answers(client, local_image):
    silent = SilentRegistry()
    try:
        name = local_image(f"{silent.address}/h3/app:latest")
        backend = client.backend()
        push_id = backend.start("image.push", {"name": name})
        deadline = time.monotonic() + 30
        while not silent.accepted and time.monotonic() < deadline:  # the engine is waiting for the registry
            time.sleep(0.05)
        assert silent.accepted
        backend.send({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": push_id}})
        response, _ = backend.wait(push_id, timeout=30)
        assert error(response)["data"]["kind"] == "Cancelled"
        assert result(backend.call("ping")) == {}  # the backend goes on
    finally:
        silent.close()
