"""The per-user platform cache: survives a new backend, and a broken or unwritable file costs nothing but time."""

import json
import os

from containerimage import cache
from containerimage.cache import PlatformCache

LINUX = {"Os": "linux", "OsVersion": None, "Architecture": "amd64", "Variant": None}


def test_saved_entries_are_read_by_a_new_cache(tmp_path):
    path = tmp_path / "sub" / "platforms.json"
    first = PlatformCache(str(path)).load()
    first.add("sha256:a", LINUX)
    first.save()
    assert PlatformCache(str(path)).load() == {"sha256:a": LINUX}


def test_nothing_is_written_when_nothing_was_added(tmp_path):
    path = tmp_path / "platforms.json"
    PlatformCache(str(path)).load().save()
    assert not path.exists()


def test_a_broken_file_is_ignored_and_replaced(tmp_path):
    path = tmp_path / "platforms.json"
    path.write_text("{not json")
    broken = PlatformCache(str(path)).load()
    assert broken == {}
    broken.add("sha256:b", LINUX)
    broken.save()
    assert json.loads(path.read_text()) == {"sha256:b": LINUX}


def test_entries_that_are_not_objects_are_dropped(tmp_path):
    path = tmp_path / "platforms.json"
    path.write_text(json.dumps({"sha256:a": LINUX, "sha256:b": "junk"}))
    assert PlatformCache(str(path)).load() == {"sha256:a": LINUX}


def test_an_unwritable_folder_is_not_an_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    unwritable = PlatformCache(str(blocker / "platforms.json")).load()
    unwritable.add("sha256:a", LINUX)
    unwritable.save()  # logs a warning, raises nothing
    assert unwritable["sha256:a"] == LINUX


def test_only_the_newest_entries_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 2)
    path = tmp_path / "platforms.json"
    entries = PlatformCache(str(path)).load()
    for name in "abc":
        entries.add(f"sha256:{name}", LINUX)
    entries.save()
    assert list(json.loads(path.read_text())) == ["sha256:b", "sha256:c"]


def test_the_folder_follows_the_environment():
    assert cache.cache_dir({"CONTAINERIMAGE_CACHE_DIR": "/x"}) == "/x"
    assert cache.cache_dir({"XDG_CACHE_HOME": "/c"}) == os.path.join("/c", "containerimage")
