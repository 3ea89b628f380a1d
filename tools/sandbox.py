#!/usr/bin/python3
"""A private Docker engine and three Distribution registries for tests, demos and benchmarks.

Everything lives in one fresh folder /tmp/cis-XXXXXXXX and on 127.0.0.1; nothing
touches /var/run/docker.sock, ~/.docker, /etc/docker or a system containerd.

What a started sandbox holds:

- a "mirror" registry (no auth), given to the engine as --registry-mirror, so Hub
  names work offline. It is seeded with small busybox-based images under the names
  microsoft/nanoserver:latest, microsoft/windowsservercore:latest and
  microsoft/aspnet:{latest,windowsservercore,nanoserver} (each with distinct content;
  the aspnet images are a second layer on top of windowsservercore). Images carry
  the labels org.opencontainers.image.title/description and com.containerimage.seed;
- an "auth" registry (htpasswd) holding private/busybox:1.0;
- a "target" registry (no auth, starts empty), a destination for copies between registries and a
  place to delete in;
- its own containerd and a dockerd started with --bridge=none --iptables=false
  --ip-masq=false --ip-forward=false. The engine starts with no images and no
  containers: `docker pull microsoft/nanoserver` fetches from the mirror. When the
  mirror lacks a Hub name the engine tries registry-1.docker.io; the sandbox gives
  it a dead loopback proxy so that fails at once without leaving the machine.

As a command (the sandbox is stopped and removed when COMMAND ends, and on Ctrl+C
or SIGTERM, which reach COMMAND first; the exit code is COMMAND's):

    /usr/bin/python3 tools/sandbox.py run -- pytest -q backend/tests
    /usr/bin/python3 tools/sandbox.py run --bench-images 20000 -- pwsh -File bench/list.ps1

As a module:

    sys.path.insert(0, 'tools')
    from sandbox import Sandbox, load_bench_images
    with Sandbox() as sb:                     # start() ... stop(), also on errors
        subprocess.run(['docker', 'pull', 'microsoft/nanoserver'], env=sb.child_env(), check=True)
        load_bench_images(sb.env, 500, 'small/img')   # one `docker load`, any engine
        sb.load_bench_images(20000)                 # fast for large counts (restarts dockerd)

Environment given to COMMAND (sb.env holds these; sb.child_env() is os.environ plus
these, without DOCKER_CONTEXT, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH):

    DOCKER_HOST                        unix:///tmp/cis-XXXXXXXX/docker.sock
    DOCKER_CONFIG                      a folder of the sandbox whose config.json holds no login
                                       and pins logins to config.json (pin_credential_store)
    CONTAINERIMAGE_CACHE_DIR           the backend's cache folder, inside the sandbox
    CONTAINERIMAGE_CONFIG              the settings file, inside the sandbox and missing
                                       (all defaults; never the user's own settings)
    CONTAINERIMAGE_SANDBOX             the sandbox folder
    CONTAINERIMAGE_TEST_MIRROR         127.0.0.1:PORT of the mirror registry
    CONTAINERIMAGE_TEST_REGISTRY       127.0.0.1:PORT of the auth registry
    CONTAINERIMAGE_TEST_USER           user name for the auth registry
    CONTAINERIMAGE_TEST_PASSWORD       its password (random for each sandbox)
    CONTAINERIMAGE_TEST_DOWN_REGISTRY  127.0.0.1:PORT where nothing listens
    CONTAINERIMAGE_TEST_TARGET         127.0.0.1:PORT of the target registry

Every registry has storage.delete.enabled: true and logs each request it answers (method, path, status) into
<sandbox folder>/<mirror|auth|target>.log. start_registry(folder, port) starts one more of them (for a test
that kills and restarts a registry of its own).

Outside the folder only two empty directories appear: /run/docker/plugins (dockerd)
and /run/containerd/s (sockets of running containerd shims).

Standard library only; runs with Debian's /usr/bin/python3. Needs root and the
packages that tools/bootstrap.sh installs (docker.io, docker-registry,
apache2-utils, busybox-static).
"""

import argparse
import atexit
import glob
import hashlib
import http.client
import io
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

DOCKERD_SAFETY_FLAGS = [
    '--bridge=none',
    '--iptables=false',
    '--ip-masq=false',
    '--ip-forward=false',
]
UNSAFE_CLIENT_VARIABLES = ['DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH']
DAEMON_VARIABLE_PREFIXES = ('DOCKER_', 'REGISTRY_', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY',
                            'ALL_PROXY')
