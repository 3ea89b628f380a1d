"""The Distribution (registry v2) HTTP API, for what the engine does not offer: a registry's catalog, a
repository's tags, and an image's config (for its description label).

    GET /v2/_catalog?n=&last=          repository names, paged by a Link header
    GET /v2/<name>/tags/list?n=&last=  tags, paged the same way (Distribution 2.8 sends them all at once)
    GET /v2/<name>/manifests/<tag>     manifest (or index), then GET /v2/<name>/blobs/<digest> for the config

Auth is what the registry asks for in its 401's WWW-Authenticate: Basic (htpasswd registries) with the
login stored for the host, or Bearer (Docker Hub, Harbor, GitLab, ...): a token from the realm for the
scope, asked with that login (or anonymously), or with a stored identity token as an OAuth2 refresh token.
Logins are the ones `docker login` stores (config.json in DOCKER_CONFIG, or a credential helper), read
through the docker SDK. Credentials are sent to the registry host only, never logged and never put in a
message.

Scheme: an explicit http:// or https:// in the registry's address is used as given. Otherwise https; for a
loopback host (127.0.0.0/8, ::1, localhost), which the engine trusts as an insecure registry, https without
certificate checks and then plain http, as the engine tries them. The scheme that answered is remembered
for the life of the process.
"""

import base64
import ipaddress
import json
import os
import re
import threading
import urllib.parse
import warnings

import docker.auth
import docker.errors
import requests
import urllib3

from .engine import config_dir
from .errors import (InvalidData, InvalidParams, NotFound, RegistryUnavailable, Unauthorized, connection_failure,
                     root_cause)

TIMEOUT = (5, 30)  # seconds: to connect, and between two reads
HUB_NAME = "docker.io"
HUB_API_HOST = "registry-1.docker.io"  # where Hub's registry API answers (its search goes through the engine)
HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com",
                         "hub.docker.com"})
MANIFEST_TYPES = ", ".join([
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws;q=0.5",
])
DESCRIPTION_KEY = "org.opencontainers.image.description"

_HOST = re.compile(r"(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])(?:\.(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9]))*\Z"
                   r"|\[[0-9a-f:.]+\]\Z")
_CHALLENGE_PARAM = re.compile(r'(\w+)\s*=\s*(?:"([^"]*)"|([^\s,]+))')
_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')

# https to a loopback registry goes unverified, as the engine does for insecure registries: no warning for it.
warnings.filterwarnings("ignore", r"Unverified HTTPS request is being made to host '(127\.|localhost'|::1')",
                        urllib3.exceptions.InsecureRequestWarning)

_schemes = {}  # host -> the scheme that answered, for the life of the process
_schemes_lock = threading.Lock()


# ------------------------------------------------------------------------------------------ addresses

class Registry:
    """A registry address as the user gave it: host[:port], optionally with a scheme."""

    def __init__(self, host, scheme=None):
        self.host = host  # lowercase host[:port], as docker login stores it
        self.scheme = scheme  # "http", "https" or None (decide by host)

    @property
    def is_hub(self):
        return self.host in HUB_ALIASES

    @property
    def name(self):
        """How results and messages name it: docker.io for Hub, else host[:port]."""
        return HUB_NAME if self.is_hub else self.host

    def __repr__(self):
        return f"Registry({self.host!r}, {self.scheme!r})"


