"""The registry client with a registry that goes away in the middle of its answer: RegistryUnavailable naming
it, never an exception's own text. The registry is a real socket on 127.0.0.1 that sends part of an answer
and hangs up (the fake sits at the network, below requests and urllib3, whose versions differ: Debian's
urllib3 1.26 hands over a body cut short, urllib3 2 raises)."""

import socket
import struct
import threading

import pytest

from containerimage.errors import RegistryUnavailable
from containerimage.registry.address import Registry
from containerimage.registry.client import RegistryClient

CATALOG = b'{"repositories": ["a", "b"]}'


def serve_once(answer):
    """A registry on 127.0.0.1 that answers every connection with `answer` (bytes) and hangs up; None: it
    resets the connection instead."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def run():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connection.recv(65536)
            if answer is None:
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                connection.sendall(answer)
            connection.close()
    threading.Thread(target=run, daemon=True).start()
    return listener, f"127.0.0.1:{listener.getsockname()[1]}"


@pytest.mark.parametrize("answer", [
    # the body shorter than its Content-Length
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(CATALOG) + CATALOG[:7],
    # a chunked body that stops inside a chunk
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n" + CATALOG[:7],
    # nothing at all
    b"",
    # a reset instead of an answer
    None,
], ids=["short-body", "broken-chunk", "no-answer", "reset"])
def test_a_registry_that_hangs_up_mid_answer_is_registry_unavailable_naming_it(answer):
    listener, address = serve_once(answer)
    client = RegistryClient(Registry(address, "http"), credentials=None, timeout=10)
    try:
        with pytest.raises(RegistryUnavailable) as raised:
            client.catalog()
    finally:
        client.close()
        listener.close()
    message = raised.value.message
    assert raised.value.target == address
    assert message.startswith(f"The registry {address} "), message
    for raw in ("Error", "IncompleteRead", "Connection broken", "(0 bytes", "urllib3", "Errno"):
        assert raw not in message, message


def test_the_whole_answer_is_read_as_usual():
    listener, address = serve_once(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(CATALOG) + CATALOG)
    client = RegistryClient(Registry(address, "http"), credentials=None, timeout=10)
    try:
        assert client.catalog() == ["a", "b"]
    finally:
        client.close()
        listener.close()
