"""The settings file: where it is, what it may say, one clear problem for a broken file, and writing it
without losing comments or unknown keys."""

import os
import stat
import threading

import pytest

from containerimage import settings
from containerimage.errors import InvalidData, InvalidParams, NotFound, PermissionDenied

SAMPLE = """\
# My ContainerImage settings
Engine: tcp://build-host:2376   # the build machine
Python: /usr/bin/python3
Transport: inprocess
Progress: no
Registries:
  - registry.example.com:5000
  - https://other.example.com
Aliases:
  Tools:
    Repository: registry.example.com:5000/tools/busybox
    Tag: latest
  nanoserver:
    Repository: registry.example.com:5000/windows/nanoserver
    Tags: {17763: 1809, '20348': ltsc2022}
MyOwnKey: kept    # not ours
"""


def write(file, text):
    file.write_text(text, encoding="utf-8")
    return file


# ------------------------------------------------------------------------------------------ where

def test_the_environment_variable_names_the_file():
    assert settings.path({"CONTAINERIMAGE_CONFIG": "/x/y.yaml", "XDG_CONFIG_HOME": "/xdg"}) == "/x/y.yaml"


def test_elsewhere_xdg_config_home_then_the_home_config_folder(monkeypatch):
    monkeypatch.setattr(settings.sys, "platform", "linux")
    assert settings.path({"XDG_CONFIG_HOME": "/xdg"}) == "/xdg/containerimage/config.yaml"
    monkeypatch.setenv("HOME", "/home/someone")
    assert settings.path({}) == "/home/someone/.config/containerimage/config.yaml"


def test_on_windows_appdata(monkeypatch):
    monkeypatch.setattr(settings.sys, "platform", "win32")
    assert settings.path({"APPDATA": "C:/Users/u/AppData/Roaming"}) == os.path.join(
        "C:/Users/u/AppData/Roaming", "ContainerImage", "config.yaml")
    assert settings.path({"APPDATA": "C:/A", "CONTAINERIMAGE_CONFIG": "D:/c.yaml"}) == "D:/c.yaml"


def test_unit_tests_never_read_the_users_own_file(containerimage_config):
    assert settings.path() == str(containerimage_config)
    assert not containerimage_config.exists()


# ------------------------------------------------------------------------------------------ reading

def test_a_missing_file_is_all_defaults(containerimage_config):
    current = settings.current()
    assert (current.path, current.exists, current.engine, current.python, current.transport, current.progress,
            current.registries, current.problem) == (str(containerimage_config), False, None, None, "Stdio", True,
                                                     [], None)
    assert set(current.aliases) == {name.lower() for name in settings.DEFAULT_ALIASES}
    assert all(alias.source == "default" for alias in current.aliases.values())


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_an_empty_file_is_all_defaults_without_a_problem(containerimage_config, text):
    current = settings.current() if write(containerimage_config, text) else None
    assert current.exists and current.problem is None
    assert (current.engine, current.transport, current.progress, current.registries) == (None, "Stdio", True, [])


def test_every_key_is_read_case_insensitively_with_its_canonical_value(containerimage_config):
    write(containerimage_config, SAMPLE)
    current = settings.current()
    assert current.problem is None
    assert current.engine == "tcp://build-host:2376"
    assert current.python == "/usr/bin/python3"
    assert current.transport == "InProcess"  # written in any case, given as the canonical name
    assert current.progress is False  # YAML's 'no'
    assert current.registries == ["registry.example.com:5000", "https://other.example.com"]
    tools = current.aliases["tools"]
    assert (tools.name, tools.repository, tools.tag, tools.tags, tools.source) == (
        "Tools", "registry.example.com:5000/tools/busybox", "latest", {}, "settings")


