"""The user's settings: one YAML file, read by the backend, re-read whenever it changes.

The file is $CONTAINERIMAGE_CONFIG if set, else %APPDATA%\\ContainerImage\\config.yaml on Windows, else
$XDG_CONFIG_HOME/containerimage/config.yaml (~/.config/containerimage/config.yaml). A missing file means
all defaults. Keys are PascalCase, as PowerShell users read them (matched case-insensitively):

    Engine: unix:///var/run/docker.sock   # the engine when neither DOCKER_HOST nor DOCKER_CONTEXT is set
    Python: /usr/bin/python3              # the Python for the backend when CONTAINERIMAGE_PYTHON is not set
    Transport: Stdio                      # Stdio (the default) | InProcess | Auto
    Progress: true                        # false: no progress notifications
    Registries:                           # Find-ContainerImage searches these besides Docker Hub
      - registry.example.com:5000
    Aliases:                              # merged over DEFAULT_ALIASES by name, case-insensitively
      NanoServer:
        Repository: mcr.microsoft.com/windows/nanoserver
        Tags: {17763: '1809', 20348: ltsc2022}   # Windows build -> tag
      Tools:
        Repository: registry.example.com:5000/tools/busybox
        Tag: latest                              # a fixed tag

Other keys are kept (a newer module's, or the user's own notes) and ignored.

current() never raises: a broken file gives the defaults with `.problem` set to ONE InvalidData saying
"<file>, line L, column C: <what is wrong>", so listing and pulling real names go on working. require()
raises that problem, for the uses where defaults are not safe (resolving an alias, writing the file).

update() writes: atomically (a temporary file renamed over the old one, its mode kept), and it changes
only the lines of the keys being set, so comments and unknown keys elsewhere survive (see update()).
"""

import errno
import os
import re
import shutil
import sys
import threading
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from . import files
from .errors import BackendError, Internal, InvalidData, InvalidParams, NotFound, PermissionDenied
from .registry.address import parse_registry

FILE_NAME = "config.yaml"
TRANSPORTS = ("Auto", "Stdio", "InProcess")
DEFAULT_TRANSPORT = "Stdio"  # the module's default: a child process (see about_ContainerImage, TRANSPORTS)
ENGINE_SCHEMES = ("unix", "npipe", "tcp", "ssh", "http", "https")
KEYS = ("Engine", "Python", "Transport", "Progress", "Registries", "Aliases")
ALIAS_KEYS = ("Repository", "Tag", "Tags")

# Aliases shipped with the module, in the file's own shape; a user's alias of the same name (any case)
# replaces one of these. Tags: Windows build -> the tag Microsoft publishes for it.
DEFAULT_ALIASES = {
    "NanoServer": {
        "Repository": "mcr.microsoft.com/windows/nanoserver",
        "Tags": {17763: "1809", 20348: "ltsc2022", 26100: "ltsc2025"},
    },
    "WindowsServerCore": {
        "Repository": "mcr.microsoft.com/windows/servercore",
        "Tags": {14393: "ltsc2016", 17763: "ltsc2019", 20348: "ltsc2022", 26100: "ltsc2025"},
    },
    "Server": {
        "Repository": "mcr.microsoft.com/windows/server",
        "Tags": {20348: "ltsc2022", 26100: "ltsc2025"},
    },
}

_ALIAS_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_TAG = re.compile(r"[\w][\w.-]{0,127}\Z", re.ASCII)  # reference.py's tag grammar


@dataclass(frozen=True)
class Alias:
    name: str  # as written (its lookup key is name.lower())
    repository: str
    tag: Optional[str] = None  # a fixed tag; None with no tags: the repository's default (latest)
    tags: Dict[int, str] = field(default_factory=dict)  # Windows build -> tag
    source: str = "default"  # 'default' | 'settings'