REGISTRY_USER = 'ciuser'
PRIVATE_IMAGE = 'private/busybox:1.0'
BASE_SEED_IMAGES = ['microsoft/nanoserver:latest', 'microsoft/windowsservercore:latest']
ASPNET_SEED_IMAGES = [
    'microsoft/aspnet:latest',
    'microsoft/aspnet:windowsservercore',
    'microsoft/aspnet:nanoserver',
]
ASPNET_BASE_IMAGE = 'microsoft/windowsservercore:latest'
START_TIMEOUT = 30
DOCKERD_STOP_TIMEOUT = 15
OTHER_STOP_TIMEOUT = 10
HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


# A config.json with no login that says where logins go: into config.json itself. Without it the docker CLI
# (and the ContainerImage backend, which follows it) puts a first login into the machine's default
# credential helper, docker-credential-pass or -secretservice when installed (Debian's
# golang-docker-credential-helpers), which need a gpg key or a desktop session. docker takes any
# credHelpers entry as such a statement (ConfigFile.ContainsAuth; "credsStore": "" does not count); this one
# names a registry that does not exist, so its helper is never run.
PINNED_DOCKER_CONFIG = {'credHelpers': {'no-default-credential-helper.invalid': 'none'}}


def pin_credential_store(folder):
    """Write the pinned config.json (PINNED_DOCKER_CONFIG) into folder, made if need be; returns its path."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, 'config.json')
    write_file(path, json.dumps(PINNED_DOCKER_CONFIG, indent='\t'), mode=0o600)
    return path


class SandboxError(Exception):
    """The sandbox could not be started."""


def log(message):
    print(f'sandbox: {message}', file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# Small helpers

def docker_cli():
    """Path of the docker client: Debian's 20.10 client when present."""
    if os.path.exists('/usr/bin/docker'):
        return '/usr/bin/docker'
    found = shutil.which('docker')
    if not found:
        raise SandboxError('no docker client found (run tools/bootstrap.sh)')
    return found


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def write_file(path, text, mode=0o644):
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text)
    os.chmod(path, mode)


def log_tail(path, lines=30):
    """The last lines of a log file, for error messages."""
    try:
        with open(path, encoding='utf-8', errors='replace') as handle:
            return f'end of {path}:\n' + ''.join(handle.readlines()[-lines:])
    except OSError as error:
        return f'cannot read {path}: {error}'


def clean_client_environment(extra):
    """os.environ plus extra, without variables that could point the client elsewhere."""
    env = dict(os.environ)
    for name in UNSAFE_CLIENT_VARIABLES:
        env.pop(name, None)
    env.update(extra)
    return env


