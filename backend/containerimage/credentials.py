"""Registry logins kept where and how the docker CLI keeps them, so that `docker login` and this backend
share them both ways.

The file is config.json in DOCKER_CONFIG (default ~/.docker). Where a registry's secret goes is chosen as
the docker CLI chooses it (cli/config/configfile): `credHelpers[server]` names a helper for that registry,
else `credsStore` names one for every registry. A helper is the program docker-credential-<name> on PATH,
spoken to with the credential helper protocol (store/get/erase/list, the data on stdin, never in argv);
docker.credentials (dockerpycreds) does that. Without a helper the secret is kept in config.json itself,
base64("user:password") under auths[server].auth. With a helper, auths[server] is kept as an empty
entry, as the CLI's native store does.

A config.json that names no helper and holds no login at all (no credsStore, no credHelpers, no auths
entry) gets the platform's default helper when it is installed, as the CLI does (cli/config: DetectDefaultStore
when the file does not ContainsAuth): on Linux docker-credential-pass when the `pass` program is on PATH,
else docker-credential-secretservice; osxkeychain on macOS; wincred on Windows. The first login then writes
`credsStore` with that name, as `docker login` does, so both keep using it.

`server` is the config key: "https://index.docker.io/v1/" for Docker Hub, else the registry's
host[:port] (what `docker login HOST` writes).

Pulls and pushes find logins through docker.auth, the SDK's reader of the same file and helpers; the SDK
does not write them, so this module does, and reads config.json itself only to change it. A write
replaces the whole file atomically (a temporary file in the same folder, then a rename) and keeps every
key it does not own.
"""

import base64
import json
import os
import re
import shutil
import sys
import threading

import docker.auth
import docker.credentials

from . import dockerconfig, files
from .errors import Internal, InvalidData, InvalidParams, NotFound
from .registry.address import HUB_CONFIG_KEY as HUB, is_hub

FILE_STORE = dockerconfig.FILE_NAME
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
                   r"|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?\Z")

# One backend serves concurrent requests: a read-modify-write of config.json must not interleave.
_lock = threading.Lock()


def server_key(registry=None):
    """The config.json key for a registry as a user names it: None, 'docker.io', 'https://index.docker.io/v1/'
    -> Docker Hub's key; 'https://host:5000/v2/' -> 'host:5000'. InvalidParams if it is not a registry."""
    if registry is None or not registry.strip():
        return HUB
    text = registry.strip()
    if text == HUB:
        return HUB
    host = docker.auth.convert_to_hostname(text)
    if is_hub(host):
        return HUB
    if not _HOST.match(host):
        raise InvalidParams(f"'{registry}' is not a registry: give host[:port], e.g. registry.example.com:5000.",
                            registry)
    return host


def display_name(key):
    return "Docker Hub" if key == HUB else key


def config_path(environ=os.environ):
    return dockerconfig.config_path(environ)


def read_config(path):
    """config.json as a dict ({} when there is none); InvalidData naming the file when it is not JSON."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise InvalidData(f"Cannot read the docker config {path}: {exc.strerror or exc}", path) from exc
    try:
        config = json.loads(text) if text.strip() else {}
    except ValueError as exc:
        raise InvalidData(f"The docker config {path} is not valid JSON ({exc}); fix or remove it.", path) from exc
    if not isinstance(config, dict) or not isinstance(config.get("auths", None), (dict, type(None))):
        raise InvalidData(f"The docker config {path} is not a JSON object with an 'auths' object.", path)
    return config


def write_config(path, config):
    """Replace config.json atomically (files.write_atomically: its mode kept, 0600 when new, a symlink
    followed), in the CLI's layout: tabs, no final newline."""
    files.write_atomically(path, json.dumps(config, indent="\t", ensure_ascii=False))


def helper_name(config, key):
    """The credential helper the docker CLI would use for this key, or None for config.json itself."""
    helpers = config.get("credHelpers") or {}
    return (helpers.get(key) if isinstance(helpers, dict) else None) or config.get("credsStore") or None