class Settings:
    """What the file says, with the defaults for what it leaves out. Shared between threads: read only."""

    def __init__(self, file, exists=False):
        self.path = file
        self.exists = exists  # the file is there (an empty one counts)
        self.engine = None  # str | None
        self.python = None  # str | None
        self.transport = DEFAULT_TRANSPORT
        self.progress = True
        self.registries = []
        self.aliases = default_aliases()  # lower-cased name -> Alias
        self.problem = None  # InvalidData | None

    def __repr__(self):
        return (f"Settings(path={self.path!r}, engine={self.engine!r}, python={self.python!r}, "
                f"transport={self.transport!r}, progress={self.progress!r}, registries={self.registries!r}, "
                f"aliases={sorted(self.aliases)!r}, problem={self.problem and self.problem.message!r})")


def default_aliases():
    return {name.lower(): _alias(name, spec, None, "default") for name, spec in DEFAULT_ALIASES.items()}


# ------------------------------------------------------------------------------------------- reading

def path(environ=os.environ):
    """The settings file this environment names (it need not exist)."""
    if environ.get("CONTAINERIMAGE_CONFIG"):
        return environ["CONTAINERIMAGE_CONFIG"]
    if sys.platform == "win32" and environ.get("APPDATA"):
        return os.path.join(environ["APPDATA"], "ContainerImage", FILE_NAME)
    base = environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "containerimage", FILE_NAME)


_cache = {}  # file -> (stat key, Settings)
_cache_lock = threading.Lock()


def current(environ=None):
    """The settings now: read again only when the file changed (by its stat). Never raises."""
    file = path(os.environ if environ is None else environ)
    key = _stat_key(file)
    with _cache_lock:
        cached = _cache.get(file)
    if cached is not None and cached[0] == key:
        return cached[1]
    settings = load(file)
    with _cache_lock:
        _cache[file] = (key, settings)
    return settings


def require(environ=None):
    """Like current(), but raises the file's problem (InvalidData): for uses where defaults are not safe."""
    settings = current(environ)
    if settings.problem is not None:
        raise settings.problem
    return settings


def _stat_key(file):
    try:
        st = os.stat(file)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        return ("error", exc.errno)
    return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)


def load(file):
    """The settings in a file, read now (not cached). A broken file: defaults, with .problem set."""
    try:
        text = _read_text(file)
    except BackendError as exc:
        settings = Settings(file, exists=os.path.exists(file))
        settings.problem = exc
        return settings
    if text is None:
        return Settings(file)
    try:
        return parse(text, file)
    except InvalidData as exc:
        settings = Settings(file, exists=True)
        settings.problem = exc
        return settings


def _read_text(file):
    """The file's text; None when it does not exist; InvalidData when it cannot be read or decoded."""
    try:
        with open(file, "rb") as f:
            data = f.read()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except IsADirectoryError:
        raise InvalidData(f"{file}: the settings file is a folder, not a file.", file, path=file,
                          line=None, column=None) from None
    except OSError as exc:
        raise InvalidData(f"{file}: the settings file cannot be read: {exc.strerror or exc}.", file, path=file,
                          line=None, column=None) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _problem(file, line, column, "the file is not UTF-8 text (byte "
                       f"0x{data[exc.start]:02x} cannot be read).") from None
    return text


def _problem(file, line, column, what):
    return InvalidData(f"{file}, line {line}, column {column}: {what}", file, path=file, line=line, column=column)


class _Bad(Exception):
    """A problem at a node of the document; turned into InvalidData with the file's name."""

    def __init__(self, node_or_mark, what):
        super().__init__(what)
        self.mark = getattr(node_or_mark, "start_mark", node_or_mark)
        self.what = what