def test_user_aliases_merge_over_the_defaults_by_name_case_insensitively(containerimage_config):
    write(containerimage_config, SAMPLE)
    aliases = settings.current().aliases
    nano = aliases["nanoserver"]
    assert (nano.name, nano.source, nano.repository) == ("nanoserver", "settings",
                                                         "registry.example.com:5000/windows/nanoserver")
    assert nano.tags == {17763: "1809", 20348: "ltsc2022"}  # builds as numbers, tags as text, by build
    untouched = set(name.lower() for name in settings.DEFAULT_ALIASES) - {"nanoserver"}
    assert untouched and all(aliases[name].source == "default" for name in untouched)


def test_the_default_aliases_are_valid_and_windows_builds_map_to_tags():
    for name, alias in settings.default_aliases().items():
        assert name == alias.name.lower() and alias.repository.startswith("mcr.microsoft.com/windows/")
        assert alias.tags and all(isinstance(build, int) and build >= 14393 for build in alias.tags)


def test_current_reads_again_only_when_the_file_changes(containerimage_config, monkeypatch):
    write(containerimage_config, "Transport: Stdio\n")
    first = settings.current()
    reads = []
    original = settings.load
    monkeypatch.setattr(settings, "load", lambda file: reads.append(file) or original(file))
    assert settings.current() is first and reads == []  # unchanged: the same object, not read again
    write(containerimage_config, "Transport: InProcess  # a longer file\n")
    assert settings.current().transport == "InProcess" and reads == [str(containerimage_config)]
    containerimage_config.unlink()
    assert settings.current().transport == "Stdio"


def test_current_follows_the_environment_variable(tmp_path, monkeypatch):
    one, two = write(tmp_path / "one.yaml", "Transport: InProcess\n"), write(tmp_path / "two.yaml", "Progress: false\n")
    monkeypatch.setenv("CONTAINERIMAGE_CONFIG", str(one))
    assert settings.current().transport == "InProcess"
    monkeypatch.setenv("CONTAINERIMAGE_CONFIG", str(two))
    assert (settings.current().transport, settings.current().progress) == ("Stdio", False)
    assert settings.current({"CONTAINERIMAGE_CONFIG": str(one)}).transport == "InProcess"


