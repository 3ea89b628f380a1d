"""What a manifest or an index (manifest list) holds, by the Docker and OCI image specs, and choosing a
platform among an index's entries.

An index names its platforms (os, os.version, architecture, variant) and each entry's digest and size; an
image manifest names its config blob and its layers (digest, size, media type). A foreign layer (Windows
base layers: Docker's foreign type, OCI's non-distributable types) is not kept by the registry itself but
at the URLs the manifest lists; copies and pulls skip it unless asked.
"""

import json

from .. import compat

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json"
DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"

INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_LIST})
IMAGE_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
SCHEMA1_TYPES = frozenset({DOCKER_SCHEMA1, DOCKER_SCHEMA1_SIGNED})
CONFIG_TYPES = frozenset({"application/vnd.oci.image.config.v1+json",
                          "application/vnd.docker.container.image.v1+json"})  # an image's config, not an artifact's
FOREIGN_LAYER_TYPES = frozenset({
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
})
ACCEPT = ", ".join([OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST, DOCKER_SCHEMA1_SIGNED + ";q=0.5"])
DESCRIPTION_KEY = "org.opencontainers.image.description"


def media_type_of(body, content_type=None):
    """The media type of a manifest's bytes: its own mediaType, else the registry's Content-Type, else what
    its shape says (an OCI index or manifest may leave mediaType out)."""
    try:
        manifest = json.loads(body)
    except ValueError:
        manifest = None
    if isinstance(manifest, dict) and isinstance(manifest.get("mediaType"), str):
        return manifest["mediaType"]
    header = (content_type or "").split(";")[0].strip()
    if header and header not in ("application/json", "application/octet-stream", "text/plain"):
        return header
    if isinstance(manifest, dict):
        if manifest.get("schemaVersion") == 1:
            return DOCKER_SCHEMA1_SIGNED if "signatures" in manifest else DOCKER_SCHEMA1
        if isinstance(manifest.get("manifests"), list):
            return OCI_INDEX
        if isinstance(manifest.get("config"), dict):
            return OCI_MANIFEST
    return header or None


def is_index(manifest):
    """True for a manifest list or OCI index (a dict)."""
    return isinstance(manifest, dict) and isinstance(manifest.get("manifests"), list)


def platform_of(platform):
    """{os, os.version, architecture, variant} of an index entry's platform or an image config."""
    platform = platform if isinstance(platform, dict) else {}
    return {"os": platform.get("os"), "os.version": platform.get("os.version") or None,
            "architecture": platform.get("architecture"), "variant": platform.get("variant") or None}


def platforms(index):
    """The entries of an index: platform_of each, with its digest, size and mediaType."""
    return [dict(platform_of(m.get("platform")), digest=m.get("digest"), size=m.get("size"),
                 mediaType=m.get("mediaType"))
            for m in index.get("manifests") or [] if isinstance(m, dict)]


def is_attestation(entry):
    """An index entry that is not an image to run (buildx's attestations: platform unknown/unknown)."""
    return (entry.get("os") or "").lower() in ("", "unknown")


def choose(entries, os_name=None, architecture=None, variant=None):
    """The entries that are os/architecture[/variant] (None: any), attestations left out."""
    return [e for e in entries if not is_attestation(e) and compat.platform_matches(e, os_name, architecture, variant)]


def parse_platform(text):
    """(os, architecture or None, variant or None) from 'os[/arch[/variant]]'; ValueError when malformed."""
    parts = [p.strip() for p in (text or "").strip().split("/")]
    if not parts[0] or len(parts) > 3 or any(not p for p in parts):
        raise ValueError(f"'{text}' is not a platform: give os[/architecture[/variant]], e.g. linux/amd64.")
    parts += [None] * (3 - len(parts))
    return parts[0].lower(), parts[1].lower() if parts[1] else None, parts[2].lower() if parts[2] else None


def is_foreign(media_type):
    return media_type in FOREIGN_LAYER_TYPES


def layers(manifest):
    """[{digest, size, mediaType, foreign, urls}] of an image manifest, base layer first; schema 1
    manifests (no sizes, newest layer first) give size None."""
    if manifest.get("schemaVersion") == 1:
        return [{"digest": layer.get("blobSum"), "size": None, "mediaType": None, "foreign": False, "urls": []}
                for layer in reversed(manifest.get("fsLayers") or []) if isinstance(layer, dict)]
    return [{"digest": layer.get("digest"), "size": layer.get("size"), "mediaType": layer.get("mediaType"),
             "foreign": is_foreign(layer.get("mediaType")), "urls": list(layer.get("urls") or [])}
            for layer in manifest.get("layers") or [] if isinstance(layer, dict)]


def schema1_config(manifest):
    """The image config a schema 1 manifest carries in its first history entry ({} when it does not)."""
    try:
        config = json.loads(manifest["history"][0]["v1Compatibility"])
    except (KeyError, IndexError, TypeError, ValueError):
        return {}
    return config if isinstance(config, dict) else {}


def config_of(client, name, manifest, what):
    """The image config of an image manifest: its config blob (one GET), or schema 1's own; {} for none."""
    if manifest.get("schemaVersion") == 1:
        return schema1_config(manifest)
    digest = (manifest.get("config") or {}).get("digest")
    if not digest:
        return {}
    config = client.blob_json(name, digest, f"the config of {what}")
    return config if isinstance(config, dict) else {}


def description(client, name, tag):
    """The org.opencontainers.image.description of name:tag (manifest annotation, else config label)."""
    manifest, _ = client.manifest(name, tag)
    what = f"{name}:{tag}"
    if DESCRIPTION_KEY in (manifest.get("annotations") or {}):
        return manifest["annotations"][DESCRIPTION_KEY]
    if is_index(manifest):  # an index: take the first image that is not an attestation
        entries = [e for e in platforms(manifest) if (e.get("os") or "") != "unknown"]
        if not entries:
            return None
        manifest, _ = client.manifest(name, entries[0]["digest"])
        if DESCRIPTION_KEY in (manifest.get("annotations") or {}):
            return manifest["annotations"][DESCRIPTION_KEY]
    config = config_of(client, name, manifest, what)
    return ((config.get("config") or {}).get("Labels") or {}).get(DESCRIPTION_KEY)