def _compose(text, file):
    """The document's node tree (None for an empty document), or InvalidData for a YAML error."""
    import yaml  # only when there is a file: no import cost for the usual missing one
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        # A document of nothing (a lone '---') is as empty as an empty file.
        return None if isinstance(root, yaml.ScalarNode) and root.tag == "tag:yaml.org,2002:null" else root
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "the YAML cannot be read"
        if exc.context:
            what = f"{what} ({exc.context})"
        raise _problem(file, mark.line + 1, mark.column + 1, f"YAML syntax error: {what}.") from None
    except yaml.YAMLError as exc:  # a ReaderError: a character YAML does not allow
        position = getattr(exc, "position", 0) or 0
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        raise _problem(file, line, column, f"YAML syntax error: {exc}.") from None


def _construct(node):
    """A node's value, built exactly as yaml.safe_load builds it."""
    import yaml
    constructor = yaml.SafeLoader("")  # a loader is a SafeConstructor; this one only constructs
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.MarkedYAMLError as exc:
        raise _Bad(exc.problem_mark or node, f"{exc.problem or exc} (settings are plain YAML: no tags).") from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date like 2001-13-45
        failing = _failing_node(node)
        raise _Bad(failing, f"{_construct_text(failing)!r} cannot be read: {exc}.") from None
    finally:
        constructor.dispose()


def _failing_node(node):
    """The innermost node whose construction fails: where a problem that has no mark of its own is."""
    children = node.value if isinstance(node.value, list) else []
    for child in children:
        for part in (child if isinstance(child, tuple) else (child,)):
            try:
                _construct(part)
            except _Bad:
                return _failing_node(part)
    return node


def _construct_text(node):
    return node.value if isinstance(node.value, str) else node.tag


def parse(text, file="<settings>"):
    """Settings from the text of a settings file; InvalidData (file, line, column) for the first problem."""
    root = _compose(text, file)
    settings = Settings(file, exists=True)
    try:
        _fill(settings, root)
    except _Bad as bad:
        raise _problem(file, bad.mark.line + 1, bad.mark.column + 1, bad.what) from None
    return settings


def _fill(settings, root):
    import yaml
    if root is None:
        return
    _construct(root)  # anything safe_load refuses anywhere (unknown keys too) is a problem
    if not isinstance(root, yaml.MappingNode):
        raise _Bad(root, "the settings must be a mapping of keys (Engine: ..., Registries: ...), "
                         f"not {_kind(_construct(root))}.")
    for key, key_node, value_node in _known_entries(root, KEYS, "setting"):
        value = _construct(value_node)
        if key == "Engine":
            settings.engine = _engine(value, value_node)
        elif key == "Python":
            settings.python = _python(value, value_node)
        elif key == "Transport":
            settings.transport = _transport(value, value_node)
        elif key == "Progress":
            settings.progress = _progress(value, value_node)
        elif key == "Registries":
            settings.registries = _registries(value, value_node)
        elif key == "Aliases":
            settings.aliases = dict(default_aliases(), **_aliases(value_node))


def _known_entries(mapping, names, what, unknown_is_error=False):
    """(canonical key, key node, value node) for the keys of a mapping node that are in names, matched
    case-insensitively; a key given twice is a problem. Other keys are skipped (or a problem)."""
    by_lower = {name.lower(): name for name in names}
    seen = {}
    for key_node, value_node in mapping.value:
        key = _construct(key_node)
        canonical = by_lower.get(key.lower()) if isinstance(key, str) else None
        if canonical is None:
            if unknown_is_error:
                raise _Bad(key_node, f"'{key}' is not a key of {what} (expected {_or(names)}).")
            continue
        if canonical in seen:
            raise _Bad(key_node, f"{canonical} is given twice (first on line {seen[canonical].start_mark.line + 1}).")
        seen[canonical] = key_node
        yield canonical, key_node, value_node


def _engine(value, node):
    if value is None:
        return None
    if not isinstance(value, str) or not re.match(rf"({'|'.join(ENGINE_SCHEMES)})://\S+\Z", value.strip()):
        schemes = ", ".join(scheme + "://" for scheme in ENGINE_SCHEMES)
        raise _Bad(node, f"Engine must be the address of a Docker engine ({schemes}"
                         f"...), e.g. unix:///var/run/docker.sock or tcp://host:2376, not {_show(value)}.")
    return value.strip()