def test_current_is_safe_from_many_threads(containerimage_config):
    write(containerimage_config, SAMPLE)
    seen, threads = [], [threading.Thread(target=lambda: seen.append(settings.current().transport))
                         for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == ["InProcess"] * 16


# ------------------------------------------------------------------------------------------ problems

BROKEN = [
    # (text, line, column, words in the message)
    ("Engine: tcp://a:1\nTransport: fast\n", 2, 12, "Transport must be Auto, Stdio or InProcess, not 'fast'"),
    ("Progress: 'no'\n", 1, 11, "Progress must be true or false, not 'no'"),
    ("Progress: 3\n", 1, 11, "Progress must be true or false, not the number 3"),
    ("Engine: [a, b]\n", 1, 9, "Engine must be the address of a Docker engine"),
    ("Engine: /var/run/docker.sock\n", 1, 9, "not '/var/run/docker.sock'"),
    ("Python: {a: 1}\n", 1, 9, "Python must be the path of a Python 3 program"),
    ("Registries: registry.example.com\n", 1, 13, "Registries must be a list of registries"),
    ("Registries:\n  - ok.example.com\n  - 'bad/path'\n", 3, 5, "'bad/path' is not a registry"),
    ("Registries:\n  - 5000\n", 2, 5, "a registry must be host[:port]"),
    ("Registries:\n  - ftp://x\n", 2, 5, "the scheme can only be http:// or https://"),
    ("Aliases: [a]\n", 1, 10, "Aliases must be a mapping of alias names"),
    ("Aliases:\n  Tools:\n    Tag: latest\n", 3, 5, "the alias 'Tools' has no Repository"),
    ("Aliases:\n  Tools: registry.example.com/tools\n", 2, 10, "the alias 'Tools' must be a mapping"),
    ("Aliases:\n  Tools:\n    Repository: Not A Repo\n", 3, 17, "the Repository of alias 'Tools'"),
    ("Aliases:\n  Tools:\n    Repository: a/b:1.0\n", 3, 17, "without a tag or digest"),
    ("Aliases:\n  Tools:\n    Repository: a/b\n    Tag: x\n    Tags: {1: y}\n", 5, 5, "both Tag and Tags"),
    ("Aliases:\n  Tools:\n    Repository: a/b\n    Tga: x\n", 4, 5, "'Tga' is not a key of the alias 'Tools'"),
    ("Aliases:\n  Tools:\n    Repository: a/b\n    Tag: 1.10\n", 4, 10, "quote it"),
    ("Aliases:\n  Tools:\n    Repository: a/b\n    Tag: -bad\n", 4, 10, "'-bad' is not a valid tag"),
    ("Aliases:\n  Tools:\n    Repository: a/b\n    Tags: {}\n", 4, 11, "the Tags of alias 'Tools' must map"),
    ("Aliases:\n  Tools:\n    Repository: a/b\n    Tags: {ltsc: x}\n", 4, 12, "'ltsc' is not a Windows build"),
    ("Aliases:\n  my/tools:\n    Repository: a/b\n", 2, 3, "'my/tools' is not an alias name"),
    ("Aliases:\n  Tools: {Repository: a}\n  TOOLS: {Repository: b}\n", 3, 3, "the alias 'TOOLS' is given twice"),
    ("Engine: tcp://a:1\nengine: tcp://b:1\n", 2, 1, "Engine is given twice (first on line 1)"),
    ("- Engine: tcp://a:1\n", 1, 1, "the settings must be a mapping of keys"),
    ("Engine: tcp://a:1\n  Python: x\n", 2, 9, "YAML syntax error: mapping values are not allowed here"),
    ("Registries: [a.example.com\n", 2, 1, "YAML syntax error"),
    ("Transport: 'Stdio\n", 2, 1, "YAML syntax error: found unexpected end of stream"),
    ("Engine: tcp://a:1\n---\nEngine: tcp://b:1\n", 2, 1, "expected a single document"),
    ("Extra: !!python/object/apply:os.system [echo]\n", 1, 8, "could not determine a constructor"),
    # not a date: safe_load refuses it, even in a key that is not ours
    ("Extra: 2001-13-45\n", 1, 8, "'2001-13-45' cannot be read: month must be in 1..12"),
]


@pytest.mark.parametrize("text, line, column, words", BROKEN)
def test_a_broken_file_is_one_invalid_data_with_file_line_and_column(containerimage_config, text, line, column,
                                                                       words):
    write(containerimage_config, text)
    problem = settings.current().problem
    assert isinstance(problem, InvalidData)
    file = str(containerimage_config)
    assert problem.message.startswith(f"{file}, line {line}, column {column}: ")
    assert words in problem.message
    assert problem.target == file
    assert problem.to_dict()["data"] == {"kind": "InvalidData", "target": file, "path": file, "line": line,
                                          "column": column}


def test_a_broken_file_gives_all_defaults_and_require_raises_its_problem(containerimage_config):
    write(containerimage_config, "Engine: tcp://a:1\nRegistries: [r.example.com]\nProgress: maybe\n")
    current = settings.current()
    assert (current.engine, current.registries, current.progress) == (None, [], True)  # nothing half-read
    assert current.exists and set(current.aliases) == {n.lower() for n in settings.DEFAULT_ALIASES}
    with pytest.raises(InvalidData) as raised:
        settings.require()
    assert raised.value is current.problem
    write(containerimage_config, "Progress: false\n")
    assert settings.require().progress is False  # fixed: read again, no problem


def test_a_file_that_is_not_utf8_says_where(containerimage_config):
    containerimage_config.write_bytes(b"Engine: tcp://a:1\nPython: /opt/caf\xe9\n")
    problem = settings.current().problem
    assert problem.message.startswith(f"{containerimage_config}, line 2, column 17: the file is not UTF-8")


def test_a_folder_where_the_file_should_be_is_a_problem(containerimage_config):
    containerimage_config.mkdir()
    problem = settings.current().problem
    assert isinstance(problem, InvalidData) and "is a folder" in problem.message
    assert problem.data["line"] is None


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_a_problem(containerimage_config):
    write(containerimage_config, "Progress: false\n")
    containerimage_config.chmod(0)
    assert "cannot be read" in settings.current().problem.message


def test_unknown_keys_are_ignored_not_a_problem(containerimage_config):
    write(containerimage_config, "Future: {Anything: [1, 2]}\n1234: number key\nProgress: false\n")
    current = settings.current()
    assert current.problem is None and current.progress is False


def test_a_bom_is_allowed(containerimage_config):
    containerimage_config.write_bytes(b"\xef\xbb\xbfProgress: false\n")
    assert settings.current().progress is False


# ------------------------------------------------------------------------------------------ writing

def test_writing_a_missing_file_creates_it_and_its_folder(tmp_path, monkeypatch):
    file = tmp_path / "new" / "folder" / "config.yaml"
    monkeypatch.setenv("CONTAINERIMAGE_CONFIG", str(file))
    after, changes = settings.update({"Engine": "unix:///tmp/x.sock"})
    assert file.read_text() == "Engine: unix:///tmp/x.sock\n"
    assert changes == ["set Engine to 'unix:///tmp/x.sock'"]
    assert after.engine == "unix:///tmp/x.sock" and after.exists
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert settings.current().engine == "unix:///tmp/x.sock"  # the cache saw the write


def test_comments_unknown_keys_and_other_entries_are_kept_byte_for_byte(containerimage_config):
    write(containerimage_config, SAMPLE)
    settings.update({"Transport": "Stdio"})
    expected = SAMPLE.replace("Transport: inprocess\n", "Transport: Stdio\n")
    assert containerimage_config.read_text() == expected


def test_the_comment_at_the_end_of_a_replaced_line_is_kept(containerimage_config):
    write(containerimage_config, SAMPLE)
    settings.update({"Engine": "ssh://me@host"})
    assert "Engine: ssh://me@host  # the build machine\n" in containerimage_config.read_text()


def test_a_replaced_block_loses_only_its_inner_comments(containerimage_config):
    text = ("# head\nRegistries:  # searched by Find\n  # inner comment\n  - a.example.com\n  - b.example.com\n"
            "\n# about the next key\nProgress: true\n")
    write(containerimage_config, text)
    settings.update({"Registries": ["c.example.com:5000"]})
    assert containerimage_config.read_text() == ("# head\nRegistries:  # searched by Find\n- c.example.com:5000\n"
                                                 "\n# about the next key\nProgress: true\n")


def test_a_missing_key_is_appended_at_the_end(containerimage_config):
    write(containerimage_config, "# settings\nEngine: tcp://a:1")  # no newline at the end
    settings.update({"Progress": False, "Registries": ["r.example.com"]})
    assert containerimage_config.read_text() == ("# settings\nEngine: tcp://a:1\nProgress: false\n"
                                                 "Registries:\n- r.example.com\n")


def test_reset_removes_the_key_so_its_default_applies(containerimage_config):
    write(containerimage_config, SAMPLE)
    after, changes = settings.update({}, reset=["transport", "Registries", "Aliases"])
    text = containerimage_config.read_text()
    assert "Transport" not in text and "Registries" not in text and "Aliases" not in text and "Tools" not in text
    assert "# My ContainerImage settings\nEngine: tcp://build-host:2376   # the build machine\n" in text
    assert text.endswith("MyOwnKey: kept    # not ours\n")
    assert (after.transport, after.registries, after.aliases["nanoserver"].source) == ("Stdio", [], "default")
    assert changes == ["reset Transport to its default", "reset Registries to its default",
                       "reset Aliases to its default"]


def test_aliases_are_edited_one_by_one_keeping_the_others(containerimage_config):
    text = ("Aliases:\n  # my tools\n  Tools:\n    Repository: r.example.com/tools\n    Tag: latest\n"
            "  Old: {Repository: r.example.com/old}   # going\n  Keep:\n    Repository: r.example.com/keep  # mine\n"
            "Progress: true\n")
    write(containerimage_config, text)
    after, changes = settings.update({"Aliases": {"tools": {"repository": "r.example.com/tools2", "tags": {
        "17763": "1809", "20348": 2022}}, "New": {"Repository": "r.example.com/new", "Tag": 3}}},
        remove_aliases=["OLD"])
    assert containerimage_config.read_text() == (
        "Aliases:\n  # my tools\n  tools:\n    Repository: r.example.com/tools2\n    Tags:\n      17763: '1809'\n"
        "      20348: '2022'\n  Keep:\n    Repository: r.example.com/keep  # mine\n  New:\n"
        "    Repository: r.example.com/new\n    Tag: '3'\n"
        "Progress: true\n")
    assert after.aliases["tools"].tags == {17763: "1809", 20348: "2022"}
    assert after.aliases["new"].tag == "3" and "old" not in after.aliases
    assert changes == ["set alias 'tools' to r.example.com/tools2 (17763: 1809, 20348: 2022)",
                       "set alias 'New' to r.example.com/new (3)", "remove alias 'OLD'"]


def test_a_flow_style_aliases_entry_is_rewritten_whole(containerimage_config):
    write(containerimage_config, "Aliases: {A: {Repository: r.example.com/a}}  # flow\nProgress: true\n")
    settings.update({"Aliases": {"B": {"Repository": "r.example.com/b"}}})
    assert containerimage_config.read_text() == ("Aliases:  # flow\n  A:\n    Repository: r.example.com/a\n  B:\n"
                                                 "    Repository: r.example.com/b\nProgress: true\n")


def test_a_flow_style_document_is_dumped_anew_keeping_unknown_keys(containerimage_config):
    write(containerimage_config, "{Engine: 'tcp://a:1', Mine: [1, 2]}  # comments here are lost\n")
    settings.update({"Transport": "stdio"})
    assert containerimage_config.read_text() == "Engine: tcp://a:1\nMine:\n- 1\n- 2\nTransport: Stdio\n"


def test_windows_line_endings_and_a_bom_are_kept(containerimage_config):
    containerimage_config.write_bytes(b"\xef\xbb\xbf# c\r\nEngine: tcp://a:1\r\n")
    settings.update({"Progress": False})
    assert containerimage_config.read_bytes() == b"\xef\xbb\xbf# c\r\nEngine: tcp://a:1\r\nProgress: false\r\n"


def test_the_mode_of_an_existing_file_is_kept_and_a_link_stays_a_link(tmp_path, monkeypatch):
    real = write(tmp_path / "real.yaml", "Progress: true\n")
    real.chmod(0o640)
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    monkeypatch.setenv("CONTAINERIMAGE_CONFIG", str(link))
    settings.update({"Progress": False})
    assert link.is_symlink() and real.read_text() == "Progress: false\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640


def test_the_write_is_atomic_a_failed_rename_leaves_the_old_file_and_no_temporary(containerimage_config,
                                                                                    monkeypatch):
    write(containerimage_config, "Progress: true\n")

    def refuse(source, target):
        raise PermissionError(13, "Permission denied", target)
    monkeypatch.setattr(settings.os, "replace", refuse)
    with pytest.raises(PermissionDenied) as raised:
        settings.update({"Progress": False})
    assert str(containerimage_config) in raised.value.message and "Permission denied" in raised.value.message
    assert containerimage_config.read_text() == "Progress: true\n"
    assert os.listdir(containerimage_config.parent) == ["config.yaml"]


def test_a_reader_never_sees_half_a_file(containerimage_config, monkeypatch):
    """The new text goes to a temporary file first: until the rename, the old file is whole."""
    write(containerimage_config, "Progress: true\n")
    seen = []
    original = settings.os.replace

    def replace(source, target):
        seen.append((open(target).read(), open(source).read()))
        original(source, target)
    monkeypatch.setattr(settings.os, "replace", replace)
    settings.update({"Registries": ["r.example.com"]})
    assert seen == [("Progress: true\n", "Progress: true\nRegistries:\n- r.example.com\n")]


def test_a_broken_file_is_never_overwritten(containerimage_config):
    write(containerimage_config, "Engine: tcp://a:1\nTransport: fast\n")
    with pytest.raises(InvalidData) as raised:
        settings.update({"Progress": False})
    assert raised.value.message.startswith(f"{containerimage_config}, line 2, column 12: ")
    assert containerimage_config.read_text() == "Engine: tcp://a:1\nTransport: fast\n"


def test_a_dry_run_checks_and_describes_but_writes_nothing(containerimage_config):
    after, changes = settings.update({"Engine": "tcp://a:1"}, write=False)
    assert after.engine == "tcp://a:1" and changes == ["set Engine to 'tcp://a:1'"]
    assert not containerimage_config.exists() and not after.exists


@pytest.mark.parametrize("values, words", [
    ({"Engine": "localhost:2375"}, "Engine must be the address of a Docker engine"),
    ({"Engine": None}, "Engine needs a value; to go back to the default, reset it"),
    ({"Python": "/nonexistent/python3"}, "Python '/nonexistent/python3' is not a program that can be run"),
    ({"Transport": "Fast"}, "Transport must be Auto, Stdio or InProcess, not 'Fast'"),
    ({"Progress": "off"}, "Progress must be true or false, not 'off'"),
    ({"Registries": ["r.example.com/path"]}, "'r.example.com/path' is not a registry"),
    ({"Registries": "r.example.com"}, "Registries must be a list"),
    ({"Aliases": {"a:b": {"Repository": "x"}}}, "'a:b' is not an alias name"),
    ({"Aliases": {"A": {"Tag": "x"}}}, "The alias 'A' has no Repository"),
    ({"Aliases": {"A": {"Repository": "x", "Tag": "t", "Tags": {"1": "y"}}}}, "both Tag and Tags"),
    ({"Aliases": {"A": {"Repository": "x", "Tags": {"ltsc": "y"}}}}, "'ltsc' is not a Windows build"),
    ({"Aliases": ["A"]}, "Aliases must map alias names"),
    ({"Colour": "red"}, "'Colour' is not a setting"),
])
def test_bad_values_are_invalid_params_and_nothing_is_written(containerimage_config, values, words):
    with pytest.raises(InvalidParams) as raised:
        settings.update(values)
    assert words in raised.value.message
    assert not containerimage_config.exists()


def test_a_python_on_the_path_is_accepted():
    after, _ = settings.update({"Python": "python3"}, write=False)
    assert after.python == "python3"


def test_removing_an_alias_that_is_not_in_the_file_is_not_found(containerimage_config):
    with pytest.raises(NotFound) as raised:
        settings.update({}, remove_aliases=["NanoServer"])
    assert "There is no alias 'NanoServer' in" in raised.value.message
    assert "a default alias shipped with the module cannot be removed" in raised.value.message
    with pytest.raises(NotFound) as raised:
        settings.update({}, remove_aliases=["Nothing"])
    assert "default" not in raised.value.message


def test_setting_and_resetting_one_key_at_once_is_refused():
    with pytest.raises(InvalidParams):
        settings.update({"Engine": "tcp://a:1"}, reset=["Engine"])
    with pytest.raises(InvalidParams):
        settings.update({}, reset=["Nope"])


def test_an_unchanged_value_writes_nothing(containerimage_config):
    write(containerimage_config, "Progress: false\n")
    before = containerimage_config.stat().st_ino
    settings.update({"Progress": False})
    assert containerimage_config.stat().st_ino == before  # not replaced
