"""registry.search: Docker Hub through a fake engine, private registries through a fake Distribution
registry served over real HTTP on 127.0.0.1 (catalog and tag paging, Basic and Bearer auth)."""

import base64
import hashlib
import json
import os
import re
import socket
import stat
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from containerimage import errors
from containerimage.registry import address, client as registry_client, manifests
from containerimage.operations import search
from containerimage.server import Context

from .fakes import FakeDockerAPI, FakeEngine, NoEngine, api_error

USER, PASSWORD = "alice", "s3cret-Pa55"
IDENTITY_TOKEN = "refresh-me-0123"


# ------------------------------------------------------------------------------------ a fake registry

class FakeRegistry:
    """A Distribution-like registry over plain HTTP on 127.0.0.1, run in a thread.

    repositories: {name: {tag: description}}; a description may be None (no label), a string (the
    config's label), or ("annotation" | "index" | "schema1", text) for the other places it can be.
    auth: None, "basic" or "bearer" (a token service at /token on the same server).
    catalog_page / tags_page: the most entries the registry sends in one page when n is not given.
    """

    def __init__(self, repositories, auth=None, catalog_page=None, tags_page=None, catalog=True,
                 anonymous_pull=False, catalog_status=None, unknown=()):
        self.repositories = repositories
        self.unknown = set(unknown)  # listed in the catalog, but unknown to every other request
        self.auth = auth
        self.catalog_page = catalog_page
        self.tags_page = tags_page
        self.catalog = catalog
        self.catalog_status = catalog_status  # e.g. (503, b"...") or (200, b"<html>")
        self.anonymous_pull = anonymous_pull
        self.requests = []  # {"path", "query", "authorization"} of every registry request
        self.token_requests = []  # {"method", "params", "authorization"} of every token request
        self.tokens = {}  # token -> (user or None, scope)
        self.blobs = {}
        self.manifests = {}
        for name, tags in repositories.items():
            for tag, description in tags.items():
                self.manifests[(name, tag)] = self._image(name, description)
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                registry.handle(self, "GET")

            def do_POST(self):
                registry.handle(self, "POST")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    # -- content

    def _blob(self, data):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        self.blobs[digest] = data
        return digest

    def _image(self, name, description):
        where, text = description if isinstance(description, tuple) else ("label", description)
        labels = {manifests.DESCRIPTION_KEY: text} if where in ("label", "index") and text is not None else {}
        config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Labels": labels}}).encode()
        if where == "schema1":
            return "application/vnd.docker.distribution.manifest.v1+prettyjws", json.dumps({
                "schemaVersion": 1, "name": name,
                "history": [{"v1Compatibility": json.dumps({"config": {
                    "Labels": {manifests.DESCRIPTION_KEY: text}}})}]}).encode()
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": len(config),
                               "digest": self._blob(config)}, "layers": []}
        if where == "annotation":
            manifest["annotations"] = {manifests.DESCRIPTION_KEY: text}
            manifest["config"]["digest"] = self._blob(json.dumps({"config": {"Labels": {
                manifests.DESCRIPTION_KEY: "not this one"}}}).encode())
        body = json.dumps(manifest).encode()
        if where != "index":
            return manifest["mediaType"], body
        attestation = {"mediaType": manifest["mediaType"], "digest": self._blob(b"{}"), "size": 2,
                       "platform": {"os": "unknown", "architecture": "unknown"}}
        image = {"mediaType": manifest["mediaType"], "digest": self._blob(body), "size": len(body),
                 "platform": {"os": "linux", "architecture": "amd64"}}
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                 "manifests": [attestation, image]}
        return index["mediaType"], json.dumps(index).encode()

    # -- HTTP

    def handle(self, handler, method):
        url = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        authorization = handler.headers.get("Authorization")
        if url.path == "/token":
            return self._token(handler, method, query, authorization)
        self.requests.append({"path": url.path, "query": query, "authorization": authorization})
        if url.path == "/v2/_catalog":
            if not self._allowed(handler, authorization, "registry:catalog:*"):
                return
            if not self.catalog:
                return self._send(handler, 404, {"errors": [{"code": "NOT_FOUND", "message": "no catalog"}]})
            if self.catalog_status:
                return self._send(handler, self.catalog_status[0], self.catalog_status[1])
            return self._page(handler, url.path, sorted(self.repositories), query, self.catalog_page,
                              lambda items: {"repositories": items})
        match = re.match(r"/v2/(.+)/(tags/list|manifests/[^/]+|blobs/[^/]+)\Z", url.path)
        if not match:
            return self._send(handler, 404, {"errors": [{"code": "NOT_FOUND"}]})
        name, what = match.groups()
        if not self._allowed(handler, authorization, f"repository:{name}:pull"):
            return
        if name not in self.repositories or name in self.unknown:
            return self._send(handler, 404, {"errors": [{"code": "NAME_UNKNOWN",
                                                         "message": "repository name not known"}]})
        if what == "tags/list":
            tags = list(self.repositories[name])
            if not tags:
                return self._send(handler, 200, {"name": name, "tags": None})
            return self._page(handler, url.path, tags, query, self.tags_page,
                              lambda items: {"name": name, "tags": items})
        reference = what.split("/", 1)[1]
        if what.startswith("blobs/") or reference in self.blobs:
            data = self.blobs.get(reference)
            return self._send(handler, 200 if data else 404, data or {"errors": [{"code": "BLOB_UNKNOWN"}]})
        if (name, reference) not in self.manifests:
            return self._send(handler, 404, {"errors": [{"code": "MANIFEST_UNKNOWN"}]})
        media_type, body = self.manifests[(name, reference)]
        return self._send(handler, 200, body, media_type)

    def _page(self, handler, path, items, query, default_page, wrap):
        if default_page is None and "n" not in query:  # all at once, in storage order, as Distribution 2.8 sends tags
            return self._send(handler, 200, wrap(items))
        items = sorted(items)
        if "last" in query:
            items = [i for i in items if i > query["last"]]
        size = int(query["n"]) if "n" in query else default_page
        headers = {}
        if size is not None and len(items) > size:
            items = items[:size]
            link = f"{path}?" + urllib.parse.urlencode({"last": items[-1], "n": size})
            headers["Link"] = f'<{link}>; rel="next"'
        return self._send(handler, 200, wrap(items), headers=headers)

    def _allowed(self, handler, authorization, scope):
        if self.auth is None:
            return True
        if self.auth == "basic":
            expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            if authorization == expected:
                return True
            self._send(handler, 401, {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
                       headers={"WWW-Authenticate": 'Basic realm="fake"'})
            return False
        token = (authorization or "").partition("Bearer ")[2]
        if token in self.tokens:
            user, granted = self.tokens[token]
            if granted == scope and (user is not None or (self.anonymous_pull and scope.startswith("repository:"))):
                return True
        self._send(handler, 401, {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
                   headers={"WWW-Authenticate": f'Bearer realm="http://{self.address}/token",'
                                                f'service="fake-registry",scope="{scope}"'})
        return False

    def _token(self, handler, method, query, authorization):
        params = query
        if method == "POST":
            length = int(handler.headers.get("Content-Length") or 0)
            params = dict(urllib.parse.parse_qsl(handler.rfile.read(length).decode()))
        self.token_requests.append({"method": method, "params": params, "authorization": authorization})
        user = None
        if method == "POST":
            if params.get("grant_type") != "refresh_token" or params.get("refresh_token") != IDENTITY_TOKEN:
                return self._send(handler, 401, {"error": "invalid_grant"})
            user = USER
        elif authorization:
            if authorization != "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode():
                return self._send(handler, 401, {"details": "incorrect username or password"})
            user = USER
        token = f"token-{len(self.tokens)}"
        self.tokens[token] = (user, params.get("scope"))
        key = "access_token" if method == "POST" else "token"
        return self._send(handler, 200, {key: token})

    @staticmethod
    def _send(handler, status, body, content_type="application/json", headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(data)

    def catalog_requests(self):
        return [r for r in self.requests if r["path"] == "/v2/_catalog"]


@pytest.fixture
def registries():
    started = []

    def start(repositories, **options):
        registry = FakeRegistry(repositories, **options)
        started.append(registry)
        return registry
    yield start
    for registry in started:
        registry.close()


@pytest.fixture(autouse=True)
def docker_config(monkeypatch, tmp_path):
    """An empty DOCKER_CONFIG (and HOME), so no test reads the user's logins."""
    folder = tmp_path / "docker-config"
    folder.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(folder))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return folder


def store_login(folder, host, user=USER, password=PASSWORD):
    """What `docker login` writes to config.json."""
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    path = folder / "config.json"
    config = json.loads(path.read_text()) if path.exists() else {"auths": {}}
    config["auths"][host] = {"auth": auth}
    path.write_text(json.dumps(config))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find(engine=None, **params):
    return search.search(Context(engine or NoEngine()), **params)


def names(result):
    return [row["Name"] for row in result["results"]]


def kinds(result):
    return [(e["data"]["kind"], e["data"]["target"]) for e in result["errors"]]


SEED = {
    "team/app": {"latest": "The team's app", "1.0": "older"},
    "team/worker": {"2.0": "A worker", "1.0": "old worker"},
    "tools/busybox": {"1.36": "BusyBox for tools"},
    "tools/empty": {},
    "zeta": {"latest": None},
}


# ------------------------------------------------------------------------------------ private registry

def test_catalog_results_are_full_references_by_name_with_descriptions(registries):
    registry = registries(SEED)
    result = find(registry=[registry.address])
    assert result["errors"] == [] and result["warnings"] == []
    assert names(result) == [f"{registry.address}/{name}" for name in sorted(SEED)]
    rows = {row["Name"].split("/", 1)[1]: row for row in result["results"]}
    assert rows["team/app"]["Description"] == "The team's app"  # the latest tag's
    assert rows["team/worker"]["Description"] == "A worker"  # no latest: the last tag by name
    assert rows["tools/empty"]["Description"] is None
    assert rows["zeta"]["Description"] is None  # no label
    for row in result["results"]:
        assert (row["Stars"], row["Official"], row["Automated"], row["Tags"]) == (None, None, None, None)
        assert row["Registry"] == registry.address


def test_a_term_matches_part_of_the_name_case_insensitively(registries):
    registry = registries(SEED)
    assert names(find(term="BUSY", registry=[registry.address])) == [f"{registry.address}/tools/busybox"]
    assert names(find(term="team/", registry=[registry.address])) == [
        f"{registry.address}/team/app", f"{registry.address}/team/worker"]


def test_a_wildcard_term_matches_the_path_or_its_last_part(registries):
    registry = registries(SEED)
    short = [n.split("/", 1)[1] for n in names(find(term="t*/*e*", registry=[registry.address]))]
    assert short == ["team/worker", "tools/empty"]
    short = [n.split("/", 1)[1] for n in names(find(term="Z?TA", registry=[registry.address]))]
    assert short == ["zeta"]
    assert names(find(term="busy", registry=[registry.address])) == \
        names(find(term="*box", registry=[registry.address]))
    # The registry's host in front of the pattern is allowed.
    assert len(names(find(term=f"{registry.address}/team/*", registry=[registry.address]))) == 2


def test_a_term_that_matches_nothing_gives_nothing_and_no_error(registries):
    registry = registries(SEED)
    assert find(term="nothing-like-this", registry=[registry.address]) == {"results": [], "errors": [], "warnings": []}


def test_the_catalog_is_read_page_by_page_with_a_page_size(registries):
    repositories = {f"repo{i:02d}": {"latest": f"number {i}"} for i in range(7)}
    registry = registries(repositories)
    result = find(registry=[registry.address], page_size=2)
    assert len(result["results"]) == 7
    pages = registry.catalog_requests()
    assert len(pages) == 4
    assert [p["query"].get("last") for p in pages] == [None, "repo01", "repo03", "repo05"]
    assert all(p["query"]["n"] == "2" for p in pages)


def test_the_registrys_own_pages_are_followed_without_a_page_size(registries):
    registry = registries({f"r{i}": {"latest": None} for i in range(5)}, catalog_page=2)
    assert len(find(registry=[registry.address])["results"]) == 5
    assert len(registry.catalog_requests()) == 3
    assert "n" not in registry.catalog_requests()[0]["query"]


def test_the_limit_bounds_the_results_and_the_per_repository_reads(registries):
    registry = registries({f"r{i:02d}": {"latest": f"d{i}"} for i in range(30)})
    result = find(registry=[registry.address])
    assert len(result["results"]) == search.DEFAULT_LIMIT == 25
    result = find(registry=[registry.address], limit=3)
    assert [n.rsplit("/", 1)[1] for n in names(result)] == ["r00", "r01", "r02"]
    read = {r["path"].split("/")[2] for r in registry.requests if r["path"] != "/v2/_catalog"}
    assert read == {f"r{i:02d}" for i in range(25)}  # the first search read 25, the second 3 of them


def test_list_tags_fills_sorted_tags_following_tag_pages(registries):
    registry = registries({"many": {f"v{i}": None for i in (3, 1, 4, 0, 2)}, "none": {}}, tags_page=2)
    result = find(registry=[registry.address], list_tags=True)
    tags = {row["Name"].rsplit("/", 1)[1]: row["Tags"] for row in result["results"]}
    assert tags == {"many": ["v0", "v1", "v2", "v3", "v4"], "none": []}
    tag_pages = [r for r in registry.requests if r["path"] == "/v2/many/tags/list"]
    assert len(tag_pages) == 3
    result = find(registry=[registry.address], list_tags=True, page_size=1)
    assert result["results"][0]["Tags"] == ["v0", "v1", "v2", "v3", "v4"]


def test_tags_sent_in_no_order_come_sorted(registries):
    registry = registries({"many": {tag: None for tag in ("b", "latest", "a", "1.0")}})
    assert find(registry=[registry.address], list_tags=True)["results"][0]["Tags"] == ["1.0", "a", "b", "latest"]


def test_descriptions_from_annotations_an_index_and_schema1(registries):
    registry = registries({"annotated": {"latest": ("annotation", "from the annotation")},
                           "indexed": {"latest": ("index", "from the image in the index")},
                           "old": {"latest": ("schema1", "from v1Compatibility")}})
    rows = {row["Name"].rsplit("/", 1)[1]: row["Description"] for row in find(registry=[registry.address])["results"]}
    assert rows == {"annotated": "from the annotation", "indexed": "from the image in the index",
                    "old": "from v1Compatibility"}


def test_several_registries_in_order_and_one_that_fails_does_not_stop_the_others(registries):
    first, second = registries({"b": {"latest": None}}), registries({"a": {"latest": None}})
    down = f"127.0.0.1:{free_port()}"
    result = find(registry=[first.address, down, second.address, first.address])
    assert names(result) == [f"{first.address}/b", f"{second.address}/a"]  # each once
    assert kinds(result) == [("RegistryUnavailable", down)]
    assert result["errors"][0]["message"] == (f"The registry {down} cannot be reached: the connection was refused; "
                                              "nothing listens there.")
    assert len(first.catalog_requests()) == 1


@pytest.mark.parametrize("text, said", [
    ("not a registry", "'not a registry' is not a host name"),
    ("127.0.0.1:99999", "'99999' is not a port"),
    ("127.0.0.1:", "'' is not a port"),
    ("127.0.0.1:5000/team/app", "host[:port] only"),
    ("ftp://127.0.0.1:5000", "http:// or https://"),
    ("", "cannot be empty"),
    ("bad_host!", "is not a host name"),
])
def test_a_malformed_registry_is_invalid_params_naming_it(registries, text, said):
    registry = registries({"a": {"latest": None}})
    result = find(registry=[text, registry.address])
    assert kinds(result) == [("InvalidParams", text)]
    assert said in result["errors"][0]["message"]
    assert names(result) == [f"{registry.address}/a"]


@pytest.mark.parametrize("text, host, scheme", [
    ("127.0.0.1:5000", "127.0.0.1:5000", None),
    ("Registry.Example.COM", "registry.example.com", None),
    ("http://LOCALHOST:5000/", "localhost:5000", "http"),
    ("https://[::1]:443", "[::1]:443", "https"),
    ("docker.io", "docker.io", None),
])
def test_registry_addresses(text, host, scheme):
    parsed = address.parse_registry(text)
    assert (parsed.host, parsed.scheme) == (host, scheme)
    assert parsed.is_hub == (host == "docker.io")


def test_https_first_then_http_only_for_loopback():
    assert address.candidate_schemes("registry.example.com:5000") == ["https"]
    assert address.candidate_schemes("10.1.2.3") == ["https"]
    assert address.candidate_schemes("127.0.0.2:1") == ["https", "http"]
    assert address.candidate_schemes("localhost") == ["https", "http"]
    assert address.candidate_schemes("[::1]:5000") == ["https", "http"]
    assert address.candidate_schemes("registry.example.com", "http") == ["http"]


def test_a_loopback_registry_over_plain_http_is_found_and_its_scheme_remembered(registries):
    registry = registries({"a": {"latest": None}})
    assert names(find(registry=[registry.address])) == [f"{registry.address}/a"]
    assert address.candidate_schemes(registry.address) == ["http"]
    assert names(find(registry=[f"http://{registry.address}"])) == [f"{registry.address}/a"]
    failed = find(registry=[f"https://{registry.address}"])  # the user said https: no fallback
    assert kinds(failed) == [("RegistryUnavailable", registry.address)]
    assert "TLS" in failed["errors"][0]["message"]


# -- auth

def test_basic_auth_without_a_login_says_how_to_log_in(registries):
    registry = registries(SEED, auth="basic")
    result = find(registry=[registry.address])
    assert kinds(result) == [("Unauthorized", registry.address)]
    message = result["errors"][0]["message"]
    assert registry.address in message
    assert f"Connect-ContainerRegistry -Registry {registry.address}" in message
    assert f"docker login {registry.address}" in message


def test_basic_auth_with_the_login_docker_login_stored(registries, docker_config):
    registry = registries(SEED, auth="basic")
    store_login(docker_config, registry.address)
    result = find(registry=[registry.address], list_tags=True)
    assert result["errors"] == []
    assert len(result["results"]) == len(SEED)
    assert result["results"][0]["Tags"] == ["1.0", "latest"]
    # The first request finds out the scheme; after that the login goes with every request.
    assert all(r["authorization"] for r in registry.requests[1:])


def test_a_wrong_stored_password_is_unauthorized_without_the_password(registries, docker_config):
    registry = registries(SEED, auth="basic")
    store_login(docker_config, registry.address, password="wrong-password")
    result = find(registry=[registry.address])
    assert kinds(result) == [("Unauthorized", registry.address)]
    assert f"user '{USER}'" in result["errors"][0]["message"]
    assert "wrong-password" not in json.dumps(result)


def test_a_docker_config_without_config_json_means_no_login_not_the_users_own(registries, tmp_path):
    registry = registries(SEED, auth="basic")
    users_own = tmp_path / "home" / ".docker"
    users_own.mkdir(parents=True)
    store_login(users_own, registry.address)  # what the SDK alone would fall back to
    assert kinds(find(registry=[registry.address])) == [("Unauthorized", registry.address)]


def test_bearer_tokens_are_asked_with_the_stored_login_per_scope_and_reused(registries, docker_config):
    registry = registries(SEED, auth="bearer")
    store_login(docker_config, registry.address)
    result = find(registry=[registry.address], term="team", list_tags=True)
    assert result["errors"] == []
    assert names(result) == [f"{registry.address}/team/app", f"{registry.address}/team/worker"]
    scopes = [t["params"]["scope"] for t in registry.token_requests]
    assert sorted(scopes) == ["registry:catalog:*", "repository:team/app:pull", "repository:team/worker:pull"]
    assert all(t["params"]["service"] == "fake-registry" for t in registry.token_requests)
    assert all(t["authorization"].startswith("Basic ") for t in registry.token_requests)


def test_bearer_without_a_login_gets_an_anonymous_token_then_says_how_to_log_in(registries):
    registry = registries(SEED, auth="bearer", anonymous_pull=True)
    result = find(registry=[registry.address])
    assert kinds(result) == [("Unauthorized", registry.address)]
    assert "Connect-ContainerRegistry" in result["errors"][0]["message"]
    assert registry.token_requests[0]["authorization"] is None


def test_bearer_with_a_wrong_password_is_refused_by_the_token_service(registries, docker_config):
    registry = registries(SEED, auth="bearer")
    store_login(docker_config, registry.address, password="wrong-password")
    result = find(registry=[registry.address])
    assert kinds(result) == [("Unauthorized", registry.address)]
    assert "token service" in result["errors"][0]["message"]
    assert "wrong-password" not in json.dumps(result)


def test_a_stored_identity_token_is_used_as_a_refresh_token(registries, docker_config):
    registry = registries({"a": {"latest": "A"}}, auth="bearer")
    config = {"auths": {registry.address: {"identitytoken": IDENTITY_TOKEN}}}
    (docker_config / "config.json").write_text(json.dumps(config))
    result = find(registry=[registry.address])
    assert result["errors"] == []
    assert result["results"][0]["Description"] == "A"
    assert {t["method"] for t in registry.token_requests} == {"POST"}
    assert registry.token_requests[0]["params"]["grant_type"] == "refresh_token"


def test_a_login_from_a_credential_helper(registries, docker_config, tmp_path, monkeypatch):
    registry = registries(SEED, auth="basic")
    helper = tmp_path / "bin" / "docker-credential-fake"
    helper.parent.mkdir()
    helper.write_text("#!/bin/sh\nserver=$(cat)\n"
                      f"echo '{{\"ServerURL\":\"'$server'\",\"Username\":\"{USER}\",\"Secret\":\"{PASSWORD}\"}}'\n")
    helper.chmod(helper.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{helper.parent}{os.pathsep}{os.environ['PATH']}")
    (docker_config / "config.json").write_text(json.dumps({"credHelpers": {registry.address: "fake"}}))
    result = find(registry=[registry.address])
    assert result["errors"] == []
    assert len(result["results"]) == len(SEED)


# -- what a registry may answer

def test_a_registry_without_a_catalog_is_not_found(registries):
    registry = registries(SEED, catalog=False)
    result = find(registry=[registry.address])
    assert kinds(result) == [("NotFound", registry.address)]
    assert "does not offer a catalog" in result["errors"][0]["message"]


def test_a_server_error_is_registry_unavailable_and_not_json_is_invalid_data(registries):
    failing = registries(SEED, catalog_status=(503, {"errors": [{"code": "UNAVAILABLE", "message": "maintenance"}]}))
    result = find(registry=[failing.address])
    assert kinds(result) == [("RegistryUnavailable", failing.address)]
    assert "503" in result["errors"][0]["message"] and "maintenance" in result["errors"][0]["message"]
    html = registries(SEED, catalog_status=(200, b"<html>a web site</html>"))
    result = find(registry=[html.address])
    assert kinds(result) == [("InvalidData", html.address)]
    assert "is it a registry?" in result["errors"][0]["message"]


def test_a_repository_whose_tags_cannot_be_read_is_still_listed(registries):
    registry = registries(SEED, unknown={"zeta"})
    result = find(registry=[registry.address])
    assert result["errors"] == []  # its description is left out, quietly
    assert result["results"][-1]["Name"] == f"{registry.address}/zeta"
    result = find(registry=[registry.address], list_tags=True)
    assert result["results"][-1]["Tags"] is None
    assert kinds(result) == [("NotFound", registry.address)]  # asked for its tags: say why there are none
    assert result["errors"][0]["message"] == (f"Not found on {registry.address}: the tags of zeta: "
                                              "repository name not known.")


def test_a_cancelled_search_is_cancelled_not_an_error(registries):
    registry = registries(SEED)
    context = Context(NoEngine())
    context.cancel()
    with pytest.raises(errors.Cancelled):
        search.search(context, registry=[registry.address])
    assert registry.requests == []


# ------------------------------------------------------------------------------------------ Docker Hub

HUB = [
    {"name": "ubuntu-like/low", "description": "few stars", "star_count": 3, "is_official": False,
     "is_automated": True},
    {"name": "nanoserver", "description": "Official nano", "star_count": 900, "is_official": True,
     "is_automated": False},
    {"name": "someone/nano-tools", "description": "", "star_count": 40, "is_official": False, "is_automated": False},
    {"name": "other/nano", "description": "tie with nano-tools", "star_count": 40, "is_official": False,
     "is_automated": False},
]


@pytest.fixture
def hub():
    api = FakeDockerAPI()
    api.search_results = HUB
    return api


def test_hub_is_searched_through_the_engine_most_stars_first(hub):
    result = find(FakeEngine(hub), term="nano")
    assert hub.calls_to("search") == [{"limit": 25}]
    assert [c[1] for c in hub.calls if c[0] == "search"] == [("nano",)]
    assert names(result) == ["nanoserver", "someone/nano-tools", "other/nano", "ubuntu-like/low"]
    first = result["results"][0]
    assert first == {"Name": "nanoserver", "Description": "Official nano", "Stars": 900, "Official": True,
                     "Automated": False, "Registry": "docker.io", "Tags": None}
    assert result["results"][1]["Description"] is None


def test_hub_filters_count_against_the_limit_after_filtering(hub):
    result = find(FakeEngine(hub), term="nano", stars=10, limit=2)
    assert hub.calls_to("search") == [{"limit": search.HUB_MAX}]
    assert names(result) == ["nanoserver", "someone/nano-tools"]
    assert names(find(FakeEngine(hub), term="nano", official=True)) == ["nanoserver"]
    assert names(find(FakeEngine(hub), term="nano", automated=True)) == ["ubuntu-like/low"]
    assert names(find(FakeEngine(hub), term="nano", stars=1000)) == []


def test_hub_limit_is_at_most_what_the_engine_accepts(hub):
    find(FakeEngine(hub), term="nano", limit=500)
    assert hub.calls_to("search") == [{"limit": 100}]


def test_a_hub_wildcard_asks_for_the_longest_literal_part_and_filters_names(hub):
    result = find(FakeEngine(hub), term="*/nano*")
    assert [c[1] for c in hub.calls if c[0] == "search"] == [("nano",)]
    assert names(result) == ["someone/nano-tools", "other/nano"]
    result = find(FakeEngine(hub), term="*")
    assert kinds(result) == [("InvalidParams", "*")]


def test_hub_needs_a_term(hub):
    result = find(FakeEngine(hub))
    assert kinds(result) == [("InvalidParams", "docker.io")]
    assert "give a search term" in result["errors"][0]["message"]
    assert hub.calls_to("search") == []


def test_hub_unreachable_is_registry_unavailable_naming_docker_hub_and_the_term(hub):
    hub.search_error = api_error(500, 'Get "https://index.docker.io/v1/search?q=nano&n=25": proxyconnect tcp: '
                                      "dial tcp 127.0.0.1:9: connect: connection refused")
    result = find(FakeEngine(hub), term="nano")
    assert kinds(result) == [("RegistryUnavailable", "docker.io")]
    assert result["errors"][0]["message"].startswith("Docker Hub cannot be reached to search for 'nano': Get ")
    hub.search_error = api_error(500, "something else went wrong")
    assert kinds(find(FakeEngine(hub), term="nano")) == [("RegistryUnavailable", "docker.io")]


def test_hub_with_the_engine_down_is_engine_unavailable():
    class DownEngine:
        host = "unix:///nonexistent.sock"

        def client(self):
            raise errors.EngineUnavailable("Cannot reach the Docker engine at unix:///nonexistent.sock", self.host)
    result = find(DownEngine(), term="nano")
    assert kinds(result) == [("EngineUnavailable", "unix:///nonexistent.sock")]


def test_hub_and_a_registry_together(hub, registries):
    registry = registries({"team/nano": {"latest": "ours"}})
    result = find(FakeEngine(hub), term="nano", registry=[registry.address, "DOCKER.IO"], limit=1)
    assert names(result) == [f"{registry.address}/team/nano", "nanoserver"]


def test_hub_filters_skip_private_registries_with_a_warning(hub, registries):
    down = f"127.0.0.1:{free_port()}"
    result = find(FakeEngine(hub), term="nano", official=True, registry=["docker.io", down])
    assert names(result) == ["nanoserver"]
    assert result["errors"] == []  # the registry was not asked at all
    assert result["warnings"] == [f"Stars, official and automated are Docker Hub's: no repository of {down} has "
                                  "them, so it was not searched."]


def test_hub_tags_come_from_hubs_registry_api(hub, registries, monkeypatch):
    fake_hub_registry = registries({"library/nanoserver": {"ltsc2022": None, "latest": None},
                                    "someone/nano-tools": {"1": None}, "other/nano": {"2": None},
                                    "ubuntu-like/low": {}}, auth="bearer", anonymous_pull=True)
    monkeypatch.setattr(address, "HUB_API_HOST", fake_hub_registry.address)
    result = find(FakeEngine(hub), term="nano", list_tags=True)
    assert result["errors"] == []
    assert [row["Tags"] for row in result["results"]] == [["latest", "ltsc2022"], ["1"], ["2"], []]
    hub.search_results = [{"name": "missing/repo", "star_count": 1}]
    result = find(FakeEngine(hub), term="nano", list_tags=True)
    assert result["results"][0]["Tags"] is None
    assert kinds(result) == [("NotFound", "docker.io")]


# ------------------------------------------------------------------------------------------ params

@pytest.mark.parametrize("params, said", [
    ({"limit": 0}, "limit must be 1 or more"),
    ({"stars": -1}, "cannot be negative"),
    ({"page_size": 0}, "page size must be 1 or more"),
])
def test_bad_numbers_are_invalid_params_before_anything_is_asked(params, said):
    with pytest.raises(errors.InvalidParams, match=said):
        find(NoEngine(), term="x", **params)


def test_the_method_is_registered():
    from containerimage.operations import METHODS
    assert METHODS["registry.search"] is search.search


def test_requests_has_a_timeout_for_every_registry_call(registries, monkeypatch):
    registry = registries(SEED)
    seen = []
    original = requests.Session.request

    def spy(self, method, url, **kwargs):
        seen.append(kwargs.get("timeout"))
        return original(self, method, url, **kwargs)
    monkeypatch.setattr(requests.Session, "request", spy)
    find(registry=[registry.address], list_tags=True)
    assert seen and all(timeout == registry_client.TIMEOUT for timeout in seen)