def _python(value, node):
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _Bad(node, f"Python must be the path of a Python 3 program, e.g. /usr/bin/python3, not {_show(value)}.")
    return value.strip()


def _transport(value, node):
    if value is None:
        return DEFAULT_TRANSPORT
    for name in TRANSPORTS:
        if isinstance(value, str) and value.strip().lower() == name.lower():
            return name
    raise _Bad(node, f"Transport must be {_or(TRANSPORTS)}, not {_show(value)}.")


def _progress(value, node):
    if value is None:
        return True
    if not isinstance(value, bool):
        raise _Bad(node, f"Progress must be true or false, not {_show(value)}.")
    return value


def _registries(value, node):
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Bad(node, "Registries must be a list of registries, one '- host[:port]' a line, "
                         f"not {_kind(value)}.")
    registries = []
    for item, item_node in zip(value, node.value):
        if not isinstance(item, str):
            raise _Bad(item_node, f"a registry must be host[:port], e.g. registry.example.com:5000, not {_show(item)}.")
        try:
            parse_registry(item)
        except InvalidParams as exc:
            raise _Bad(item_node, exc.message) from None
        registries.append(item.strip())
    return registries


def _aliases(node):
    """lower-cased name -> Alias of the user's aliases (source 'settings')."""
    import yaml
    value = _construct(node)
    if value is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        raise _Bad(node, "Aliases must be a mapping of alias names to {Repository, Tag or Tags}, "
                         f"not {_kind(value)}.")
    aliases, lines = {}, {}
    for name_node, spec_node in node.value:
        name = _construct(name_node)
        name = str(name) if isinstance(name, int) and not isinstance(name, bool) else name
        if not isinstance(name, str) or not _ALIAS_NAME.match(name):
            raise _Bad(name_node, f"{_show(name)} is not an alias name: letters, digits, '.', '_' and '-' only "
                                  "(no '/', ':' or '@', which would make it an image reference).")
        if name.lower() in lines:
            raise _Bad(name_node, f"the alias '{name}' is given twice (first on line {lines[name.lower()]}; "
                                  "names are case-insensitive).")
        lines[name.lower()] = name_node.start_mark.line + 1
        aliases[name.lower()] = _alias(name, spec_node, spec_node, "settings")
    return aliases


def _alias(name, spec, node, source):
    """An Alias from its spec: a node of the file (then spec is that node), or a plain dict (DEFAULT_ALIASES,
    which has no nodes: its problems, if any, carry no position)."""
    if node is not None:
        import yaml
        if not isinstance(node, yaml.MappingNode):
            raise _Bad(node, f"the alias '{name}' must be a mapping with Repository and Tag or Tags, "
                             f"not {_kind(_construct(node))}.")
        entries = {key: (key_node, value_node) for key, key_node, value_node
                   in _known_entries(node, ALIAS_KEYS, f"the alias '{name}'", unknown_is_error=True)}
        values = {key: _construct(value_node) for key, (_, value_node) in entries.items()}
    else:
        entries = {key: (None, None) for key in spec}
        values = dict(spec)

    if "Repository" not in values:
        raise _Bad(node, f"the alias '{name}' has no Repository "
                         "(e.g. Repository: mcr.microsoft.com/windows/nanoserver).")
    repository = _repository(name, values["Repository"], entries["Repository"][1])
    if "Tag" in values and "Tags" in values:
        raise _Bad(entries["Tags"][0], f"the alias '{name}' has both Tag and Tags: give a fixed Tag, "
                                       "or Tags by Windows build.")
    tag, tags = None, {}
    if values.get("Tag") is not None:
        tag = _tag(name, values["Tag"], entries["Tag"][1])
    if "Tags" in values:
        tags = _tags(name, values["Tags"], entries["Tags"][1])
    return Alias(name, repository, tag, tags, source)


