#!/usr/bin/python3
"""Push images with any platform into a registry through its HTTP API: for compatibility and copy tests.

The engine builds and pushes only images of its own OS; this writes the blobs and manifests itself
(POST+PUT /v2/<name>/blobs/uploads/, PUT /v2/<name>/manifests/<tag>), so a test can put into the sandbox
registry an image whose config says `os: windows` with any `os.version`, and manifest lists of several
platforms. Each image has one small layer that is a real gzipped tar (one file with random content, so no
two images share a layer), so an image of the engine's own platform can also really be pulled.

    python3 tools/registry_push.py --registry 127.0.0.1:5000 --name win/app --tag 1 \\
        --platform windows/amd64/10.0.20348.2227 [--platform linux/amd64 ...] [--user U --password-stdin]
        [--format oci] [--foreign-layer] [--layers 5 --megabytes 40]

One --platform pushes a single manifest; several push one image each and a manifest list of them under
--tag (an OCI index with --format oci; Docker's manifest list and schema 2 manifests by default).
--foreign-layer gives each Windows image a foreign (non-distributable) base layer first, as Microsoft's
base images have: media type ...rootfs.foreign.diff.tar.gzip (OCI: ...layer.nondistributable.v1.tar+gzip)
with `urls`; its blob is pushed too (MCR serves those blobs as well), so a copy can choose to take it.
--layers N --megabytes M makes N layers of M MB of random bytes each (benchmarks).
Prints JSON: {"digest": the tag's manifest digest, "mediaType", "images": [{"platform", "digest",
"mediaType", "config", "layer" (the first distributable layer), "layers" (every layer digest), "foreign"
(the foreign layer's digest or null), "size"}]}. As a module: push_image(...), push_list(...).

Standard library only.
"""

import argparse
import base64
import gzip
import hashlib
import http.client
import io
import json
import os
import sys
import tarfile
import urllib.parse

MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
CONFIG = "application/vnd.docker.container.image.v1+json"
LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
FOREIGN_LAYER = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
# The same kinds in OCI's media types: {format: {kind: media type}}
MEDIA_TYPES = {
    "docker": {"manifest": MANIFEST, "list": MANIFEST_LIST, "config": CONFIG, "layer": LAYER,
               "foreign": FOREIGN_LAYER},
    "oci": {"manifest": "application/vnd.oci.image.manifest.v1+json",
            "list": "application/vnd.oci.image.index.v1+json",
            "config": "application/vnd.oci.image.config.v1+json",
            "layer": "application/vnd.oci.image.layer.v1.tar+gzip",
            "foreign": "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"},
}
FOREIGN_URL = "https://mcr.microsoft.com/v2/windows/servercore/blobs/{digest}"


class Registry:
    """A registry at host:port over plain HTTP (loopback sandbox registries), with optional Basic auth."""

    def __init__(self, address, user=None, password=None):
        self.address = address
        self.headers = {}
        if user:
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            self.headers["Authorization"] = f"Basic {token}"

    def request(self, method, path, body=None, headers=None, expect=(200, 201, 202)):
        connection = http.client.HTTPConnection(self.address, timeout=30)
        try:
            connection.request(method, path, body=body, headers=dict(self.headers, **(headers or {})))
            response = connection.getresponse()
            data = response.read()
            if response.status not in expect:
                raise RuntimeError(f"{method} {path} answered {response.status}: {data[:300]!r}")
            return response, data
        finally:
            connection.close()

    def put_blob(self, name, data):
        digest = digest_of(data)
        response, _ = self.request("HEAD", f"/v2/{name}/blobs/{digest}", expect=(200, 404))
        if response.status == 200:
            return digest
        response, _ = self.request("POST", f"/v2/{name}/blobs/uploads/", expect=(202,))
        location = urllib.parse.urlsplit(response.getheader("Location"))
        query = f"{location.query}&" if location.query else ""
        self.request("PUT", f"{location.path}?{query}digest={urllib.parse.quote(digest)}", body=data,
                     headers={"Content-Type": "application/octet-stream", "Content-Length": str(len(data))},
                     expect=(201,))
        return digest

    def put_manifest(self, name, reference, media_type, body):
        self.request("PUT", f"/v2/{name}/manifests/{reference}", body=body,
                     headers={"Content-Type": media_type, "Content-Length": str(len(body))}, expect=(201,))
        return digest_of(body)


