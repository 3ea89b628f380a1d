"""Which engine to talk to (the docker CLI's rules), and the lazily made client."""

import hashlib
import json
import os
import threading

import docker
import pytest
from docker.tls import TLSConfig

from containerimage import dockerconfig, engine
from containerimage.errors import EngineUnavailable

MISSING_SOCKET = "unix:///nonexistent/containerimage-test/docker.sock"


def write_context(config_dir, name, host, skip_tls_verify=False, tls_files=()):
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()
    meta_dir = config_dir / "contexts" / "meta" / digest
    meta_dir.mkdir(parents=True)
    (meta_dir / "meta.json").write_text(json.dumps({
        "Name": name, "Metadata": {"Description": "test"},
        "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip_tls_verify}},
    }), encoding="utf-8")
    if tls_files:
        tls_dir = config_dir / "contexts" / "tls" / digest / "docker"
        tls_dir.mkdir(parents=True)
        for file in tls_files:
            (tls_dir / file).write_text("pem", encoding="utf-8")
        return tls_dir
    return None


def write_config(config_dir, **content):
    (config_dir / "config.json").write_text(json.dumps(content), encoding="utf-8")


def cert_dir(path, files=("ca.pem", "cert.pem", "key.pem")):
    path.mkdir(parents=True, exist_ok=True)
    for file in files:
        (path / file).write_text("pem", encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------- resolve

def test_docker_host_wins_over_contexts(tmp_path):
    write_context(tmp_path, "remote", "tcp://10.0.0.1:2375")
    write_config(tmp_path, currentContext="remote")
    environ = {"DOCKER_HOST": "tcp://192.0.2.1:2375", "DOCKER_CONTEXT": "remote", "DOCKER_CONFIG": str(tmp_path)}
    assert engine.resolve(environ) == ("tcp://192.0.2.1:2375", None, "DOCKER_HOST")


def test_docker_context_is_read_from_its_meta_json(tmp_path):
    write_context(tmp_path, "remote", "tcp://10.0.0.1:2375")
    host, tls, source = engine.resolve({"DOCKER_CONTEXT": "remote", "DOCKER_CONFIG": str(tmp_path)})
    assert (host, tls, source) == ("tcp://10.0.0.1:2375", None, "docker context 'remote'")


def test_docker_context_wins_over_current_context(tmp_path):
    write_context(tmp_path, "one", "tcp://10.0.0.1:2375")
    write_context(tmp_path, "two", "tcp://10.0.0.2:2375")
    write_config(tmp_path, currentContext="one")
    assert engine.resolve({"DOCKER_CONTEXT": "two", "DOCKER_CONFIG": str(tmp_path)})[0] == "tcp://10.0.0.2:2375"


def test_current_context_from_config_json(tmp_path):
    write_context(tmp_path, "desktop-linux", "unix:///home/me/.docker/desktop/docker.sock")
    write_config(tmp_path, currentContext="desktop-linux", auths={})
    assert engine.resolve({"DOCKER_CONFIG": str(tmp_path)}) == (
        "unix:///home/me/.docker/desktop/docker.sock", None, "docker context 'desktop-linux'")


def test_config_dir_defaults_to_dot_docker_in_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".docker").mkdir()
    write_context(tmp_path / ".docker", "home", "tcp://10.0.0.9:2375")
    write_config(tmp_path / ".docker", currentContext="home")
    assert dockerconfig.config_dir({}) == str(tmp_path / ".docker")
    assert engine.resolve({})[0] == "tcp://10.0.0.9:2375"


@pytest.mark.parametrize("environ_context, config_context", [("default", None), (None, "default"), (None, None)])
def test_the_default_context_is_the_os_default(tmp_path, environ_context, config_context):
    environ = {"DOCKER_CONFIG": str(tmp_path)}
    if environ_context:
        environ["DOCKER_CONTEXT"] = environ_context
    if config_context:
        write_config(tmp_path, currentContext=config_context)
    assert engine.resolve(environ) == (engine.DEFAULT_HOST, None, "default")
    assert engine.DEFAULT_HOST in ("unix:///var/run/docker.sock", "npipe:////./pipe/docker_engine")


