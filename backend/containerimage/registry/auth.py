"""Logins and authorization for the registry API.

Logins: the ones `docker login` stores (config.json in docker's config folder, or a credential helper),
read through the docker SDK, or credentials given for one call ({'username', 'password'}). A stored login
may be an identity token ({'identitytoken'}), used as an OAuth2 refresh token.

Authorization is what the registry asks for in its 401's WWW-Authenticate: Basic (htpasswd registries)
with the login, or Bearer (Docker Hub, MCR, Harbor, ACR, GitLab, ...): a token from the challenge's realm
for a scope, asked with the login (or anonymously). Scopes are tuples of 'repository:<name>:<actions>'
strings: pull(name), push(name) (pull and push), delete(name), CATALOG, and mount(destination, source),
which is push on the destination and pull on the source in one token, as a cross-repository blob mount
needs. The scopes the challenge names are asked for too. Tokens are kept per scope for the life of the
Authorizer. Credentials are sent to the registry's own token service only (https, or loopback), never
logged and never put in a message.
"""

import base64
import os
import re
import threading
import urllib.parse

import docker.auth
import docker.errors

from .. import dockerconfig
from ..errors import InvalidData, RegistryUnavailable, Unauthorized, connection_failure
from .address import is_loopback
from .responses import error_detail, origin, reason

CATALOG = ("registry:catalog:*",)
LOOKUP = object()  # credentials: look the stored login up when the registry first asks for one

_CHALLENGE_PARAM = re.compile(r'(\w+)\s*=\s*(?:"([^"]*)"|([^\s,]+))')


def pull(name):
    return (f"repository:{name}:pull",)


def push(name):
    return (f"repository:{name}:pull,push",)


def delete(name):
    return (f"repository:{name}:delete",)


def mount(name, source):
    """Push on name and pull on source: what a cross-repository mount from source into name needs."""
    return push(name) + pull(source) if source != name else push(name)


def stored_credentials(registry, environ=None):
    """The login `docker login` stored for this registry: {'username', 'password'} or {'identitytoken'},
    or None. Only docker's config.json counts (see dockerconfig)."""
    path = dockerconfig.config_path() if environ is None else dockerconfig.config_path(environ)
    try:
        config = docker.auth.load_config(config_path=path) if os.path.exists(path) else None
        entry = config.resolve_authconfig(None if registry.is_hub else registry.host) if config else None
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


