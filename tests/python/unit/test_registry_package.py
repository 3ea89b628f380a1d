"""The registry package at its seams: one list of Docker Hub's names that logins, addresses and references
agree on; one place that finds docker's config folder; no import circle; tokens with the scopes a
cross-repository mount needs; manifests read for their platforms and layers; the client's answers to a
registry that has deletion disabled or refuses a write. The HTTP seam is a registry on 127.0.0.1 (a
ThreadingHTTPServer); the client's reads and writes against the sandbox's real registries are in
tests/python/integration/test_registry_client.py."""

import ast
import base64
import hashlib
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from containerimage import credentials, dockerconfig, reference
from containerimage.errors import InvalidData, PermissionDenied, RegistryUnavailable, Unauthorized
from containerimage.registry import address, auth, manifests
from containerimage.registry.address import Registry
from containerimage.registry.client import RegistryClient

from .fakes import serve_once

PACKAGE = Path(__file__).resolve().parents[3] / "backend" / "containerimage"


# ---------------------------------------------------------------------------------------- Hub's names

@pytest.mark.parametrize("alias", address.HUB_ALIASES)
def test_every_hub_name_means_hub_to_logins_addresses_and_references(alias):
    assert credentials.server_key(alias) == address.HUB_CONFIG_KEY
    assert credentials.server_key(alias.upper()) == address.HUB_CONFIG_KEY
    registry = address.parse_registry(alias)
    assert (registry.is_hub, registry.name, registry.api_host) == (True, "docker.io", "registry-1.docker.io")
    parsed = reference.parse(f"{alias}/library/busybox:1")
    assert (parsed.domain, parsed.repository, parsed.registry) == (None, "busybox", "docker.io")


def test_registry_hub_docker_com_finds_the_login_docker_login_stored_for_hub(docker_config):
    # The disagreement this package ended: the login was stored under registry.hub.docker.com while the
    # registry code looked it up under Hub's key.
    assert credentials.server_key("registry.hub.docker.com") == "https://index.docker.io/v1/"
    secret = base64.b64encode(b"me:pw").decode()
    (docker_config / "config.json").write_text(json.dumps({"auths": {address.HUB_CONFIG_KEY: {"auth": secret}}}))
    found = auth.stored_credentials(address.parse_registry("registry.hub.docker.com"))
    assert found == {"username": "me", "password": "pw"}
    assert auth.stored_credentials(address.parse_registry("127.0.0.1:5000")) is None


def test_other_hosts_are_not_hub():
    for host in ("127.0.0.1:5000", "docker.io.example.com", "mcr.microsoft.com", "hub.docker.com.evil"):
        assert not address.is_hub(host)
        assert credentials.server_key(host) == host


# --------------------------------------------------------------------------- docker's config folder

def _constants(tree):
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_only_dockerconfig_names_the_docker_config_folder():
    naming = []
    for path in _modules():
        constants = _constants(ast.parse(path.read_text(encoding="utf-8")))
        if "DOCKER_CONFIG" in constants or ".docker" in constants:
            naming.append(path.relative_to(PACKAGE).as_posix())
    assert naming == ["dockerconfig.py"]


def test_every_reader_of_config_json_takes_docker_config(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    assert dockerconfig.config_path() == str(tmp_path / "config.json")
    assert credentials.config_path() == dockerconfig.config_path()
    secret = base64.b64encode(b"u:p").decode()
    (tmp_path / "config.json").write_text(json.dumps({"auths": {"reg.example.com": {"auth": secret}}}))
    assert auth.stored_credentials(address.parse_registry("reg.example.com")) == {"username": "u", "password": "p"}


# ---------------------------------------------------------------------------------- no import circle

def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "vendor" not in p.relative_to(PACKAGE).parts)