@pytest.mark.parametrize("content", ["{not json", "[]", ""])
def test_an_unreadable_config_json_means_the_default(tmp_path, content):
    (tmp_path / "config.json").write_text(content, encoding="utf-8")
    try:
        assert engine.resolve({"DOCKER_CONFIG": str(tmp_path)})[0] == engine.DEFAULT_HOST
    except AttributeError:
        pytest.fail("a config.json that is not an object broke resolve()")


def test_a_missing_context_is_a_value_error_naming_it(tmp_path):
    with pytest.raises(ValueError, match="'nosuch'"):
        engine.resolve({"DOCKER_CONTEXT": "nosuch", "DOCKER_CONFIG": str(tmp_path)})


@pytest.mark.parametrize("meta", ["{broken", json.dumps({"Name": "bad", "Endpoints": {}}),
                                  json.dumps({"Name": "bad", "Endpoints": {"docker": {"SkipTLSVerify": True}}})])
def test_a_broken_context_is_a_value_error(tmp_path, meta):
    digest = hashlib.sha256(b"bad").hexdigest()
    meta_dir = tmp_path / "contexts" / "meta" / digest
    meta_dir.mkdir(parents=True)
    (meta_dir / "meta.json").write_text(meta, encoding="utf-8")
    with pytest.raises(ValueError, match="'bad'"):
        engine.resolve({"DOCKER_CONTEXT": "bad", "DOCKER_CONFIG": str(tmp_path)})


def test_a_context_with_tls_files_gets_a_verifying_tls_config(tmp_path):
    tls_dir = write_context(tmp_path, "secure", "tcp://10.0.0.1:2376", tls_files=("ca.pem", "cert.pem", "key.pem"))
    host, tls, _ = engine.resolve({"DOCKER_CONTEXT": "secure", "DOCKER_CONFIG": str(tmp_path)})
    assert host == "tcp://10.0.0.1:2376"
    assert isinstance(tls, TLSConfig)
    assert tls.verify is True
    assert tls.ca_cert == str(tls_dir / "ca.pem")
    assert tls.cert == (str(tls_dir / "cert.pem"), str(tls_dir / "key.pem"))


def test_a_context_that_skips_tls_verify(tmp_path):
    write_context(tmp_path, "insecure", "tcp://10.0.0.1:2376", skip_tls_verify=True,
                  tls_files=("cert.pem", "key.pem"))
    _, tls, _ = engine.resolve({"DOCKER_CONTEXT": "insecure", "DOCKER_CONFIG": str(tmp_path)})
    assert tls.verify is False and tls.ca_cert is None


def test_docker_tls_verify_and_cert_path_give_a_verifying_tls_config(tmp_path):
    certs = cert_dir(tmp_path / "certs")
    host, tls, source = engine.resolve({"DOCKER_HOST": "tcp://192.0.2.1:2376", "DOCKER_TLS_VERIFY": "1",
                                        "DOCKER_CERT_PATH": str(certs)})
    assert (host, source) == ("tcp://192.0.2.1:2376", "DOCKER_HOST")
    assert isinstance(tls, TLSConfig) and tls.verify is True
    assert tls.ca_cert == str(certs / "ca.pem")
    assert tls.cert == (str(certs / "cert.pem"), str(certs / "key.pem"))


def test_docker_cert_path_without_verify_gives_client_certs_only(tmp_path):
    certs = cert_dir(tmp_path / "certs", files=("cert.pem", "key.pem"))
    _, tls, _ = engine.resolve({"DOCKER_HOST": "tcp://192.0.2.1:2376", "DOCKER_CERT_PATH": str(certs)})
    assert tls.verify is False and tls.ca_cert is None
    assert tls.cert == (str(certs / "cert.pem"), str(certs / "key.pem"))


def test_docker_tls_verify_without_cert_path_uses_the_config_dir(tmp_path):
    cert_dir(tmp_path)
    _, tls, _ = engine.resolve({"DOCKER_HOST": "tcp://192.0.2.1:2376", "DOCKER_TLS_VERIFY": "1",
                                "DOCKER_CONFIG": str(tmp_path)})
    assert tls.verify is True and tls.ca_cert == str(tmp_path / "ca.pem")


