"""RegistryClient: one registry's HTTP API (Distribution v2), with auth, and errors named for the user.

    GET    /v2/_catalog?n=&last=                  repository names, paged by a Link header
    GET    /v2/<name>/tags/list?n=&last=          tags, paged the same way (Distribution 2.8 sends them all)
    GET    /v2/<name>/manifests/<ref>             a manifest or index (HEAD: its digest, type and size)
    PUT    /v2/<name>/manifests/<ref>             store one (by tag or digest)
    DELETE /v2/<name>/manifests/<digest>          remove one (and every tag naming it)
    GET    /v2/<name>/blobs/<digest>              a blob, streamed (HEAD: whether it is there, its size)
    POST   /v2/<name>/blobs/uploads/[?mount=&from=]  start an upload, or mount a blob of another repository
    PATCH  <location>                             send (part of) the blob, streamed
    PUT    <location>?digest=                     finish the upload

Every call retries once after answering a 401's challenge (auth.Authorizer). A streamed body cannot be
sent twice: uploads get their token on the POST that starts them, for the same scope as the PATCH and PUT.
The Authorization header goes only to the registry's own API host (a Location or redirect elsewhere gets
none). Thread-safe: reads and uploads may run in parallel on one client. HEADs skip Session.request, and
over plain http without a proxy go through kept-alive http.client connections: a thousand of them at once
(Get-ContainerImageTag -Digest) are bound by the CPU each costs (see _head).
"""

import hashlib
import http.client
import json
import os
import socket
import threading
import urllib.parse
import warnings

import requests
import urllib3

from ..errors import (InvalidData, InvalidParams, NotFound, PermissionDenied, RegistryUnavailable, Unauthorized,
                      connection_failure)
from . import auth, manifests
from .address import candidate_schemes, is_loopback, remember_scheme
from .responses import error_codes, error_detail, next_page, path_of, reason

TIMEOUT = (5, 30)  # seconds: to connect, and between two reads
POOL_SIZE = 16  # connections kept per host: concurrent HEADs and uploads

# https to a loopback registry goes unverified, as the engine does for insecure registries: no warning for it.
warnings.filterwarnings("ignore", r"Unverified HTTPS request is being made to host '(127\.|localhost'|::1')",
                        urllib3.exceptions.InsecureRequestWarning)


