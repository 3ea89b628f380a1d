"""The registry client with a registry that goes away in the middle of its answer: RegistryUnavailable naming
it, never an exception's own text. The registry is a real socket on 127.0.0.1 that sends part of an answer
and hangs up (the fake sits at the network, below requests and urllib3, whose versions differ: Debian's
urllib3 1.26 hands over a body cut short, urllib3 2 raises)."""

import socket

import pytest

from containerimage.errors import RegistryUnavailable
from containerimage.registry.address import Registry
from containerimage.registry.client import RegistryClient

from .fakes import serve_once

CATALOG = b'{"repositories": ["a", "b"]}'


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


@pytest.mark.parametrize("answer", [b"", None], ids=["no-answer", "reset"])
def test_a_head_to_a_registry_that_hangs_up_is_named_as_a_get_is(answer):
    # HEADs over plain http go through kept-alive http.client connections, not requests: their failures must
    # read the same.
    listener, address = serve_once(answer)
    messages = []
    try:
        for read in (lambda client: client.head_manifest("a", "1"), lambda client: client.manifest_raw("a", "1")):
            with RegistryClient(Registry(address, "http"), credentials=None, timeout=10) as client:
                with pytest.raises(RegistryUnavailable) as raised:
                    read(client)
            messages.append(raised.value.message)
    finally:
        listener.close()
    assert messages[0] == messages[1]
    assert messages[0].startswith(f"The registry {address} cannot be reached: the connection was "), messages[0]


def test_a_head_to_a_port_nothing_listens_on_or_a_registry_that_does_not_answer_is_named_as_a_get_is():
    quiet = socket.socket()
    quiet.bind(("127.0.0.1", 0))
    quiet.listen()  # accepts (the kernel does), never answers
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    nothing = f"127.0.0.1:{closed.getsockname()[1]}"
    closed.close()
    try:
        for address, words in ((nothing, "the connection was refused; nothing listens there"),
                               (f"127.0.0.1:{quiet.getsockname()[1]}", "it did not answer in time")):
            messages = []
            for read in (lambda client: client.head_manifest("a", "1"), lambda client: client.manifest_raw("a", "1")):
                with RegistryClient(Registry(address, "http"), credentials=None, timeout=0.5) as client:
                    with pytest.raises(RegistryUnavailable) as raised:
                        read(client)
                messages.append(raised.value.message)
            assert messages[0] == messages[1]
            assert messages[0] == f"The registry {address} cannot be reached: {words}.", messages[0]
    finally:
        quiet.close()
