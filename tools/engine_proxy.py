"""What the test engines in front of the real one share (stall_engine.py, windows_engine.py): a threaded
server on a unix socket of its own, in a private folder (inside the sandbox's folder when there is one, so
that it goes with the sandbox whatever happens), in front of a unix-socket engine. Standard library only.

    class MyEngine(EngineProxy):
        def __init__(self, engine_host):
            super().__init__(engine_host, "my-engine-", _Connection)   # self.engine_socket: the real one
    with MyEngine("unix:///path/docker.sock") as engine: ... engine.host ...
"""

import os
import socket
import socketserver
import tempfile
import threading


class EngineProxy(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True

    def __init__(self, engine_host, prefix, handler):
        if not engine_host.startswith("unix://"):
            raise ValueError(f"only a unix socket engine can be put behind {type(self).__name__}: {engine_host}")
        self.engine_socket = engine_host[len("unix://"):]
        self._folder = tempfile.mkdtemp(prefix=prefix, dir=os.environ.get("CONTAINERIMAGE_SANDBOX"))
        super().__init__(os.path.join(self._folder, "docker.sock"), handler)

    @property
    def host(self):
        return f"unix://{self.server_address}"

    def start(self):
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, name=type(self).__name__,
                         daemon=True).start()
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
        for name in os.listdir(self._folder):
            os.unlink(os.path.join(self._folder, name))
        os.rmdir(self._folder)


def close_socket(sock):
    """Shut a connection down both ways, then close it, whatever state it is in."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
