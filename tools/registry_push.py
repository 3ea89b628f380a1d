#!/usr/bin/python3
"""Push images with any platform into a registry through its HTTP API: for compatibility tests.

The engine builds and pushes only images of its own OS; this writes the blobs and manifests itself
(POST+PUT /v2/<name>/blobs/uploads/, PUT /v2/<name>/manifests/<tag>), so a test can put into the sandbox
registry an image whose config says `os: windows` with any `os.version`, and manifest lists of several
platforms. Each image has one small layer that is a real gzipped tar (one file with random content, so no
two images share a layer), so an image of the engine's own platform can also really be pulled.

    python3 tools/registry_push.py --registry 127.0.0.1:5000 --name win/app --tag 1 \\
        --platform windows/amd64/10.0.20348.2227 [--platform linux/amd64 ...] [--user U --password-stdin]

One --platform pushes a single manifest; several push one image each and a manifest list of them under
--tag. Prints JSON: {"digest": the tag's manifest digest, "images": [{"platform", "digest", "config",
"layer"}]}. As a module: push_image(...), push_list(...).

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


def _layer():
    """(gzipped tar, uncompressed digest) of one file with random content."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as archive:
        content = os.urandom(16).hex().encode() + b"\n"
        info = tarfile.TarInfo("containerimage-compat-test")
        info.size, info.mtime, info.mode = len(content), 0, 0o644
        archive.addfile(info, io.BytesIO(content))
    tar = raw.getvalue()
    return gzip.compress(tar, mtime=0), digest_of(tar)


def push_image(registry, name, tag, platform):
    """Push one image whose config has platform's os, architecture and os.version; tag may be None (by
    digest only). Returns {"platform", "digest", "config", "layer", "size"}."""
    layer, diff_id = _layer()
    config = dict(platform, created="2024-01-01T00:00:00Z", rootfs={"type": "layers", "diff_ids": [diff_id]},
                  config={"Cmd": ["/bin/sh"], "Labels": {"com.containerimage.test": "compat"}})
    config_bytes = json.dumps(config, sort_keys=True).encode()
    config_digest = registry.put_blob(name, config_bytes)
    layer_digest = registry.put_blob(name, layer)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": MANIFEST,
        "config": {"mediaType": CONFIG, "size": len(config_bytes), "digest": config_digest},
        "layers": [{"mediaType": LAYER, "size": len(layer), "digest": layer_digest}],
    }).encode()
    digest = digest_of(manifest)
    registry.put_manifest(name, tag or digest, MANIFEST, manifest)
    return {"platform": platform, "digest": digest, "config": config_digest, "layer": layer_digest,
            "size": len(manifest)}


def push_list(registry, name, tag, platforms):
    """Push one image per platform (by digest) and a manifest list of them as name:tag."""
    pushed = [push_image(registry, name, None, platform) for platform in platforms]
    body = json.dumps({"schemaVersion": 2, "mediaType": MANIFEST_LIST, "manifests": [
        {"mediaType": MANIFEST, "size": image["size"], "digest": image["digest"], "platform": image["platform"]}
        for image in pushed]}).encode()
    return {"digest": registry.put_manifest(name, tag, MANIFEST_LIST, body), "images": pushed}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", required=True, help="host:port (plain HTTP)")
    parser.add_argument("--name", required=True, help="repository, e.g. win/app")
    parser.add_argument("--tag", required=True)
    parser.add_argument("--platform", action="append", required=True, help="os/arch[/os.version]; repeat for a list")
    parser.add_argument("--user")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    args = parser.parse_args()
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    registry = Registry(args.registry, args.user, password)
    platforms = [parse_platform(p) for p in args.platform]
    if len(platforms) == 1:
        image = push_image(registry, args.name, args.tag, platforms[0])
        result = {"digest": image["digest"], "images": [image]}
    else:
        result = push_list(registry, args.name, args.tag, platforms)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
