"""engine.list, engine.test, engine.create, engine.remove: the engines a user can name, reached or kept in
docker's own context store (engines/contexts.py), so `docker context ls` shows what these do and the other way
round. Rows carry the properties of the module's ContainerImage.Engine and ContainerImage.EngineStatus objects;
an engine.test result's Error is the error object ({code, message, data: {kind, target}}) or null."""

import fnmatch
import os
from concurrent.futures import ThreadPoolExecutor
from typing import List, Optional

from .. import settings
from ..engines import addresses, connect, resolve
from ..engines.contexts import DEFAULT, Store, current_context
from ..errors import BackendError, InvalidParams, translate

TEST_TIMEOUT_SECONDS = 30
TEST_WORKERS = 8
_WILDCARDS = "*?["


def list_engines(ctx, name: Optional[str] = None) -> dict:
    """`default`, every docker context, and the engine of the Engine setting when that applies, as
    `docker context ls` shows them; current marks the one in use when no engine is named. name: a wildcard
    pattern of names (case-sensitive, as context names are)."""
    rows = _rows(_environ(ctx))
    if name is not None:
        rows = [row for row in rows if fnmatch.fnmatchcase(row["Name"], name)]
    return {"engines": rows}


def _rows(environ):
    docker_host = environ.get("DOCKER_HOST")
    env_tls = bool(environ.get("DOCKER_TLS_VERIFY") or environ.get("DOCKER_CERT_PATH"))
    rows = [_row(DEFAULT, docker_host or resolve.DEFAULT_HOST, env_tls, "DOCKER_HOST" if docker_host else "default",
                 "Current DOCKER_HOST based configuration" if docker_host else "The default engine of this OS")]
    for context in Store.of(environ).list():
        rows.append(_row(context.name, context.host, bool(context.tls_dir) or context.skip_tls_verify, "context",
                         context.description))
    setting = resolve.engine_setting(environ)
    if setting:
        rows.append(_row(setting, setting, env_tls, "settings", f"The Engine setting in {settings.path(environ)}"))
    in_use = _in_use(environ, setting)
    for row in rows:
        row["Current"] = row["Name"] == in_use
    return rows


def _row(name, host, tls, source, description):
    return {"Name": name, "Host": host, "Current": False, "Tls": bool(tls) and host.startswith("tcp://"),
            "Source": source, "Description": description or ""}


def _in_use(environ, setting):
    """The name of the engine in use when none is named (resolve.current's order)."""
    if environ.get("DOCKER_HOST"):
        return DEFAULT
    if setting:
        return setting
    name, _ = current_context(environ)
    return name or DEFAULT


def test_engines(ctx, name: Optional[List[str]] = None) -> dict:
    """Reach each engine concurrently and say what it is. name: names, wildcard patterns of the names
    engine.list shows, or addresses; none means the engine in use. A name that cannot be resolved is a result
    with resolved false and its error; an engine that cannot be reached is reachable false with its error."""
    environ = _environ(ctx)
    targets = []   # (name, Endpoint or BackendError)
    if not name:
        targets.append(_resolved(None, environ))
    names = []
    for item in name or []:
        if isinstance(item, str) and any(c in item for c in _WILDCARDS) and not addresses.looks_like_address(item):
            names.extend(row["Name"] for row in _rows(environ) if fnmatch.fnmatchcase(row["Name"], item))
        else:
            names.append(item)
    for item in dict.fromkeys(names):  # each once, in order
        targets.append(_resolved(item, environ))
    with ThreadPoolExecutor(max_workers=max(1, min(TEST_WORKERS, len(targets)))) as pool:
        results = list(pool.map(lambda target: _test(*target), targets))
    return {"results": results}


def _resolved(name, environ):
    try:
        if name is None:
            endpoint = resolve.current(environ)
            return endpoint.name, endpoint
        return name, resolve.endpoint(name, environ)
    except BackendError as error:
        return name, error


def _test(name, endpoint):
    result = {"Name": name, "Host": None, "Resolved": True, "Reachable": False, "Os": None, "OsVersion": None,
              "ApiVersion": None, "ImageCount": None, "Error": None}
    if isinstance(endpoint, BackendError):
        result.update(Resolved=False, Error=endpoint.to_dict())
        return result
    result["Host"] = endpoint.host
    api = None
    try:
        api = connect.client(endpoint, timeout=TEST_TIMEOUT_SECONDS)
        info = api.info()
        result.update(Reachable=True, ApiVersion=api.api_version, Os=info.get("OSType"),
                      OsVersion=info.get("OSVersion") or None, ImageCount=info.get("Images"))
    except Exception as exc:  # each engine's failure is its own result, never the whole call's
        result["Error"] = translate(exc, target=name, engine=endpoint).to_dict()
    finally:
        if api is not None:
            api.close()
    return result


def create_engine(ctx, name: str, host: str, description: str = "", tlsCaPath: Optional[str] = None,
                  tlsCertPath: Optional[str] = None, tlsKeyPath: Optional[str] = None,
                  skipTlsVerify: bool = False) -> dict:
    """A new docker context for host, with copies of the TLS files; the engine is not contacted."""
    address = addresses.parse(host)
    if (tlsCaPath or tlsCertPath or tlsKeyPath or skipTlsVerify) and address.scheme != "tcp":
        raise InvalidParams(f"TLS applies to tcp:// engines only, not to {address.scheme}:// ({host}).", host)
    Store.of(_environ(ctx)).create(name, host, description, tlsCaPath, tlsCertPath, tlsKeyPath, skipTlsVerify)
    return {"engine": _one(name, _environ(ctx))}


def remove_engine(ctx, name: str) -> dict:
    """Remove a docker context and its TLS files; the current one is refused."""
    context = Store.of(_environ(ctx)).remove(name, _environ(ctx))
    return {"engine": _row(context.name, context.host, bool(context.tls_dir) or context.skip_tls_verify, "context",
                           context.description)}


def _one(name, environ):
    return next(row for row in _rows(environ) if row["Name"] == name)


def _environ(ctx):
    """The environment the request's engines are chosen in (its caller's DOCKER_HOST, DOCKER_CONTEXT...)."""
    return getattr(ctx, "environ", None) or os.environ


METHODS = {
    "engine.list": list_engines,
    "engine.test": test_engines,
    "engine.create": create_engine,
    "engine.remove": remove_engine,
}