def _repository(name, value, node):
    from . import reference
    from .errors import InvalidReference
    if not isinstance(value, str) or not value.strip():
        raise _Bad(node, f"the Repository of alias '{name}' must be an image repository, not {_show(value)}.")
    try:
        parsed = reference.parse(value)
    except InvalidReference as exc:
        raise _Bad(node, f"the Repository of alias '{name}': {exc.message}") from None
    if parsed.digest or ":" in value.strip().rpartition("/")[2]:
        raise _Bad(node, f"the Repository of alias '{name}' must be a repository without a tag or digest "
                         f"('{value}'): put the tag in Tag or Tags.")
    return value.strip()


def _tag(name, value, node):
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # Tag: 1809 is a YAML number, but clearly the tag '1809'
    if not isinstance(value, str) or not _TAG.match(value):
        hint = " (quote it: a number like 1.10 is read as 1.1)" if isinstance(value, float) else ""
        raise _Bad(node, f"{_show(value)} is not a valid tag for alias '{name}' (letters, digits, '_', '.', '-'; "
                         f"at most 128; not starting with '.' or '-'){hint}.")
    return value


def _tags(name, value, node):
    import yaml
    if not isinstance(value, dict) or not value:
        raise _Bad(node, f"the Tags of alias '{name}' must map Windows builds to tags, e.g. {{17763: '1809', "
                         f"20348: ltsc2022}}, not {_show(value) if value else 'nothing'}.")
    pairs = node.value if isinstance(node, yaml.MappingNode) else [(None, None) for _ in value]
    tags = {}
    for (build, tag), (build_node, tag_node) in zip(value.items(), pairs):
        if isinstance(build, str) and build.strip().isdigit():
            build = int(build)
        if not isinstance(build, int) or isinstance(build, bool) or build <= 0:
            raise _Bad(build_node, f"{_show(build)} is not a Windows build number (e.g. 17763) in the Tags of "
                                   f"alias '{name}'.")
        tags[build] = _tag(name, tag, tag_node)
    return dict(sorted(tags.items()))


def _kind(value):
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"the number {value!r}"
    return f"the text {value!r}" if isinstance(value, str) else f"{type(value).__name__} {value!r}"


def _show(value):
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, bool):
        return "true" if value else "false"
    return _kind(value)


def _or(names):
    names = list(names)
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


# ------------------------------------------------------------------------------------------- writing
#
# The file is edited as text, entry by entry: the lines of a key being set are replaced by the key newly
# dumped (yaml.safe_dump), a missing key is appended, a reset key's lines are removed. Everything else,
# comments and unknown keys included, stays byte for byte. Aliases are edited alias by alias in the same
# way. What is not kept: comments INSIDE a replaced entry (between its first and last line; a comment at
# the end of its first line is kept), the layout of the replaced value (it is written in block style),
# and, when the document is one flow mapping ({Engine: ...}) or a key does not start its own line, the
# comments of the whole file (the document is then dumped anew, unknown keys included).

class _Edit:
    def __init__(self, first, end, lines, order):
        self.first, self.end, self.lines, self.order = first, end, lines, order


