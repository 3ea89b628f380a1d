"""One backend, many engines: each request runs on the engine it names, against the real sandbox engine."""

from .conftest import error, result


def call_on(backend, engine, method, params=None):
    backend._next_id += 1
    request_id = backend._next_id
    message = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or {}}
    if engine is not None:
        message["engine"] = engine
    backend.send(message)
    response, _ = backend.wait(request_id)
    return response


def test_a_request_naming_the_engine_by_address_lists_what_the_default_lists(backend, sandbox_env, docker):
    docker("pull", "-q", "microsoft/nanoserver")
    by_default = {i["FullId"] for i in result(call_on(backend, None, "image.list"))["images"]}
    by_address = {i["FullId"] for i in result(call_on(backend, sandbox_env["DOCKER_HOST"], "image.list"))["images"]}
    assert by_default and by_address == by_default


def test_an_engine_that_is_down_fails_that_request_only_and_names_the_address(backend, tmp_path):
    down = f"unix://{tmp_path}/nothing-listens.sock"
    failure = error(call_on(backend, down, "image.list"))
    assert failure["data"]["kind"] == "EngineUnavailable" and down in failure["message"]
    assert "images" in result(call_on(backend, None, "image.list"))  # the default engine is untouched


def test_an_unknown_context_name_is_one_clear_error(backend):
    failure = error(call_on(backend, "no-such-context", "image.list"))
    # NotFound (a name that names nothing, as for images), listing the names there are
    assert failure["data"]["kind"] == "NotFound" and "no-such-context" in failure["message"]
    assert "Known: default" in failure["message"]
    assert "Traceback" not in failure["message"]
