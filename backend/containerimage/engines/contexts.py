"""docker's context store, read and written in its own format, so `docker context ls` and this module agree.

DOCKER_CONFIG/contexts/meta/<sha256 of the name>/meta.json holds
{"Name": ..., "Metadata": {"Description": ...}, "Endpoints": {"docker": {"Host": ..., "SkipTLSVerify": ...}}}
and DOCKER_CONFIG/contexts/tls/<sha256 of the name>/docker/{ca,cert,key}.pem its TLS material (files 0600,
folders 0700, as the docker CLI writes them). `default` is no stored context: it is DOCKER_HOST, else the OS
default (resolve.py). A file that is not what docker writes is InvalidData naming it, and is left as it is.
"""

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from typing import Optional

from ..dockerconfig import config_dir, config_path
from ..errors import AlreadyExists, Conflict, InvalidData, InvalidParams, NotFound, PermissionDenied

DEFAULT = "default"
TLS_FILES = ("ca.pem", "cert.pem", "key.pem")
_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$")  # the docker CLI's rule for a context name


@dataclass(frozen=True)
class Context:
    name: str
    host: str
    description: str = ""
    skip_tls_verify: bool = False
    tls_dir: Optional[str] = None       # the folder with ca.pem/cert.pem/key.pem, when the context has TLS files
    meta_path: Optional[str] = None

    def tls_file(self, name):
        """The path of one of TLS_FILES when the context has it, else None."""
        if self.tls_dir and os.path.isfile(os.path.join(self.tls_dir, name)):
            return os.path.join(self.tls_dir, name)
        return None




def digest(name):
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