def parse_registry(text):
    """A Registry from 'host[:port]' or 'http(s)://host[:port]', or InvalidParams saying what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidParams("A registry cannot be empty: give host[:port], e.g. 127.0.0.1:5000.", text)
    original = text
    text = text.strip()
    scheme = None
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*)://", text)
    if match:
        scheme = match.group(1).lower()
        if scheme not in ("http", "https"):
            raise InvalidParams(f"'{original}' is not a registry: the scheme can only be http:// or https://.",
                                original)
        text = text[match.end():]
    text = text.rstrip("/")
    if "/" in text:
        raise InvalidParams(f"'{original}' is not a registry: give host[:port] only (the repository goes in "
                            "the search term).", original)
    host, port = _split_port(text)
    if port is not None and not (port.isdigit() and 0 < int(port) < 65536):
        raise InvalidParams(f"'{original}' is not a registry: '{port}' is not a port (1-65535).", original)
    if not _HOST.match(host.lower()):
        raise InvalidParams(f"'{original}' is not a registry: '{host}' is not a host name or IP address.", original)
    return Registry(host.lower() + (f":{int(port)}" if port is not None else ""), scheme)


def _split_port(text):
    if text.startswith("["):  # [::1]:5000
        end = text.find("]")
        rest = text[end + 1:] if end >= 0 else ""
        return (text[:end + 1], rest[1:]) if rest.startswith(":") else (text, None)
    host, sep, port = text.partition(":")
    return (host, port) if sep else (text, None)


def is_loopback(host):
    """True for 127.0.0.0/8, ::1 and localhost (with or without a port)."""
    bare, _ = _split_port(host)
    bare = bare.strip("[]")
    if bare == "localhost":
        return True
    try:
        return ipaddress.ip_address(bare).is_loopback
    except ValueError:
        return False


def candidate_schemes(host, scheme=None):
    """The schemes to try for host, in order (see the module's docstring); scheme: the one the user gave."""
    if scheme:
        return [scheme]
    with _schemes_lock:
        known = _schemes.get(host)
    if known:
        return [known]
    return ["https", "http"] if is_loopback(host) else ["https"]


# ---------------------------------------------------------------------------------------- credentials

def stored_credentials(registry):
    """The login `docker login` stored for this registry: {'username', 'password'} or {'identitytoken'},
    or None. Only DOCKER_CONFIG's config.json (or ~/.docker's) counts: like the docker CLI, a DOCKER_CONFIG
    without a config.json means no logins, not the user's own file."""
    path = os.path.join(config_dir(), "config.json")
    if not os.path.exists(path):
        return None
    try:
        config = docker.auth.load_config(config_path=path)
        entry = config.resolve_authconfig(None if registry.is_hub else registry.host)
    except docker.errors.DockerException as exc:  # a bad config.json, or a credential helper that failed
        raise Unauthorized(f"The login stored for {registry.name} cannot be read: {exc}", registry.name) from None
    if not entry:
        return None
    # auths entries use lowercase keys; credential helpers' answers come back capitalized.
    token = entry.get("IdentityToken") or entry.get("identitytoken")
    if token:
        return {"identitytoken": token}
    username = entry.get("username") or entry.get("Username")
    password = entry.get("password") or entry.get("Password")
    if username and password is not None:
        return {"username": username, "password": password}
    return None


def parse_challenge(header):
    """('bearer', {'realm': ..., 'service': ..., 'scope': ...}) from a WWW-Authenticate header."""
    scheme, _, rest = (header or "").strip().partition(" ")
    params = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
              for m in _CHALLENGE_PARAM.finditer(rest)}
    return scheme.lower(), params


# ------------------------------------------------------------------------------------------- the client