def update(values=None, remove_aliases=(), reset=(), environ=None, write=True):
    """Change the settings file: set `values` (canonical key -> value; for Aliases, alias name -> spec
    {Repository, Tag or Tags}, added to or replacing the user's aliases of those names), remove the user's
    aliases named in remove_aliases, and remove the keys in reset (so their defaults apply).

    Returns (Settings after the change, [what changed, in words]). Nothing is written when write is false
    (a dry run that still checks everything) or when nothing changes. A broken file is never overwritten:
    its problem (InvalidData) is raised. Bad values raise InvalidParams naming the setting."""
    file = path(os.environ if environ is None else environ)
    values = dict(values or {})
    remove_aliases, reset = list(remove_aliases or ()), [_canonical_key(key) for key in reset or ()]
    values = {_canonical_key(key): value for key, value in values.items()}
    for key in reset:
        if key in values:
            raise InvalidParams(f"{key} cannot be both set and reset to its default at once.", key)
    if "Aliases" in reset and remove_aliases:
        raise InvalidParams("Aliases cannot be both reset and have single aliases removed at once.", "Aliases")

    text = _read_text(file)
    exists = text is not None
    text = text or ""
    before = parse(text, file)  # raises the file's problem: a broken file is never overwritten
    normalized = {key: _normalized(key, value) for key, value in values.items()}
    new_text, changes = _edited(text, file, before, normalized, remove_aliases, reset)
    after = parse(new_text, file)  # what we wrote must read back: never leave a file we cannot read
    if write and new_text != text:
        _write_atomic(file, _BOM + new_text if exists and _has_bom(file) else new_text, exists)
        with _cache_lock:
            _cache.pop(file, None)
    after.exists = exists or (write and new_text != text)
    return after, changes


_BOM = "\ufeff"


def _has_bom(file):
    """Whether the file starts with a UTF-8 byte order mark (Windows editors write one): it is kept."""
    try:
        with open(file, "rb") as f:
            return f.read(3) == b"\xef\xbb\xbf"
    except OSError:
        return False


def _canonical_key(key):
    for name in KEYS:
        if isinstance(key, str) and key.lower() == name.lower():
            return name
    raise InvalidParams(f"'{key}' is not a setting (expected {_or(KEYS)}).", key)


def _normalized(key, value):
    """The value as it will be written, checked by the same rules as the file: InvalidParams if bad."""
    if key == "Aliases":
        if not isinstance(value, dict):
            raise InvalidParams("Aliases must map alias names to {Repository, Tag or Tags}.", key)
        aliases = _checked(key, {"Aliases": value}).aliases.values()
        return {alias.name: _spec(alias) for alias in aliases if alias.source == "settings"}
    checked = _checked(key, {key: value})
    result = {"Engine": checked.engine, "Python": checked.python, "Transport": checked.transport,
              "Progress": checked.progress, "Registries": checked.registries}[key]
    if value is None or (key in ("Engine", "Python") and result is None):
        raise InvalidParams(f"{key} needs a value; to go back to the default, reset it.", key)
    if key == "Python" and not shutil.which(result):
        raise InvalidParams(f"Python '{result}' is not a program that can be run (no such file, or not "
                            "executable).", result)
    return result


def _checked(key, document):
    """Settings from a document made of the new value alone, or InvalidParams with the problem."""
    import yaml
    try:
        text = yaml.safe_dump(document, default_flow_style=False, sort_keys=False, allow_unicode=True)
    except yaml.YAMLError as exc:
        raise InvalidParams(f"{key} cannot be written as YAML: {exc}", key) from None
    try:
        settings = Settings("<new value>", exists=True)
        _fill(settings, _compose(text, "<new value>"))
        return settings
    except (_Bad, InvalidData) as exc:
        what = exc.what if isinstance(exc, _Bad) else exc.message
        raise InvalidParams(f"{what[0].upper()}{what[1:]}" if what else f"{key} is not valid.", key) from None


def _spec(alias):
    """An Alias as it is written in the file."""
    spec = {"Repository": alias.repository}
    if alias.tags:
        spec["Tags"] = dict(alias.tags)
    elif alias.tag is not None:
        spec["Tag"] = alias.tag
    return spec


def _dump(key, value, indent=0, newline="\n"):
    import yaml
    text = yaml.safe_dump({key: value}, default_flow_style=False, sort_keys=False, allow_unicode=True, width=4096)
    return [" " * indent + line + newline for line in text.splitlines()]