def run_docker(env, *args, input=None, check=True):
    """Run the docker client with env; return its stdout as text."""
    result = subprocess.run(
        [docker_cli(), *args], env=clean_client_environment(env), input=input,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and result.returncode != 0:
        raise SandboxError(
            f'docker {" ".join(args)} failed ({result.returncode}): '
            f'{result.stderr.decode(errors="replace").strip()}')
    return result.stdout.decode(errors='replace')


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over a unix socket, for the engine API."""

    def __init__(self, socket_path, timeout=5):
        super().__init__('localhost', timeout=timeout)
        self.socket_path = socket_path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


def http_status(connection, path):
    """Status code of GET path, or None when nothing answers."""
    try:
        connection.request('GET', path)
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


def wait_until(check, timeout, process, what, log_path):
    """Poll check() until it is true; fail early when process has exited."""
    deadline = time.monotonic() + timeout
    while not check():
        if process.poll() is not None:
            raise SandboxError(f'{what} exited with code {process.returncode}; {log_tail(log_path)}')
        if time.monotonic() > deadline:
            raise SandboxError(f'{what} not ready after {timeout} s; {log_tail(log_path)}')
        time.sleep(0.05)


def stop_process(process, timeout):
    """SIGTERM, wait up to timeout seconds, then SIGKILL."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# ---------------------------------------------------------------------------
# Finding what a sandbox leaves behind (by its folder, never by program name)

def read_process_table():
    """{pid: (parent pid, command line)} of all processes."""
    table = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat', encoding='utf-8', errors='replace') as handle:
                stat = handle.read()
            with open(f'/proc/{entry}/cmdline', 'rb') as handle:
                cmdline = handle.read().replace(b'\0', b' ').decode(errors='replace')
        except OSError:
            continue
        parent = int(stat.rsplit(')', 1)[1].split()[1])
        table[int(entry)] = (parent, cmdline)
    return table


def processes_of(directory):
    """Pids whose command line names directory, plus all their descendants.

    That is the sandbox's daemons, containerd shims and the container processes
    under the shims; nothing else has the random folder name in its command line.
    """
    table = read_process_table()
    mine = {os.getpid(), os.getppid()}
    found = {pid for pid, (_, cmdline) in table.items()
             if directory + '/' in cmdline and pid not in mine}
    grew = True
    while grew:
        children = {pid for pid, (parent, _) in table.items()
                    if parent in found and pid not in found and pid not in mine}
        found |= children
        grew = bool(children)
    return sorted(found)


def is_running(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open(f'/proc/{pid}/stat', encoding='utf-8', errors='replace') as handle:
            return handle.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False


def wait_for_exit(pids, timeout):
    deadline = time.monotonic() + timeout
    while any(is_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)


def unescape_mount_path(text):
    """Undo the octal escapes (\\040 for a space) of /proc/self/mountinfo."""
    return re.sub(r'\\([0-7]{3})', lambda match: chr(int(match.group(1), 8)), text)


def mounts_under(directory):
    """Mount points at or below directory, deepest first."""
    found = []
    with open('/proc/self/mountinfo', encoding='utf-8') as handle:
        for line in handle:
            mount_point = unescape_mount_path(line.split()[4])
            if mount_point == directory or mount_point.startswith(directory + '/'):
                found.append(mount_point)
    return sorted(set(found), key=lambda path: (path.count('/'), len(path)), reverse=True)


def remove_quietly(path):
    """Remove a file, socket or empty directory (a cgroup) if it is there."""
    try:
        if os.path.isdir(path):
            os.rmdir(path)
        else:
            os.remove(path)
    except OSError:
        pass


def unmount(path):
    result = subprocess.run(['umount', path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if result.returncode != 0:
        subprocess.run(['umount', '-l', path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# ---------------------------------------------------------------------------
# Configuration files

def registry_config(port, storage, htpasswd_path=None):
    text = f"""version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:{port}
  secret: {secrets.token_hex(16)}
health:
  storagedriver:
    enabled: false
validation:
  manifests:
    urls:
      allow:
        - ^https?://
"""
    # validation: without an allow list Distribution refuses every manifest with a foreign layer (its
    # `urls`), as Windows base images have; MCR and Docker Hub take them.
    if htpasswd_path:
        text += f"""auth:
  htpasswd:
    realm: containerimage-sandbox
    path: {htpasswd_path}
"""
    return text


def start_registry(folder, port, log_path=None, htpasswd_path=None):
    """Start `docker-registry serve` on 127.0.0.1:port with its storage in folder/data and its config in
    folder/config.yml (both made when missing, so a registry killed earlier restarts with what it stored);
    its log (every request) is appended to log_path (folder/registry.log by default). Its own session, so a
    terminal's Ctrl+C does not reach it. Returns the Popen; wait_for_registry() waits until it answers."""
    os.makedirs(os.path.join(folder, 'data'), exist_ok=True)
    config_path = os.path.join(folder, 'config.yml')
    if not os.path.exists(config_path):
        write_file(config_path, registry_config(port, os.path.join(folder, 'data'), htpasswd_path))
    return launch_daemon(['docker-registry', 'serve', config_path], log_path or os.path.join(folder, 'registry.log'))


def launch_daemon(command, log_path, extra_env=None):
    """Start a daemon in its own session (so a terminal's Ctrl+C does not reach it), its output appended to
    log_path, without the caller's DOCKER_*, REGISTRY_* and proxy variables."""
    env = {key: value for key, value in os.environ.items()
           if not key.upper().startswith(DAEMON_VARIABLE_PREFIXES)}
    env.update(extra_env or {})
    with open(log_path, 'ab') as log_file:
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)


def wait_for_registry(process, port, log_path, expected=200, timeout=START_TIMEOUT):
    """Wait until the registry on 127.0.0.1:port answers GET /v2/ with expected (401 with auth)."""
    connection = http.client.HTTPConnection('127.0.0.1', port, timeout=2)
    wait_until(lambda: http_status(connection, '/v2/') == expected, timeout, process,
               f'registry on port {port}', log_path)


def containerd_config(directory):
    """Config of the sandbox's own containerd, everything under directory.

    Started by us and passed to dockerd with --containerd because dockerd 20.10,
    when given no --containerd, uses /run/containerd/containerd.sock whenever that
    socket exists (the system containerd) and only otherwise starts its own.
    """
    return f"""version = 2
root = "{directory}/root"
state = "{directory}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "{directory}/containerd.sock"

[plugins."io.containerd.internal.v1.opt"]
  path = "{directory}/opt"
"""


# ---------------------------------------------------------------------------
# Seed images

def build_busybox_rootfs(rootfs):
    """A minimal root file system: static busybox, its applets as links, root in /etc/passwd."""
    for folder in ('bin', 'etc', 'tmp', 'root'):
        os.makedirs(os.path.join(rootfs, folder), exist_ok=True)
    shutil.copy2('/bin/busybox', os.path.join(rootfs, 'bin', 'busybox'))
    applets = subprocess.run(['/bin/busybox', '--list'], check=True, stdout=subprocess.PIPE,
                             text=True).stdout.split()
    for applet in applets:
        if applet != 'busybox' and '/' not in applet:
            os.symlink('busybox', os.path.join(rootfs, 'bin', applet))
    write_file(os.path.join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n')
    write_file(os.path.join(rootfs, 'etc', 'group'), 'root:x:0:\n')
    os.chmod(os.path.join(rootfs, 'tmp'), 0o1777)


def label_changes(name, description):
    return [
        '--change', f'LABEL org.opencontainers.image.title="{name}"',
        '--change', f'LABEL org.opencontainers.image.description="{description}"',
        '--change', 'LABEL com.containerimage.seed="true"',
    ]


def import_rootfs(env, rootfs, name, tag_as, description):
    """Import rootfs as image tag_as, with a seed file naming it (so its content is unique)."""
    write_file(os.path.join(rootfs, 'etc', 'containerimage-seed'), f'{name}\n')
    archive = subprocess.run(['tar', '-C', rootfs, '-c', '.'], check=True,
                             stdout=subprocess.PIPE).stdout
    run_docker(env, 'import', '--change', 'CMD ["/bin/sh"]', *label_changes(name, description),
               '-', tag_as, input=archive)


def commit_second_layer(env, base, name, tag_as, work):
    """tag_as = base plus one file naming it, made with create + cp + commit."""
    extra_file = os.path.join(work, 'second-layer')
    write_file(extra_file, f'{name}\n')
    container = run_docker(env, 'create', '--network', 'none', base).strip()
    try:
        run_docker(env, 'cp', extra_file, f'{container}:/etc/containerimage-aspnet')
        description = f'{name} seed: a second layer on {ASPNET_BASE_IMAGE}'
        run_docker(env, 'commit', *label_changes(name, description), container, tag_as)
    finally:
        run_docker(env, 'rm', '-f', container, check=False)


def remove_all_images_and_containers(env):
    containers = run_docker(env, 'ps', '-aq').split()
    if containers:
        run_docker(env, 'rm', '-f', *containers)
    # By tag, so that parents go with their children (rmi -f by id refuses a parent).
    tags = run_docker(env, 'images', '--format', '{{.Repository}}:{{.Tag}}').split()
    if tags:
        run_docker(env, 'rmi', *tags)
    leftover = run_docker(env, 'images', '-aq').split() + run_docker(env, 'ps', '-aq').split()
    if leftover:
        raise SandboxError(f'engine not empty after seeding: {leftover}')


# ---------------------------------------------------------------------------
# Bench images

def bench_layer_tar():
    """One small layer (a tar with one file) shared by all bench images."""
    content = b'containerimage bench layer\n'
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w', format=tarfile.USTAR_FORMAT) as archive:
        add_bytes(archive, 'bench.txt', content)
    return buffer.getvalue()


def add_bytes(archive, name, content):
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = 0
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(content))


def docker_architecture():
    machine = platform.machine()
    return {'x86_64': 'amd64', 'aarch64': 'arm64'}.get(machine, machine)


def bench_config(name, diff_id):
    created = '2024-01-01T00:00:00Z'
    return {
        'architecture': docker_architecture(),
        'os': 'linux',
        'created': created,
        'config': {'Cmd': ['/bin/sh'], 'Labels': {'bench.name': name}},
        'rootfs': {'type': 'layers', 'diff_ids': [diff_id]},
        'history': [{'created': created, 'created_by': 'tools/sandbox.py load_bench_images'}],
    }


def write_bench_archive(path, count, prefix, with_tags=True):
    """Write a `docker save`-format tar of count images that share one layer.

    Returns {'{prefix}{i}:latest': image id}; an image's ID is the sha256 of its
    config file, so it is known before the engine sees the archive.
    """
    layer = bench_layer_tar()
    diff_id = 'sha256:' + hashlib.sha256(layer).hexdigest()
    tags = {}
    manifest = []
    with tarfile.open(path, 'w', format=tarfile.USTAR_FORMAT) as archive:
        add_bytes(archive, 'layer/layer.tar', layer)
        for index in range(count):
            tag = f'{prefix}{index}:latest'
            config = json.dumps(bench_config(tag, diff_id), sort_keys=True).encode()
            digest = hashlib.sha256(config).hexdigest()
            add_bytes(archive, f'{digest}.json', config)
            tags[tag] = f'sha256:{digest}'
            manifest.append({
                'Config': f'{digest}.json',
                'RepoTags': [tag] if with_tags else [],
                'Layers': ['layer/layer.tar'],
            })
        add_bytes(archive, 'manifest.json', json.dumps(manifest).encode())
    return tags


def docker_load_bench_archive(docker_env, count, prefix, with_tags):
    """Write the bench archive into a temporary folder and `docker load` it once."""
    work = tempfile.mkdtemp(prefix='bench-', dir=docker_env.get('CONTAINERIMAGE_SANDBOX', '/tmp'))
    try:
        path = os.path.join(work, 'bench.tar')
        tags = write_bench_archive(path, count, prefix, with_tags)
        run_docker(docker_env, 'load', '-q', '-i', path)
        return tags
    finally:
        shutil.rmtree(work, ignore_errors=True)


def push_fresh_image(env, name, layers=2):
    """Push to the mirror, as the Hub name `name`, an image of 1 or 2 layers no other image has, and leave
    nothing of it on the engine: a pull of it then certainly downloads both layers (tests of progress and
    of Ctrl+C must not find the layers already there, whatever ran before them)."""
    mirror_name = f'{env["CONTAINERIMAGE_TEST_MIRROR"]}/{name}'
    work = tempfile.mkdtemp(prefix='fresh-', dir=env.get('CONTAINERIMAGE_SANDBOX', '/tmp'))
    try:
        for layer in ('first', 'second'):
            write_file(os.path.join(work, layer), os.urandom(16).hex() + '\n')
        first = subprocess.run(['tar', '-C', work, '-c', 'first'], check=True, stdout=subprocess.PIPE).stdout
        base = f'{mirror_name}-base' if layers == 2 else mirror_name
        run_docker(env, 'import', '-', base, input=first)
        if layers == 2:
            container = run_docker(env, 'create', '--network', 'none', base, 'none').strip()
            try:
                run_docker(env, 'cp', os.path.join(work, 'second'), f'{container}:/second')
                run_docker(env, 'commit', container, mirror_name)
            finally:
                run_docker(env, 'rm', '-f', container, check=False)
        run_docker(env, 'push', mirror_name)
        run_docker(env, 'rmi', *{mirror_name, base})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return name


def load_bench_images(docker_env, count, prefix='bench/img'):
    """Make count distinct local images {prefix}{i}:latest with one `docker load -i`.

    docker_env holds DOCKER_HOST (and DOCKER_CONFIG), for example Sandbox().env.
    The images differ only by the label bench.name={prefix}{i}:latest, so their IDs differ
    (from each other, and from those of another prefix).

    Works with any engine, but dockerd 20.10 rewrites its whole tag file
    (repositories.json) for every tag it adds, so the time grows with count squared:
    about 30 s for 5,000 images and 6 minutes for 20,000 on a 2-core VM. For large counts
    use Sandbox.load_bench_images or `sandbox.py run --bench-images N`.
    """
    docker_load_bench_archive(docker_env, count, prefix, with_tags=True)


def check_bench_prefix(prefix):
    """The tag file holds short names (microsoft/x, not docker.io/microsoft/x)."""
    long_forms = ('docker.io/', 'index.docker.io/', 'library/')
    if prefix != prefix.lower() or prefix.startswith(long_forms):
        raise ValueError(f'bench prefix must be a short lower-case name, not {prefix!r}')


def add_tags_to_tag_file(path, tags):
    """Add {tag: image id} to dockerd's repositories.json (only while dockerd is stopped)."""
    store = {}
    if os.path.exists(path):
        with open(path, encoding='utf-8') as handle:
            store = json.load(handle)
    repositories = store.setdefault('Repositories', {})
    for tag, image_id in tags.items():
        repository = tag.rsplit(':', 1)[0]
        repositories.setdefault(repository, {})[tag] = image_id
    write_file(path + '.new', json.dumps(store), mode=0o600)
    os.replace(path + '.new', path)


# ---------------------------------------------------------------------------
# The sandbox

class Sandbox:
    """One private dockerd (with its own containerd) plus a mirror, an auth and a target registry.

    Use as a context manager, or call start() and stop(). stop() always cleans up
    and may be called more than once.
    """

    def __init__(self, storage_driver='overlay2'):
        self.storage_driver = storage_driver
        self.directory = None
        self.env = {}
        self.password = secrets.token_urlsafe(12)
        self.mirror_port = None
        self.auth_port = None
        self.down_port = None
        self.target_port = None
        self._processes = {}          # name -> Popen, in start order
        self._saved_handlers = {}     # signal -> handler before start()

    # -- lifecycle --------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()
        return False

    def start(self):
        began = time.monotonic()
        self._take_signals()
        atexit.register(self.stop)
        try:
            self.directory = tempfile.mkdtemp(prefix='cis-', dir='/tmp')
            self._pick_ports()
            self._write_env()
            self._start_registries()
            self._start_containerd()
            self._wait_for_registries()
            self._wait_for_containerd()
            self._start_engine()
            started = time.monotonic()
            self._seed()
            log(f'ready in {time.monotonic() - began:.1f} s '
                f'(engine {started - began:.1f} s, seed {time.monotonic() - started:.1f} s): '
                f'{self.directory}')
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        if self.directory is None:
            return
        began = time.monotonic()
        self._ignore_signals()
        try:
            self._kill_running_containers()
            self._stop_daemons()
            self._kill_leftover_processes()
            self._unmount_all()
            shutil.rmtree(self.directory, ignore_errors=True)
            self._report_leftovers()
            log(f'stopped in {time.monotonic() - began:.1f} s')
        finally:
            self.directory = None
            atexit.unregister(self.stop)
            self._restore_signals()

    def child_env(self):
        """Environment for a process that should use this sandbox."""
        return clean_client_environment(self.env)

    # -- signals ----------------------------------------------------------
    # Handlers can only be changed from the main thread; elsewhere these do nothing.

    def _take_signals(self):
        """Let SIGTERM raise like Ctrl+C does, so `with Sandbox()` cleans up on either."""
        if threading.current_thread() is not threading.main_thread():
            return
        self._saved_handlers = {signum: signal.getsignal(signum) for signum in HANDLED_SIGNALS}
        if self._saved_handlers[signal.SIGTERM] is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, raise_interrupted)

    def _ignore_signals(self):
        """Clean-up must run to its end."""
        if threading.current_thread() is threading.main_thread():
            for signum in HANDLED_SIGNALS:
                signal.signal(signum, signal.SIG_IGN)

    def _restore_signals(self):
        if threading.current_thread() is threading.main_thread():
            for signum, handler in self._saved_handlers.items():
                signal.signal(signum, handler)
            self._saved_handlers = {}

    # -- start ------------------------------------------------------------

    def path(self, *parts):
        return os.path.join(self.directory, *parts)

    def _pick_ports(self):
        ports = set()
        while len(ports) < 4:
            ports.add(free_port())
        self.mirror_port, self.auth_port, self.down_port, self.target_port = sorted(ports)

    def _write_env(self):
        pin_credential_store(self.path('docker-config'))
        self.env = {
            'DOCKER_HOST': f'unix://{self.path("docker.sock")}',
            'DOCKER_CONFIG': self.path('docker-config'),
            'CONTAINERIMAGE_CACHE_DIR': self.path('containerimage-cache'),
            # a private, missing settings file: tests never read the user's own settings
            'CONTAINERIMAGE_CONFIG': self.path('containerimage-config', 'config.yaml'),
            'CONTAINERIMAGE_SANDBOX': self.directory,
            'CONTAINERIMAGE_TEST_MIRROR': f'127.0.0.1:{self.mirror_port}',
            'CONTAINERIMAGE_TEST_REGISTRY': f'127.0.0.1:{self.auth_port}',
            'CONTAINERIMAGE_TEST_USER': REGISTRY_USER,
            'CONTAINERIMAGE_TEST_PASSWORD': self.password,
            'CONTAINERIMAGE_TEST_DOWN_REGISTRY': f'127.0.0.1:{self.down_port}',
            'CONTAINERIMAGE_TEST_TARGET': f'127.0.0.1:{self.target_port}',
        }

    def _launch(self, name, command, extra_env=None):
        self._processes[name] = launch_daemon(command, self.path(f'{name}.log'), extra_env)
        return self._processes[name]

    def _start_registry(self, name, port, htpasswd_path=None):
        self._processes[name] = start_registry(self.path(name), port, self.path(f'{name}.log'), htpasswd_path)

    def _start_registries(self):
        self._start_registry('mirror', self.mirror_port)
        os.makedirs(self.path('auth'))
        htpasswd_path = self.path('auth', 'htpasswd')
        entry = subprocess.run(['htpasswd', '-Bbn', REGISTRY_USER, self.password], check=True,
                               stdout=subprocess.PIPE, text=True).stdout
        write_file(htpasswd_path, entry, mode=0o600)
        self._start_registry('auth', self.auth_port, htpasswd_path)
        self._start_registry('target', self.target_port)

    def _wait_for_registries(self):
        for name, port, expected in (('mirror', self.mirror_port, 200),
                                     ('auth', self.auth_port, 401),
                                     ('target', self.target_port, 200)):
            wait_for_registry(self._processes[name], port, self.path(f'{name}.log'), expected)

    def _start_containerd(self):
        folder = self.path('containerd')
        os.makedirs(folder)
        config_path = os.path.join(folder, 'config.toml')
        write_file(config_path, containerd_config(folder))
        self._launch('containerd', ['containerd', '--config', config_path])

    def _wait_for_containerd(self):
        socket_path = self.path('containerd', 'containerd.sock')

        def answers():
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                    sock.connect(socket_path)
                return True
            except OSError:
                return False

        wait_until(answers, START_TIMEOUT, self._processes['containerd'], 'containerd',
                   self.path('containerd.log'))

    def _dockerd_command(self):
        return [
            'dockerd',
            '--data-root', self.path('data'),
            '--exec-root', self.path('exec'),
            '--pidfile', self.path('docker.pid'),
            '--config-file', self.path('daemon.json'),
            '-H', self.env['DOCKER_HOST'],
            '--containerd', self.path('containerd', 'containerd.sock'),
            *DOCKERD_SAFETY_FLAGS,
            f'--registry-mirror=http://127.0.0.1:{self.mirror_port}',
            f'--storage-driver={self.storage_driver}',
        ]

    def _start_engine(self):
        # Keeps dockerd 20.10 from writing its trust key to /etc/docker/key.json.
        daemon_config = {'deprecated-key-path': self.path('key.json')}
        write_file(self.path('daemon.json'), json.dumps(daemon_config))
        try:
            self._start_dockerd()
        except SandboxError as error:
            if self.storage_driver == 'vfs' or 'graphdriver' not in str(error):
                raise
            log(f'storage driver {self.storage_driver} failed, falling back to vfs')
            stop_process(self._processes.pop('dockerd'), DOCKERD_STOP_TIMEOUT)
            self._unmount_all(keep_directory=True)
            shutil.rmtree(self.path('data'), ignore_errors=True)
            self.storage_driver = 'vfs'
            self._start_dockerd()

    def _start_dockerd(self):
        # The engine falls back to registry-1.docker.io when the mirror lacks an image.
        # A proxy where nothing listens makes that fail at once, without DNS or any
        # traffic off loopback (Go never proxies 127.0.0.1, so the registries still work).
        dead_proxy = f'http://127.0.0.1:{self.down_port}'
        process = self._launch('dockerd', self._dockerd_command(),
                               {'HTTP_PROXY': dead_proxy, 'HTTPS_PROXY': dead_proxy,
                                'NO_PROXY': '127.0.0.1,localhost'})
        engine = UnixHTTPConnection(self.path('docker.sock'), timeout=2)
        wait_until(lambda: http_status(engine, '/_ping') == 200, START_TIMEOUT, process,
                   'dockerd', self.path('dockerd.log'))

    # -- bench images -----------------------------------------------------

    def load_bench_images(self, count, prefix='bench/img'):
        """Like load_bench_images(self.env, count, prefix), fast for 20,000 images.

        One `docker load` of the images without tags, then the tags are written
        into the engine's tag file while dockerd is stopped for a moment (running
        containers are stopped by that restart).
        """
        check_bench_prefix(prefix)
        tags = docker_load_bench_archive(self.env, count, prefix, with_tags=False)
        stop_process(self._processes.pop('dockerd'), DOCKERD_STOP_TIMEOUT)
        add_tags_to_tag_file(
            self.path('data', 'image', self.storage_driver, 'repositories.json'), tags)
        self._start_dockerd()

    # -- seed -------------------------------------------------------------

    def _seed(self):
        env = self.env
        mirror = self.env['CONTAINERIMAGE_TEST_MIRROR']
        work = self.path('seed')
        rootfs = os.path.join(work, 'rootfs')
        build_busybox_rootfs(rootfs)
        for name in BASE_SEED_IMAGES:
            import_rootfs(env, rootfs, name, f'{mirror}/{name}', f'{name} seed: busybox, one layer')
        base = f'{mirror}/{ASPNET_BASE_IMAGE}'
        for name in ASPNET_SEED_IMAGES:
            commit_second_layer(env, base, name, f'{mirror}/{name}', work)
        for name in BASE_SEED_IMAGES + ASPNET_SEED_IMAGES:
            run_docker(env, 'push', f'{mirror}/{name}')
        self._seed_private_registry(rootfs)
        remove_all_images_and_containers(env)
        shutil.rmtree(work)
        # The engine must find Hub names in the mirror.
        run_docker(env, 'pull', BASE_SEED_IMAGES[0])
        remove_all_images_and_containers(env)

    def _seed_private_registry(self, rootfs):
        """Push private/busybox:1.0 with a login kept in a throwaway DOCKER_CONFIG."""
        name = f'{self.env["CONTAINERIMAGE_TEST_REGISTRY"]}/{PRIVATE_IMAGE}'
        login_config = tempfile.mkdtemp(prefix='login-', dir=self.directory)
        pin_credential_store(login_config)
        env = dict(self.env, DOCKER_CONFIG=login_config)
        try:
            import_rootfs(env, rootfs, PRIVATE_IMAGE, name,
                          f'{PRIVATE_IMAGE} seed: busybox in the auth registry')
            run_docker(env, 'login', '--username', REGISTRY_USER, '--password-stdin',
                       self.env['CONTAINERIMAGE_TEST_REGISTRY'], input=self.password.encode())
            run_docker(env, 'push', name)
        finally:
            shutil.rmtree(login_config)

    # -- stop -------------------------------------------------------------

    def _kill_running_containers(self):
        """Containers ignore SIGTERM as pid 1; kill them so dockerd stops at once."""
        process = self._processes.get('dockerd')
        if process is None or process.poll() is not None:
            return
        try:
            running = run_docker(self.env, 'ps', '-q', check=False).split()
            if running:
                run_docker(self.env, 'kill', *running, check=False)
        except OSError:
            pass

    def _stop_daemons(self):
        """dockerd first (it needs containerd to stop), then containerd, then the registries."""
        if 'dockerd' in self._processes:
            stop_process(self._processes.pop('dockerd'), DOCKERD_STOP_TIMEOUT)
        for process in self._processes.values():
            stop_process(process, OTHER_STOP_TIMEOUT)
        self._processes.clear()

    def _kill_leftover_processes(self):
        """containerd shims and the container processes under them (left when dockerd died)."""
        pids = processes_of(self.directory)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        wait_for_exit(pids, timeout=5)
        if pids:
            self._remove_container_traces()

    def _remove_container_traces(self):
        """What a killed shim leaves outside the folder: its socket and the container's cgroups."""
        containers = self.path('data', 'containers')
        if not os.path.isdir(containers):
            return
        containerd_socket = self.path('containerd', 'containerd.sock')
        for container_id in os.listdir(containers):
            # containerd 1.6 names a shim socket after sha256("<address>/<namespace>/<id>").
            key = f'{containerd_socket}/moby/{container_id}'.encode()
            shim_socket = '/run/containerd/s/' + hashlib.sha256(key).hexdigest()
            cgroups = (glob.glob(f'/sys/fs/cgroup/*/docker/{container_id}')
                       + glob.glob(f'/sys/fs/cgroup/docker/{container_id}'))
            for path in [shim_socket] + cgroups:
                remove_quietly(path)

    def _unmount_all(self, keep_directory=False):
        for mount_point in mounts_under(self.directory):
            if keep_directory and mount_point == self.directory:
                continue
            unmount(mount_point)

    def _report_leftovers(self):
        leftovers = processes_of(self.directory) + mounts_under(self.directory)
        if os.path.exists(self.directory):
            leftovers.append(self.directory)
        if leftovers:
            log(f'WARNING: left behind: {leftovers}')


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived; signum says which."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def raise_interrupted(signum, frame):
    raise Interrupted(signum)


# ---------------------------------------------------------------------------
# Command line

def run_command(command, env):
    """Run command to its end; pass SIGINT/SIGTERM on to it. Return its exit code."""
    try:
        child = subprocess.Popen(command, env=env)
    except OSError as error:
        log(f'cannot run {command[0]}: {error}')
        return 127
    signals_seen = []

    def forward(signum, frame):
        signals_seen.append(signum)
        if len(signals_seen) > 1:
            child.kill()
        elif signum == signal.SIGINT and terminal_sends_sigint_to_child():
            pass
        else:
            child.send_signal(signum)

    previous = {signum: signal.signal(signum, forward) for signum in HANDLED_SIGNALS}
    try:
        returncode = child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 128 - returncode if returncode < 0 else returncode


def terminal_sends_sigint_to_child():
    """True when we are in the terminal's foreground group: Ctrl+C has reached the child too."""
    try:
        return os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp()
    except OSError:
        return False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    commands = parser.add_subparsers(dest='action', required=True)
    run = commands.add_parser('run', help='start a sandbox, run COMMAND in it, stop it')
    run.add_argument('--bench-images', type=int, default=0, metavar='N',
                     help='load N distinct images bench/img{i}:latest before COMMAND')
    run.add_argument('--storage-driver', default='overlay2',
                     help='first storage driver to try (vfs is the fallback)')
    run.add_argument('command', nargs=argparse.REMAINDER, help='-- COMMAND ARGS...')
    fresh = commands.add_parser('fresh-image', help='in a running sandbox (its environment): push NAME, two '
                                'layers no other image has, to the mirror, and keep nothing of it on the engine')
    fresh.add_argument('name')
    fresh.add_argument('--layers', type=int, choices=(1, 2), default=2)
    args = parser.parse_args(argv)
    if args.action == 'fresh-image':
        print(push_fresh_image(clean_client_environment({}), args.name, args.layers))
        return 0
    command = args.command[1:] if args.command[:1] == ['--'] else args.command
    if not command:
        parser.error('run needs a command after --')

    sandbox = Sandbox(storage_driver=args.storage_driver)
    try:
        sandbox.start()
        if args.bench_images:
            began = time.monotonic()
            sandbox.load_bench_images(args.bench_images)
            log(f'loaded {args.bench_images} bench images in {time.monotonic() - began:.1f} s')
        return run_command(command, sandbox.child_env())
    except KeyboardInterrupt as error:
        log(f'interrupted ({error or "SIGINT"})')
        return 128 + getattr(error, 'signum', signal.SIGINT)
    except SandboxError as error:
        log(f'error: {error}')
        return 125
    finally:
        sandbox.stop()


if __name__ == '__main__':
    sys.exit(main())