class RegistryClient:
    """Reads and writes one registry's API.

    credentials: a dict ({'username', 'password'} or {'identitytoken'}), None for anonymous, or the
    default auth.LOOKUP: the stored login, looked up when the registry first asks for one.
    check_cancelled: called between pages and requests; raises to stop."""

    _LOOKUP = auth.LOOKUP  # the name callers used before the package: kept

    def __init__(self, registry, credentials=auth.LOOKUP, timeout=TIMEOUT, check_cancelled=None):
        self.registry = registry
        self._timeout = timeout
        self._check_cancelled = check_cancelled or (lambda: None)
        self._session = requests.Session()
        # The environment's proxies and CA bundle are read once per origin (environment()), not by requests at
        # every call (get_environ_proxies: ~1.7 ms a request, a sixth of a loopback HEAD).
        self._session.trust_env = False
        self._environments = {}
        self._environments_lock = threading.Lock()
        adapter = requests.adapters.HTTPAdapter(pool_connections=POOL_SIZE, pool_maxsize=POOL_SIZE)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._auth = auth.Authorizer(registry, self._session, credentials, timeout, self.environment)
        self._plain = _PlainConnections(timeout)
        self._scheme = None

    @property
    def api_host(self):
        return self.registry.api_host

    def close(self):
        self._session.close()
        self._plain.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------------------------- reads

    def catalog(self, page_size=None):
        """Every repository name in the registry, following the pages."""
        return list(self._paged("/v2/_catalog", "repositories", page_size, auth.CATALOG, "its catalog"))

    def tags(self, name, page_size=None):
        """Every tag of a repository, following the pages; sorted (Distribution 2.8 keeps no order)."""
        return sorted(self._paged(f"/v2/{name}/tags/list", "tags", page_size, auth.pull(name),
                                  f"the tags of {name}", repository=name))

    def manifest(self, name, reference):
        """(manifest or index as a dict, its digest or None) of name at a tag or digest: one GET."""
        body, _, digest = self.manifest_raw(name, reference)
        return self.decode_manifest(body, _what(name, reference)), digest

    def decode_manifest(self, body, what):
        """A manifest's bytes as a dict; InvalidData naming what when they are not a JSON object."""
        try:
            manifest = json.loads(body)
        except ValueError:
            manifest = None
        if not isinstance(manifest, dict):
            raise InvalidData(f"{self.registry.name} sent a manifest for {what} that is not a JSON object.",
                              self.registry.name)
        return manifest

    def manifest_raw(self, name, reference, accept=manifests.ACCEPT):
        """(bytes exactly as the registry keeps them, media type, digest) of name at a tag or digest. The
        digest is the registry's Docker-Content-Digest, else the bytes' sha256; a digest asked for must be
        the bytes' own (InvalidData otherwise)."""
        what = _what(name, reference)
        response = self._request("GET", f"/v2/{name}/manifests/{reference}", auth.pull(name), what,
                                 headers={"Accept": accept}, repository=name)
        body = self._body(response, what)
        computed = "sha256:" + hashlib.sha256(body).hexdigest()
        if reference.startswith("sha256:") and reference != computed:
            raise InvalidData(f"{self.registry.name} sent a manifest for {what} whose digest is {computed}.",
                              self.registry.name)
        media_type = manifests.media_type_of(body, response.headers.get("Content-Type"))
        return body, media_type, response.headers.get("Docker-Content-Digest") or computed

    def head_manifest(self, name, reference, accept=manifests.ACCEPT):
        """(digest, media type, size) of name at a tag or digest, or None when there is none: one HEAD."""
        what = _what(name, reference)
        response = self._request("HEAD", f"/v2/{name}/manifests/{reference}", auth.pull(name), what,
                                 headers={"Accept": accept}, allow=(404,), repository=name)
        if response.status_code == 404:
            return None
        digest = response.headers.get("Docker-Content-Digest")
        if not digest:  # a registry that does not say it on HEAD: the body does
            _, media_type, digest = self.manifest_raw(name, reference, accept)
            return digest, media_type, None
        size = response.headers.get("Content-Length")
        return (digest, (response.headers.get("Content-Type") or "").split(";")[0].strip() or None,
                int(size) if size and size.isdigit() else None)

    def blob_json(self, name, digest, what):
        """A small JSON blob of name (an image config), read whole."""
        response = self._request("GET", f"/v2/{name}/blobs/{digest}", auth.pull(name), what, repository=name)
        body = self._body(response, what)
        try:
            return json.loads(body)
        except ValueError:
            raise InvalidData(f"{self.registry.name} did not answer with JSON for {what}.",
                              self.registry.name) from None

    def head_blob(self, name, digest):
        """The size of blob digest in name, or None when name does not have it: one HEAD."""
        response = self._request("HEAD", f"/v2/{name}/blobs/{digest}", auth.pull(name), f"the blob {digest}",
                                 allow=(404,), repository=name)
        if response.status_code == 404:
            return None
        size = response.headers.get("Content-Length")
        return int(size) if size and size.isdigit() else 0

    def open_blob(self, name, digest):
        """A streamed response for blob digest of name (iter_content, then close it): never read whole."""
        return self._request("GET", f"/v2/{name}/blobs/{digest}", auth.pull(name), f"the blob {digest} of {name}",
                             stream=True, repository=name)

    # ------------------------------------------------------------------------------------ writes

    def start_upload(self, name, mount=None, source=None):
        """Start a blob upload to name: (mounted, location). With mount (a digest) and source (a repository of
        this registry), ask the registry to mount that blob from source instead: mounted is True when it
        did (nothing to send; location None), else the registry started an ordinary upload at location."""
        params = {"mount": mount, "from": source} if mount and source else None
        scope = auth.mount(name, source) if params else auth.push(name)
        response = self._request("POST", f"/v2/{name}/blobs/uploads/", scope, f"an upload to {name}",
                                 params=params, action="push", repository=name)
        if response.status_code == 201:
            return True, None
        location = response.headers.get("Location")
        if response.status_code != 202 or not location:
            raise InvalidData(f"{self.registry.name} did not start an upload to {name} (HTTP "
                              f"{response.status_code}, no Location).", self.registry.name)
        return False, location

    def patch_upload(self, name, location, chunks, source=None):
        """Send chunks (an iterable of bytes, streamed as it is read) to an upload; the next location."""
        scope = auth.mount(name, source) if source else auth.push(name)
        response = self._request("PATCH", location, scope, f"an upload to {name}", data=chunks,
                                 headers={"Content-Type": "application/octet-stream"}, action="push",
                                 repository=name, replayable=False)
        return response.headers.get("Location") or location

    def finish_upload(self, name, location, digest, source=None):
        """Finish an upload: the registry checks that what it got is digest."""
        scope = auth.mount(name, source) if source else auth.push(name)
        url = _with_query(location, digest=digest)
        self._request("PUT", url, scope, f"the blob {digest} for {name}", data=b"",
                      headers={"Content-Type": "application/octet-stream", "Content-Length": "0"}, action="push",
                      repository=name)

    def push_blob(self, name, digest, chunks):
        """Upload a whole blob: start, send chunks (streamed), finish."""
        _, location = self.start_upload(name)
        location = self.patch_upload(name, location, chunks)
        self.finish_upload(name, location, digest)

    def mount_blob(self, name, digest, source):
        """Mount blob digest from repository source into name: True when the registry did; False when it
        started an upload instead (which is then cancelled: the caller sends the blob)."""
        mounted, location = self.start_upload(name, mount=digest, source=source)
        if not mounted:
            self._cancel_upload(name, location)
        return mounted

    def _cancel_upload(self, name, location):
        try:
            self._request("DELETE", location, auth.push(name), f"an upload to {name}", allow=(404,),
                          action="push", repository=name)
        except (InvalidData, NotFound, RegistryUnavailable):
            pass  # an upload left behind is removed by the registry's own upload purging

    def put_manifest(self, name, reference, body, media_type):
        """Store a manifest (bytes, kept exactly) under a tag or its digest; returns its digest."""
        what = _what(name, reference)
        response = self._request("PUT", f"/v2/{name}/manifests/{reference}", auth.push(name), what, data=body,
                                 headers={"Content-Type": media_type}, action="push", repository=name)
        return response.headers.get("Docker-Content-Digest") or "sha256:" + hashlib.sha256(body).hexdigest()

    def delete_manifest(self, name, digest):
        """Remove the manifest digest from name (the registry removes every tag naming it). PermissionDenied naming
        storage.delete.enabled when the registry has deletion disabled."""
        if not digest.startswith("sha256:"):
            raise InvalidParams(f"A manifest is deleted by its digest (sha256:...), not '{digest}'.", digest)
        self._request("DELETE", f"/v2/{name}/manifests/{digest}", auth.delete(name) + auth.push(name),
                      f"{name}@{digest}", action="delete", repository=name)

    def delete_tag(self, name, tag):
        """Remove a tag by the OCI API (DELETE of the tag): True when the registry did (202), False when it
        does not delete by tag (Distribution 2.x), which changes nothing."""
        response = self._request("DELETE", f"/v2/{name}/manifests/{tag}", auth.delete(name) + auth.push(name),
                                 f"{name}:{tag}", allow=(400, 404, 405, 415), action="delete", repository=name)
        return response.status_code == 202

    def check_deletes(self, name):
        """PermissionDenied naming storage.delete.enabled when the registry has deletion disabled, found by deleting
        a digest that no manifest has (404 when deletion is on); changes nothing."""
        nothing = "sha256:" + hashlib.sha256(b"containerimage: no manifest has this digest").hexdigest()
        try:
            self.delete_manifest(name, nothing)
        except NotFound:
            pass

    # ------------------------------------------------------------------------------------ paging

    def _paged(self, path, key, page_size, scope, what, repository=None):
        params = {"n": page_size} if page_size else None
        url, seen = path, set()
        while url and url not in seen:  # a registry whose Link points back must not loop forever
            seen.add(url)
            self._check_cancelled()
            response = self._request("GET", url, scope, what, params=params, repository=repository)
            body = self._decode(response, what)
            items = body.get(key) if isinstance(body, dict) else None
            if items is None and isinstance(body, dict) and key in body:
                items = []  # Distribution sends "tags": null for a repository without tags
            if not isinstance(items, list):
                raise InvalidData(f"{self.registry.name} sent {what} without a '{key}' list: is it a registry?",
                                  self.registry.name)
            yield from items
            url = next_page(response.headers.get("Link"))
            params = None  # the link carries n and last

    # ---------------------------------------------------------------------------------- answers

    def _body(self, response, what):
        body = response.content
        expected = response.headers.get("Content-Length")
        if expected and expected.isdigit() and len(body) < int(expected):
            # urllib3 1.x hands over a body cut short without an error: the registry went away mid-answer.
            raise RegistryUnavailable(f"The registry {self.registry.name} broke off its answer for {what} "
                                      f"({len(body)} of {expected} bytes).", self.registry.name)
        return body

    def _decode(self, response, what):
        self._body(response, what)
        try:
            return response.json()
        except ValueError:
            raise InvalidData(f"{self.registry.name} did not answer with JSON for {what} (HTTP "
                              f"{response.status_code} from {path_of(response.url)}): is it a registry?",
                              self.registry.name) from None

    # -------------------------------------------------------------------------------- HTTP, auth

    def _request(self, method, path, scope, what, params=None, headers=None, data=None, stream=False,
                 allow=(), action="read", repository=None, replayable=True):
        """method path (absolute, or relative to the registry), authorizing once if the registry asks.
        Statuses in allow are returned as they are; other failures raise, named for the user."""
        self._check_cancelled()
        response = self._send(method, path, params, headers or {}, scope, data, stream)
        if response.status_code == 401:
            response.close()
            if not replayable or not self._auth.answer(response, scope):
                raise self._auth.refused(what, action=action)
            response = self._send(method, path, params, headers or {}, scope, data, stream)
            if response.status_code == 401:
                response.close()
                raise self._auth.refused(what, action=action)
        status = response.status_code
        if status < 400 or status in allow:
            return response
        name = self.registry.name
        if status == 403:
            raise Unauthorized(f"{name} denies {self._auth.who()} {'access to' if action == 'read' else action + ' on'}"
                               f" {what}{error_detail(response)}.", name)
        codes = error_codes(response)
        if method == "DELETE" and (status == 405 or "UNSUPPORTED" in codes):
            raise PermissionDenied(f"{name} does not allow deleting {what}: its deletion is disabled (the registry's "
                           "setting storage.delete.enabled, REGISTRY_STORAGE_DELETE_ENABLED=true, turns it on).",
                           name)
        if status == 404:
            if path.startswith("/v2/_catalog"):
                raise NotFound(f"{name} does not offer a catalog of its repositories "
                               "(GET /v2/_catalog answered 404), so it cannot be searched.", name)
            raise NotFound(f"Not found on {name}: {what}{error_detail(response)}.", name)
        if status == 415:
            raise InvalidData(f"{name} does not accept the media type of {what}{error_detail(response)}.", name)
        raise (RegistryUnavailable if status >= 500 else InvalidData)(
            f"{name} answered HTTP {status} {response.reason} for {what}{error_detail(response)}.", name)

    def _send(self, method, path, params, headers, scope, data, stream):
        headers = dict(headers)
        last_error = None
        for scheme in self._schemes():
            url = urllib.parse.urljoin(f"{scheme}://{self.api_host}/", path)
            parts = urllib.parse.urlsplit(url)
            authorization = self._auth.header(scope)
            if authorization and parts.netloc == self.api_host:  # the registry's own host only
                headers["Authorization"] = authorization
            else:
                headers.pop("Authorization", None)
            settings = self.environment(url)
            if parts.scheme == "https" and (self.registry.insecure or is_loopback(parts.netloc)):
                settings = dict(settings, verify=False)
            try:
                if method == "HEAD" and not params and data is None and not stream:
                    response = self._head(url, headers, settings)
                else:
                    response = self._session.request(method, url, params=params, headers=headers, data=data,
                                                     stream=stream, timeout=self._timeout, **settings)
            except Exception as exc:  # noqa: BLE001 - only connection failures are caught, the rest re-raised
                if connection_failure(exc) is None:
                    raise
                last_error = exc
                if path.startswith(("http://", "https://")):
                    break  # a Location: one URL only
                continue
            self._remember(scheme)
            return response
        raise RegistryUnavailable(f"The registry {self.registry.name} cannot be reached: {reason(last_error)}.",
                                  self.registry.name) from None

    def _head(self, url, headers, settings):
        """A HEAD handed straight to the session's adapter (its pool, proxies and TLS as for any request), or,
        over plain http without a proxy, to a kept-alive http.client connection (_PlainConnections): what
        Session.request adds around a HEAD (merging settings, preparing the URL, hooks, cookies, following
        redirects) and what urllib3 adds below it cost more CPU than the HEAD itself, and a thousand
        concurrent HEADs of tags (Get-ContainerImageTag -Digest) to a registry on this machine or the LAN are
        bound by it. The session's headers go as they would; a registry that sets cookies, or a HEAD answered
        with a redirect, takes the usual way (which follows it)."""
        if self._session.cookies:
            return self._session.request("HEAD", url, headers=headers, timeout=self._timeout, **settings)
        request = requests.PreparedRequest()
        request.method, request.url, request.body = "HEAD", url, None
        request.headers = requests.structures.CaseInsensitiveDict(self._session.headers)
        request.headers.update(headers)
        parts = urllib.parse.urlsplit(url)
        if parts.scheme == "http" and not settings["proxies"]:
            response = self._plain.head(parts, request)
        else:
            response = self._session.get_adapter(url).send(request, timeout=self._timeout, **settings)
            response.content  # noqa: B018 - reads the (empty) body: the connection goes back to the pool
        if response.is_redirect or "Set-Cookie" in response.headers:
            response.close()
            return self._session.request("HEAD", url, headers=headers, timeout=self._timeout, **settings)
        return response

    def environment(self, url):
        """{'proxies', 'verify'} for url as requests takes them from the environment (HTTPS_PROXY, NO_PROXY,
        REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE), read once per scheme and host."""
        parts = urllib.parse.urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._environments_lock:
            found = self._environments.get(origin)
        if found is None:
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            found = {"proxies": requests.utils.get_environ_proxies(origin + "/"), "verify": bundle or True}
            with self._environments_lock:
                self._environments[origin] = found
        return found

    def _schemes(self):
        if self._scheme:
            return [self._scheme]
        return candidate_schemes(self.api_host, self.registry.scheme, self.registry.insecure)

    def _remember(self, scheme):
        self._scheme = scheme
        if not self.registry.scheme:
            remember_scheme(self.api_host, scheme)


