"""A registry's images without the engine: the tags of a repository, what a tag or digest holds, and
removing a tag or a manifest (registry.tags, registry.manifest, registry.delete).

Everything goes through the registry package (registry/client.py), with the login the call gives (auth:
{username, password}) or the one docker login stored. A name without a registry is Docker Hub's. The
engine is asked only which registries it reaches without TLS (its insecure registries), and only for a
registry that is not loopback and has no scheme given; an engine that cannot be reached means none.

Removing a tag: the Distribution API deletes manifests by digest only, which removes every tag naming that
manifest. So, as regctl's `tag rm` does, a registry that deletes by tag (the OCI API: DELETE of the tag
answered 202) does that; else the tag is pointed at a throwaway manifest of its own (an empty layer and a
config labelled with the tag and the time), which is then deleted by its digest: the tag goes, and the
image it named stays with its other tags and the manifest lists that name it. Before the tag is touched,
the registry is asked whether it deletes at all (a DELETE of a digest no manifest has: 404 when it does,
405 UNSUPPORTED when storage.delete.enabled is off), so a registry that cannot delete is left as it was.
"""

import gzip
import hashlib
import json
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

from .. import host as hostinfo, reference
from ..errors import BackendError, InvalidData, InvalidParams, NotFound
from ..registry import manifests
from ..registry.address import HUB_NAME, Registry, is_listed_insecure, is_loopback, parse_registry
from ..registry.auth import LOOKUP
from ..registry.client import RegistryClient

HEAD_THREADS = 16  # concurrent HEADs for digests
EMPTY_TAR = b"\0" * 1024  # an empty tar: its end-of-archive blocks
EMPTY_LAYER = gzip.compress(EMPTY_TAR, mtime=0)  # the same bytes every time


# --------------------------------------------------------------------------------------------- tags

def list_tags(ctx, name: str, auth: Optional[dict] = None, digest: bool = False, page_size: Optional[int] = None):
    """{'results': [{Name, Tag, Digest, Registry}]} for every tag of the repository name (all pages), sorted;
    with digest, each tag's manifest digest too (HEADs, HEAD_THREADS at once)."""
    if page_size is not None and page_size < 1:
        raise InvalidParams(f"The page size must be 1 or more, not {page_size}.", page_size)
    ref = _parse(name, allow_tag=False)
    with registry_client(ctx, ref, auth) as client:
        tags = client.tags(ref.path, page_size)
        digests = _digests(ctx, client, ref.path, tags) if digest else {}
    return {"results": [{"Name": ref.repository, "Tag": tag, "Digest": digests.get(tag), "Registry": ref.registry}
                        for tag in tags]}


def _digests(ctx, client, path, tags):
    """tag -> digest, by concurrent HEADs; a tag deleted meanwhile is left out."""
    def head(tag):
        ctx.check_cancelled()
        found = client.head_manifest(path, tag)
        return found[0] if found else None
    with ThreadPoolExecutor(max_workers=HEAD_THREADS) as pool:
        return {tag: d for tag, d in zip(tags, pool.map(head, tags)) if d}


# ----------------------------------------------------------------------------------------- manifest

