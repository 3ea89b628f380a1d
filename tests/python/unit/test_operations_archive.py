"""image.save and image.load against a fake docker APIClient and real files in a temporary folder."""

import os
import stat
import sys
import threading

import docker.errors
import pytest

from containerimage import errors
from containerimage.operations import archive
from containerimage.server import Context

from .fakes import BLOCK, FakeDockerAPI, FakeEngine, FakeResponse, NoEngine, api_error
from .test_operations_images import BUSYBOX, CONFIGS, CONTAINERS, DANGLING, SUMMARIES

SAFETY = 10
CHUNKS = [b"first part of the tar ", b"second part ", b"and the end"]
ARCHIVE_BYTES = b"".join(CHUNKS)


class ArchiveAPI(FakeDockerAPI):
    """The fake APIClient plus the calls save and load make: GET /images/get streamed as raw bytes, and
    POST /images/load reading its body as requests does (by read() with a length, else by iteration)."""

    def __init__(self, chunks=CHUNKS, load_events=(), **kwargs):
        super().__init__(SUMMARIES, CONTAINERS, CONFIGS, **kwargs)
        self.chunks = list(chunks)
        self.load_events = list(load_events)
        self.get_error = None  # raised when the archive stream is first read
        self.gets = []
        self.uploads = []  # (bytes sent, Content-Length or None) per load
        self.upload_hook = None  # called after each block of the body is sent

    def _get(self, url, **kwargs):
        self._record("_get", url, **kwargs)
        response = FakeResponse(self.chunks)
        with self._lock:
            self.gets.append(dict(kwargs, url=url))
            self.responses.append(response)
        return response

    def _stream_raw_result(self, response, chunk_size=1, decode=True):
        self._record("_stream_raw_result", response, chunk_size=chunk_size, decode=decode)
        if self.get_error is not None:
            raise self.get_error
        for chunk in response.events:
            if chunk is BLOCK:
                if not response.closed.wait(SAFETY):
                    raise AssertionError("the response was never closed")
                raise AttributeError("'NoneType' object has no attribute 'read'")  # urllib3 after close()
            if isinstance(chunk, BaseException):
                raise chunk
            yield chunk

    def _post(self, url, **kwargs):
        self._record("_post", url, **kwargs)
        body = kwargs.get("data")
        length = getattr(body, "len", None)
        sent = []
        if length is not None:  # requests: a Content-Length, and http.client reads the body in blocks
            while True:
                block = body.read(8192)
                if not block:
                    break
                sent.append(block)
                if self.upload_hook:
                    self.upload_hook()
        else:  # requests: chunked, iterating the body
            for block in body:
                sent.append(block)
                if self.upload_hook:
                    self.upload_hook()
        response = FakeResponse(self.load_events)
        with self._lock:
            self.uploads.append((b"".join(sent), length))
            self.posts.append(dict(kwargs, url=url))
            self.responses.append(response)
        return response


def context(api, progress=None):
    return Context(FakeEngine(api), progress)


def files(folder):
    return sorted(os.listdir(folder))


# ---------------------------------------------------------------------------------------------- save

def test_save_writes_every_name_into_one_archive_and_leaves_no_temporary_file(tmp_path):
    api = ArchiveAPI()
    target = tmp_path / "images.tar"
    result = archive.save_image(context(api), ["busybox:latest", "one/app:1"], str(target))
    assert target.read_bytes() == ARCHIVE_BYTES
    assert result == {"path": str(target), "size": len(ARCHIVE_BYTES), "names": ["busybox:latest", "one/app:1"]}
    assert files(tmp_path) == ["images.tar"]
    [get] = api.gets
    assert get["url"].endswith("/images/get")
    assert get["params"] == {"names": ["busybox:latest", "one/app:1"]}
    assert get["stream"] is True and get["timeout"] is None  # a large save may take long; cancel ends it