class _PlainConnections:
    """Kept-alive http.client connections for HEADs over plain http (RegistryClient._head): one costs a third
    of the CPU of a HEAD through urllib3 and requests (~0.2 against ~0.6 ms). At most POOL_SIZE idle ones are
    kept per host; a kept one the registry closed meanwhile is replaced once (a HEAD can be sent again).
    Failures are raised as requests raises them (ConnectionError, Timeout), so they are named the same way.
    Thread-safe: a connection serves one HEAD at a time."""

    def __init__(self, timeout):
        self._connect_timeout, self._read_timeout = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        self._idle = {}  # host[:port] -> [connection]
        self._lock = threading.Lock()
        self._closed = False

    def head(self, parts, request):
        """HEAD of request.url (split into parts) with request.headers: a requests.Response without a body."""
        with self._lock:
            idle = self._idle.get(parts.netloc)
            connection = idle.pop() if idle else None
        path = parts.path + ("?" + parts.query if parts.query else "")
        while True:
            kept, connection = connection is not None, connection or self._connect(parts.netloc, request)
            try:
                connection.request("HEAD", path, headers=request.headers)
                answer = connection.getresponse()
                answer.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                connection = None
                if kept and isinstance(exc, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)):
                    continue  # closed by the registry while it was kept: once more on a new connection
                raise _request_failure(exc, request) from exc
        self._keep(parts.netloc, connection, answer)
        response = requests.Response()
        response.status_code, response.reason, response.url, response.request, response.raw = (
            answer.status, answer.reason, request.url, request, answer)  # answer: read to its (empty) end
        response.headers = requests.structures.CaseInsensitiveDict()
        for key, value in answer.getheaders():  # a header sent twice is joined, as urllib3 joins it
            response.headers[key] = f"{response.headers[key]}, {value}" if key in response.headers else value
        return response

    def _connect(self, netloc, request):
        connection = http.client.HTTPConnection(netloc, timeout=self._connect_timeout)
        try:
            connection.connect()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise _request_failure(exc, request, connecting=True) from exc
        connection.sock.settimeout(self._read_timeout)
        return connection

    def _keep(self, netloc, connection, answer):
        with self._lock:
            idle = self._idle.setdefault(netloc, [])
            if answer.will_close or self._closed or len(idle) >= POOL_SIZE:
                connection.close()
            else:
                idle.append(connection)

    def close(self):
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, {}
        for connection in (c for kept in idle.values() for c in kept):
            connection.close()


def _request_failure(exc, request, connecting=False):
    """exc (a socket or http.client error) as requests raises it for a request."""
    if isinstance(exc, (TimeoutError, socket.timeout)):
        kind = requests.exceptions.ConnectTimeout if connecting else requests.exceptions.ReadTimeout
        return kind(exc, request=request)
    return requests.exceptions.ConnectionError(exc, request=request)


def _what(name, reference):
    return f"{name}@{reference}" if ":" in reference else f"{name}:{reference}"


def _with_query(url, **params):
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