def _module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path, name, known):
    """The containerimage modules path imports, at module level or inside a function (an import put in a
    function to dodge a circle is still one)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = (f"{base}.{node.module}" if node.module else base) if node.level else node.module
            for alias in node.names:  # `from . import x` imports the module x when there is one
                found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in known else target)
    return {m for m in found if m in known and m != name}


def test_the_backend_has_no_import_circle():
    paths = {_module_name(p): p for p in _modules()}
    graph = {name: _imports(path, name, set(paths)) for name, path in paths.items()}
    assert "containerimage.registry_api" not in graph  # the one-file API became the package
    assert {"containerimage.engine", "containerimage.settings"}.isdisjoint(
        set().union(*(graph[m] for m in graph if m.startswith("containerimage.registry"))))
    state, circles = {}, []

    def visit(module, trail):
        state[module] = "open"
        for imported in sorted(graph[module]):
            if state.get(imported) == "open":
                circles.append(trail[trail.index(imported):] + [imported])
            elif imported not in state:
                visit(imported, trail + [imported])
        state[module] = "done"
    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    # operations.images and operations.compatibility import each other (a pull checks compatibility, the
    # check finds local images): older than the registry package, and harmless (attributes are read at call
    # time); no other circle.
    known = {"containerimage.operations.images", "containerimage.operations.compatibility"}
    assert [circle for circle in circles if not set(circle) <= known] == []


# ---------------------------------------------------------------------------------------------- scopes

def test_scopes():
    assert auth.pull("a/b") == ("repository:a/b:pull",)
    assert auth.push("a/b") == ("repository:a/b:pull,push",)
    assert auth.mount("dst", "src") == ("repository:dst:pull,push", "repository:src:pull")
    assert auth.mount("dst", "dst") == ("repository:dst:pull,push",)


def test_challenge():
    scheme, params = auth.parse_challenge('Bearer realm="https://auth.example/token",service="reg",'
                                          'scope="repository:a:pull,push"')
    assert scheme == "bearer"
    assert params == {"realm": "https://auth.example/token", "service": "reg", "scope": "repository:a:pull,push"}


# ------------------------------------------------------------------------- a registry on 127.0.0.1

class _LocalServer:
    """An HTTP server on a free port of 127.0.0.1, serving Handler on a thread until close()."""

    def _serve(self, handler):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class TokenRegistry(_LocalServer):
    """A registry that wants Bearer tokens (a token service at /token on the same server), checks that a
    token grants every scope a request needs, mounts blobs, and answers DELETE as told."""

    USER, PASSWORD = "alice", "pw-123"

    def __init__(self, delete_status=202, delete_body=None):
        self.tokens = {}  # token -> set of scopes
        self.token_requests = []  # {"scopes": [...], "user": ...}
        self.requests = []  # (method, path, query)
        self.headers = []  # the headers of each of those requests, in the same order
        self.blobs = {"sha256:" + "a" * 64: ("src", b"layer")}
        self.delete_status, self.delete_body = delete_status, delete_body
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                registry.handle(self, "GET")

            def do_POST(self):
                registry.handle(self, "POST")

            def do_DELETE(self):
                registry.handle(self, "DELETE")

            def do_HEAD(self):
                registry.handle(self, "HEAD")

            def do_PUT(self):
                registry.handle(self, "PUT")

            def log_message(self, *args):
                pass
        self._serve(Handler)

    def handle(self, handler, method):
        url = urllib.parse.urlsplit(handler.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path == "/token":
            return self._token(handler, query)
        self.requests.append((method, url.path, query))
        self.headers.append(dict(handler.headers))
        length = int(handler.headers.get("Content-Length") or 0)
        if length:
            handler.rfile.read(length)
        name = url.path[len("/v2/"):].split("/blobs/")[0].split("/manifests/")[0]
        if method == "POST" and "mount" in query:
            needed = {f"repository:{name}:pull,push", f"repository:{query['from'][0]}:pull"}
        elif method == "DELETE":
            needed = {f"repository:{name}:delete"}
        elif method in ("POST", "PUT"):
            needed = {f"repository:{name}:pull,push"}
        else:
            needed = {f"repository:{name}:pull"}
        granted = self.tokens.get((handler.headers.get("Authorization") or "").partition("Bearer ")[2], set())
        if not needed <= granted:
            challenge = (f'Bearer realm="http://{self.address}/token",service="fake",'
                         f'scope="{sorted(needed)[0]}"')
            return self._send(handler, 401, {"errors": [{"code": "UNAUTHORIZED"}]}, {"WWW-Authenticate": challenge})
        if method == "POST" and "mount" in query:
            return self._send(handler, 201, b"", {"Location": f"/v2/{name}/blobs/{query['mount'][0]}"})
        if method == "POST":
            return self._send(handler, 202, b"", {"Location": f"/v2/{name}/blobs/uploads/u1"})
        if method == "DELETE":
            return self._send(handler, self.delete_status, self.delete_body or b"")
        if method == "PUT":
            return self._send(handler, 415, {"errors": [{"code": "MANIFEST_INVALID",
                                                         "message": "unsupported manifest media type"}]})
        return self._send(handler, 404, {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]})

    def _token(self, handler, query):
        header = handler.headers.get("Authorization") or ""
        user = base64.b64decode(header[len("Basic "):]).decode().split(":")[0] if header.startswith("Basic ") else None
        scopes = query.get("scope", [])
        self.token_requests.append({"scopes": scopes, "user": user})
        token = f"t{len(self.tokens)}"
        self.tokens[token] = set(scopes)
        return self._send(handler, 200, {"token": token})

    @staticmethod
    def _send(handler, status, body, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(data)


@pytest.fixture
def token_registry():
    started = []

    def start(**options):
        started.append(TokenRegistry(**options))
        return started[-1]
    yield start
    for registry in started:
        registry.close()


def test_a_mount_asks_one_token_for_push_on_the_destination_and_pull_on_the_source(token_registry):
    registry = token_registry()
    given = {"username": TokenRegistry.USER, "password": TokenRegistry.PASSWORD}
    with RegistryClient(address.parse_registry(registry.address), given) as client:
        assert client.mount_blob("team/dst", "sha256:" + "a" * 64, "team/src") is True
    assert registry.token_requests == [{"scopes": ["repository:team/dst:pull,push", "repository:team/src:pull"],
                                        "user": "alice"}]
    posts = [(path, query) for method, path, query in registry.requests if method == "POST"]
    assert posts[-1] == ("/v2/team/dst/blobs/uploads/", {"mount": ["sha256:" + "a" * 64], "from": ["team/src"]})


def test_a_token_is_asked_once_per_scope_and_reused(token_registry):
    registry = token_registry()
    with RegistryClient(address.parse_registry(registry.address), None) as client:
        for _ in range(3):
            assert client.head_manifest("a", "1") is None  # 404: there is none
        client.head_manifest("b", "1")
    assert [r["scopes"] for r in registry.token_requests] == [["repository:a:pull"], ["repository:b:pull"]]


def test_deletion_disabled_names_the_setting(token_registry):
    registry = token_registry(delete_status=405, delete_body=json.dumps(
        {"errors": [{"code": "UNSUPPORTED", "message": "The operation is unsupported."}]}).encode())
    with RegistryClient(address.parse_registry(registry.address), None) as client:
        with pytest.raises(PermissionDenied) as caught:
            client.delete_manifest("a", "sha256:" + "b" * 64)
    assert "storage.delete.enabled" in caught.value.message
    assert registry.address in caught.value.message


def test_a_delete_asks_for_the_delete_scope(token_registry):
    registry = token_registry()
    with RegistryClient(address.parse_registry(registry.address), None) as client:
        client.delete_manifest("a", "sha256:" + "b" * 64)
    assert "repository:a:delete" in registry.token_requests[-1]["scopes"]
    assert registry.requests[-1][:2] == ("DELETE", "/v2/a/manifests/sha256:" + "b" * 64)


def test_an_unsupported_media_type_is_named(token_registry):
    registry = token_registry()
    with RegistryClient(address.parse_registry(registry.address), None) as client:
        with pytest.raises(InvalidData) as caught:
            client.put_manifest("a", "1", b"{}", "application/x-odd")
    assert "media type" in caught.value.message and "unsupported manifest media type" in caught.value.message


def test_a_refused_login_says_which_registry_and_that_it_was_given(token_registry):
    class Refusing(TokenRegistry):
        def _token(self, handler, query):
            return self._send(handler, 401, {"details": "incorrect username or password"})
    registry = Refusing()
    try:
        with RegistryClient(address.parse_registry(registry.address), {"username": "x", "password": "bad"}) as client:
            with pytest.raises(Unauthorized) as caught:
                client.tags("a")
    finally:
        registry.close()
    assert caught.value.message.startswith(f"{registry.address} (its token service) refused the login given for "
                                           "user 'x'")
    assert "bad" not in caught.value.message


# ------------------------------------------------------------------------------------------- manifests

WINDOWS_LAYER = {"mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", "size": 100,
                 "digest": "sha256:" + "1" * 64, "urls": ["https://mcr.microsoft.com/l/1"]}
LAYER = {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 7, "digest": "sha256:" + "2" * 64}


def test_layers_mark_foreign_ones():
    manifest = {"schemaVersion": 2, "mediaType": manifests.DOCKER_MANIFEST, "layers": [WINDOWS_LAYER, LAYER]}
    assert manifests.layers(manifest) == [
        {"digest": WINDOWS_LAYER["digest"], "size": 100, "mediaType": WINDOWS_LAYER["mediaType"], "foreign": True,
         "urls": ["https://mcr.microsoft.com/l/1"]},
        {"digest": LAYER["digest"], "size": 7, "mediaType": LAYER["mediaType"], "foreign": False, "urls": []}]
    assert manifests.is_foreign("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip")
    assert not manifests.is_foreign("application/vnd.oci.image.layer.v1.tar+gzip")


def test_platforms_of_an_index_and_choosing_one():
    index = {"schemaVersion": 2, "mediaType": manifests.OCI_INDEX, "manifests": [
        {"digest": "sha256:" + "a" * 64, "size": 10, "mediaType": manifests.OCI_MANIFEST,
         "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
        {"digest": "sha256:" + "b" * 64, "size": 11, "mediaType": manifests.OCI_MANIFEST,
         "platform": {"os": "windows", "architecture": "amd64", "os.version": "10.0.20348.2227"}},
        {"digest": "sha256:" + "c" * 64, "size": 12, "mediaType": manifests.OCI_MANIFEST,
         "platform": {"os": "unknown", "architecture": "unknown"}}]}
    entries = manifests.platforms(index)
    assert manifests.is_index(index) and [e["size"] for e in entries] == [10, 11, 12]
    assert entries[1] == {"os": "windows", "os.version": "10.0.20348.2227", "architecture": "amd64", "variant": None,
                          "digest": "sha256:" + "b" * 64, "size": 11, "mediaType": manifests.OCI_MANIFEST}
    assert manifests.choose(entries, "linux", "aarch64") == [entries[0]]  # architectures normalized
    assert manifests.choose(entries, "windows") == [entries[1]]
    assert manifests.choose(entries) == entries[:2]  # the attestation is not a platform
    assert manifests.parse_platform("Linux/ARM64/v8") == ("linux", "arm64", "v8")
    assert manifests.parse_platform("windows") == ("windows", None, None)
    for bad in ("", "linux/", "a/b/c/d", "/amd64"):
        with pytest.raises(ValueError):
            manifests.parse_platform(bad)


def test_media_type_from_the_body_then_the_header_then_the_shape():
    assert manifests.media_type_of(json.dumps({"mediaType": manifests.DOCKER_LIST}).encode(),
                                   "application/json") == manifests.DOCKER_LIST
    assert manifests.media_type_of(b'{"schemaVersion": 2, "manifests": []}', manifests.OCI_INDEX) == manifests.OCI_INDEX
    assert manifests.media_type_of(b'{"schemaVersion": 2, "manifests": []}', "application/json") == manifests.OCI_INDEX
    assert manifests.media_type_of(b'{"schemaVersion": 2, "config": {}, "layers": []}') == manifests.OCI_MANIFEST
    assert manifests.media_type_of(b'{"schemaVersion": 1, "signatures": []}') == manifests.DOCKER_SCHEMA1_SIGNED


def test_a_digest_asked_for_must_be_the_bytes_own(token_registry):
    body = b'{"schemaVersion": 2}'

    class Lying(TokenRegistry):
        def handle(self, handler, method):
            return self._send(handler, 200, body, {"Docker-Content-Digest": "sha256:" + "f" * 64})
    registry = Lying()
    try:
        with RegistryClient(address.parse_registry(registry.address), None) as client:
            with pytest.raises(InvalidData) as caught:
                client.manifest_raw("a", "sha256:" + "f" * 64)
            assert client.manifest_raw("a", "1")[2] == "sha256:" + "f" * 64  # by tag: the registry's word
    finally:
        registry.close()
    assert "sha256:" + hashlib.sha256(body).hexdigest() in caught.value.message


def test_insecure_registries_may_use_http_as_loopback_does():
    assert address.candidate_schemes("10.9.8.7:5000") == ["https"]
    assert address.candidate_schemes("10.9.8.7:5001", insecure=True) == ["https", "http"]
    assert Registry("10.9.8.7:5001", insecure=True).insecure


def test_the_engines_insecure_registries_come_from_its_info():
    from containerimage import host
    facts = host.from_engine({"Os": "linux", "Arch": "amd64"}, {"OSType": "linux", "RegistryConfig": {
        "InsecureRegistryCIDRs": ["127.0.0.0/8", "10.20.0.0/16"],
        "IndexConfigs": {"docker.io": {"Name": "docker.io", "Secure": True},
                         "build.example.com:5000": {"Name": "build.example.com:5000", "Secure": False}}}})
    assert address.is_listed_insecure("build.example.com:5000", facts.insecure)
    assert address.is_listed_insecure("10.20.3.4:5000", facts.insecure)
    assert not address.is_listed_insecure("10.21.3.4:5000", facts.insecure)
    assert not address.is_listed_insecure("docker.io", facts.insecure)
    assert not address.is_listed_insecure("build.example.com", facts.insecure)  # another port: another registry


@pytest.mark.parametrize("status, removed", [(202, True), (400, False), (405, False)])
def test_a_tag_deleted_by_the_oci_api_or_not(token_registry, status, removed):
    # 202: the registry removed the tag itself (OCI distribution-spec); Distribution 2.x answers 400
    # (DIGEST_INVALID) or 405, and then nothing changed: the caller points the tag elsewhere first.
    registry = token_registry(delete_status=status)
    with RegistryClient(address.parse_registry(registry.address), None) as client:
        assert client.delete_tag("a", "1.0") is removed
    assert registry.requests[-1][:2] == ("DELETE", "/v2/a/manifests/1.0")


def test_the_environments_proxy_is_used(token_registry, monkeypatch):
    # Read once per origin by the client (requests itself no longer looks at every call): a registry that
    # only the proxy can reach is reached through it, one that NO_PROXY names is not.
    proxy = token_registry()
    monkeypatch.setenv("HTTP_PROXY", f"http://{proxy.address}")
    monkeypatch.setenv("NO_PROXY", "direct.invalid")
    with RegistryClient(address.parse_registry("http://registry.invalid:5000"), None) as client:
        assert client.head_manifest("a", "1") is None  # the proxy (our fake) answered 404
    assert proxy.requests[-1][:2] == ("HEAD", "/v2/a/manifests/1")
    with RegistryClient(address.parse_registry("http://direct.invalid:5000"), None) as client:
        with pytest.raises(RegistryUnavailable):
            client.head_manifest("a", "1")


# The HEAD path: Get-ContainerImageTag -Digest sends a HEAD per tag, a thousand at once, so a HEAD goes
# straight to the session's adapter (RegistryClient._head) instead of through Session.request. It must
# still do what a request does: the login or token (after the 401), the session's headers, the proxy the
# environment names (test_the_environments_proxy_is_used, a HEAD), a redirect followed (with no login for
# another host) and the registry's cookies sent back.

class _Scripted(_LocalServer):
    """A registry on 127.0.0.1 (HTTP/1.1, kept alive) whose answer(method, path, headers) gives (status,
    headers) for every request; seen lists (method, path, headers) as they came."""

    def __init__(self, answer):
        self.seen = []
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_HEAD(self):
                scripted.seen.append((self.command, self.path, dict(self.headers)))
                status, headers = answer(self.command, self.path, self.headers)
                self.send_response(status)
                for key, value in dict({"Content-Length": "0"}, **headers).items():
                    self.send_header(key, value)
                self.end_headers()
            do_GET = do_HEAD

            def log_message(self, *args):
                pass
        self._serve(Handler)


@pytest.fixture
def scripted():
    started = []

    def start(answer):
        started.append(_Scripted(answer))
        return started[-1]
    yield start
    for server in started:
        server.close()


def _count_session_requests(monkeypatch):
    methods = []
    original = requests.Session.request

    def counting(self, method, *args, **kwargs):
        methods.append(method)
        return original(self, method, *args, **kwargs)
    monkeypatch.setattr(requests.Session, "request", counting)
    return methods


def test_heads_skip_session_request_yet_carry_the_token_got_after_a_401(token_registry, monkeypatch):
    registry = token_registry()
    through_session = _count_session_requests(monkeypatch)
    with RegistryClient(address.parse_registry(registry.address), None) as client:
        assert client.head_manifest("a", "1") is None  # 404 once the token is there
        assert client.head_manifest("a", "2") is None
    assert [r[:2] for r in registry.requests] == [("HEAD", "/v2/a/manifests/1")] * 2 + [("HEAD", "/v2/a/manifests/2")]
    first, retried, second = registry.headers
    assert "Authorization" not in first
    assert retried["Authorization"] == second["Authorization"] == "Bearer t0"
    assert registry.token_requests == [{"scopes": ["repository:a:pull"], "user": None}]
    assert retried["User-Agent"].startswith("python-requests/")  # the session's headers, as for any request
    assert retried["Accept"] == manifests.ACCEPT
    assert through_session == ["GET"]  # the token only


def test_a_head_answers_basic_auth_and_reads_the_digest(scripted, monkeypatch):
    digest = "sha256:" + "d" * 64
    login = "Basic " + base64.b64encode(b"alice:pw-123").decode()

    def answer(method, path, headers):
        if headers.get("Authorization") != login:
            return 401, {"WWW-Authenticate": 'Basic realm="registry"'}
        return 200, {"Docker-Content-Digest": digest, "Content-Type": manifests.OCI_MANIFEST, "Content-Length": "321"}
    registry = scripted(answer)
    through_session = _count_session_requests(monkeypatch)
    with RegistryClient(address.parse_registry(registry.address), {"username": "alice", "password": "pw-123"}) as client:
        assert client.head_manifest("a", "1") == (digest, manifests.OCI_MANIFEST, 321)
        assert client.head_manifest("a", "2") == (digest, manifests.OCI_MANIFEST, 321)
    assert [headers.get("Authorization") for _, _, headers in registry.seen] == [None, login, login]
    assert through_session == []
    with RegistryClient(address.parse_registry(registry.address), {"username": "alice", "password": "bad"}) as client:
        with pytest.raises(Unauthorized) as caught:
            client.head_manifest("a", "1")
    assert caught.value.message.startswith(f"{registry.address} refused a:1 to user 'alice'")


def test_a_head_answered_with_a_redirect_follows_it_without_the_login_for_another_host(scripted):
    digest = "sha256:" + "e" * 64
    elsewhere = scripted(lambda method, path, headers: (200, {"Docker-Content-Digest": digest}))
    login = "Basic " + base64.b64encode(b"alice:pw-123").decode()

    def answer(method, path, headers):
        if headers.get("Authorization") != login:
            return 401, {"WWW-Authenticate": 'Basic realm="registry"'}
        return 307, {"Location": f"http://{elsewhere.address}/storage/m1"}
    registry = scripted(answer)
    with RegistryClient(address.parse_registry(registry.address), {"username": "alice", "password": "pw-123"}) as client:
        assert client.head_manifest("a", "1")[0] == digest
    assert [(method, path) for method, path, _ in elsewhere.seen] == [("HEAD", "/storage/m1")]
    assert "Authorization" not in elsewhere.seen[0][2]


def test_heads_send_back_the_cookies_the_registry_set(scripted):
    def answer(method, path, headers):
        return 200, {"Docker-Content-Digest": "sha256:" + "f" * 64, "Set-Cookie": "lb=node-2; Path=/"}
    registry = scripted(answer)
    with RegistryClient(address.parse_registry(registry.address), None) as client:
        for tag in ("1", "2", "3"):
            client.head_manifest("a", tag)
    # The answer that set it is asked again the usual way (requests keeps the cookie); the next ones carry it.
    assert [headers.get("Cookie") for _, _, headers in registry.seen] == [None, None, "lb=node-2", "lb=node-2"]


def test_a_kept_connection_the_registry_closed_is_replaced_once(monkeypatch):
    # Each connection answers one HEAD as HTTP/1.1 (kept alive) and is then closed by the registry: the next
    # HEAD finds its kept connection dead and goes again on a new one.
    digest = "sha256:" + "c" * 64
    accepted = []
    listener, registry = serve_once(
        b"HTTP/1.1 200 OK\r\nDocker-Content-Digest: %s\r\nContent-Length: 0\r\n\r\n" % digest.encode(), accepted)
    try:
        with RegistryClient(Registry(registry, "http"), None) as client:
            assert [client.head_manifest("a", tag)[0] for tag in ("1", "2", "3")] == [digest] * 3
    finally:
        listener.close()
    assert len(accepted) == 3


class _Answer:
    """What Authorizer.answer reads of a 401: its challenge, and the Authorization the request carried."""

    def __init__(self, challenge, sent=None):
        self.headers = {"WWW-Authenticate": challenge}
        self.request = type("Sent", (), {"headers": {"Authorization": sent} if sent else {}})()


def test_concurrent_first_requests_to_a_basic_registry_are_all_retried_with_the_login():
    # Two requests go out before the registry has asked for anything; both get 401. The second answer is not
    # a refusal of the login the first one set: it was sent without it.
    authorizer = auth.Authorizer(Registry("127.0.0.1:5000"), session=None,
                                 credentials={"username": "u", "password": "right"})
    challenge = 'Basic realm="registry"'
    assert authorizer.answer(_Answer(challenge), ["repository:a:pull"]) is True
    assert authorizer.answer(_Answer(challenge), ["repository:a:pull"]) is True
    login = authorizer.header(["repository:a:pull"])
    assert login.startswith("Basic ")
    # A 401 to a request that carried the login is a refusal.
    assert authorizer.answer(_Answer(challenge, sent=login), ["repository:a:pull"]) is False


def test_a_401_to_a_request_sent_before_another_got_the_token_retries_with_that_token():
    authorizer = auth.Authorizer(Registry("127.0.0.1:5000"), session=None, credentials=None)
    authorizer._tokens[("repository:a:pull",)] = "fresh"  # another request's answer, settled meanwhile
    challenge = 'Bearer realm="https://auth.example/token",service="registry"'
    assert authorizer.answer(_Answer(challenge), ["repository:a:pull"]) is True
