"""A name the user gives for an engine, resolved to its Endpoint: where it is and how to talk to it (TLS, SSH).

A name is `default` (docker's default context: DOCKER_HOST, else the OS default socket, as `docker context ls`
shows it), the name of a docker context (contexts.py), or an address (addresses.py; a tcp:// address takes its
TLS from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, as the docker CLI does). current() is the engine in use when
no name is given: DOCKER_HOST, else DOCKER_CONTEXT, else the Engine setting, else config.json's currentContext,
else the OS default. Nothing here connects (connect.py does).

A request may carry its caller's values of the ENGINE_VARIABLES (the PowerShell session's $env:, which a
running backend does not see): overrides() keeps those that differ from the backend's own environment, and
apply() makes the environment the request's engine is resolved in. So `$env:DOCKER_HOST = ...` applies to the
next command without a new backend.
"""

import os
import sys
from dataclasses import dataclass
from typing import Optional

import docker.errors
from docker.tls import TLSConfig

from .. import settings
from ..errors import InvalidParams
from . import addresses
from .contexts import DEFAULT, Store, config_dir, current_context

DEFAULT_HOST = "npipe:////./pipe/docker_engine" if sys.platform == "win32" else "unix:///var/run/docker.sock"
# What chooses the engine and its TLS, as the docker CLI reads them. (DOCKER_CONFIG is not among them: the
# config folder holds the logins too, which the backend reads everywhere; a change of it starts a new backend.)
ENGINE_VARIABLES = ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH")
EMPTY_NAME = ("An engine name is empty: give 'default', the name of a docker context (Get-ContainerEngine, "
              f"docker context ls), or an address such as {addresses.EXAMPLES}.")


@dataclass(frozen=True)
class Endpoint:
    name: str                     # what the user called it (or 'default', or the context's name)
    host: str                     # the address
    kind: str                     # 'default', 'DOCKER_HOST', 'context', 'settings' or 'address'
    source: str                   # where the address comes from, in words for messages (errors.describe_engine)
    tls: Optional[TLSConfig] = None
    description: str = ""

    @property
    def address(self):
        return addresses.parse(self.host)


def overrides(environment, base=None):
    """The engine variables of a request's environment (a dict; a variable it leaves out, or gives as null or
    "", is unset) that differ from base (the backend's own, os.environ): a tuple of (name, value or None),
    empty when the request's engine is chosen as the backend's environment chooses it."""
    base = os.environ if base is None else base
    changed = []
    for variable in ENGINE_VARIABLES:
        value = environment.get(variable) or None
        if value != (base.get(variable) or None):
            changed.append((variable, value))
    return tuple(changed)


def apply(changed, base=None):
    """base (os.environ) with the changes overrides() found: the environment to resolve a request's engine in."""
    environ = dict(os.environ if base is None else base)
    for variable, value in changed:
        if value is None:
            environ.pop(variable, None)
        else:
            environ[variable] = value
    return environ


def endpoint(name, environ=None):
    """The Endpoint of one name, or a clear error (InvalidParams, NotFound, InvalidData)."""
    environ = os.environ if environ is None else environ
    if not isinstance(name, str) or not name.strip():
        raise InvalidParams(EMPTY_NAME, name)
    if addresses.looks_like_address(name):
        address = addresses.parse(name)
        tls = tls_from_env(environ) if address.scheme == "tcp" else None
        return Endpoint(name, name, "address", "address", tls)
    if name == DEFAULT:
        return default(environ)
    context = Store.of(environ).get(name)
    return Endpoint(name, _checked(context.host, f"docker context '{name}' ({context.meta_path})"), "context",
                    f"docker context '{name}'", context_tls(context), context.description)


def endpoints(names, environ=None):
    """The Endpoints of several names, in order; the same engine named twice (by the same name, or two names
    of one address) is InvalidParams naming both, before anything is done."""
    environ = os.environ if environ is None else environ
    if isinstance(names, str):
        names = [names]
    resolved = [endpoint(name, environ) for name in names]
    seen = {}
    for item in resolved:
        key = _identity(item.host)
        if key in seen:
            first = seen[key]
            said = f"'{item.name}' is named twice" if first.name == item.name else \
                f"'{first.name}' and '{item.name}' are the same engine ({item.host})"
            raise InvalidParams(f"{said}: name each engine once.", item.name)
        seen[key] = item
    return resolved


