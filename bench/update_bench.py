#!/usr/bin/python3
"""The update-check benchmark's registry side (Invoke-Benchmark.ps1 -Case Update).

    update_bench.py push  --registry HOST:PORT --count N --kilobytes K --prefix bench/upd
        pushes N images, each with one layer of K KB of random bytes (so no two share a layer) and a
        linux config of this machine's architecture, as PREFIX{i}:latest, through the registry API;
        prints their names (HOST:PORT/PREFIX{i}:latest), one a line.
    update_bench.py heads --registry HOST:PORT --count N --prefix bench/upd [--threads 16]
        the baseline: a plain script that sends the N manifest HEADs concurrently (a thread pool of
        --threads, one HTTP connection per thread, kept open), checks each answered 200 with a digest,
        and prints the seconds it took.

Standard library only.
"""

import argparse
import gzip
import hashlib
import http.client
import io
import json
import os
import sys
import tarfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from registry_push import CONFIG, LAYER, MANIFEST, Registry, digest_of  # noqa: E402

ACCEPT = ", ".join(["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
                    "application/vnd.oci.image.manifest.v1+json", MANIFEST])


def _layer(kilobytes):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as archive:
        content = os.urandom(kilobytes * 1024)
        info = tarfile.TarInfo("bench-update")
        info.size, info.mtime, info.mode = len(content), 0, 0o644
        archive.addfile(info, io.BytesIO(content))
    tar = raw.getvalue()
    return gzip.compress(tar, compresslevel=1, mtime=0), "sha256:" + hashlib.sha256(tar).hexdigest()


def push(registry, name, kilobytes, architecture):
    layer, diff_id = _layer(kilobytes)
    config = json.dumps({"os": "linux", "architecture": architecture, "created": "2026-01-01T00:00:00Z",
                         "rootfs": {"type": "layers", "diff_ids": [diff_id]}, "config": {"Cmd": ["/bench"]}}).encode()
    config_digest, layer_digest = registry.put_blob(name, config), registry.put_blob(name, layer)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": MANIFEST,
                           "config": {"mediaType": CONFIG, "size": len(config), "digest": config_digest},
                           "layers": [{"mediaType": LAYER, "size": len(layer), "digest": layer_digest}]}).encode()
    registry.put_manifest(name, "latest", MANIFEST, manifest)
    return digest_of(manifest)


def heads(address, names, threads):
    local = threading.local()

    def head(name):
        connection = getattr(local, "connection", None)
        if connection is None:
            host, _, port = address.rpartition(":")
            connection = local.connection = http.client.HTTPConnection(host, int(port), timeout=30)
        connection.request("HEAD", f"/v2/{name}/manifests/latest", headers={"Accept": ACCEPT})
        response = connection.getresponse()
        response.read()
        if response.status != 200 or not response.getheader("Docker-Content-Digest"):
            raise RuntimeError(f"HEAD {name}: {response.status}")

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(head, names))
    return time.perf_counter() - began


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("operation", choices=("push", "heads"))
    parser.add_argument("--registry", required=True)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--prefix", default="bench/upd")
    parser.add_argument("--kilobytes", type=int, default=1024)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    names = [f"{args.prefix}{i}" for i in range(args.count)]
    if args.operation == "push":
        architecture = {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)
        registry = Registry(args.registry)
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda n: push(registry, n, args.kilobytes, architecture), names))
        for name in names:
            print(f"{args.registry}/{name}:latest")
    else:
        print(f"{heads(args.registry, names, args.threads):.4f}")


if __name__ == "__main__":
    main()