@pytest.mark.parametrize("name, engine_name", [
    ("BusyBox:latest", "busybox:latest"),  # repository names are lowercase; tags keep their case
    ("docker.io/library/busybox:latest", "busybox:latest"),
    ("busybox", "busybox"),  # no tag: every tag of the repository, as docker save does
    ("127.0.0.1:5000/team/app:v1", "127.0.0.1:5000/team/app:v1"),
    ("A" * 12, "a" * 12),  # an image id
    (BUSYBOX, BUSYBOX),
    (f"busybox@{'sha256:' + '1' * 64}", f"busybox@{'sha256:' + '1' * 64}"),
])
def test_save_gives_the_engine_normalised_names_and_ids(tmp_path, name, engine_name):
    api = ArchiveAPI()
    archive.save_image(context(api), [name], str(tmp_path / "x.tar"))
    assert api.gets[0]["params"] == {"names": [engine_name]}


@pytest.mark.parametrize("names, kind, named", [
    (["Bad Name"], "InvalidReference", "Bad Name"),
    (["busybox", "busybox:bad tag"], "InvalidReference", "busybox:bad tag"),
    ([], "InvalidParams", None),
])
def test_save_refuses_malformed_names_before_asking_the_engine_or_creating_a_file(tmp_path, names, kind, named):
    with pytest.raises(errors.BackendError) as caught:
        archive.save_image(Context(NoEngine()), names, str(tmp_path / "x.tar"))
    assert caught.value.kind == kind
    if named:
        assert named in caught.value.message and caught.value.target == named
    assert files(tmp_path) == []


@pytest.mark.parametrize("names, missing", [
    (["busybox:latest", "nothere:1"], "nothere:1"),
    (["nothere"], "nothere"),
    (["f" * 12 + "0"], "f" * 12 + "0"),  # an id that no image has
])
def test_save_of_an_image_not_on_the_engine_is_not_found_and_creates_no_file(tmp_path, names, missing):
    api = ArchiveAPI()
    with pytest.raises(errors.NotFound) as caught:
        archive.save_image(context(api), names, str(tmp_path / "x.tar"))
    assert f"'{missing}'" in caught.value.message
    assert caught.value.target == missing
    assert api.gets == []
    assert files(tmp_path) == []


def test_save_by_a_repository_without_tag_needs_only_some_tag_of_it(tmp_path):
    # busybox has no tag "latest" in common with "one/app", but "one/app" has tag 1: it is there.
    api = ArchiveAPI()
    archive.save_image(context(api), ["one/app"], str(tmp_path / "x.tar"))
    assert api.gets[0]["params"] == {"names": ["one/app"]}


def test_save_does_not_overwrite_an_existing_file_without_force(tmp_path):
    target = tmp_path / "x.tar"
    target.write_bytes(b"precious")
    with pytest.raises(errors.AlreadyExists) as caught:
        archive.save_image(Context(NoEngine()), ["busybox"], str(target))
    assert str(target) in caught.value.message and caught.value.target == str(target)
    assert target.read_bytes() == b"precious"
    assert files(tmp_path) == ["x.tar"]


def test_save_with_force_replaces_an_existing_file(tmp_path):
    target = tmp_path / "x.tar"
    target.write_bytes(b"old archive, longer than the new one " * 10)
    archive.save_image(context(ArchiveAPI()), ["busybox"], str(target), force=True)
    assert target.read_bytes() == ARCHIVE_BYTES
    assert files(tmp_path) == ["x.tar"]


def test_save_into_a_folder_that_does_not_exist_names_the_folder(tmp_path):
    folder = tmp_path / "no" / "such"
    with pytest.raises(errors.NotFound) as caught:
        archive.save_image(Context(NoEngine()), ["busybox"], str(folder / "x.tar"))
    assert f"'{folder}'" in caught.value.message and caught.value.target == str(folder)
    assert not (tmp_path / "no").exists()


def test_save_to_a_path_that_is_a_folder_is_invalid(tmp_path):
    for force in (False, True):
        with pytest.raises(errors.InvalidParams) as caught:
            archive.save_image(Context(NoEngine()), ["busybox"], str(tmp_path), force=force)
        assert str(tmp_path) in caught.value.message and "folder" in caught.value.message


def test_save_under_a_file_is_invalid(tmp_path):
    (tmp_path / "file").write_bytes(b"x")
    with pytest.raises(errors.InvalidParams) as caught:
        archive.save_image(Context(NoEngine()), ["busybox"], str(tmp_path / "file" / "x.tar"))
    assert "is not a folder" in caught.value.message


