"""Framing: one UTF-8 JSON message per line."""

import io
import json
import threading
import time

from hypothesis import given, settings, strategies as st

from containerimage import protocol

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)

# Characters some reader could take for a line end: JSON must not let any of them break a line.
LINE_BREAKERS = "\n\r\r\n\u2028\u2029\x85\x0b\x0c\x1c\x1d\x1e"


def assert_one_line(data, message):
    assert isinstance(data, bytes)
    assert data.endswith(b"\n")
    assert data.count(b"\n") == 1, data
    assert b"\r" not in data
    assert json.loads(data.decode("utf-8")) == message


def test_messages_have_the_json_rpc_shape():
    assert protocol.response(7, {"a": 1}) == {"jsonrpc": "2.0", "id": 7, "result": {"a": 1}}
    assert protocol.error_response(None, {"code": -1}) == {"jsonrpc": "2.0", "id": None, "error": {"code": -1}}
    assert protocol.notification("$/progress", {"x": 1}) == {"jsonrpc": "2.0", "method": "$/progress",
                                                             "params": {"x": 1}}


def test_encode_keeps_line_breaks_inside_strings_on_one_line():
    message = protocol.response(1, {"text": LINE_BREAKERS, "key\nwith\r\nbreaks": ["a\nb", "\u2028"]})
    assert_one_line(protocol.encode(message), message)


def test_encode_writes_utf8_not_ascii_escapes():
    message = protocol.response(1, {"name": "caf\u00e9 \u65e5\u672c \U0001f433"})
    data = protocol.encode(message)
    assert_one_line(data, message)
    assert "caf\u00e9 \u65e5\u672c \U0001f433".encode("utf-8") in data


def test_encode_is_compact():
    assert protocol.encode({"a": [1, 2]}) == b'{"a":[1,2]}\n'


@given(json_values)
@settings(max_examples=150, deadline=None)
def test_encode_gives_one_line_that_round_trips(value):
    message = protocol.response(1, value)
    assert_one_line(protocol.encode(message), message)


def test_encode_survives_a_lone_surrogate():
    # A client can put one in any string ("\ud800" is a legal JSON escape) and the server echoes names
    # back in error messages; the message must still be encodable, or the request never gets an answer.
    message = protocol.error_response(1, {"code": -32601, "message": "Unknown method '\ud800'."})
    assert_one_line(protocol.encode(message), message)


def test_read_lines_skips_blank_lines_and_strips_line_ends():
    stream = io.BytesIO(b"\n\r\n  \n{\"a\":1}\r\n\n\t\n{\"b\":2}\n   \nlast-without-newline")
    assert list(protocol.read_lines(stream)) == [b'{"a":1}', b'{"b":2}', b"last-without-newline"]


def test_read_lines_of_an_empty_stream_yields_nothing():
    assert list(protocol.read_lines(io.BytesIO(b""))) == []
    assert list(protocol.read_lines(io.BytesIO(b"\n\n\r\n"))) == []


class ChunkyStream:
    """A stream that writes in small pieces and lets other threads run in between, as a pipe may."""

    def __init__(self):
        self.chunks = []
        self.flushes = 0

    def write(self, data):
        for start in range(0, len(data), 5):
            self.chunks.append(data[start:start + 5])
            time.sleep(0)  # yield the GIL: without the writer's lock, other threads' bytes land in between
        return len(data)

    def flush(self):
        self.flushes += 1

    def lines(self):
        return b"".join(self.chunks).split(b"\n")[:-1]


@given(st.lists(st.text(max_size=60), min_size=1, max_size=6))
@settings(max_examples=10, deadline=None)
def test_message_writer_never_interleaves_lines_from_many_threads(texts):
    stream = ChunkyStream()
    writer = protocol.MessageWriter(stream)
    threads_count, per_thread = 6, 15
    start = threading.Barrier(threads_count)

    def work(n):
        start.wait(10)
        for i in range(per_thread):
            writer.write(protocol.notification("$/progress", {"thread": n, "i": i, "text": texts[i % len(texts)]}))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    lines = stream.lines()
    assert len(lines) == threads_count * per_thread
    seen = [json.loads(line)["params"] for line in lines]  # any interleaving breaks a line's JSON
    assert sorted((p["thread"], p["i"]) for p in seen) == [(n, i) for n in range(threads_count)
                                                           for i in range(per_thread)]
    for p in seen:
        assert p["text"] == texts[p["i"] % len(texts)]
    # Each thread's own messages stay in the order it wrote them.
    for n in range(threads_count):
        assert [p["i"] for p in seen if p["thread"] == n] == list(range(per_thread))


def test_message_writer_flushes_every_message():
    stream = ChunkyStream()
    writer = protocol.MessageWriter(stream)
    writer.write({"a": 1})
    assert stream.flushes == 1 and stream.lines() == [b'{"a":1}']
    writer.write({"b": 2})
    assert stream.flushes == 2 and stream.lines() == [b'{"a":1}', b'{"b":2}']
