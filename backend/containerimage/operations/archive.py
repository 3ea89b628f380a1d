"""Image archives: save images to a tar file (image.save), load one back (image.load).

An archive is what `docker save` writes and `docker load` reads. Save writes it itself: into a new
temporary file beside the target, flushed to disk, then renamed into place. So a failure or a cancel
never leaves a half-written archive, and an existing file is replaced only with force (and then in one
step: readers see the old archive or the new one, never a mix).

Paths are absolute file system paths: the PowerShell module resolves what the user typed against
PowerShell's current location, the CLI against its working directory.
"""

import os
import re
import secrets
import time
from typing import List

import docker.errors

from .. import reference
from ..errors import AlreadyExists, BackendError, InvalidData, InvalidParams, NotFound, PermissionDenied, translate
from . import stream
from .images import list_images

CHUNK_SIZE = 1 << 20  # bytes asked of the engine's stream at a time (it yields what has arrived)
READ_SIZE = 1 << 16  # bytes read from an archive at a time while sending it to the engine
ARCHIVE = "archive"  # the progress id of the archive's own bytes (layers have their engine ids)
# An image id as `docker save` takes one; anything else is a reference. Shorter hex strings are valid
# repository names, so they are taken as names, as the engine does first.
_IMAGE_ID = re.compile(r"(?:sha256:)?[0-9a-f]{12,64}\Z")


# ---------------------------------------------------------------------------------------------- save

def save_image(ctx, name: List[str], path: str, force: bool = False):
    """Write the images `name` (references or ids; a repository without tag means all its tags, as in
    docker save) into one archive at `path`. Everything is checked before any file is created."""
    targets = engine_names(name)
    path = check_target(path, force)
    check_present(ctx, name)
    api = ctx.engine.client()
    label = os.path.basename(path)
    size = write_atomically(path, force, lambda out: stream_archive(ctx, api, targets, out, label))
    return {"path": path, "size": size, "names": targets}


def engine_names(names):
    """The names to give the engine, each checked: InvalidReference for a malformed one."""
    if not names:
        raise InvalidParams("Name at least one image to save.", "name")
    return [name.strip().lower() if _is_id(name) else str(reference.parse(name)) for name in names]


def check_present(ctx, names):
    """NotFound for the first name or id that is not on the engine (the engine's own answer, for several
    names, does not say which one is missing)."""
    ids = [n for n in names if _is_id(n)]
    refs = [n for n in names if not _is_id(n)]
    problems = list_images(ctx, name=refs or None, id=ids or None)["errors"]
    if problems:
        problem = problems[0]
        raise NotFound(problem["message"], problem["data"]["target"])


def check_target(path, force):
    """The archive's path, if it can be written: its folder exists, it is not a folder, and it does not
    exist yet (or force, and it is a file)."""
    path = _absolute(path)
    if os.path.isdir(path) or not os.path.basename(path):
        raise InvalidParams(f"'{path}' is a folder: give the path of the archive file to write.", path)
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        if os.path.lexists(folder):
            raise InvalidParams(f"'{folder}' is not a folder, so '{path}' cannot be written.", path)
        raise NotFound(f"The folder '{folder}' does not exist.", folder)
    if os.path.lexists(path):
        if not force:
            raise AlreadyExists(f"The file '{path}' already exists.", path)
        if not os.path.isfile(path):
            raise InvalidParams(f"'{path}' is not a regular file: it is not replaced.", path)
    return path


