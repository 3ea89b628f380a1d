#!/usr/bin/python3
"""The plain-script baseline of the Get-ContainerImageTag -Digest benchmark: a HEAD of each tag's manifest
in a registry on plain HTTP, 16 at once (one kept-alive connection per thread), standard library only.
Prints how many digests it got.

    python3 bench/tag_heads.py 127.0.0.1:5000 bench/tags < tags.txt     (one tag a line)
"""

import http.client
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

ACCEPT = ("application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, "
          "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json")


def main():
    address, name = sys.argv[1], sys.argv[2]
    tags = [line.strip() for line in sys.stdin if line.strip()]
    local = threading.local()

    def head(tag):
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection(address, timeout=30)
        local.connection.request("HEAD", f"/v2/{name}/manifests/{tag}", headers={"Accept": ACCEPT})
        response = local.connection.getresponse()
        response.read()
        return response.getheader("Docker-Content-Digest")
    with ThreadPoolExecutor(max_workers=16) as pool:
        digests = [d for d in pool.map(head, tags) if d]
    print(len(digests))


if __name__ == "__main__":
    main()