def test_no_tls_variables_no_tls():
    assert engine.resolve({"DOCKER_HOST": "tcp://192.0.2.1:2375"})[1] is None


# --------------------------------------------------------------------------------------- Engine

def test_engine_with_an_unreachable_host_raises_engine_unavailable_naming_it():
    eng = engine.Engine({"DOCKER_HOST": MISSING_SOCKET})
    with pytest.raises(EngineUnavailable) as caught:
        eng.client()
    error = caught.value
    assert MISSING_SOCKET in error.message
    assert "DOCKER_HOST" in error.message
    assert "its socket does not exist" in error.message
    assert error.target == MISSING_SOCKET
    assert (eng.host, eng.source) == (MISSING_SOCKET, "DOCKER_HOST")


def test_engine_retries_after_a_failure():
    eng = engine.Engine({"DOCKER_HOST": MISSING_SOCKET})
    for _ in range(2):
        with pytest.raises(EngineUnavailable):
            eng.client()


def test_engine_construction_resolves_and_connects_nothing(tmp_path):
    eng = engine.Engine({"DOCKER_CONTEXT": "nosuch", "DOCKER_CONFIG": str(tmp_path)})
    assert eng.host is None and eng.source is None
    with pytest.raises(EngineUnavailable, match="'nosuch'"):
        eng.client()


def test_engine_takes_a_snapshot_of_os_environ(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", MISSING_SOCKET)
    eng = engine.Engine()
    monkeypatch.setenv("DOCKER_HOST", "unix:///elsewhere.sock")
    with pytest.raises(EngineUnavailable):
        eng.client()
    assert eng.host == MISSING_SOCKET


def test_engine_with_missing_tls_files_is_engine_unavailable(tmp_path):
    # A misconfiguration must come back as EngineUnavailable (the backend stays usable and says why),
    # not as docker's TLSParameterError, which translate() turns into an Internal error.
    eng = engine.Engine({"DOCKER_HOST": "tcp://192.0.2.1:2376", "DOCKER_TLS_VERIFY": "1",
                         "DOCKER_CERT_PATH": str(tmp_path / "no-certs-here")})
    with pytest.raises(EngineUnavailable):
        eng.client()


class RecordingAPIClient:
    made = []

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        RecordingAPIClient.made.append(self)


def test_engine_makes_one_client_and_reuses_it(monkeypatch, tmp_path):
    RecordingAPIClient.made = []
    monkeypatch.setattr(docker, "APIClient", RecordingAPIClient)
    certs = cert_dir(tmp_path / "certs")
    eng = engine.Engine({"DOCKER_HOST": "tcp://192.0.2.1:2376", "DOCKER_TLS_VERIFY": "1",
                         "DOCKER_CERT_PATH": str(certs)})
    barrier = threading.Barrier(8)
    clients = []

    def get():
        barrier.wait(10)
        clients.append(eng.client())

    threads = [threading.Thread(target=get) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(RecordingAPIClient.made) == 1
    assert len(clients) == 8 and all(c is RecordingAPIClient.made[0] for c in clients)
    kwargs = RecordingAPIClient.made[0].kwargs
    assert kwargs["base_url"] == "tcp://192.0.2.1:2376"
    assert kwargs["version"] == "auto"
    assert isinstance(kwargs["tls"], TLSConfig) and kwargs["tls"].verify is True
    assert kwargs["timeout"] == engine.TIMEOUT_SECONDS
    assert eng.host == "tcp://192.0.2.1:2376"


def test_engine_without_tls_passes_tls_false(monkeypatch):
    RecordingAPIClient.made = []
    monkeypatch.setattr(docker, "APIClient", RecordingAPIClient)
    engine.Engine({"DOCKER_HOST": "tcp://192.0.2.1:2375"}).client()
    assert RecordingAPIClient.made[0].kwargs["tls"] is False


def test_engine_environ_none_means_os_environ(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", MISSING_SOCKET)
    assert os.environ["DOCKER_HOST"] == MISSING_SOCKET
    with pytest.raises(EngineUnavailable, match="nonexistent"):
        engine.Engine(None).client()