def write_atomically(path, force, write):
    """Call write(file) on a new temporary file beside path; put it in place only when write returns.
    On any failure or cancel (KeyboardInterrupt too) the temporary file is removed. Returns the size."""
    folder = os.path.dirname(path)
    fd, temporary = _create_temporary(folder, os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
            size = out.tell()
        _put_in_place(temporary, path, force)
    except BaseException:
        _remove(temporary)
        raise
    _sync_folder(folder)
    return size


def stream_archive(ctx, api, targets, out, label):
    """Copy the engine's archive of targets (GET /images/get) into out, with progress of bytes written."""
    response = api._get(api._url("/images/get"), params={"names": targets}, stream=True, timeout=None)
    ctx.on_cancel(lambda: stream.abort(response))
    written = 0
    last_sent = None
    try:
        for chunk in api._stream_raw_result(response, CHUNK_SIZE, False):
            ctx.check_cancelled()
            out.write(chunk)
            written += len(chunk)
            now = time.monotonic()
            if last_sent is None or now - last_sent >= stream.PROGRESS_INTERVAL:
                last_sent = now
                ctx.progress(id=ARCHIVE, activity=f"Writing {label}", status=f"{_human(written)} written",
                             current=written, total=None)
    except Exception as exc:
        ctx.check_cancelled()  # a read broken by our own cancel is a cancellation, not a failure
        raise translate(exc, ", ".join(targets), ctx.engine) from exc
    ctx.check_cancelled()  # a stream cut short by a cancel may end without an error: still not complete
    return written


def _is_id(name):
    return bool(_IMAGE_ID.match(name.strip().lower()))


def _absolute(path):
    if not isinstance(path, str) or not path.strip():
        raise InvalidParams("Give the path of the archive.", "path")
    if not os.path.isabs(path):
        raise InvalidParams(f"'{path}' is not an absolute path.", path)
    return os.path.normpath(path) if os.path.basename(path) else path


def _create_temporary(folder, base):
    """A new file in folder, named so it is plainly unfinished, created with the usual permissions."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = os.path.join(folder, f".{base}.{secrets.token_hex(4)}.partial")
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
        except OSError as exc:
            raise _file_error(exc, folder, "write in") from exc


def _put_in_place(temporary, path, force):
    if force:
        os.replace(temporary, path)
        return
    try:
        os.link(temporary, path)  # unlike a rename, fails if a file appeared there since the check
    except FileExistsError:
        raise AlreadyExists(f"The file '{path}' already exists.", path) from None
    except OSError:  # a file system without hard links
        if os.path.lexists(path):
            raise AlreadyExists(f"The file '{path}' already exists.", path) from None
        os.replace(temporary, path)
        return
    os.unlink(temporary)


def _sync_folder(folder):
    """Make the rename durable too (a crash right after must not lose the new name). POSIX only."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder; NTFS journals the rename itself
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove(path):
    try:
        os.unlink(path)
    except OSError:
        pass


# ---------------------------------------------------------------------------------------------- load

def load_image(ctx, path: str):
    """Load the images of the archive at path onto the engine; return their rows."""
    path = _absolute(path)
    size = check_source(path)
    api = ctx.engine.client()
    try:
        source = open(path, "rb")
    except OSError as exc:
        raise _file_error(exc, path, "read") from exc
    with source:
        loaded = load_stream(ctx, api, ProgressReader(ctx, source, size, os.path.basename(path)), path)
    return {"images": loaded_rows(ctx, loaded), "loaded": loaded}


def check_source(path):
    """The size of the archive at path; NotFound, InvalidParams (a folder) or InvalidData (empty)."""
    if os.path.isdir(path):
        raise InvalidParams(f"'{path}' is a folder, not an image archive.", path)
    if not os.path.lexists(path):
        raise NotFound(f"The file '{path}' does not exist.", path)
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise _file_error(exc, path, "read") from exc
    if size == 0:
        raise InvalidData(f"'{path}' is empty: it is not an image archive.", path)
    return size


def load_stream(ctx, api, body, source):
    """Send body (a file-like object) to the engine's /images/load and follow its answer. Returns the
    names and ids the engine reports as loaded; InvalidData naming source when it is not an archive."""
    try:
        response = api._post(api._url("/images/load"), data=body, params={"quiet": False}, stream=True,
                             timeout=None)
        ctx.on_cancel(lambda: stream.abort(response))
        api._raise_for_status(response)
        return _follow_load(ctx, api, response, source)
    except docker.errors.APIError as exc:
        ctx.check_cancelled()
        if exc.status_code in (400, 500):
            raise _not_an_archive(source, translate(exc, engine=ctx.engine).message) from exc
        raise translate(exc, source, ctx.engine) from exc
    except BackendError:
        raise
    except Exception as exc:
        ctx.check_cancelled()  # a send or read broken by our own cancel
        raise translate(exc, source, ctx.engine) from exc


def _follow_load(ctx, api, response, source):
    loaded = []
    last_sent = {}
    for event in api._stream_helper(response, decode=True):
        ctx.check_cancelled()
        if event.get("error") or event.get("errorDetail"):
            raise _not_an_archive(source, event.get("error") or event["errorDetail"].get("message", ""))
        text = (event.get("stream") or "").strip()
        for prefix in ("Loaded image ID: ", "Loaded image: "):
            if text.startswith(prefix):
                loaded.append(text[len(prefix):])
                break
        else:
            if event.get("id") and event.get("status"):
                stream.layer_progress(ctx, event, last_sent)
    ctx.check_cancelled()
    return loaded


def loaded_rows(ctx, loaded):
    """The image rows of what was loaded: a tag's row, or the untagged image's row for an id."""
    if not loaded:
        return []
    ids = [item for item in loaded if item.startswith("sha256:")]
    names = [item for item in loaded if item not in ids]
    return list_images(ctx, name=names or None, id=ids or None)["images"]


# The engine unpacks an upload into a temporary folder of its own, and names it when a file is missing.
_ENGINE_TEMP_PATH = re.compile(r"open \S*/docker-import-\d+/(\S+): no such file or directory")


def _not_an_archive(source, message):
    message = _ENGINE_TEMP_PATH.sub(r"it has no \1 (it was not written by docker save)", message.strip())
    return InvalidData(f"'{source}' is not a valid image archive: {message}", source)


class ProgressReader:
    """A binary file as a request body: read in blocks, with throttled progress of bytes read, and a
    cancel that takes effect at the next block (the send fails, and the engine discards the upload)."""

    def __init__(self, ctx, stream, size, label):
        self._ctx = ctx
        self._stream = stream
        self._size = size  # None when unknown (a pipe): then the body is sent chunked
        self._label = label
        self._read = 0
        self._last_sent = None
        if size is not None:
            self.len = size  # requests sends a body with a `len` with its Content-Length, else chunked

    def read(self, amount=READ_SIZE):
        self._ctx.check_cancelled()
        data = self._stream.read(amount if amount and amount > 0 else READ_SIZE)
        self._read += len(data)
        now = time.monotonic()
        if data and (self._last_sent is None or now - self._last_sent >= stream.PROGRESS_INTERVAL
                     or self._read == self._size):
            self._last_sent = now
            status = f"{_human(self._read)} of {_human(self._size)}" if self._size else f"{_human(self._read)} read"
            self._ctx.progress(id=ARCHIVE, activity=f"Reading {self._label}", status=status, current=self._read,
                               total=self._size)
        return data

    def __iter__(self):
        while True:
            data = self.read(READ_SIZE)
            if not data:
                return
            yield data


# ---------------------------------------------------------------------------------------------- shared

def _human(size):
    """Bytes as the docker CLI shows them: three significant digits, decimal units (4.28 MB)."""
    if size < 1000:
        return f"{size} B"
    for unit in ("kB", "MB", "GB", "TB"):
        size /= 1000.0
        if size < 999.5 or unit == "TB":
            return f"{float(f'{size:.3g}'):g} {unit}"


def _file_error(exc, path, doing):
    """An OSError on a local file as a BackendError naming the file."""
    reason = exc.strerror or str(exc)
    if isinstance(exc, FileNotFoundError):
        return NotFound(f"Cannot {doing} '{path}': {reason}.", path)
    if isinstance(exc, PermissionError):
        return PermissionDenied(f"Cannot {doing} '{path}': {reason}.", path)
    return BackendError(f"Cannot {doing} '{path}': {reason}.", path)


METHODS = {
    "image.save": save_image,
    "image.load": load_image,
}
