"""ssh:// engines as the docker CLI reaches them: the system `ssh` client runs `docker system dial-stdio` on the
far side, and each HTTP connection to the engine is that program's stdin and stdout.

Authentication is ssh's own (a key, an agent, ~/.ssh/config); BatchMode means ssh never asks for a password or
a host key, so nothing can prompt on the user's terminal, and no password is ever on a command line. The
program's end of each connection is one end of a socket pair, so the connection is a real socket (timeouts,
half-close). When ssh fails, what it said on stderr becomes the error (errors.TransportFailure), e.g.
"ssh could not log in: root@host: Permission denied (publickey)".
"""

import http.client
import socket
import subprocess
import threading

import requests.adapters
import urllib3
import urllib3.connection
import urllib3.connectionpool

from ..errors import TransportFailure

SSH_OPTIONS = ["-o", "ConnectTimeout=30", "-o", "BatchMode=yes", "-T"]
EXIT_WAIT_SECONDS = 10


def command(address):
    """The ssh command line for an Address (addresses.parse) of scheme ssh."""
    args = ["ssh", *SSH_OPTIONS]
    if address.user:
        args += ["-l", address.user]
    if address.port:
        args += ["-p", str(address.port)]
    return args + ["--", address.host, "docker", "system", "dial-stdio"]


class Tunnel:
    """One `ssh ... docker system dial-stdio`: sock is our end of it."""

    def __init__(self, address, timeout):
        ours, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                command(address), stdin=theirs, stdout=theirs, stderr=subprocess.PIPE,
                start_new_session=True)  # a terminal's Ctrl+C is for the backend to handle, not for ssh
        except OSError as exc:
            ours.close()
            raise TransportFailure(f"the ssh client cannot be run ({exc.strerror}): install OpenSSH's ssh") from exc
        finally:
            theirs.close()
        ours.settimeout(timeout)
        self.sock = ours
        self._stderr = []
        self._reader = threading.Thread(target=self._read_stderr, name="ssh-stderr", daemon=True)
        self._reader.start()

    def _read_stderr(self):
        for line in self.process.stderr:
            self._stderr.append(line.decode("utf-8", "replace").strip())
        self.process.stderr.close()
        self.process.wait()  # reaps the process whatever happens to the connection

    def failure(self):
        """What ssh said when it ended with a failure (in words), else None."""
        self._reader.join(EXIT_WAIT_SECONDS)
        code = self.process.poll()
        if code is None or code == 0:
            return None
        return describe(code, [line for line in self._stderr if line])


def describe(code, lines):
    """ssh's exit code and stderr lines as a few words about what went wrong."""
    text = " ".join(lines)
    last = lines[-1] if lines else f"ssh ended with exit code {code}"
    if "Permission denied" in text:
        return f"ssh could not log in ({last}): the host refused the key; give ssh a key it accepts " \
               f"(an agent, or IdentityFile in ~/.ssh/config)"
    if "Host key verification failed" in text or "REMOTE HOST IDENTIFICATION HAS CHANGED" in text:
        return "ssh does not trust the host's key (Host key verification failed): connect once with ssh to " \
               "check and record it in known_hosts"
    if "Could not resolve hostname" in text:
        return f"ssh cannot resolve the host name ({last})"
    if "Connection refused" in text:
        return f"ssh's connection was refused; is sshd running there? ({last})"
    if "timed out" in text:
        return f"ssh did not get an answer in time ({last})"
    if code == 127 or "command not found" in text:
        return "the far side has no docker command to run `docker system dial-stdio`"
    if code == 255:
        return f"ssh failed ({last})"
    return f"the far side's `docker system dial-stdio` failed: {last}"


class SshConnection(urllib3.connection.HTTPConnection):
    """An HTTP connection over a new Tunnel; a failure of ssh is raised as TransportFailure."""

    def __init__(self, address, timeout):
        super().__init__("localhost", timeout=timeout)
        self.address = address
        self.tunnel = None

    def connect(self):
        self.tunnel = Tunnel(self.address, self.timeout)
        self.sock = self.tunnel.sock

    def request(self, *args, **kwargs):
        try:
            return super().request(*args, **kwargs)
        except (OSError, http.client.HTTPException) as exc:
            self._raise_failure(exc)
            raise

    def getresponse(self, *args, **kwargs):
        try:
            return super().getresponse(*args, **kwargs)
        except (OSError, http.client.HTTPException) as exc:
            self._raise_failure(exc)
            raise

    def _raise_failure(self, exc):
        words = self.tunnel.failure() if self.tunnel is not None else None
        if words:
            raise TransportFailure(words) from exc


class SshConnectionPool(urllib3.connectionpool.HTTPConnectionPool):
    def __init__(self, address, timeout, maxsize):
        super().__init__("localhost", timeout=timeout, maxsize=maxsize)
        self.address = address
        self.ssh_timeout = timeout

    def _new_conn(self):
        return SshConnection(self.address, self.ssh_timeout)


class SshAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter for an ssh:// engine (mounted on a docker APIClient by connect.py)."""

    def __init__(self, address, timeout, max_pool_size=10):
        self.address = address
        self.timeout = timeout
        self.max_pool_size = max_pool_size
        self.pools = urllib3._collections.RecentlyUsedContainer(10, dispose_func=lambda pool: pool.close())
        super().__init__()

    def get_connection(self, url, proxies=None):
        with self.pools.lock:
            pool = self.pools.get(url)
            if pool is None:
                pool = SshConnectionPool(self.address, self.timeout, self.max_pool_size)
                self.pools[url] = pool
        return pool

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):  # requests 2.32+
        return self.get_connection(request.url, proxies)

    def request_url(self, request, proxies):
        return request.path_url  # no proxy applies: the connection is a program's pipes

    def close(self):
        super().close()
        self.pools.clear()