def get_manifest(ctx, name: str, auth: Optional[dict] = None):
    """What name (registry/repo[:tag|@digest], default tag latest) holds, without pulling: Digest, MediaType;
    for a manifest list or OCI index its Platforms (Os, OsVersion, Architecture, Variant, Digest, Size,
    MediaType); for an image its compressed Size (sum of its layers), Created, Labels, Os, OsVersion,
    Architecture, Variant, Config (the config's digest) and Layers (Digest, Size, MediaType, Foreign, Urls;
    Foreign: a non-distributable layer, e.g. a Windows base layer, kept at its Urls)."""
    ref = _parse(name)
    wanted = ref.digest or ref.tag or reference.DEFAULT_TAG
    with registry_client(ctx, ref, auth) as client:
        body, media_type, digest = client.manifest_raw(ref.path, wanted)
        manifest = client.decode_manifest(body, _shown(ref))
        row = {"Name": ref.repository, "Tag": None if ref.digest and not ref.tag else ref.tag or reference.DEFAULT_TAG,
               "Digest": digest, "MediaType": media_type, "Registry": ref.registry, "Platforms": None,
               "Size": None, "Created": None, "Labels": None, "Os": None, "OsVersion": None, "Architecture": None,
               "Variant": None, "Config": None, "Layers": None}
        if manifests.is_index(manifest):
            row["Platforms"] = [{"Os": e["os"], "OsVersion": e["os.version"], "Architecture": e["architecture"],
                                 "Variant": e["variant"], "Digest": e["digest"], "Size": e["size"],
                                 "MediaType": e["mediaType"]} for e in manifests.platforms(manifest)]
            return row
        if media_type not in manifests.IMAGE_TYPES | manifests.SCHEMA1_TYPES:
            raise InvalidData(f"{_shown(ref)} is a {media_type or 'manifest of no media type'}, which is not an "
                              f"image: ContainerImage reads {', '.join(sorted(manifests.IMAGE_TYPES | manifests.INDEX_TYPES))}.",
                              _shown(ref))
        config_type = (manifest.get("config") or {}).get("mediaType")
        if manifest.get("artifactType") or (config_type and config_type not in manifests.CONFIG_TYPES):
            raise InvalidData(f"{_shown(ref)} is not an image but an artifact of type "
                              f"{manifest.get('artifactType') or config_type}: ContainerImage reads images (a config "
                              f"of type {' or '.join(sorted(manifests.CONFIG_TYPES))}).", _shown(ref))
        config = manifests.config_of(client, ref.path, manifest, _shown(ref))
    layers = manifests.layers(manifest)
    platform = manifests.platform_of(config)
    sizes = [layer["size"] for layer in layers]
    row.update(Size=sum(sizes) if None not in sizes else None, Created=config.get("created"),
               Labels=(config.get("config") or {}).get("Labels") or {}, Os=platform["os"],
               OsVersion=platform["os.version"], Architecture=platform["architecture"], Variant=platform["variant"],
               Config=(manifest.get("config") or {}).get("digest"),
               Layers=[{"Digest": layer["digest"], "Size": layer["size"], "MediaType": layer["mediaType"],
                        "Foreign": layer["foreign"], "Urls": layer["urls"]} for layer in layers])
    return row


# ------------------------------------------------------------------------------------------- delete

def delete(ctx, name: str, auth: Optional[dict] = None):
    """Remove name's tag (registry/repo:tag: that tag only) or manifest (registry/repo@digest: the manifest,
    and with it every tag naming it). {Name, Tag, Digest, Registry, Deleted ('tag' or 'manifest'), Tags: the
    tags that went}."""
    ref = _parse(name)
    if ref.digest and ref.tag:
        raise InvalidParams(f"'{name}' names both a tag and a digest: give repo:tag to remove the tag, or "
                            "repo@digest to remove the manifest.", name)
    if not ref.digest and not ref.tag:
        raise InvalidParams(f"'{name}' names no tag or digest: give repo:tag to remove a tag, or repo@digest to "
                            "remove a manifest (and every tag naming it).", name)
    with registry_client(ctx, ref, auth) as client:
        if ref.digest:
            return _delete_manifest(ctx, client, ref)
        return _delete_tag(client, ref)


def _delete_manifest(ctx, client, ref):
    if client.head_manifest(ref.path, ref.digest) is None:
        raise NotFound(f"{_shown(ref)} does not exist: {client.registry.name} has no manifest {ref.digest} in "
                       f"{ref.path}.", _shown(ref))
    tags = client.tags(ref.path)
    digests = _digests(ctx, client, ref.path, tags)
    went = sorted(tag for tag, digest in digests.items() if digest == ref.digest)
    client.delete_manifest(ref.path, ref.digest)
    return {"Name": ref.repository, "Tag": None, "Digest": ref.digest, "Registry": ref.registry,
            "Deleted": "manifest", "Tags": went}