@pytest.mark.parametrize("path", ["x.tar", "", "  "])
def test_save_wants_an_absolute_path(path):
    with pytest.raises(errors.InvalidParams):
        archive.save_image(Context(NoEngine()), ["busybox"], path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only")
def test_save_with_force_does_not_replace_what_is_not_a_regular_file(tmp_path):
    target = tmp_path / "pipe"
    os.mkfifo(target)
    with pytest.raises(errors.InvalidParams) as caught:
        archive.save_image(Context(NoEngine()), ["busybox"], str(target), force=True)
    assert "not a regular file" in caught.value.message
    assert stat.S_ISFIFO(os.lstat(target).st_mode)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_the_archive_gets_the_usual_permissions_not_a_temporary_files(tmp_path):
    old = os.umask(0o022)
    try:
        archive.save_image(context(ArchiveAPI()), ["busybox"], str(tmp_path / "x.tar"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "x.tar").st_mode) == 0o644


def test_a_folder_that_cannot_be_written_is_unauthorized_naming_it(tmp_path, monkeypatch):
    def refused(path, flags, mode=0o777):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(archive.os, "open", refused)
    with pytest.raises(errors.PermissionDenied) as caught:
        archive.save_image(context(ArchiveAPI()), ["busybox"], str(tmp_path / "x.tar"))
    assert caught.value.message == f"Cannot write in '{tmp_path}': Permission denied."
    assert caught.value.target == str(tmp_path)


def test_a_failure_in_the_middle_of_the_stream_leaves_no_file_and_keeps_the_old_one(tmp_path):
    target = tmp_path / "x.tar"
    target.write_bytes(b"old")
    api = ArchiveAPI(chunks=[b"part", OSError("connection reset by peer")])
    with pytest.raises(errors.BackendError):
        archive.save_image(context(api), ["busybox"], str(target), force=True)
    assert target.read_bytes() == b"old"
    assert files(tmp_path) == ["x.tar"]


def test_an_engine_error_for_the_archive_is_translated(tmp_path):
    api = ArchiveAPI()
    api.get_error = api_error(404, "reference does not exist", docker.errors.NotFound)
    with pytest.raises(errors.NotFound):
        archive.save_image(context(api), ["busybox"], str(tmp_path / "x.tar"))
    assert files(tmp_path) == []


def test_cancel_while_the_stream_is_blocked_closes_it_and_leaves_no_file(tmp_path):
    api = ArchiveAPI(chunks=[b"part", BLOCK])
    written = threading.Event()
    ctx = context(api, lambda fields: written.set())
    outcome = {}

    def run():
        try:
            archive.save_image(ctx, ["busybox"], str(tmp_path / "x.tar"))
        except Exception as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    assert written.wait(SAFETY)
    assert len(files(tmp_path)) == 1 and files(tmp_path)[0].endswith(".partial")  # being written
    ctx.cancel()
    worker.join(SAFETY)
    assert not worker.is_alive()
    assert isinstance(outcome["error"], errors.Cancelled)
    assert api.responses[0].close_calls >= 1
    assert files(tmp_path) == []


def test_cancel_between_chunks_stops_at_the_next_chunk(tmp_path):
    api = ArchiveAPI()
    ctx = context(api, lambda fields: ctx.cancel())  # cancelled as soon as the first chunk is written
    with pytest.raises(errors.Cancelled):
        archive.save_image(ctx, ["busybox"], str(tmp_path / "x.tar"))
    assert files(tmp_path) == []


def test_a_stream_that_ends_early_because_of_a_cancel_is_still_cancelled(tmp_path):
    class Ending(ArchiveAPI):
        def _stream_raw_result(self, response, chunk_size=1, decode=True):
            yield b"part"
            ctx.cancel()  # the stream then ends without an error, as a closed one may

    ctx = context(Ending())
    with pytest.raises(errors.Cancelled):
        archive.save_image(ctx, ["busybox"], str(tmp_path / "x.tar"))
    assert files(tmp_path) == []


def test_save_sends_throttled_progress_of_bytes_written(tmp_path, monkeypatch):
    clock = iter([0.0, 0.05, 0.2])
    monkeypatch.setattr(archive.time, "monotonic", lambda: next(clock))
    sent = []
    archive.save_image(context(ArchiveAPI(), sent.append), ["busybox"], str(tmp_path / "x.tar"))
    assert [p["current"] for p in sent] == [len(CHUNKS[0]), len(ARCHIVE_BYTES)]  # the 0.05 s one is skipped
    assert all(p["id"] == "archive" and p["activity"] == "Writing x.tar" and p["total"] is None for p in sent)
    assert sent[-1]["status"] == f"{len(ARCHIVE_BYTES)} B written"


def test_write_atomically_does_not_replace_a_file_that_appeared_meanwhile_without_force(tmp_path):
    target = tmp_path / "x.tar"

    def write(out):
        out.write(b"new")
        target.write_bytes(b"someone else's")

    with pytest.raises(errors.AlreadyExists):
        archive.write_atomically(str(target), False, write)
    assert target.read_bytes() == b"someone else's"
    assert files(tmp_path) == ["x.tar"]


def test_write_atomically_removes_its_file_on_ctrl_c(tmp_path):
    def write(out):
        out.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        archive.write_atomically(str(tmp_path / "x.tar"), False, write)
    assert files(tmp_path) == []


@pytest.mark.parametrize("size, text", [(0, "0 B"), (999, "999 B"), (1000, "1 kB"), (32768, "32.8 kB"),
                                        (4_280_832, "4.28 MB"), (999_999, "1 MB"), (2_500_000_000, "2.5 GB")])
def test_sizes_in_progress_read_like_dockers(size, text):
    assert archive._human(size) == text


# ---------------------------------------------------------------------------------------------- load

def archive_file(tmp_path, data=b"x" * 20000, name="in.tar"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


LOADED = [
    {"status": "Loading layer", "progressDetail": {"current": 5, "total": 10}, "id": "0123456789ab"},
    {"stream": "Loaded image: busybox:latest\n"},
    {"stream": f"Loaded image ID: {DANGLING}\n"},
]


def test_load_streams_the_file_with_its_length_and_returns_the_loaded_rows(tmp_path):
    path = archive_file(tmp_path)
    api = ArchiveAPI(load_events=LOADED)
    result = archive.load_image(context(api), str(path))
    assert api.uploads == [(path.read_bytes(), path.stat().st_size)]
    [post] = api.posts
    assert post["url"].endswith("/images/load")
    assert post["params"] == {"quiet": False} and post["stream"] is True and post["timeout"] is None
    assert result["loaded"] == ["busybox:latest", DANGLING]
    assert sorted(((r["Repository"], r["Tag"], r["FullId"]) for r in result["images"]), key=lambda r: r[2]) == [
        ("busybox", "latest", BUSYBOX), (None, None, DANGLING)]


def test_the_body_is_read_in_blocks_even_when_asked_for_everything(tmp_path):
    size = 3 * archive.READ_SIZE + 10
    path = archive_file(tmp_path, b"y" * size)
    with open(path, "rb") as source:
        body = archive.ProgressReader(Context(NoEngine()), source, size, "in.tar")
        assert body.len == size  # what requests reads to send a Content-Length
        assert [len(body.read()), len(body.read(-1)), len(body.read(None)), len(body.read(20))] == [
            archive.READ_SIZE, archive.READ_SIZE, archive.READ_SIZE, 10]
        assert body.read() == b""


def test_load_sends_progress_of_bytes_read_and_of_layers(tmp_path, monkeypatch):
    path = archive_file(tmp_path, b"z" * 20000)
    ticks = iter(range(0, 1000))
    monkeypatch.setattr(archive.time, "monotonic", lambda: next(ticks) * 1.0)  # every read is past the interval
    sent = []
    archive.load_image(context(ArchiveAPI(load_events=LOADED), sent.append), str(path))
    reads = [p for p in sent if p["id"] == "archive"]
    assert [p["current"] for p in reads] == [8192, 16384, 20000]
    assert all(p["total"] == 20000 and p["activity"] == "Reading in.tar" for p in reads)
    assert reads[-1]["status"] == "20 kB of 20 kB"
    assert [p for p in sent if p["id"] != "archive"] == [
        {"id": "0123456789ab", "status": "Loading layer", "current": 5, "total": 10}]


def test_nothing_loaded_is_no_rows_not_every_image(tmp_path):
    api = ArchiveAPI(load_events=[])
    result = archive.load_image(context(api), str(archive_file(tmp_path)))
    assert result == {"images": [], "loaded": []}
    assert api.calls_to("images") == []


@pytest.mark.parametrize("message, shown", [
    ("Error processing tar file(exit status 1): unexpected EOF", "unexpected EOF"),
    ("Error processing tar file(exit status 1): archive/tar: invalid tar header", "invalid tar header"),
    ("open /var/lib/docker/tmp/docker-import-2518865873/repositories: no such file or directory",
     "it has no repositories (it was not written by docker save)"),
])
def test_an_archive_the_engine_cannot_read_is_invalid_data_naming_the_file(tmp_path, message, shown):
    path = archive_file(tmp_path)
    api = ArchiveAPI(load_events=[{"errorDetail": {"message": message}, "error": message}])
    with pytest.raises(errors.InvalidData) as caught:
        archive.load_image(context(api), str(path))
    assert caught.value.message.startswith(f"'{path}' is not a valid image archive: ")
    assert shown in caught.value.message and "docker-import-" not in caught.value.message
    assert caught.value.target == str(path)
    assert api.calls_to("images") == []


@pytest.mark.parametrize("status", [400, 500])
def test_an_http_error_for_the_upload_is_invalid_data_naming_the_file(tmp_path, status):
    path = archive_file(tmp_path)
    api = ArchiveAPI()
    api.raise_for_status_error = api_error(status, "invalid archive")
    with pytest.raises(errors.InvalidData) as caught:
        archive.load_image(context(api), str(path))
    assert str(path) in caught.value.message and "invalid archive" in caught.value.message


def test_load_of_a_missing_file_a_folder_or_an_empty_file_never_asks_the_engine(tmp_path):
    cases = [(tmp_path / "none.tar", errors.NotFound, "does not exist"),
             (tmp_path, errors.InvalidParams, "is a folder"),
             (archive_file(tmp_path, b"", "empty.tar"), errors.InvalidData, "is empty")]
    for path, error, text in cases:
        with pytest.raises(error) as caught:
            archive.load_image(Context(NoEngine()), str(path))
        assert f"'{path}'" in caught.value.message and text in caught.value.message
        assert caught.value.target == str(path)


def test_load_wants_an_absolute_path():
    with pytest.raises(errors.InvalidParams):
        archive.load_image(Context(NoEngine()), "in.tar")


def test_cancel_during_the_upload_stops_sending(tmp_path):
    path = archive_file(tmp_path, b"w" * 100_000)
    api = ArchiveAPI(load_events=LOADED)
    ctx = context(api)
    api.upload_hook = ctx.cancel  # cancelled once the first block is sent
    with pytest.raises(errors.Cancelled):
        archive.load_image(ctx, str(path))
    assert api.uploads == [] and api.calls_to("images") == []


def test_cancel_while_waiting_for_the_engine_closes_the_response(tmp_path):
    api = ArchiveAPI(load_events=[BLOCK])
    ctx = context(api)
    outcome = {}

    def run():
        try:
            archive.load_image(ctx, str(archive_file(tmp_path)))
        except Exception as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    waited = threading.Event()
    for _ in range(int(SAFETY / 0.01)):  # until the request is under way (or the worker failed first)
        if api.responses or not worker.is_alive() or waited.wait(0.01):
            break
    ctx.cancel()
    worker.join(SAFETY)
    assert isinstance(outcome["error"], errors.Cancelled)
    assert api.responses[0].close_calls >= 1


def test_a_stream_of_unknown_size_is_sent_chunked(tmp_path):
    class Pipe:
        def __init__(self, data):
            self.data = data

        def read(self, amount):
            block, self.data = self.data[:amount], self.data[amount:]
            return block

    api = ArchiveAPI(load_events=LOADED)
    body = archive.ProgressReader(context(api), Pipe(b"p" * 70000), None, "standard input")
    assert not hasattr(body, "len")
    loaded = archive.load_stream(context(api), api, body, "standard input")
    assert loaded == ["busybox:latest", DANGLING]
    assert api.uploads == [(b"p" * 70000, None)]