def digest_of(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def parse_platform(text):
    """{'os', 'architecture', 'os.version'?, 'variant'?} from os/arch[/os.version or variant]."""
    parts = text.split("/")
    if len(parts) < 2:
        raise ValueError(f"a platform is os/arch[/version], not {text!r}")
    platform = {"os": parts[0], "architecture": parts[1]}
    if len(parts) > 2:
        platform["os.version" if parts[0] == "windows" else "variant"] = parts[2]
    return platform


def _layer(megabytes=0):
    """(gzipped tar, uncompressed digest) of one file with random content: 16 random bytes in hex, or
    megabytes MB of random bytes (gzip level 1: random bytes do not shrink, so spend no time trying)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as archive:
        content = os.urandom(megabytes << 20) if megabytes else os.urandom(16).hex().encode() + b"\n"
        info = tarfile.TarInfo("containerimage-compat-test")
        info.size, info.mtime, info.mode = len(content), 0, 0o644
        archive.addfile(info, io.BytesIO(content))
    tar = raw.getvalue()
    return gzip.compress(tar, compresslevel=1 if megabytes else 9, mtime=0), digest_of(tar)


def push_image(registry, name, tag, platform, format="docker", foreign_layer=False, layers=1, megabytes=0):
    """Push one image whose config has platform's os, architecture and os.version; tag may be None (by
    digest only). format: "docker" (schema 2) or "oci". foreign_layer: a Windows image gets a foreign base
    layer first (see the module's docstring). Returns {"platform", "digest", "mediaType", "config", "layer",
    "layers", "foreign", "size"}."""
    types = MEDIA_TYPES[format]
    descriptors, diff_ids, foreign = [], [], None
    if foreign_layer and platform["os"] == "windows":
        blob, diff_id = _layer()
        foreign = registry.put_blob(name, blob)
        descriptors.append({"mediaType": types["foreign"], "size": len(blob), "digest": foreign,
                            "urls": [FOREIGN_URL.format(digest=foreign)]})
        diff_ids.append(diff_id)
    for _ in range(layers):
        blob, diff_id = _layer(megabytes)
        descriptors.append({"mediaType": types["layer"], "size": len(blob), "digest": registry.put_blob(name, blob)})
        diff_ids.append(diff_id)
        del blob  # big layers: one at a time in memory
    config = dict(platform, created="2024-01-01T00:00:00Z", rootfs={"type": "layers", "diff_ids": diff_ids},
                  config={"Cmd": ["/bin/sh"], "Labels": {"com.containerimage.test": "compat"}})
    config_bytes = json.dumps(config, sort_keys=True).encode()
    config_digest = registry.put_blob(name, config_bytes)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": types["manifest"],
        "config": {"mediaType": types["config"], "size": len(config_bytes), "digest": config_digest},
        "layers": descriptors,
    }).encode()
    digest = digest_of(manifest)
    registry.put_manifest(name, tag or digest, types["manifest"], manifest)
    distributable = [d["digest"] for d in descriptors if d["mediaType"] == types["layer"]]
    return {"platform": platform, "digest": digest, "mediaType": types["manifest"], "config": config_digest,
            "layer": distributable[0], "layers": [d["digest"] for d in descriptors], "foreign": foreign,
            "size": len(manifest)}


def push_list(registry, name, tag, platforms, format="docker", foreign_layer=False):
    """Push one image per platform (by digest) and a manifest list (or OCI index) of them as name:tag."""
    types = MEDIA_TYPES[format]
    pushed = [push_image(registry, name, None, platform, format, foreign_layer) for platform in platforms]
    body = json.dumps({"schemaVersion": 2, "mediaType": types["list"], "manifests": [
        {"mediaType": types["manifest"], "size": image["size"], "digest": image["digest"],
         "platform": image["platform"]}
        for image in pushed]}).encode()
    return {"digest": registry.put_manifest(name, tag, types["list"], body), "mediaType": types["list"],
            "images": pushed}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", required=True, help="host:port (plain HTTP)")
    parser.add_argument("--name", required=True, help="repository, e.g. win/app")
    parser.add_argument("--tag", required=True)
    parser.add_argument("--platform", action="append", required=True, help="os/arch[/os.version]; repeat for a list")
    parser.add_argument("--format", choices=sorted(MEDIA_TYPES), default="docker",
                        help="docker (schema 2, manifest list) or oci (image manifest, index)")
    parser.add_argument("--foreign-layer", action="store_true",
                        help="Windows images get a foreign (non-distributable) base layer")
    parser.add_argument("--layers", type=int, default=1, help="layers per image (one platform only)")
    parser.add_argument("--megabytes", type=int, default=0, help="MB of random bytes per layer")
    parser.add_argument("--user")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    args = parser.parse_args()
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    registry = Registry(args.registry, args.user, password)
    platforms = [parse_platform(p) for p in args.platform]
    if len(platforms) == 1:
        image = push_image(registry, args.name, args.tag, platforms[0], args.format, args.foreign_layer,
                           args.layers, args.megabytes)
        result = {"digest": image["digest"], "mediaType": image["mediaType"], "images": [image]}
    else:
        if args.layers != 1 or args.megabytes:
            parser.error("--layers and --megabytes are for one --platform")
        result = push_list(registry, args.name, args.tag, platforms, args.format, args.foreign_layer)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