def _delete_tag(client, ref):
    found = client.head_manifest(ref.path, ref.tag)
    if found is None:
        raise NotFound(f"{_shown(ref)} does not exist: {client.registry.name} has no tag '{ref.tag}' in "
                       f"{ref.path}.", _shown(ref))
    digest, media_type, _ = found
    result = {"Name": ref.repository, "Tag": ref.tag, "Digest": digest, "Registry": ref.registry, "Deleted": "tag",
              "Tags": [ref.tag]}
    if client.delete_tag(ref.path, ref.tag):  # the OCI API: the registry removed the tag itself
        return result
    client.check_deletes(ref.path)  # PermissionDenied naming storage.delete.enabled before the tag is touched
    throwaway, throwaway_type = _throwaway(client, ref, media_type)
    throwaway_digest = client.put_manifest(ref.path, ref.tag, throwaway, throwaway_type)
    client.delete_manifest(ref.path, throwaway_digest)
    return result


def _throwaway(client, ref, media_type):
    """(manifest bytes, media type) of an image of its own for ref's tag to point at, its blobs pushed: a
    config labelled with the tag and the time, and an empty layer; OCI when the tag named OCI, else Docker's."""
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    config = json.dumps({"created": now, "architecture": "amd64", "os": "linux",
                         "config": {"Labels": {"delete-tag": ref.tag, "delete-date": now,
                                               "delete-nonce": secrets.token_hex(8)}},
                         "rootfs": {"type": "layers", "diff_ids": [_digest(EMPTY_TAR)]}}, sort_keys=True).encode()
    oci = media_type in (manifests.OCI_MANIFEST, manifests.OCI_INDEX)
    for blob in (EMPTY_LAYER, config):
        blob_digest = _digest(blob)
        if client.head_blob(ref.path, blob_digest) is None:
            client.push_blob(ref.path, blob_digest, iter([blob]))
    manifest_type = manifests.OCI_MANIFEST if oci else manifests.DOCKER_MANIFEST
    body = json.dumps({
        "schemaVersion": 2, "mediaType": manifest_type,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json" if oci else
                   "application/vnd.docker.container.image.v1+json", "size": len(config), "digest": _digest(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip" if oci else
                    "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": len(EMPTY_LAYER),
                    "digest": _digest(EMPTY_LAYER)}]}).encode()
    return body, manifest_type


# ------------------------------------------------------------------------------------------- shared

def _parse(name, allow_tag=True):
    ref = reference.parse(name)
    if not allow_tag and (ref.tag or ref.digest):
        raise InvalidParams(f"'{name}' names a tag or digest: give the repository only (registry/repo), e.g. "
                            f"{ref.repository}.", name)
    return ref


def _shown(ref):
    return str(ref) if ref.tag or ref.digest else f"{ref}:{reference.DEFAULT_TAG}"


def registry_client(ctx, ref, auth):
    """The client for ref's registry: with the -Credential given (auth), else the stored logins; plain http
    only to this machine or an insecure registry of the engine's; closed when the request is cancelled."""
    registry = parse_registry(ref.domain) if ref.domain else Registry(HUB_NAME)
    if not registry.scheme and not registry.is_hub and not is_loopback(registry.host):
        registry.insecure = _engine_insecure(ctx, registry.host)
    credentials = {"username": auth.get("username"), "password": auth.get("password")} if auth else LOOKUP
    client = RegistryClient(registry, credentials, check_cancelled=ctx.check_cancelled)
    ctx.on_cancel(client.close)
    return client


def _engine_insecure(ctx, host):
    """Whether the engine lists host as an insecure registry; False when the engine cannot say."""
    try:
        return is_listed_insecure(host, hostinfo.facts(ctx.engine).insecure)
    except BackendError:
        return False


def _digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


METHODS = {
    "registry.tags": list_tags,
    "registry.manifest": get_manifest,
    "registry.delete": delete,
}
