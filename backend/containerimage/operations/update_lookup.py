"""What a registry serves under a tag, for the update check (update.py), without pulling: the tag's manifest
digest (one HEAD), and only where it differs from the local image's, the manifest (GET), for a manifest list
or OCI index the manifest of the entry this host would pull (chosen as a pull chooses it:
compat.choose_platform), and its small config blob (Created, os.version). Never a layer.

Registries are asked as a pull asks them: a name with a registry host at that host, a Docker Hub name at
the engine's registry mirrors first and then at Hub (operations/compatibility.py's order), with the logins
docker login and Connect-ContainerRegistry store. One client per registry, shared by the check's threads.

A registry that is down or refuses the login is remembered for the rest of the check: it is not asked again,
and `failures` holds its one error for the caller to report once (a mirror that fails is skipped, as the
engine skips it, and not reported).

All the registry I/O of the update check is here, so that it can move onto another registry client alone.
"""

import threading

from .. import compat, reference
from ..errors import InvalidData, NotFound, RegistryUnavailable, Unauthorized
from ..registry import manifests
from ..registry.client import RegistryClient
from .compatibility import _registries_for

REGISTRY_FAILURES = (RegistryUnavailable, Unauthorized)


class RemoteTag:
    """What one registry holds under one tag: its manifest digest, and the manifest once it was read."""

    def __init__(self, registry, client, path, digest, manifest):
        self.registry, self.client, self.path, self.digest, self.manifest = registry, client, path, digest, manifest


class Lookup:
    def __init__(self, host, check_cancelled=None):
        self.host = host
        self.failures = {}  # registry name -> its error (RegistryUnavailable or Unauthorized), the first one
        self._skipped = set()  # mirrors that failed: asked no more, not reported
        self._clients = {}
        self._lock = threading.Lock()
        self._check_cancelled = check_cancelled

    def close(self):
        for client in self._clients.values():
            client.close()

    def registry_names(self, ref):
        """The registries a pull of ref asks, in order (mirrors first for Hub names)."""
        return [registry.name for registry, _ in _registries_for(ref, self.host, None)]

    def tag(self, ref):
        """The RemoteTag of ref (repository:tag); NotFound when no registry of the chain has it, or the
        error of the last registry that could not be asked."""
        attempts = [(r, c) for r, c in _registries_for(ref, self.host, None) if r.name not in self._skipped]
        wanted = ref.tag or reference.DEFAULT_TAG
        for index, (registry, credentials) in enumerate(attempts):
            last = index == len(attempts) - 1
            try:
                failed = self.failures.get(registry.name)
                if failed is not None:
                    raise failed
                client = self._client(registry, credentials)
                found = client.head_manifest(ref.path, wanted)
                if found is None:
                    raise NotFound(f"Not found on {registry.name}: {ref.path}:{wanted}: manifest unknown.",
                                   registry.name)
                return RemoteTag(registry, client, ref.path, found[0], None)
            except REGISTRY_FAILURES as exc:
                with self._lock:
                    if last:
                        self.failures.setdefault(registry.name, exc)
                    else:
                        self._skipped.add(registry.name)
                if last:
                    raise
            except NotFound:
                if last:
                    raise
        raise NotFound(f"No registry to ask for {ref}.", str(ref))  # only when every mirror was skipped and no Hub

    def image(self, remote, shown):
        """{'Digest' (of the image manifest), 'Config' (its config digest), 'Created', 'Os', 'OsVersion',
        'Architecture'} of the image this host would pull from remote (a RemoteTag); shown names it."""
        client, path = remote.client, remote.path
        if remote.manifest is None:
            remote.manifest, _ = client.manifest(path, remote.digest)  # by digest: what the HEAD named
        manifest = remote.manifest
        platform = {}
        digest = remote.digest
        if manifests.is_index(manifest):
            chosen = compat.choose_platform(manifests.platforms(manifest), self.host.os, self.host.os_version,
                                            self.host.architecture, self.host.isolation)
            if chosen is None or not chosen.get("digest"):
                raise InvalidData(f"{shown} on {remote.registry.name} is a manifest list that names no platform.",
                                  shown)
            platform, digest = chosen, chosen["digest"]
            manifest, _ = client.manifest(path, digest)
        config_digest = (manifest.get("config") or {}).get("digest")  # none in schema 1 (its config is inline)
        if not config_digest and manifest.get("schemaVersion") != 1:
            raise InvalidData(f"The manifest of {shown} on {remote.registry.name} names no config.", shown)
        config = manifests.config_of(client, path, manifest, shown)
        return {"Digest": digest, "Config": config_digest, "Created": config.get("created"),
                "Os": config.get("os") or platform.get("os"),
                "OsVersion": config.get("os.version") or platform.get("os.version"),
                "Architecture": config.get("architecture") or platform.get("architecture")}

    def _client(self, registry, credentials):
        with self._lock:
            client = self._clients.get(registry.name)
            if client is None:
                client = RegistryClient(registry, credentials, check_cancelled=self._check_cancelled)
                self._clients[registry.name] = client
            return client