def _edited(text, file, before, values, remove_aliases, reset):
    """(new text, [changes in words])."""
    import yaml
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    root = _compose(text, file)
    entries = {}  # canonical key -> (key node, value node)
    if root is not None:
        for key, key_node, value_node in _known_entries(root, KEYS, "setting"):
            entries[key] = (key_node, value_node)
    user_aliases = {k: a for k, a in before.aliases.items() if a.source == "settings"}
    for name in remove_aliases:
        if name.lower() not in user_aliases:
            default = " (a default alias shipped with the module cannot be removed, only replaced by an alias " \
                      "of the same name)" if name.lower() in before.aliases else ""
            raise NotFound(f"There is no alias '{name}' in {file}{default}.", name)
    changes = _describe(before, values, remove_aliases, reset)

    in_place = root is None or (isinstance(root, yaml.MappingNode) and not root.flow_style and all(
        _starts_line(lines, key_node) for key_node, _ in entries.values()))
    if not in_place:
        return _redumped(root, values, user_aliases, remove_aliases, reset, newline), changes

    edits, order = [], 0
    append_at = _append_line(lines, root)
    for key in KEYS:
        if key in reset and key in entries:
            first, end = _span(lines, *entries[key])
            edits.append(_Edit(first, end, [], order))
        elif key == "Aliases" and ("Aliases" in values or remove_aliases):
            edits.extend(_alias_edits(lines, entries.get("Aliases"), user_aliases, values.get("Aliases", {}),
                                      remove_aliases, append_at, newline, order))
        elif key in values:
            new = _dump(key, values[key], 0, newline)
            if key in entries:
                first, end = _span(lines, *entries[key])
                edits.append(_Edit(first, end, _with_comment(new, lines, *entries[key]), order))
            else:
                edits.append(_Edit(append_at, append_at, new, order))
        order += 1
    if edits and lines and not lines[-1].endswith("\n") and any(e.first == len(lines) for e in edits):
        lines[-1] += newline
    for edit in sorted(edits, key=lambda e: (e.first, e.order), reverse=True):
        lines[edit.first:edit.end] = edit.lines
    return "".join(lines), changes


def _alias_edits(lines, entry, user_aliases, new_aliases, remove_aliases, append_at, newline, order):
    """Edits for the Aliases: alias by alias when the file holds them as a block mapping, else the whole
    Aliases entry anew."""
    import yaml
    removed = {name.lower() for name in remove_aliases}
    merged = {alias.name: _spec(alias) for key, alias in user_aliases.items()
              if key not in removed and key not in {name.lower() for name in new_aliases}}
    merged.update(new_aliases)
    if entry is None:
        return [_Edit(append_at, append_at, _dump("Aliases", merged, 0, newline), order)] if merged else []
    key_node, value_node = entry
    block = isinstance(value_node, yaml.MappingNode) and not value_node.flow_style and value_node.value and all(
        _starts_line(lines, name_node) for name_node, _ in value_node.value)
    if not block:
        first, end = _span(lines, key_node, value_node)
        new = _with_comment(_dump("Aliases", merged, 0, newline), lines, key_node, value_node) if merged else []
        return [_Edit(first, end, new, order)]
    indent = value_node.value[0][0].start_mark.column
    edits, placed = [], set()
    last_end = 0
    for name_node, spec_node in value_node.value:
        name = str(_construct(name_node))
        first, end = _span(lines, name_node, spec_node)
        last_end = max(last_end, end)
        replacement = next((n for n in new_aliases if n.lower() == name.lower()), None)
        if replacement is not None:
            placed.add(replacement)
            edits.append(_Edit(first, end, _dump(replacement, new_aliases[replacement], indent, newline), order))
        elif name.lower() in removed:
            edits.append(_Edit(first, end, [], order))
    added = [line for name, spec in new_aliases.items() if name not in placed
             for line in _dump(name, spec, indent, newline)]
    if added:
        edits.append(_Edit(last_end, last_end, added, order))
    return edits