class RegistryClient:
    """Reads one registry's API. Thread-safe: per-repository reads may run in parallel.

    credentials: a dict as stored_credentials returns, None for anonymous, or the default: look the
    stored login up when the registry first asks for one.
    """

    _LOOKUP = object()

    def __init__(self, registry, credentials=_LOOKUP, timeout=TIMEOUT, check_cancelled=None):
        self.registry = registry
        self.api_host = HUB_API_HOST if registry.is_hub else registry.host
        self._credentials = credentials
        self._timeout = timeout
        self._check_cancelled = check_cancelled or (lambda: None)
        self._session = requests.Session()
        self._lock = threading.Lock()
        self._scheme = None
        self._basic = None  # the Authorization header once the registry asked for Basic
        self._tokens = {}  # scope -> Bearer token

    def close(self):
        self._session.close()

    # -- public reads

    def catalog(self, page_size=None):
        """Every repository name in the registry, following the pages."""
        return list(self._paged("/v2/_catalog", "repositories", page_size, "registry:catalog:*",
                                "its catalog"))

    def tags(self, name, page_size=None):
        """Every tag of a repository, following the pages; sorted (Distribution 2.8 keeps no order)."""
        return sorted(self._paged(f"/v2/{name}/tags/list", "tags", page_size, f"repository:{name}:pull",
                                  f"the tags of {name}"))

    def description(self, name, tag):
        """The org.opencontainers.image.description of name:tag (manifest annotation, else config label)."""
        scope = f"repository:{name}:pull"
        manifest = self._json(f"/v2/{name}/manifests/{tag}", scope, f"{name}:{tag}", accept=MANIFEST_TYPES)
        if DESCRIPTION_KEY in (manifest.get("annotations") or {}):
            return manifest["annotations"][DESCRIPTION_KEY]
        if "manifests" in manifest:  # an index: take the first image that is not an attestation
            entries = [m for m in manifest["manifests"] if (m.get("platform") or {}).get("os") != "unknown"]
            if not entries:
                return None
            manifest = self._json(f"/v2/{name}/manifests/{entries[0]['digest']}", scope, f"{name}:{tag}",
                                  accept=MANIFEST_TYPES)
            if DESCRIPTION_KEY in (manifest.get("annotations") or {}):
                return manifest["annotations"][DESCRIPTION_KEY]
        if manifest.get("schemaVersion") == 1:
            config = json.loads(manifest["history"][0]["v1Compatibility"])
        else:
            config = self._json(f"/v2/{name}/blobs/{manifest['config']['digest']}", scope, f"{name}:{tag}")
        return ((config.get("config") or {}).get("Labels") or {}).get(DESCRIPTION_KEY)

    def manifest(self, name, reference):
        """(manifest or index as a dict, its digest or None) of name at a tag or digest: one GET, nothing pulled."""
        what = f"{name}@{reference}" if ":" in reference else f"{name}:{reference}"
        response = self._get(f"/v2/{name}/manifests/{reference}", f"repository:{name}:pull", what,
                             accept=MANIFEST_TYPES)
        body = self._decode(response, what)
        if not isinstance(body, dict):
            raise InvalidData(f"{self.registry.name} sent a manifest for {what} that is not a JSON object.",
                              self.registry.name)
        return body, response.headers.get("Docker-Content-Digest")

    def blob_json(self, name, digest, what):
        """A small JSON blob of name (an image config), read whole."""
        return self._json(f"/v2/{name}/blobs/{digest}", f"repository:{name}:pull", what)

    # -- paging

    def _paged(self, path, key, page_size, scope, what):
        params = {"n": page_size} if page_size else None
        url, seen = path, set()
        while url and url not in seen:  # a registry whose Link points back must not loop forever
            seen.add(url)
            self._check_cancelled()
            response = self._get(url, scope, what, params=params)
            body = self._decode(response, what)
            items = body.get(key) if isinstance(body, dict) else None
            if items is None and isinstance(body, dict) and key in body:
                items = []  # Distribution sends "tags": null for a repository without tags
            if not isinstance(items, list):
                raise InvalidData(f"{self.registry.name} sent {what} without a '{key}' list: is it a registry?",
                                  self.registry.name)
            yield from items
            url = _next_page(response.headers.get("Link"))
            params = None  # the link carries n and last

    # -- HTTP with auth

    def _json(self, path, scope, what, accept=None):
        return self._decode(self._get(path, scope, what, accept=accept), what)

    def _decode(self, response, what):
        expected = response.headers.get("Content-Length")
        if expected and expected.isdigit() and len(response.content) < int(expected):
            # urllib3 1.x hands over a body cut short without an error: the registry went away mid-answer.
            raise RegistryUnavailable(f"The registry {self.registry.name} broke off its answer for {what} "
                                      f"({len(response.content)} of {expected} bytes).", self.registry.name)
        try:
            return response.json()
        except ValueError:
            raise InvalidData(f"{self.registry.name} did not answer with JSON for {what} (HTTP "
                              f"{response.status_code} from {_path_of(response.url)}): is it a registry?",
                              self.registry.name) from None

    def _get(self, path, scope, what, params=None, accept=None):
        """GET path (absolute or relative to the registry), authorizing once if the registry asks."""
        headers = {"Accept": accept} if accept else {}
        response = self._send(path, params, headers, scope)
        if response.status_code == 401:
            if self._authorize(response, scope):
                response = self._send(path, params, headers, scope)
            if response.status_code == 401:
                raise self._refused(what)
        if response.status_code == 403:
            raise Unauthorized(f"{self.registry.name} denies {self._who()} access to {what}.", self.registry.name)
        if response.status_code == 404:
            if path.startswith("/v2/_catalog"):
                raise NotFound(f"{self.registry.name} does not offer a catalog of its repositories "
                               "(GET /v2/_catalog answered 404), so it cannot be searched.", self.registry.name)
            raise NotFound(f"Not found on {self.registry.name}: {what}{_error_detail(response)}.", self.registry.name)
        if response.status_code >= 400:
            raise (RegistryUnavailable if response.status_code >= 500 else InvalidData)(
                f"{self.registry.name} answered HTTP {response.status_code} {response.reason} for {what}"
                f"{_error_detail(response)}.", self.registry.name)
        return response

    def _send(self, path, params, headers, scope):
        headers = dict(headers)
        authorization = self._authorization(scope)
        if authorization:
            headers["Authorization"] = authorization
        last_error = None
        for scheme in self._schemes():
            url = urllib.parse.urljoin(f"{scheme}://{self.api_host}/", path)
            try:
                response = self._session.get(url, params=params, headers=headers, timeout=self._timeout,
                                             verify=not (scheme == "https" and is_loopback(self.api_host)))
            except Exception as exc:  # noqa: BLE001 - only connection failures are caught, the rest re-raised
                if connection_failure(exc) is None:
                    raise
                last_error = exc
                continue
            self._remember(scheme)
            return response
        raise RegistryUnavailable(f"The registry {self.registry.name} cannot be reached: {_reason(last_error)}.",
                                  self.registry.name) from None

    def _schemes(self):
        with self._lock:
            if self._scheme:
                return [self._scheme]
        return candidate_schemes(self.api_host, self.registry.scheme)

    def _remember(self, scheme):
        with self._lock:
            self._scheme = scheme
        if not self.registry.scheme:
            with _schemes_lock:
                _schemes[self.api_host] = scheme

    def _authorization(self, scope):
        with self._lock:
            token = self._tokens.get(scope)
            return f"Bearer {token}" if token else self._basic

    def _authorize(self, response, scope):
        """Answer the 401's challenge; True when there is something new to retry with."""
        scheme, params = parse_challenge(response.headers.get("WWW-Authenticate"))
        credentials = self._login()
        if scheme == "basic":
            if not credentials or "username" not in credentials:
                return False  # nothing to answer with: the caller says so
            pair = f"{credentials['username']}:{credentials['password']}".encode("utf-8")
            with self._lock:
                if self._basic:
                    return False  # already sent: the registry refused it
                self._basic = "Basic " + base64.b64encode(pair).decode("ascii")
            return True
        if scheme == "bearer" and params.get("realm"):
            token = self._token(params, scope, credentials)
            with self._lock:
                if self._tokens.get(scope) == token:
                    return False
                self._tokens[scope] = token
            return True
        return False

    def _token(self, challenge, scope, credentials):
        """A Bearer token from the challenge's realm, for the challenge's scope (else ours)."""
        realm = challenge["realm"]
        if credentials and not realm.startswith("https://") and not is_loopback(urllib.parse.urlsplit(realm).netloc):
            raise Unauthorized(f"{self.registry.name} asks for credentials to be sent to {realm}, which is not "
                               "https: refused.", self.registry.name)
        form = {"service": challenge.get("service", ""), "scope": challenge.get("scope") or scope}
        try:
            if credentials and "identitytoken" in credentials:
                refresh = dict(form, grant_type="refresh_token", client_id="containerimage",
                               refresh_token=credentials["identitytoken"])
                reply = self._session.post(realm, data=refresh, timeout=self._timeout)
            else:
                auth = (credentials["username"], credentials["password"]) if credentials else None
                reply = self._session.get(realm, params=form, auth=auth, timeout=self._timeout)
        except Exception as exc:  # noqa: BLE001 - only connection failures are caught, the rest re-raised
            if connection_failure(exc) is None:
                raise
            raise RegistryUnavailable(f"The token service of {self.registry.name} ({_origin(realm)}) cannot be "
                                      f"reached: {_reason(exc)}", self.registry.name) from None
        if reply.status_code in (401, 403):
            raise self._refused(None, token_service=True)
        if reply.status_code >= 400:
            raise RegistryUnavailable(f"The token service of {self.registry.name} answered HTTP {reply.status_code} "
                                      f"{reply.reason}{_error_detail(reply)}.", self.registry.name)
        try:
            body = reply.json()
            return body.get("token") or body["access_token"]
        except (ValueError, KeyError, AttributeError):
            raise InvalidData(f"The token service of {self.registry.name} sent no token.",
                              self.registry.name) from None

    def _login(self):
        with self._lock:
            if self._credentials is RegistryClient._LOOKUP:
                self._credentials = stored_credentials(self.registry)
            return self._credentials

    def _who(self):
        credentials = self._login()
        if not credentials:
            return "anonymous users"
        return f"user '{credentials['username']}'" if "username" in credentials else "the stored identity token"

    def _refused(self, what, token_service=False):
        name = self.registry.name
        login = f"Connect-ContainerRegistry -Registry {name} (or docker login {name})"
        if not self._login():
            return Unauthorized(f"{name} requires a login{f' to read {what}' if what else ''}, and none is stored "
                                f"for it. Log in with {login}.", name)
        if what and not token_service:  # the login may be right but not allowed to read this
            return Unauthorized(f"{name} refused {what} to {self._who()}: the stored login is wrong or lacks "
                                f"the right. Log in again with {login}.", name)
        return Unauthorized(f"{name}{' (its token service)' if token_service else ''} refused the login stored "
                            f"for {self._who()}. Log in again with {login}.", name)


def _next_page(link_header):
    match = _NEXT_LINK.search(link_header or "")
    return match.group(1) if match else None


def _path_of(url):
    return urllib.parse.urlsplit(url).path


def _origin(url):
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _reason(exc):
    if exc is None:
        return "no answer"
    if isinstance(exc, requests.exceptions.SSLError):
        return f"TLS failed: {root_cause(exc)}"
    return connection_failure(exc) or root_cause(exc)


def _error_detail(response):
    """': message' from a Distribution error body ({"errors": [{"code", "message"}]}), else ''."""
    try:
        errors = response.json().get("errors") or []
        messages = [e.get("message") or e.get("code") for e in errors if isinstance(e, dict)]
    except (ValueError, AttributeError):
        return ""
    return ": " + "; ".join(m for m in messages if m) if any(messages) else ""
