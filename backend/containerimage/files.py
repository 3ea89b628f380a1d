"""Writing the user's files (docker's config.json, the settings file) so that nothing is ever half written."""

import os
import tempfile


def write_atomically(path, text):
    """Replace path with text through a temporary file in the same folder, renamed over it: a reader (docker,
    another backend) sees the old file or the new one, never half of one. An existing file's mode is kept;
    a new file is 0600 in a folder made 0700. A symbolic link is followed: the file it points at is
    replaced and the link stays. The text is written as it is (no newline translation). OSError on failure,
    and no temporary file is left."""
    target = os.path.realpath(path)
    folder = os.path.dirname(target)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    try:
        mode = os.stat(target).st_mode & 0o777
    except FileNotFoundError:
        mode = 0o600
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(target)}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