def _redumped(root, values, user_aliases, remove_aliases, reset, newline):
    """The whole document dumped anew (comments lost): for a layout that cannot be edited line by line."""
    import yaml
    document = _construct(root) if root is not None else {}
    by_lower = {k.lower(): k for k in document if isinstance(k, str)}
    for key in reset:
        document.pop(by_lower.get(key.lower(), key), None)
    for key, value in values.items():
        if key == "Aliases":
            continue
        document[by_lower.get(key.lower(), key)] = value
    if "Aliases" in values or remove_aliases:
        removed = {name.lower() for name in remove_aliases} | {name.lower() for name in values.get("Aliases", {})}
        merged = {a.name: _spec(a) for k, a in user_aliases.items() if k not in removed}
        merged.update(values.get("Aliases", {}))
        key = by_lower.get("aliases", "Aliases")
        if merged:
            document[key] = merged
        else:
            document.pop(key, None)
    text = yaml.safe_dump(document, default_flow_style=False, sort_keys=False, allow_unicode=True, width=4096)
    return text.replace("\n", newline) if document else ""


def _starts_line(lines, node):
    return not lines[node.start_mark.line][:node.start_mark.column].strip()


def _span(lines, key_node, value_node):
    """(first, end) line indexes of a mapping entry: from its key's line to its value's last line, without
    the blank and comment lines after it (those belong to what follows)."""
    first = key_node.start_mark.line
    mark = value_node.end_mark
    # A block ends where the next entry starts: a mark with only indentation before it is that next line.
    at_line_start = mark.line >= len(lines) or not lines[mark.line][:mark.column].strip()
    end = min(max(first + 1, mark.line if at_line_start else mark.line + 1), len(lines))
    while end > first + 1 and _blank_or_comment(lines[end - 1]):
        end -= 1
    return first, end


def _blank_or_comment(line):
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _with_comment(new, lines, key_node, value_node):
    """new, with the comment at the end of the old entry's first line (`Engine: x  # why`) kept."""
    line = lines[key_node.start_mark.line].rstrip("\r\n")
    one_line = value_node.end_mark.line == key_node.start_mark.line
    rest = line[value_node.end_mark.column:] if one_line else line[key_node.end_mark.column:]
    match = re.match(r"\s*:?\s*(#.*?)\s*\Z", rest)
    if not match or not new:
        return new
    ending = new[0][len(new[0].rstrip("\r\n")):]
    return [new[0].rstrip("\r\n") + "  " + match.group(1) + ending] + new[1:]


def _append_line(lines, root):
    """Where a new top-level key goes: the end of the file, or before a document end marker (...)."""
    start = root.end_mark.line if root is not None else 0
    for index in range(min(start, len(lines)), len(lines)):
        if re.match(r"\.\.\.(\s|\Z)", lines[index]):
            return index
    return len(lines)


def _describe(before, values, remove_aliases, reset):
    changes = []
    for key in KEYS:
        if key in reset:
            changes.append(f"reset {key} to its default")
        elif key == "Aliases":
            for name, spec in values.get("Aliases", {}).items():
                tag = spec.get("Tag") or (", ".join(f"{b}: {t}" for b, t in spec["Tags"].items()) if spec.get("Tags")
                                          else None)
                changes.append(f"set alias '{name}' to {spec['Repository']}" + (f" ({tag})" if tag else ""))
        elif key in values:
            value = values[key]
            shown = ", ".join(value) if isinstance(value, list) else str(value).lower() if isinstance(value, bool) \
                else value
            changes.append(f"set {key} to '{shown}'")
    changes.extend(f"remove alias '{name}'" for name in remove_aliases)
    return changes


def _write_atomic(file, text, exists):
    """files.write_atomically, with its failure as the module's error naming the file."""
    try:
        files.write_atomically(file, text)
    except OSError as exc:
        kind = PermissionDenied if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) else Internal
        raise kind(f"The settings file {file} cannot be written: {exc.strerror or exc} "
                   f"({exc.filename or os.path.dirname(os.path.realpath(file))}).", file) from None
