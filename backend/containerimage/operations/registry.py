"""Logging in to and out of registries (registry.login, registry.logout), stored where the docker CLI keeps them.

A login is checked as `docker login` checks it, by the engine's POST /auth (the engine asks the registry),
before anything is stored: a wrong password changes nothing on disk. Where it is stored is credentials.py.
The password arrives inside the protocol message and goes only to the engine and to the store; no message,
error or log line carries it.
"""

from typing import Optional

import docker.errors

from .. import credentials
from ..errors import InvalidParams, NotFound, translate

_LOGIN_MESSAGES = {
    "Unauthorized": "{registry} refused the login of '{username}': {message}. Check the user name and password.",
    "RegistryUnavailable": "The registry {registry} cannot be reached: {message}",
    "NotFound": "{registry} does not answer as a registry: {message}",
}


def login(ctx, username: str, password: str, registry: Optional[str] = None):
    """Check username/password against registry (default Docker Hub), then store them as docker login does.
    Returns {Registry (the config.json key), UserName, Store ('config.json' or the helper's name)}."""
    key = credentials.server_key(registry)
    if not username.strip():
        raise InvalidParams("A user name is needed to log in.", "username")
    if not password:
        raise InvalidParams(f"A password is needed to log in to {credentials.display_name(key)}.", "password")
    credentials.check_store(key)  # a broken config.json or a missing helper fails before the registry is asked
    token = _verify(ctx.engine.client(), key, username, password)
    where = credentials.store(key, username, password=password, identity_token=token)
    return {"Registry": key, "UserName": username, "Store": where}


def _verify(api, key, username, password):
    """The engine's /auth, as docker login calls it; returns the registry's identity token, if it gave one.

    Not APIClient.login: that first resolves the stored login (running a credential helper) and keeps the
    password in the shared client's memory; a check needs neither."""
    data = {"username": username, "password": password, "serveraddress": key}
    try:
        answer = api._result(api._post_json(api._url("/auth"), data=data), json=True)
    except docker.errors.APIError as exc:
        raise _login_error(translate(exc, key), key, username) from None  # the SDK error holds the request
    return (answer or {}).get("IdentityToken") or None


def _login_error(error, key, username):
    template = _LOGIN_MESSAGES.get(error.kind)
    if template is None:
        return type(error)(f"Login to {credentials.display_name(key)} failed: {error.message}", key)
    return type(error)(template.format(registry=credentials.display_name(key), username=username,
                                       message=error.message.rstrip(".")), key)


def logout(ctx, registry: Optional[str] = None):
    """Remove the stored login for registry (default Docker Hub) from its helper and config.json.
    NotFound when there was none. Returns {Registry, Store (where the login was)}."""
    key = credentials.server_key(registry)
    found = credentials.erase(key)
    if not found:
        raise NotFound(f"Not logged in to {credentials.display_name(key)}: the docker config "
                       f"{credentials.config_path()} holds no login for it.", key)
    return {"Registry": key, "Store": found[0]}


METHODS = {
    "registry.login": login,
    "registry.logout": logout,
}
