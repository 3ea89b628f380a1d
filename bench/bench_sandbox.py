#!/usr/bin/python3
"""A sandbox (tools/sandbox.py) that the benchmark drives while it runs, one JSON line per command.

    /usr/bin/python3 bench/bench_sandbox.py

Starts a sandbox and prints its environment as one JSON line on stdout. Then reads commands, one JSON
object per line on stdin, and answers each with one JSON line {"ok": true, "seconds": ...} (or
{"ok": false, "error": "..."}). When stdin closes (the benchmark ended, or died), the sandbox is stopped
and removed. Log lines go to stderr.

Why a process of its own: the benchmark needs 20,000 tagged images, and only the sandbox's owner can load
that many quickly (Sandbox.load_bench_images restarts dockerd around the tag file), so the benchmark
keeps that owner beside it instead of running inside `sandbox.py run`.

Commands:
  {"op": "grow", "count": N, "prefix": "bench/n5000-"}   N more images {prefix}{i}:latest, the fast way
                                                         (restarts the engine; fine between phases)
  {"op": "load", "count": N, "prefix": "bench/rm"}       N images with one tagged `docker load` (the
                                                         engine stays up; slow beyond a few thousand)
  {"op": "big", "name": "host:port/bench/x:latest", "layers": 5, "megabytes": 40}
                                                         a local image of that many layers of random
                                                         bytes (each image's content is new)
"""

import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools'))
import sandbox  # noqa: E402


def big_layer_tar(megabytes):
    """One layer: a tar holding one file of random bytes (so compression gains nothing, as for real
    binaries, and no two layers are the same)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w', format=tarfile.USTAR_FORMAT) as archive:
        sandbox.add_bytes(archive, f'data-{os.urandom(8).hex()}.bin', os.urandom(megabytes * 1024 * 1024))
    return buffer.getvalue()


def write_big_archive(path, name, layers, megabytes):
    """A `docker save` archive of one image `name` with `layers` layers of `megabytes` MB each."""
    diff_ids = []
    with tarfile.open(path, 'w', format=tarfile.USTAR_FORMAT) as archive:
        for index in range(layers):
            layer = big_layer_tar(megabytes)
            diff_ids.append('sha256:' + hashlib.sha256(layer).hexdigest())
            sandbox.add_bytes(archive, f'layer{index}/layer.tar', layer)
        created = '2024-01-01T00:00:00Z'
        config = json.dumps({
            'architecture': sandbox.docker_architecture(), 'os': 'linux', 'created': created,
            'config': {'Cmd': ['/bin/sh']},
            'rootfs': {'type': 'layers', 'diff_ids': diff_ids},
            'history': [{'created': created, 'created_by': f'bench layer {i}'} for i in range(layers)],
        }, sort_keys=True).encode()
        digest = hashlib.sha256(config).hexdigest()
        sandbox.add_bytes(archive, f'{digest}.json', config)
        manifest = [{'Config': f'{digest}.json', 'RepoTags': [name],
                     'Layers': [f'layer{i}/layer.tar' for i in range(layers)]}]
        sandbox.add_bytes(archive, 'manifest.json', json.dumps(manifest).encode())


def load_big_image(env, name, layers, megabytes):
    work = tempfile.mkdtemp(prefix='big-', dir=env['CONTAINERIMAGE_SANDBOX'])
    try:
        path = os.path.join(work, 'big.tar')
        write_big_archive(path, name, layers, megabytes)
        sandbox.run_docker(env, 'load', '-q', '-i', path)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(box, command):
    op = command.get('op')
    if op == 'grow':
        box.load_bench_images(int(command['count']), command['prefix'])
    elif op == 'load':
        sandbox.load_bench_images(box.env, int(command['count']), command['prefix'])
    elif op == 'big':
        load_big_image(box.env, command['name'], int(command.get('layers', 5)), int(command.get('megabytes', 40)))
    else:
        raise ValueError(f'unknown op {op!r}')


def answer(message):
    sys.stdout.write(json.dumps(message) + '\n')
    sys.stdout.flush()


def main():
    with sandbox.Sandbox() as box:
        answer(box.env)
        for line in sys.stdin:
            if not line.strip():
                continue
            began = time.monotonic()
            try:
                run(box, json.loads(line))
                answer({'ok': True, 'seconds': round(time.monotonic() - began, 2)})
            except Exception as error:  # the benchmark decides what a failure means
                answer({'ok': False, 'error': f'{type(error).__name__}: {error}'})
    return 0


if __name__ == '__main__':
    sys.exit(main())