def default_store(environ=os.environ):
    """The helper docker uses for a config.json without any login (see the module's doc), or None."""
    path = environ.get("PATH")
    if sys.platform == "win32":
        name = "wincred"
    elif sys.platform == "darwin":
        name = "osxkeychain"
    else:
        name = "pass" if shutil.which("pass", path=path) else "secretservice"
    return name if shutil.which(docker.credentials.PROGRAM_PREFIX + name, path=path) else None


def _contains_auth(config):
    """docker's ConfigFile.ContainsAuth: the file already says where logins go, or holds one."""
    return bool(config.get("credsStore") or config.get("credHelpers") or config.get("auths"))


def store_for(config, key, environ=os.environ):
    """(helper name or None for config.json, whether it is the default helper that the file does not name
    yet) for a new login to key."""
    name = helper_name(config, key)
    if name is None and not _contains_auth(config):
        name = default_store(environ)
        return name, name is not None
    return name, False


def check_store(key, environ=os.environ):
    """Fail now, before any registry is asked, if the login could not be stored: a config.json that is not
    JSON, or a helper that is not installed. Returns where the login will go."""
    config = read_config(config_path(environ))
    name, _ = store_for(config, key, environ)
    if name:
        _helper(name, key)
    return name or FILE_STORE


def store(key, username, password=None, identity_token=None, environ=os.environ):
    """Keep a verified login; returns where it went: 'config.json' or the helper's name."""
    path = config_path(environ)
    with _lock:
        config = read_config(path)
        name, is_default = store_for(config, key, environ)
        auths = config["auths"] = config.get("auths") or {}
        if is_default:
            config["credsStore"] = name  # as docker login writes it: every later login and read uses it
        if name:
            # A token is stored under the user name "<token>", as the CLI stores it.
            user, secret = (docker.auth.TOKEN_USERNAME, identity_token) if identity_token else (username, password)
            _call(name, key, lambda helper: helper.store(key, user, secret))
            entry = {}
        else:
            # With a token the CLI keeps "user:" (no password) beside the token.
            secret = "" if identity_token else password
            entry = {"auth": base64.b64encode(f"{username}:{secret}".encode("utf-8")).decode("ascii")}
            if identity_token:
                entry["identitytoken"] = identity_token
        if auths.get(key) != entry or is_default:
            auths[key] = entry
            write_config(path, config)
    return name or FILE_STORE


def erase(key, environ=os.environ):
    """Remove the login for key under every spelling `docker logout` removes (for a registry other than
    Hub also with http:// or https:// in front), from its helper and from config.json. Returns where a
    secret was found: [] when there was no login (an empty entry left by a helper is removed all the same)."""
    spellings = [key] if key == HUB else [key, f"http://{key}", f"https://{key}"]
    path = config_path(environ)
    found = []
    with _lock:
        config = read_config(path)
        auths = config.get("auths") or {}
        changed = False
        for spelling in spellings:
            name = helper_name(config, spelling)
            if name and _erase_from_helper(name, spelling):
                found.append(name)
            entry = auths.pop(spelling, None)
            if entry is not None:
                changed = True
                if isinstance(entry, dict) and (entry.get("auth") or entry.get("identitytoken")):
                    found.append(FILE_STORE)
        if changed:
            write_config(path, config)
    return found


def _erase_from_helper(name, server):
    def run(helper):
        try:
            helper.get(server)
        except docker.credentials.CredentialsNotFound:
            return False
        helper.erase(server)
        return True
    return _call(name, server, run)


def _helper(name, key):
    # Looked up here: docker SDK 5 raises for a helper that is not on PATH, docker 7 only warns.
    program = docker.credentials.PROGRAM_PREFIX + name
    if shutil.which(program) is None:
        raise NotFound(f"The credential helper {program}, which the docker config names for "
                       f"{display_name(key)}, is not on PATH.", program)
    return docker.credentials.Store(name)


def _call(name, key, action):
    helper = _helper(name, key)
    try:
        return action(helper)
    except docker.credentials.StoreError as exc:
        raise Internal(f"The credential helper docker-credential-{name} failed for {display_name(key)}: {exc}",
                       f"docker-credential-{name}") from exc
