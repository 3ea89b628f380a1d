"""ContainerImage backend: Docker image operations served as JSON-RPC over stdin/stdout.

Layers, each in its own module:
  protocol    framing: one UTF-8 JSON message per line
  server      the endpoint: requests, responses, notifications, cancellation
  errors      one error class per JSON-RPC code, and the one translation of docker SDK errors
  engine      which Docker engine to talk to (the docker CLI's rules)
  reference   image reference parsing (the distribution grammar)
  operations  the dispatch table and the operations themselves
  cli         the `containerimage` command: `serve` and a human CLI
"""

__version__ = "0.1.0"
PROTOCOL_VERSION = 1