class Authorizer:
    """The Authorization header for one registry and scope, and the answer to its challenges. Thread-safe.

    credentials: a dict as stored_credentials returns, None for anonymous, or LOOKUP (the stored login,
    looked up when the registry first asks for one)."""

    def __init__(self, registry, session, credentials=LOOKUP, timeout=(5, 30), environment=None):
        self.registry = registry
        self._session = session
        self._environment = environment or (lambda url: {})  # url -> requests' proxies and verify
        self._credentials = credentials
        self._given = credentials is not LOOKUP and credentials is not None
        self._timeout = timeout
        self._lock = threading.Lock()
        self._basic = None  # the Authorization header once the registry asked for Basic
        self._tokens = {}  # scope (tuple) -> Bearer token

    def header(self, scope):
        """The Authorization header to send for scope, or None (nothing asked for yet)."""
        with self._lock:
            token = self._tokens.get(tuple(scope))
            return f"Bearer {token}" if token else self._basic

    def answer(self, response, scope):
        """Answer a 401's challenge; True when there is something new to retry with.

        Requests run concurrently: a 401 to a request sent before another one's answer was settled is
        retried with that answer, not taken as a refusal of it (only a 401 to the current answer is)."""
        scheme, params = parse_challenge(response.headers.get("WWW-Authenticate"))
        sent = response.request.headers.get("Authorization") if response.request is not None else None
        if scheme == "bearer" and params.get("realm"):
            current = self.header(scope)
            if current and current.startswith("Bearer ") and current != sent:
                return True  # another request got the token for this scope meanwhile
        credentials = self.login()
        if scheme == "basic":
            if not credentials or "username" not in credentials:
                return False  # nothing to answer with: the caller says so
            pair = f"{credentials['username']}:{credentials['password']}".encode("utf-8")
            with self._lock:
                if self._basic:
                    return self._basic != sent  # sent with it: the registry refused it
                self._basic = "Basic " + base64.b64encode(pair).decode("ascii")
            return True
        if scheme == "bearer" and params.get("realm"):
            scope = tuple(scope)
            token = self._token(params, scope, credentials)
            with self._lock:
                if self._tokens.get(scope) == token:
                    return False
                self._tokens[scope] = token
            return True
        return False

    def _token(self, challenge, scope, credentials):
        """A Bearer token from the challenge's realm for our scope and the challenge's."""
        realm = challenge["realm"]
        if credentials and not realm.startswith("https://") and not is_loopback(urllib.parse.urlsplit(realm).netloc):
            raise Unauthorized(f"{self.registry.name} asks for credentials to be sent to {realm}, which is not "
                               "https: refused.", self.registry.name)
        scopes = list(scope)
        for extra in (challenge.get("scope") or "").split(" "):
            if extra and extra not in scopes:
                scopes.append(extra)
        form = [("service", challenge.get("service", ""))] + [("scope", s) for s in scopes]
        try:
            if credentials and "identitytoken" in credentials:
                refresh = form + [("grant_type", "refresh_token"), ("client_id", "containerimage"),
                                  ("refresh_token", credentials["identitytoken"])]
                reply = self._session.post(realm, data=refresh, timeout=self._timeout, **self._environment(realm))
            else:
                auth = (credentials["username"], credentials["password"]) if credentials else None
                reply = self._session.get(realm, params=form, auth=auth, timeout=self._timeout,
                                          **self._environment(realm))
        except Exception as exc:  # noqa: BLE001 - only connection failures are caught, the rest re-raised
            if connection_failure(exc) is None:
                raise
            raise RegistryUnavailable(f"The token service of {self.registry.name} ({origin(realm)}) cannot be "
                                      f"reached: {reason(exc)}", self.registry.name) from None
        if reply.status_code in (401, 403):
            raise self.refused(None, token_service=True)
        if reply.status_code >= 400:
            raise RegistryUnavailable(f"The token service of {self.registry.name} answered HTTP {reply.status_code} "
                                      f"{reply.reason}{error_detail(reply)}.", self.registry.name)
        try:
            body = reply.json()
            return body.get("token") or body["access_token"]
        except (ValueError, KeyError, AttributeError):
            raise InvalidData(f"The token service of {self.registry.name} sent no token.",
                              self.registry.name) from None

    def login(self):
        with self._lock:
            if self._credentials is LOOKUP:
                self._credentials = stored_credentials(self.registry)
            return self._credentials

    def who(self):
        credentials = self.login()
        if not credentials:
            return "anonymous users"
        return f"user '{credentials['username']}'" if "username" in credentials else "the stored identity token"

    def refused(self, what, token_service=False, action="read"):
        """Unauthorized saying why: no login, a login refused, or one not allowed to do action on what."""
        name = self.registry.name
        login = f"Connect-ContainerRegistry -Registry {name} (or docker login {name})"
        if not self.login():
            return Unauthorized(f"{name} requires a login{f' to {action} {what}' if what else ''}, and none is "
                                f"{'given' if self._given else 'stored for it'}. Log in with {login}.", name)
        kind = "login given" if self._given else "stored login"
        if what and not token_service:  # the login may be right but not allowed to do this
            doing = what if action == "read" else f"{action} of {what}"
            return Unauthorized(f"{name} refused {doing} to {self.who()}: the {kind} is wrong or lacks the right. "
                                f"Log in again with {login}.", name)
        return Unauthorized(f"{name}{' (its token service)' if token_service else ''} refused the {kind} for "
                            f"{self.who()}. Log in again with {login}.", name)
