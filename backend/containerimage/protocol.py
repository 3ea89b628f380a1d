"""Framing: one UTF-8 JSON-RPC 2.0 message per line, on binary streams."""

import json
import threading

JSONRPC = "2.0"


def response(request_id, result):
    return {"jsonrpc": JSONRPC, "id": request_id, "result": result}


def error_response(request_id, error):
    return {"jsonrpc": JSONRPC, "id": request_id, "error": error}


def notification(method, params):
    return {"jsonrpc": JSONRPC, "method": method, "params": params}


def encode(message):
    """One message as one line of bytes. JSON escapes CR and LF inside strings, so a line is a message."""
    text = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode("utf-8") + b"\n"
    except UnicodeEncodeError:  # a lone surrogate: only the escaped form is valid UTF-8
        return json.dumps(message, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"


def read_lines(stream):
    """Yield each non-blank line of a binary stream, without its line ending, until end of file."""
    for line in stream:
        line = line.strip()
        if line:
            yield line


class MessageWriter:
    """Writes whole messages; safe to call from many threads (one line never interleaves with another)."""

    def __init__(self, stream):
        self._stream = stream
        self._lock = threading.Lock()

    def write(self, message):
        self.write_bytes(encode(message))  # serialized outside the lock: a large listing must not hold up progress

    def write_bytes(self, data):
        with self._lock:
            self._stream.write(data)
            self._stream.flush()