def _identity(host):
    """Two spellings of one address compare equal (scheme case, a trailing slash)."""
    scheme, _, rest = host.partition("://")
    return f"{scheme.lower()}://{rest.rstrip('/')}"


def default(environ=None):
    """docker's default context: DOCKER_HOST (with TLS from the environment), else the OS default."""
    environ = os.environ if environ is None else environ
    if environ.get("DOCKER_HOST"):
        return Endpoint(DEFAULT, _checked(environ["DOCKER_HOST"], "DOCKER_HOST"), "DOCKER_HOST", "DOCKER_HOST",
                        tls_from_env(environ))
    return Endpoint(DEFAULT, DEFAULT_HOST, "default", "default", tls_from_env(environ))


def current(environ=None):
    """The engine in use when the user names none (the order the module documents, as engine.py had it)."""
    environ = os.environ if environ is None else environ
    if environ.get("DOCKER_HOST"):
        return default(environ)
    configured = engine_setting(environ)
    if configured:
        return Endpoint(configured, _checked(configured, f"the Engine setting in {settings.path(environ)}"),
                        "settings", f"the Engine setting in {settings.path(environ)}", tls_from_env(environ))
    name, _ = current_context(environ)
    if name and name != DEFAULT:
        return endpoint(name, environ)
    return default(environ)


def engine_setting(environ):
    """The settings' Engine when it applies: neither DOCKER_HOST nor DOCKER_CONTEXT is set."""
    if environ.get("DOCKER_HOST") or environ.get("DOCKER_CONTEXT"):
        return None
    return settings.current(environ).engine  # a broken file: its default (None), as current() gives


def tls_from_env(environ):
    """TLS as the docker CLI takes it from DOCKER_TLS_VERIFY (verify the engine) and DOCKER_CERT_PATH (the
    folder of ca.pem, cert.pem and key.pem; default the docker config folder); None without either."""
    if not environ.get("DOCKER_TLS_VERIFY") and not environ.get("DOCKER_CERT_PATH"):
        return None
    cert_path = environ.get("DOCKER_CERT_PATH") or config_dir(environ)
    verify = bool(environ.get("DOCKER_TLS_VERIFY"))
    files = {name: os.path.join(cert_path, name) for name in ("ca.pem", "cert.pem", "key.pem")}
    needed = ["ca.pem", "cert.pem", "key.pem"] if verify else ["cert.pem", "key.pem"]
    missing = [files[name] for name in needed if not os.path.isfile(files[name])]
    if missing:
        why = "DOCKER_TLS_VERIFY is set" if verify else "DOCKER_CERT_PATH is set"
        raise InvalidParams(f"{why}, but {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing: "
                            f"DOCKER_CERT_PATH must name a folder with ca.pem, cert.pem and key.pem.", cert_path)
    return _tls(files["cert.pem"], files["key.pem"], files["ca.pem"] if verify else None, verify, cert_path)


def context_tls(context):
    """TLS of a docker context: its stored files, and SkipTLSVerify; None for a context without TLS."""
    if context.tls_dir is None and not context.skip_tls_verify:
        return None
    cert, key, ca = (context.tls_file(name) for name in ("cert.pem", "key.pem", "ca.pem"))
    if bool(cert) != bool(key):
        raise InvalidParams(f"The docker context '{context.name}' has a client certificate without its key (or a "
                            f"key without its certificate) in {context.tls_dir}.", context.name)
    return _tls(cert, key, ca, not context.skip_tls_verify, context.tls_dir)


def _tls(cert, key, ca, verify, where):
    try:
        return TLSConfig(client_cert=(cert, key) if cert else None, ca_cert=ca if verify else None,
                         verify=bool(verify))
    except docker.errors.TLSParameterError as exc:
        raise InvalidParams(f"The TLS files in {where} cannot be used: {exc}.", where) from exc


def _checked(host, where):
    """host when it is a well-formed address; else InvalidParams that says where it came from."""
    try:
        addresses.parse(host)
    except InvalidParams as exc:
        raise InvalidParams(f"{exc.message[:-1]} (from {where}).", host) from exc
    return host
