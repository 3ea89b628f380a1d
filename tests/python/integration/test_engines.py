"""Engines against the sandbox's fleet: the TLS engine, the ssh:// engine, the context that is down; the docker CLI
as the oracle of the context store (contexts made here are seen by `docker context ls` and the other way round)."""

import os
import socket
import ssl
import threading

import pytest

from containerimage.engines import connect, resolve
from containerimage.errors import BackendError

from .conftest import error, result

FLEET = ("CONTAINERIMAGE_TEST_TLS_HOST", "CONTAINERIMAGE_TEST_SSH_HOST", "CONTAINERIMAGE_TEST_DOWN_CONTEXT")


@pytest.fixture
def fleet(sandbox_env):
    missing = [name for name in FLEET if not sandbox_env.get(name)]
    assert not missing, f"the sandbox was started without its fleet (--no-fleet?): {missing} unset"
    return sandbox_env


def reach(name, environ):
    """(api version, image count) of the engine called name, or the BackendError."""
    api = None
    try:
        api = connect.client(resolve.endpoint(name, environ), timeout=60)
        return api.api_version, len(api.images())
    except BackendError as exc:
        return exc
    finally:
        if api is not None:
            api.close()


def test_the_tls_context_and_the_ssh_engine_are_reached(fleet, docker):
    tls_engine = dict(fleet, DOCKER_HOST=fleet["CONTAINERIMAGE_TEST_TLS_HOST"], DOCKER_TLS_VERIFY="1",
                      DOCKER_CERT_PATH=fleet["CONTAINERIMAGE_TEST_TLS_CERTS"])
    expected_tls = len(docker("--context", "sandbox-tls", "images", "-q").stdout.split())
    expected_ssh = len(docker("images", "-q").stdout.split())
    for name, environ, count in (("sandbox-tls", fleet, expected_tls), ("default", tls_engine, expected_tls),
                                 (fleet["CONTAINERIMAGE_TEST_TLS_HOST"], tls_engine, expected_tls),
                                 ("sandbox-ssh", fleet, None), (fleet["CONTAINERIMAGE_TEST_SSH_HOST"], fleet, None)):
        reached = reach(name, environ)
        assert not isinstance(reached, BackendError), f"{name}: {reached}"
        assert reached[0] >= "1.24"
        if count is not None:
            assert reached[1] == count, name
        else:  # the ssh:// engine is the first engine reached over SSH; other tests may change it meanwhile
            assert abs(reached[1] - expected_ssh) <= 5, name


@pytest.mark.parametrize("case", ["down", "no certificates", "wrong CA", "name mismatch", "refused key",
                                  "unknown context"])
def test_each_bad_engine_is_one_clear_error(fleet, case):
    tls_host = fleet["CONTAINERIMAGE_TEST_TLS_HOST"]
    port = tls_host.rsplit(":", 1)[1]
    name, environ, kind, says = {
        "down": ("sandbox-down", fleet, "EngineUnavailable", "the connection was refused"),
        "no certificates": (tls_host, fleet, "SecurityError", "speaks only TLS"),
        "wrong CA": (tls_host, dict(fleet, DOCKER_TLS_VERIFY="1",
                                    DOCKER_CERT_PATH=fleet["CONTAINERIMAGE_TEST_TLS_WRONG_CA"]),
                     "SecurityError", "unknown CA"),
        "name mismatch": (f"tcp://localhost:{port}", dict(fleet, DOCKER_TLS_VERIFY="1",
                                                          DOCKER_CERT_PATH=fleet["CONTAINERIMAGE_TEST_TLS_CERTS"]),
                          "SecurityError", "name mismatch"),
        "refused key": (fleet["CONTAINERIMAGE_TEST_SSH_HOST"].replace("root@", "nobody@"), fleet,
                        "EngineUnavailable", "Permission denied (publickey)"),
        "unknown context": ("sandbox-nope", fleet, "NotFound", "Known: default, sandbox-down, sandbox-ssh"),
    }[case]
    reached = reach(name, environ)
    assert isinstance(reached, BackendError), reached
    assert reached.kind == kind and says in reached.message, reached.message
    if case != "unknown context":
        assert name in reached.message  # the engine is named


def test_an_expired_engine_certificate_is_a_security_error(fleet):
    """A TLS listener of our own that presents the sandbox's expired server certificate (signed by its CA)."""
    expired = fleet["CONTAINERIMAGE_TEST_TLS_EXPIRED"]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(expired, "cert.pem"), os.path.join(expired, "key.pem"))
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        try:
            connection, _ = listener.accept()
            with connection:
                try:
                    context.wrap_socket(connection, server_side=True).close()
                except (ssl.SSLError, OSError):
                    pass  # the client rejects the certificate: what the test expects
        except OSError:
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        environ = dict(fleet, DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=fleet["CONTAINERIMAGE_TEST_TLS_CERTS"])
        reached = reach(f"tcp://127.0.0.1:{port}", environ)
    finally:
        listener.close()
        thread.join(10)
    assert isinstance(reached, BackendError) and reached.kind == "SecurityError", reached
    assert "has expired" in reached.message


