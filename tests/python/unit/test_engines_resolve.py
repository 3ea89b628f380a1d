"""Resolution of engine names (engines/addresses, contexts, resolve, ssh) against context stores made in tmp
folders, in docker's own format; and the SecurityError translation of certificate problems."""

import hashlib
import json
import os
import ssl

import docker.errors
import pytest
import requests
import urllib3

from containerimage import errors
from containerimage.engines import addresses, contexts, resolve, ssh
from containerimage.errors import AlreadyExists, Conflict, InvalidData, InvalidParams, NotFound, SecurityError
from containerimage.operations import engines as operations

PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def sha(name):
    return hashlib.sha256(name.encode()).hexdigest()


def write_context(config, name, host, description="", tls_files=(), skip=False):
    """A context as `docker context create` writes it (docker 28)."""
    meta = config / "contexts" / "meta" / sha(name)
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(json.dumps({"Name": name, "Metadata": {"Description": description},
                                                "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip}}}))
    if tls_files:
        tls = config / "contexts" / "tls" / sha(name) / "docker"
        tls.mkdir(parents=True)
        for file_name in tls_files:
            (tls / file_name).write_bytes(PEM)
    return meta / "meta.json"


def env_of(config, **more):
    return {"DOCKER_CONFIG": str(config), "CONTAINERIMAGE_CONFIG": os.environ["CONTAINERIMAGE_CONFIG"], **more}


# ---------------------------------------------------------------------------------------------- addresses

@pytest.mark.parametrize("text, scheme, host, port, user, path", [
    ("unix:///var/run/docker.sock", "unix", None, None, None, "/var/run/docker.sock"),
    ("npipe:////./pipe/docker_engine", "npipe", None, None, None, "//./pipe/docker_engine"),
    ("tcp://10.0.0.5:2376", "tcp", "10.0.0.5", 2376, None, None),
    ("tcp://web1.example.org", "tcp", "web1.example.org", None, None, None),
    ("tcp://[::1]:2376", "tcp", "[::1]", 2376, None, None),
    ("ssh://admin@web1:2222", "ssh", "web1", 2222, "admin", None),
    ("ssh://web1", "ssh", "web1", None, None, None),
])
def test_addresses_take_apart_the_docker_forms(text, scheme, host, port, user, path):
    address = addresses.parse(text)
    assert (address.scheme, address.host, address.port, address.user, address.path) == (scheme, host, port, user,
                                                                                         path)


@pytest.mark.parametrize("text, says", [
    ("", "it is empty"),
    ("web1:2376", "no scheme"),
    ("http://web1:2375", "not one of"),
    ("unix://", "absolute path"),
    ("unix://relative/docker.sock", "absolute path"),
    ("npipe://docker_engine", "npipe:////./pipe/NAME"),
    ("tcp://", "names no host"),
    ("tcp://web1:http", "port"),
    ("tcp://web1:99999", "port"),
    ("tcp://web1:", "port"),
    ("tcp://web1:2376/v1.41", "no path"),
    ("tcp://me@web1:2376", "no user name"),
    ("ssh://me:secret@web1", "never holds a password"),
    ("ssh://we ird@web1", "not a user name"),
    ("ssh://web_1!", "not a host name"),
    (" tcp://web1:2376", "spaces"),
])
def test_a_malformed_address_says_what_is_wrong(text, says):
    with pytest.raises(InvalidParams) as caught:
        addresses.parse(text)
    assert says in caught.value.message
    assert "Addresses look like unix://" in caught.value.message
    if "secret" in text:
        assert "secret" not in caught.value.message.split("'", 2)[2]  # the password is not repeated after the text


# ---------------------------------------------------------------------------------------------- the context store

def test_the_store_reads_contexts_as_docker_writes_them(docker_config):
    write_context(docker_config, "web1", "tcp://web1:2376", "the web host", ("ca.pem", "cert.pem", "key.pem"))
    write_context(docker_config, "build", "ssh://ci@build")
    listed = contexts.Store(str(docker_config)).list()
    assert [(c.name, c.host, c.description) for c in listed] == [("build", "ssh://ci@build", ""),
                                                                 ("web1", "tcp://web1:2376", "the web host")]
    assert listed[1].tls_file("ca.pem").endswith(f"contexts/tls/{sha('web1')}/docker/ca.pem")
    assert listed[0].tls_dir is None


def test_a_context_file_that_is_not_json_is_named_and_left_as_it_is(docker_config):
    path = write_context(docker_config, "web1", "tcp://web1:2376")
    path.write_text("{not json")
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    store = contexts.Store(str(docker_config))
    for call in (store.list, lambda: store.get("web1"), lambda: resolve.endpoint("web1", env_of(docker_config))):
        with pytest.raises(InvalidData) as caught:
            call()
        assert str(path) in caught.value.message and "is not JSON" in caught.value.message
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_a_context_file_without_an_endpoint_is_invalid_data(docker_config):
    path = write_context(docker_config, "web1", "tcp://web1:2376")
    path.write_text('{"Name": "web1"}')
    with pytest.raises(InvalidData, match="is not a docker context"):
        contexts.Store(str(docker_config)).get("web1")


def test_an_unknown_context_lists_the_known_ones(docker_config):
    write_context(docker_config, "web1", "tcp://web1:2376")
    write_context(docker_config, "web2", "tcp://web2:2376")
    with pytest.raises(NotFound) as caught:
        resolve.endpoint("web3", env_of(docker_config))
    assert "'web3'" in caught.value.message and "Known: default, web1, web2." in caught.value.message


def test_create_writes_docker_s_format_and_copies_the_tls_files(docker_config, tmp_path):
    for name in ("ca", "cert", "key"):
        (tmp_path / f"{name}.pem").write_bytes(PEM + name.encode())
    store = contexts.Store(str(docker_config))
    store.create("web1", "tcp://web1:2376", "the web host", str(tmp_path / "ca.pem"), str(tmp_path / "cert.pem"),
                 str(tmp_path / "key.pem"))
    meta = docker_config / "contexts" / "meta" / sha("web1") / "meta.json"
    assert json.loads(meta.read_text()) == {"Name": "web1", "Metadata": {"Description": "the web host"},
                                            "Endpoints": {"docker": {"Host": "tcp://web1:2376",
                                                                     "SkipTLSVerify": False}}}
    tls = docker_config / "contexts" / "tls" / sha("web1") / "docker"
    assert sorted(os.listdir(tls)) == ["ca.pem", "cert.pem", "key.pem"]
    assert (tls / "key.pem").read_bytes() == PEM + b"key"
    assert oct((tls / "key.pem").stat().st_mode & 0o777) == oct(0o600)
    assert oct(tls.stat().st_mode & 0o777) == oct(0o700)
    assert [c.name for c in store.list()] == ["web1"]
    assert not [n for n in os.listdir(docker_config / "contexts" / "meta") if n.startswith(".new-")]


@pytest.mark.parametrize("name, host, files, error, says", [
    ("web1", "tcp://web1:2376", {"ca": "missing"}, NotFound, "does not exist"),
    ("web1", "tcp://web1:2376", {"ca": "not a pem"}, InvalidData, "not a PEM file"),
    ("web1", "tcp://web1:2376", {"cert": PEM}, InvalidParams, "give both or neither"),
    ("default", "tcp://web1:2376", {}, InvalidParams, "docker's default context"),
    ("-web", "tcp://web1:2376", {}, InvalidParams, "not a docker context name"),
    ("", "tcp://web1:2376", {}, InvalidParams, "needs a name"),
])
def test_create_refuses_bad_input_and_writes_nothing(docker_config, tmp_path, name, host, files, error, says):
    paths = {}
    for kind, content in files.items():
        path = tmp_path / f"{kind}.pem"
        if content != "missing":
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
        paths[kind] = str(path)
    with pytest.raises(error) as caught:
        contexts.Store(str(docker_config)).create(name, host, "", paths.get("ca"), paths.get("cert"), paths.get("key"))
    assert says in caught.value.message
    assert not (docker_config / "contexts").exists() or not any((docker_config / "contexts").rglob("*.json"))


def test_create_refuses_a_name_that_exists(docker_config):
    write_context(docker_config, "web1", "tcp://web1:2376", "first")
    with pytest.raises(AlreadyExists):
        contexts.Store(str(docker_config)).create("web1", "tcp://other:2376")
    assert contexts.Store(str(docker_config)).get("web1").description == "first"


def test_remove_takes_the_meta_and_tls_folders(docker_config):
    write_context(docker_config, "web1", "tcp://web1:2376", tls_files=("ca.pem",))
    write_context(docker_config, "web2", "tcp://web2:2376")
    contexts.Store(str(docker_config)).remove("web1", env_of(docker_config))
    assert not (docker_config / "contexts" / "meta" / sha("web1")).exists()
    assert not (docker_config / "contexts" / "tls" / sha("web1")).exists()
    assert [c.name for c in contexts.Store(str(docker_config)).list()] == ["web2"]


@pytest.mark.parametrize("how", ["DOCKER_CONTEXT", "config.json"])
def test_remove_refuses_the_current_context(docker_config, how):
    write_context(docker_config, "web1", "tcp://web1:2376")
    environ = env_of(docker_config)
    if how == "DOCKER_CONTEXT":
        environ["DOCKER_CONTEXT"] = "web1"
    else:
        (docker_config / "config.json").write_text('{"currentContext": "web1"}')
    with pytest.raises(Conflict) as caught:
        contexts.Store(str(docker_config)).remove("web1", environ)
    assert "is the current context" in caught.value.message and how in caught.value.message
    assert (docker_config / "contexts" / "meta" / sha("web1") / "meta.json").exists()


def test_remove_refuses_default_and_unknown_names(docker_config):
    store = contexts.Store(str(docker_config))
    with pytest.raises(InvalidParams, match="default context cannot be removed"):
        store.remove("default", env_of(docker_config))
    with pytest.raises(NotFound, match="no docker context 'web9'"):
        store.remove("web9", env_of(docker_config))


# ---------------------------------------------------------------------------------------------- resolve

def test_default_is_docker_host_else_the_os_default(docker_config):
    assert resolve.endpoint("default", env_of(docker_config)).host == resolve.DEFAULT_HOST
    chosen = resolve.endpoint("default", env_of(docker_config, DOCKER_HOST="tcp://web1:2375"))
    assert (chosen.host, chosen.kind, chosen.tls) == ("tcp://web1:2375", "DOCKER_HOST", None)


def test_a_tcp_address_takes_tls_from_the_environment_as_the_cli_does(docker_config, tmp_path):
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / name).write_bytes(PEM)
    chosen = resolve.endpoint("tcp://web1:2376", env_of(docker_config, DOCKER_TLS_VERIFY="1",
                                                        DOCKER_CERT_PATH=str(tmp_path)))
    assert chosen.kind == "address" and chosen.tls.verify is True
    assert chosen.tls.ca_cert == str(tmp_path / "ca.pem")
    assert chosen.tls.cert == (str(tmp_path / "cert.pem"), str(tmp_path / "key.pem"))
    ssh_address = resolve.endpoint("ssh://me@web1", env_of(docker_config, DOCKER_TLS_VERIFY="1",
                                                            DOCKER_CERT_PATH=str(tmp_path)))
    assert ssh_address.tls is None


def test_tls_verify_without_the_files_names_what_is_missing(docker_config, tmp_path):
    (tmp_path / "ca.pem").write_bytes(PEM)
    with pytest.raises(InvalidParams) as caught:
        resolve.endpoint("tcp://web1:2376", env_of(docker_config, DOCKER_TLS_VERIFY="1",
                                                   DOCKER_CERT_PATH=str(tmp_path)))
    assert str(tmp_path / "cert.pem") in caught.value.message and "ca.pem is" not in caught.value.message


def test_a_context_brings_its_tls_files_and_skip_verify(docker_config):
    write_context(docker_config, "web1", "tcp://web1:2376", "", ("ca.pem", "cert.pem", "key.pem"))
    write_context(docker_config, "lab", "tcp://lab:2376", "", ("cert.pem", "key.pem"), skip=True)
    write_context(docker_config, "plain", "tcp://plain:2375")
    web1 = resolve.endpoint("web1", env_of(docker_config))
    assert web1.kind == "context" and web1.tls.verify is True and web1.tls.ca_cert.endswith("docker/ca.pem")
    assert "docker context 'web1'" in errors.describe_engine(web1)
    lab = resolve.endpoint("lab", env_of(docker_config))
    assert lab.tls.verify is False and lab.tls.cert[0].endswith("docker/cert.pem")
    assert resolve.endpoint("plain", env_of(docker_config)).tls is None


def test_a_context_with_a_malformed_host_names_its_file(docker_config):
    path = write_context(docker_config, "web1", "web1:2376")
    with pytest.raises(InvalidParams) as caught:
        resolve.endpoint("web1", env_of(docker_config))
    assert str(path) in caught.value.message and "no scheme" in caught.value.message


@pytest.mark.parametrize("name", ["", "   ", None])
def test_an_empty_name_is_a_clear_error(docker_config, name):
    with pytest.raises(InvalidParams, match="An engine name is empty"):
        resolve.endpoint(name, env_of(docker_config))


def test_the_same_engine_named_twice_is_one_error_before_anything(docker_config):
    write_context(docker_config, "web1", "tcp://web1:2376")
    with pytest.raises(InvalidParams) as caught:
        resolve.endpoints(["web1", "default", "web1"], env_of(docker_config))
    assert caught.value.message == "'web1' is named twice: name each engine once."
    with pytest.raises(InvalidParams) as caught:
        resolve.endpoints(["web1", "TCP://web1:2376/"], env_of(docker_config))
    assert "'web1' and 'TCP://web1:2376/' are the same engine" in caught.value.message
    assert [e.name for e in resolve.endpoints(["web1", "default"], env_of(docker_config))] == ["web1", "default"]


def test_current_follows_the_documented_order(docker_config, containerimage_config):
    write_context(docker_config, "web1", "tcp://web1:2376")
    write_context(docker_config, "web2", "tcp://web2:2376")
    (docker_config / "config.json").write_text('{"currentContext": "web2"}')
    environ = env_of(docker_config)
    assert resolve.current(environ).name == "web2"
    containerimage_config.write_text("Engine: tcp://setting:2375\n")
    assert (resolve.current(environ).host, resolve.current(environ).kind) == ("tcp://setting:2375", "settings")
    assert resolve.current(dict(environ, DOCKER_CONTEXT="web1")).name == "web1"
    assert resolve.current(dict(environ, DOCKER_HOST="unix:///x.sock", DOCKER_CONTEXT="web1")).host == \
        "unix:///x.sock"


# ---------------------------------------------------------------------------------------------- engine.list

def test_engine_list_shows_default_contexts_and_the_current_one(docker_config, monkeypatch):
    write_context(docker_config, "web1", "tcp://web1:2376", "the web host", ("ca.pem", "cert.pem", "key.pem"))
    write_context(docker_config, "build", "ssh://ci@build")
    (docker_config / "config.json").write_text('{"currentContext": "build"}')
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    rows = operations.list_engines(None)["engines"]
    assert [(r["Name"], r["Source"], r["Current"], r["Tls"]) for r in rows] == [
        ("default", "default", False, False), ("build", "context", True, False), ("web1", "context", False, True)]
    monkeypatch.setenv("DOCKER_HOST", "unix:///x.sock")
    rows = operations.list_engines(None, name="w*")["engines"]
    assert [(r["Name"], r["Description"], r["Current"]) for r in rows] == [("web1", "the web host", False)]
    assert operations.list_engines(None, name="def*")["engines"][0]["Source"] == "DOCKER_HOST"


def test_engine_test_reports_names_it_cannot_resolve_without_failing_the_call(docker_config):
    results = operations.test_engines(None, ["nope", "tcp://", "nope"])["results"]
    assert [(r["Name"], r["Resolved"], r["Error"]["data"]["kind"]) for r in results] == [
        ("nope", False, "NotFound"), ("tcp://", False, "InvalidParams")]


# ---------------------------------------------------------------------------------------------- ssh

def test_ssh_runs_the_system_client_with_no_shell_and_no_prompt():
    command = ssh.command(addresses.parse("ssh://admin@web1:2222"))
    assert command[0] == "ssh" and "BatchMode=yes" in command
    assert command[command.index("-l") + 1] == "admin" and command[command.index("-p") + 1] == "2222"
    assert command[-5:] == ["--", "web1", "docker", "system", "dial-stdio"]


@pytest.mark.parametrize("code, lines, says", [
    (255, ["me@web1: Permission denied (publickey)."], "the host refused the key"),
    (255, ["Host key verification failed."], "does not trust the host's key"),
    (255, ["ssh: connect to host web1 port 22: Connection refused"], "connection was refused"),
    (255, ["ssh: Could not resolve hostname web9: Name or service not known"], "cannot resolve"),
    (127, ["bash: docker: command not found"], "no docker command"),
    (1, ["Cannot connect to the Docker daemon at unix:///var/run/docker.sock."], "dial-stdio` failed"),
])
def test_what_ssh_said_becomes_words(code, lines, says):
    assert says in ssh.describe(code, lines)


# ---------------------------------------------------------------------------------------------- certificate errors

def _verify_error(code, message):
    error = ssl.SSLCertVerificationError(1, f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {message}")
    error.verify_code, error.verify_message = code, message
    inner = urllib3.exceptions.SSLError(error)
    return requests.exceptions.SSLError(urllib3.exceptions.MaxRetryError(None, "/version", inner))


@pytest.mark.parametrize("code, message, says", [
    (20, "unable to get local issuer certificate", "unknown CA"),
    (10, "certificate has expired", "has expired"),
    (62, "Hostname mismatch, certificate is not valid for 'web1'", "name mismatch"),
])
def test_certificate_problems_are_security_errors_naming_what_was_wrong(code, message, says):
    engine = resolve.Endpoint("web1", "tcp://web1:2376", "context", "docker context 'web1'")
    error = errors.translate(_verify_error(code, message), target="web1", engine=engine)
    assert isinstance(error, SecurityError) and error.kind == "SecurityError"
    assert says in error.message and "tcp://web1:2376" in error.message and message in error.message


def test_plain_http_to_a_tls_engine_is_a_security_error():
    response = requests.Response()
    response.status_code = 400
    exc = docker.errors.APIError("400 Client Error", response, explanation="Client sent an HTTP request to an "
                                                                           "HTTPS server.")
    error = errors.translate(exc, engine=resolve.Endpoint("t", "tcp://web1:2376", "address", "address"))
    assert isinstance(error, SecurityError)
    assert error.message.startswith("The Docker engine at tcp://web1:2376 speaks only TLS")


def test_an_ssh_failure_is_engine_unavailable_with_ssh_s_words():
    exc = requests.exceptions.ConnectionError(errors.TransportFailure("ssh could not log in (denied)"))
    engine = resolve.Endpoint("ssh://me@web1", "ssh://me@web1", "address", "address")
    error = errors.translate(exc, engine=engine)
    assert error.kind == "EngineUnavailable"
    assert error.message == "Cannot reach the Docker engine at ssh://me@web1: ssh could not log in (denied)."


# ---------------------------------------------------------------------------------------------- the CLI

def test_cli_context_ls_lists_the_store_with_the_one_in_use_marked(docker_config, monkeypatch, capsys):
    from containerimage import cli
    write_context(docker_config, "web1", "tcp://web1:2376", "the web host", ("ca.pem",))
    monkeypatch.setenv("DOCKER_CONTEXT", "web1")
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    assert cli.main(["context", "ls"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "SOURCE", "TLS", "HOST", "DESCRIPTION"]
    assert lines[1].split()[:2] == ["default", "default"]
    assert lines[2].split() == ["web1", "*", "context", "yes", "tcp://web1:2376", "the", "web", "host"]
    assert cli.main(["context", "ls", "nope*"]) == cli.ExitStatus.NOT_FOUND