class Store:
    """The contexts under one DOCKER_CONFIG folder."""

    def __init__(self, folder):
        self.folder = folder
        self.root = os.path.join(folder, "contexts")

    @classmethod
    def of(cls, environ):
        return cls(config_dir(environ))

    def _meta_dir(self, name):
        return os.path.join(self.root, "meta", digest(name))

    def _tls_dir(self, name):
        return os.path.join(self.root, "tls", digest(name), "docker")

    # -- reading ------------------------------------------------------------------------------------

    def list(self):
        """Every stored context, by name (as `docker context ls` lists them, without `default`). A meta.json
        that is not docker's JSON is InvalidData naming it."""
        meta = os.path.join(self.root, "meta")
        try:
            entries = sorted(os.listdir(meta))
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise InvalidData(f"The docker context store {meta} cannot be read: {exc.strerror}.", meta) from exc
        contexts = []
        for entry in entries:
            path = os.path.join(meta, entry, "meta.json")
            if os.path.isfile(path):
                contexts.append(self._read(path))
        return sorted(contexts, key=lambda c: c.name)

    def names(self):
        """The names of the contexts that can be read (a broken file is skipped here, for messages)."""
        names = []
        meta = os.path.join(self.root, "meta")
        for entry in sorted(os.listdir(meta)) if os.path.isdir(meta) else []:
            try:
                names.append(self._read(os.path.join(meta, entry, "meta.json")).name)
            except InvalidData:
                continue
        return sorted(names)

    def get(self, name):
        """The context called name; NotFound listing the known names when there is none."""
        path = os.path.join(self._meta_dir(name), "meta.json")
        if not os.path.isfile(path):
            known = ", ".join([DEFAULT] + self.names())
            raise NotFound(f"There is no docker context '{name}' in {self.root}. Known: {known}. An engine is "
                           f"named by a context, 'default', or an address such as tcp://host:2376.", name)
        context = self._read(path)
        if context.name != name:
            raise InvalidData(f"The docker context file {path} names '{context.name}', not '{name}'.", path)
        return context

    def _read(self, path):
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as exc:
            raise InvalidData(f"The docker context file {path} cannot be read: {exc.strerror}.", path) from exc
        try:
            meta = json.loads(text)
            name = meta["Name"]
            endpoint = meta.get("Endpoints", {}).get("docker")
            metadata = meta.get("Metadata") or {}
            if not isinstance(name, str) or not isinstance(endpoint, dict) or not isinstance(metadata, dict):
                raise TypeError
            host = endpoint["Host"]
            description = metadata.get("Description") or ""
            if not isinstance(host, str) or not host:
                raise TypeError
        except ValueError as exc:
            raise InvalidData(f"The docker context file {path} is not JSON ({exc}); it was left as it is.",
                              path) from exc
        except (KeyError, TypeError, AttributeError) as exc:
            raise InvalidData(f"The docker context file {path} is not a docker context (it needs Name and "
                              f"Endpoints.docker.Host); it was left as it is.", path) from exc
        tls_dir = os.path.join(self.root, "tls", os.path.basename(os.path.dirname(path)), "docker")
        return Context(name=name, host=host, description=str(description),
                       skip_tls_verify=bool(endpoint.get("SkipTLSVerify", False)),
                       tls_dir=tls_dir if os.path.isdir(tls_dir) else None, meta_path=path)

    # -- writing -----------------------------------------------------------------------------------

    def create(self, name, host, description="", ca=None, cert=None, key=None, skip_tls_verify=False):
        """Store a new context. Nothing is written when any input is wrong; the TLS files are copied."""
        check_name(name)
        if os.path.isfile(os.path.join(self._meta_dir(name), "meta.json")):
            raise AlreadyExists(f"A docker context named '{name}' exists already: remove it first "
                                f"(Remove-ContainerEngine, docker context rm).", name)
        if bool(cert) != bool(key):
            raise InvalidParams("A client certificate and its key go together: give both or neither.", name)
        tls = {file_name: _read_pem(path, what) for file_name, path, what in (
            ("ca.pem", ca, "CA certificate"), ("cert.pem", cert, "client certificate"),
            ("key.pem", key, "client key")) if path}
        meta = {"Name": name, "Metadata": {"Description": description or ""},
                "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": bool(skip_tls_verify)}}}
        try:
            self._write(name, meta, tls)
        except OSError as exc:
            raise PermissionDenied(f"The docker context '{name}' cannot be written under {self.root}: "
                                   f"{exc.strerror}.", name) from exc
        return self.get(name)

    def _write(self, name, meta, tls):
        """Write into temporary folders beside the final ones, then rename: a failure leaves nothing."""
        meta_dir, tls_dir = self._meta_dir(name), self._tls_dir(name)
        os.makedirs(os.path.dirname(meta_dir), mode=0o755, exist_ok=True)
        staged = tempfile.mkdtemp(prefix=".new-", dir=os.path.dirname(meta_dir))
        os.chmod(staged, 0o755)
        try:
            with open(os.path.join(staged, "meta.json"), "w", encoding="utf-8") as f:
                json.dump(meta, f, separators=(",", ":"))
            if tls:
                tls_parent = os.path.dirname(tls_dir)
                os.makedirs(os.path.dirname(tls_parent), mode=0o700, exist_ok=True)
                staged_tls = tempfile.mkdtemp(prefix=".new-", dir=os.path.dirname(tls_parent))
                os.makedirs(os.path.join(staged_tls, "docker"), mode=0o700)
                for file_name, content in tls.items():
                    descriptor = os.open(os.path.join(staged_tls, "docker", file_name),
                                         os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(descriptor, "wb") as f:
                        f.write(content)
                shutil.rmtree(tls_parent, ignore_errors=True)  # TLS files of an earlier context of that name
                os.rename(staged_tls, tls_parent)
            os.rename(staged, meta_dir)
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise

    def remove(self, name, environ):
        """Remove a stored context and its TLS files; the current context (DOCKER_CONTEXT, or currentContext
        in config.json) is refused, as `docker context rm` refuses it."""
        if name == DEFAULT:
            raise InvalidParams("The default context cannot be removed: it is DOCKER_HOST, else the OS default "
                                "engine, not a stored context.", name)
        context = self.get(name)
        current, where = current_context(environ)
        if current == name:
            raise Conflict(f"The docker context '{name}' is the current context ({where}): switch to another "
                           f"first (docker context use default), then remove it.", name)
        tls_parent = os.path.dirname(self._tls_dir(name))
        try:
            if os.path.isdir(tls_parent):
                shutil.rmtree(tls_parent)
            shutil.rmtree(os.path.dirname(context.meta_path))
        except OSError as exc:
            raise PermissionDenied(f"The docker context '{name}' cannot be removed from {self.root}: "
                                   f"{exc.strerror}.", name) from exc
        return context


def check_name(name):
    if not isinstance(name, str) or not name:
        raise InvalidParams("A docker context needs a name.", name)
    if name == DEFAULT:
        raise InvalidParams("'default' is the name of docker's default context: choose another name.", name)
    if not _NAME.match(name):
        raise InvalidParams(f"'{name}' is not a docker context name: letters, digits and _.+- only, starting with "
                            f"a letter or digit, at least two characters.", name)


def _read_pem(path, what):
    try:
        with open(path, "rb") as f:
            content = f.read()
    except FileNotFoundError as exc:
        raise NotFound(f"The {what} {path} does not exist.", path) from exc
    except OSError as exc:
        raise InvalidParams(f"The {what} {path} cannot be read: {exc.strerror}.", path) from exc
    if b"-----BEGIN " not in content:
        raise InvalidData(f"The {what} {path} is not a PEM file (no -----BEGIN line).", path)
    return content


def current_context(environ):
    """(name, where it is chosen) of the current context as the docker CLI reads it: DOCKER_CONTEXT, else
    currentContext in config.json; (None, None) when neither names one. DOCKER_HOST wins over both when the
    engine is chosen (resolve.py), but the current context is still that."""
    if environ.get("DOCKER_CONTEXT"):
        return environ["DOCKER_CONTEXT"], "DOCKER_CONTEXT"
    path = config_path(environ)
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except (OSError, ValueError):
        return None, None
    name = config.get("currentContext") if isinstance(config, dict) else None
    return (name, f"currentContext in {path}") if name else (None, None)