def test_engine_test_reaches_the_fleet_concurrently_through_the_backend(fleet, backend):
    results = result(backend.call("engine.test", {"name": ["sandbox-*", "default", "sandbox-nope"]}))["results"]
    by_name = {r["Name"]: r for r in results}
    assert list(by_name) == ["sandbox-down", "sandbox-ssh", "sandbox-tls", "default", "sandbox-nope"]
    for name in ("sandbox-ssh", "sandbox-tls", "default"):
        assert by_name[name]["Reachable"] is True and by_name[name]["Os"] == "linux", by_name[name]
        assert by_name[name]["ApiVersion"] and isinstance(by_name[name]["ImageCount"], int)
    assert by_name["sandbox-down"]["Reachable"] is False
    assert by_name["sandbox-down"]["Error"]["data"]["kind"] == "EngineUnavailable"
    assert by_name["sandbox-nope"]["Resolved"] is False
    assert by_name["sandbox-nope"]["Error"]["data"]["kind"] == "NotFound"


def test_a_context_made_by_the_backend_is_used_by_the_docker_cli(fleet, backend, docker):
    certs = fleet["CONTAINERIMAGE_TEST_TLS_CERTS"]
    made = result(backend.call("engine.create", {
        "name": "made-by-backend", "host": fleet["CONTAINERIMAGE_TEST_TLS_HOST"], "description": "from the test",
        "tlsCaPath": f"{certs}/ca.pem", "tlsCertPath": f"{certs}/cert.pem", "tlsKeyPath": f"{certs}/key.pem"}))
    try:
        assert made["engine"]["Tls"] is True and made["engine"]["Source"] == "context"
        listed = docker("context", "ls", "--format", "{{.Name}}|{{.Description}}|{{.DockerEndpoint}}").stdout
        assert f"made-by-backend|from the test|{fleet['CONTAINERIMAGE_TEST_TLS_HOST']}" in listed.splitlines()
        ours = docker("--context", "made-by-backend", "images", "-q").stdout.split()
        assert ours == docker("--context", "sandbox-tls", "images", "-q").stdout.split()
        assert error(backend.call("engine.create", {"name": "made-by-backend", "host": "tcp://x:2376"}))[
            "data"]["kind"] == "AlreadyExists"
    finally:
        removed = result(backend.call("engine.remove", {"name": "made-by-backend"}))
    assert removed["engine"]["Name"] == "made-by-backend"
    assert "made-by-backend" not in docker("context", "ls", "--format", "{{.Name}}").stdout.split()


def test_a_context_made_by_the_docker_cli_is_listed_and_used(fleet, backend, docker):
    certs = fleet["CONTAINERIMAGE_TEST_TLS_CERTS"]
    docker("context", "create", "made-by-cli", "--description", "docker made it", "--docker",
           f"host={fleet['CONTAINERIMAGE_TEST_TLS_HOST']},ca={certs}/ca.pem,cert={certs}/cert.pem,key={certs}/key.pem")
    try:
        rows = result(backend.call("engine.list", {"name": "made-by-*"}))["engines"]
        assert [(r["Name"], r["Host"], r["Tls"], r["Description"]) for r in rows] == [
            ("made-by-cli", fleet["CONTAINERIMAGE_TEST_TLS_HOST"], True, "docker made it")]
        tested = result(backend.call("engine.test", {"name": ["made-by-cli"]}))["results"]
        assert tested[0]["Reachable"] is True, tested
    finally:
        docker("context", "rm", "made-by-cli")
    assert result(backend.call("engine.list", {"name": "made-by-*"}))["engines"] == []


def test_removing_the_current_context_is_refused_and_changes_nothing(fleet, sandbox_env, docker):
    from .conftest import Backend
    docker("context", "create", "current-one", "--docker", "host=tcp://127.0.0.1:1")
    process = Backend(dict(sandbox_env, DOCKER_CONTEXT="current-one"))
    try:
        refused = error(process.call("engine.remove", {"name": "current-one"}))
        assert refused["data"]["kind"] == "Conflict" and "is the current context (DOCKER_CONTEXT)" in refused["message"]
        assert "current-one" in docker("context", "ls", "--format", "{{.Name}}").stdout.split()
    finally:
        process.close()
        docker("context", "rm", "current-one")
