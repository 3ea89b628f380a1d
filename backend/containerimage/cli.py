"""The `containerimage` command.

  containerimage serve              the backend: JSON-RPC on stdin/stdout (see server.py)
  containerimage images [NAME...]   list images, like `docker images`
  containerimage pull NAME          pull an image, with progress
  containerimage login [SERVER] [-u USER] [--password-stdin]   log in to a registry, like `docker login`
  containerimage logout [SERVER]    remove a stored login, like `docker logout`
  containerimage push NAME [--all-tags]   push an image to its registry, with progress
  containerimage save NAME... [-o FILE] [--force]   save images to a tar archive, like `docker save`
  containerimage load [-i FILE]     load images from a tar archive, like `docker load`
  containerimage commit CONTAINER [NAME[:TAG]] [-m MSG] [-a AUTHOR] [-c INSTRUCTION]... [--no-pause]
                                    create an image from a container, like `docker commit`
  containerimage tag SOURCE TARGET...   give an image other names, like `docker tag`
  containerimage history NAME [--no-trunc]   an image's layers, like `docker history`
  containerimage rmi NAME... [-f] [--no-prune]   remove images, like `docker rmi`, never one a container
  containerimage search [TERM] [-r REGISTRY]... [-t]   search Docker Hub like `docker search`, or a registry's catalog
                                    depends on unless -f
  containerimage prune [--unused] [--label L]... [--dry-run] [-f]   remove dangling (or unused) images
  containerimage dsc get|test|set  the DSC v3 resource ContainerImage/Image: JSON on stdin and stdout
  containerimage test NAME [--isolation process|hyperv] [--platform P] [--remote]   can this host run it?
                                    (exit 0 yes, 10 no, 1 cannot tell)
  containerimage copy SOURCE DESTINATION [--platform P]... [--include-foreign-layers]
                                    copy an image between registries, every platform, without the engine

The human commands print colour (colorama) only when writing to a terminal, plain text when piped.
Exit codes are ExitStatus: scripts can tell "not found" from "engine down" from "wrong password".
"""

import argparse
import calendar
import getpass
import json
import os
import sys
import threading
import time
from enum import IntEnum

from . import __version__, errors
from .engine import Engine
from .operations import archive, images
from .operations import commit, history
from .operations import search
from .credentials import config_path
from .operations import push, registry
from .operations import remove
from .operations import compatibility
from .operations import disk
from .operations import remote
from . import dsc
from .operations import engines as engine_operations
from .operations import copy
from .server import Context
from . import stdio


class ExitStatus(IntEnum):
    SUCCESS = 0
    ERROR = 1
    USAGE = 2
    NOT_FOUND = 3
    ENGINE_UNAVAILABLE = 4
    UNAUTHORIZED = 5
    REGISTRY_UNAVAILABLE = 6
    CONFLICT = 7
    EXISTS = 8
    INVALID_DATA = 9
    INCOMPATIBLE = 10
    CANCELLED = 130


_EXIT_BY_KIND = {
    "NotFound": ExitStatus.NOT_FOUND,
    "EngineUnavailable": ExitStatus.ENGINE_UNAVAILABLE,
    "Unauthorized": ExitStatus.UNAUTHORIZED,
    "RegistryUnavailable": ExitStatus.REGISTRY_UNAVAILABLE,
    "Conflict": ExitStatus.CONFLICT,
    "AlreadyExists": ExitStatus.EXISTS,
    "InvalidData": ExitStatus.INVALID_DATA,
    "Incompatible": ExitStatus.INCOMPATIBLE,
    "InvalidReference": ExitStatus.USAGE,
    "InvalidParams": ExitStatus.USAGE,
    "Cancelled": ExitStatus.CANCELLED,
    "SecurityError": ExitStatus.ENGINE_UNAVAILABLE,
}


class Terminal:
    """Where human output goes and whether it may be coloured (only a terminal gets colour)."""

    def __init__(self, stdout=None, stderr=None):
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.colour = self.stdout.isatty() and not os.environ.get("NO_COLOR")
        if self.colour:
            import colorama
            colorama.just_fix_windows_console()
            self._styles = {"header": colorama.Style.BRIGHT, "name": colorama.Fore.CYAN,
                            "error": colorama.Fore.RED + colorama.Style.BRIGHT, "dim": colorama.Style.DIM}
            self._reset = colorama.Style.RESET_ALL

    def style(self, text, style):
        return f"{self._styles[style]}{text}{self._reset}" if self.colour else text

    def error(self, text):
        colour = self.stderr.isatty() and not os.environ.get("NO_COLOR")
        self.stderr.write((self.style(text, "error") if colour and self.colour else text) + "\n")


def human_size(size):
    """Bytes as the docker CLI shows them: three significant digits, decimal units (1.46GB)."""
    if size < 1000:
        return f"{int(size)}B"
    for unit in ("kB", "MB", "GB", "TB", "PB"):
        size /= 1000.0
        if float(f"{size:.3g}") < 1000 or unit == "PB":
            return f"{float(f'{size:.3g}'):g}{unit}"


def human_age(created_utc, now=None):
    seconds = max(0, (now or time.time()) - created_utc)
    for unit, length in (("year", 31536000), ("month", 2592000), ("week", 604800), ("day", 86400),
                         ("hour", 3600), ("minute", 60)):
        if seconds >= length:
            count = int(seconds // length)
            return f"{count} {unit}{'s' if count > 1 else ''} ago"
    return "Less than a minute ago"


def _created_epoch(iso):
    return calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ"))


def print_table(term, columns, table, first_style=lambda value: "name"):
    """Columns padded to their widest cell, three spaces apart, as the docker CLI prints them; the header
    and the first column (in the style first_style gives its value, if any) styled on a terminal only."""
    widths = [max([len(c)] + [len(row[i]) for row in table]) for i, c in enumerate(columns)]
    line = "   ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()
    term.stdout.write(term.style(line, "header") + "\n")
    for row in table:
        cells = [cell.ljust(w) for cell, w in zip(row, widths)]
        style = first_style(row[0])
        if style:
            cells[0] = term.style(cells[0], style)
        term.stdout.write("   ".join(cells).rstrip() + "\n")


def cmd_serve(args, term):
    stdio.serve(_engine(args), cancel_at_end=args.cancel_at_end)
    return ExitStatus.SUCCESS


def cmd_images(args, term):
    result = images.list_images(Context(_engine(args)), name=args.name or None, all=args.all)
    columns = ("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE")
    table = [(r["Repository"] or "<none>", r["Tag"] or "<none>", r["Id"], human_age(_created_epoch(r["Created"])),
              human_size(r["Size"])) for r in result["images"]]
    print_table(term, columns, table)
    for problem in result["errors"]:
        term.error(f"Error: {problem['message']}")
    return ExitStatus.NOT_FOUND if result["errors"] else ExitStatus.SUCCESS


def cmd_df(args, term):
    """docker system df for images: the totals; with -v each image's size, shared size and unique size."""
    context = Context(_engine(args))
    totals = disk.disk_usage(context)
    print_table(term, ("TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"),
                [(totals["Type"], str(totals["TotalCount"]), str(totals["Active"]), human_size(totals["Size"]),
                  f"{human_size(totals['Reclaimable'])} ({totals['ReclaimablePercent']}%)")], lambda value: None)
    if not args.verbose:
        return ExitStatus.SUCCESS
    rows = [r for r in images.list_images(context, disk_usage=True)["images"] if r["SharedSize"] is not None]
    term.stdout.write("\n")
    print_table(term, ("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS"),
                [(r["Repository"] or "<none>", r["Tag"] or "<none>", r["Id"], human_age(_created_epoch(r["Created"])),
                  human_size(r["Size"]), human_size(r["SharedSize"]), human_size(r["UniqueSize"]), str(r["Containers"]))
                 for r in rows])
    return ExitStatus.SUCCESS


def layer_lines(term):
    """Progress of a pull or push: a line on stderr for each layer's status."""
    def progress(fields):
        total = f" {fields['current']}/{fields['total']}" if fields.get("total") else ""
        term.stderr.write(f"{fields['id']}: {fields['status']}{total}\n")
    return progress


def cmd_pull(args, term):
    context = Context(_engine(args), layer_lines(term))
    result = images.pull_image(context, name=args.name, all_tags=args.all_tags, platform=args.platform)
    if result["digest"]:
        term.stdout.write(f"Digest: {result['digest']}\n")
    if result["status"]:
        term.stdout.write(f"Status: {result['status']}\n")
    for row in result["images"]:
        term.stdout.write(term.style(f"{row['Repository']}:{row['Tag']}", "name") + f" {row['Id']}\n")
    return ExitStatus.SUCCESS


class ProgressLine:
    """Progress of a save or load on one line of stderr, rewritten in place; shown only on a terminal
    (a log or a pipe gets the result lines, not ten progress lines a second)."""

    def __init__(self, term):
        self._term = term
        self._live = term.stderr.isatty()
        self._width = 0

    def __call__(self, fields):
        if not self._live:
            return
        label = fields.get("activity") or f"Layer {fields['id']}"
        text = f"{label}: {fields.get('status', '')}"
        self._term.stderr.write("\r" + text.ljust(self._width))
        self._term.stderr.flush()
        self._width = max(self._width, len(text))

    def done(self):
        if self._width:
            self._term.stderr.write("\r" + " " * self._width + "\r")
            self._term.stderr.flush()
            self._width = 0


def cmd_save(args, term):
    progress = ProgressLine(term)
    context = Context(_engine(args), progress)
    try:
        if args.output is None:
            return _save_to_stdout(args, term, context)
        result = archive.save_image(context, name=args.name, path=os.path.abspath(args.output), force=args.force)
    except errors.AlreadyExists as exc:
        raise errors.AlreadyExists(f"{exc.message} Give --force to overwrite it.", exc.target) from None
    finally:
        progress.done()
    names = ", ".join(term.style(name, "name") for name in result["names"])
    term.stdout.write(f"Saved {names} to {result['path']} ({human_size(result['size'])})\n")
    return ExitStatus.SUCCESS


def _save_to_stdout(args, term, context):
    """Like docker save without -o: the archive goes to stdout, which must not be a terminal."""
    if term.stdout.isatty():
        raise errors.InvalidParams("Refusing to write a tar archive to a terminal: give -o FILE, or redirect "
                                   "the output.", "stdout")
    targets = archive.engine_names(args.name)
    archive.check_present(context, args.name)
    out = getattr(term.stdout, "buffer", term.stdout)
    archive.stream_archive(context, context.engine.client(), targets, out, "standard output")
    out.flush()
    return ExitStatus.SUCCESS


def cmd_load(args, term):
    progress = ProgressLine(term)
    context = Context(_engine(args), progress)
    try:
        if args.input is not None:
            loaded = archive.load_image(context, path=os.path.abspath(args.input))["loaded"]
        else:
            loaded = _load_from_stdin(context)
    finally:
        progress.done()
    for item in loaded:
        what = "Loaded image ID: " if item.startswith("sha256:") else "Loaded image: "
        term.stdout.write(what + term.style(item, "name") + "\n")
    return ExitStatus.SUCCESS


def _load_from_stdin(context):
    """Like docker load without -i: the archive comes from stdin, which must not be a terminal."""
    if sys.stdin is None or sys.stdin.isatty():
        raise errors.InvalidParams("Give -i FILE, or redirect an archive to the standard input.", "stdin")
    body = archive.ProgressReader(context, sys.stdin.buffer, None, "standard input")
    return archive.load_stream(context, context.engine.client(), body, "standard input")


def cmd_commit(args, term):
    result = commit.commit_container(Context(_engine(args)), container=args.container, name=args.name,
                                     message=args.message, author=args.author, changes=args.change or None,
                                     pause=not args.no_pause)
    _print_named_rows(term, result["images"])
    return ExitStatus.SUCCESS


def cmd_tag(args, term):
    context = Context(_engine(args))
    for target in args.target:
        _print_named_rows(term, commit.tag_image(context, name=args.source, target=target)["images"])
    return ExitStatus.SUCCESS


def _print_named_rows(term, rows):
    """One line per image row, repository:tag then id, as pull prints them."""
    for row in rows:
        name = f"{row['Repository'] or '<none>'}:{row['Tag'] or '<none>'}"
        term.stdout.write(term.style(name, "name") + f" {row['Id']}\n")


HISTORY_COLUMNS = ("IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT")
CREATED_BY_WIDTH = 45  # docker history cuts the command there, with an ellipsis


def cmd_history(args, term):
    rows = history.image_history(Context(_engine(args)), name=args.name)["history"]
    table = [(_history_id(r, args.no_trunc), human_age(_created_epoch(r["Created"])),
              _created_by(r["CreatedBy"], args.no_trunc), human_size(r["Size"]), r["Comment"]) for r in rows]
    print_table(term, HISTORY_COLUMNS, table, lambda value: "dim" if value == history.MISSING else None)
    return ExitStatus.SUCCESS


def _history_id(row, no_trunc):
    return (row["FullId"] if no_trunc else row["Id"]) or history.MISSING


def _created_by(text, no_trunc):
    text = text.replace("\t", " ")
    if no_trunc or len(text) <= CREATED_BY_WIDTH:
        return text
    return text[:CREATED_BY_WIDTH - 1] + "\u2026"


SEARCH_COLUMNS = ("NAME", "DESCRIPTION", "STARS", "OFFICIAL", "AUTOMATED")
DESCRIPTION_WIDTH = 45  # docker search cuts descriptions there


def cmd_search(args, term):
    result = search.search(Context(_engine(args)), term=args.term, registry=args.registry or None, limit=args.limit,
                           stars=args.stars, official=args.official, automated=args.automated,
                           list_tags=args.tags)
    for warning in result["warnings"]:
        term.error(f"Warning: {warning}")
    rows = result["results"]
    if rows:  # a term that matches nothing prints nothing, not even the header
        columns = SEARCH_COLUMNS + (("TAGS",) if args.tags else ())
        table = [_search_cells(row, args) for row in rows]
        print_table(term, columns, table)
    for problem in result["errors"]:
        term.error(f"Error: {problem['message']}")
    if result["errors"]:
        return _EXIT_BY_KIND.get(result["errors"][0]["data"]["kind"], ExitStatus.ERROR)
    return ExitStatus.SUCCESS


def _search_cells(row, args):
    description = " ".join((row["Description"] or "").split())  # one line, as docker search shows it
    if not args.no_trunc and len(description) > DESCRIPTION_WIDTH:
        description = description[:DESCRIPTION_WIDTH - 3] + "..."
    stars = "" if row["Stars"] is None else str(row["Stars"])
    cells = [row["Name"], description, stars, "[OK]" if row["Official"] else "", "[OK]" if row["Automated"] else ""]
    if args.tags:
        cells.append(", ".join(row["Tags"] or []))
    return cells


def cmd_login(args, term):
    if args.password is not None:  # never echoed: it is a password
        raise errors.InvalidParams("login takes no password argument (other users could read it in the process "
                                   "list): give --password-stdin, or type it when asked.", "password")
    username = args.username or _ask("user name", "give --username", input, "Username: ")
    password = _password_from_stdin() if args.password_stdin else \
        _ask("password", "give --password-stdin and the password on stdin", getpass.getpass, "Password: ")
    result = registry.login(Context(_engine(args)), username=username, password=password, registry=args.server)
    if result["Store"] == "config.json":
        term.stderr.write(f"WARNING! The password is stored unencrypted in {config_path()}. Configure a "
                          "credential helper (credsStore in that file) to keep it in the system's keychain.\n")
    term.stdout.write(f"Login Succeeded ({term.style(result['UserName'], 'name')} at {result['Registry']})\n")
    return ExitStatus.SUCCESS


def _ask(what, otherwise, read, prompt):
    """What the user types at a terminal; a script (stdin not a terminal) is told what to give instead."""
    if not sys.stdin.isatty():
        raise errors.InvalidParams(f"Cannot ask for the {what}: standard input is not a terminal; {otherwise}.", what)
    return read(prompt)


def _password_from_stdin():
    """All of stdin as UTF-8, less one final line ending, as docker login --password-stdin reads it."""
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return text.removesuffix("\n").removesuffix("\r")


def cmd_logout(args, term):
    result = registry.logout(Context(_engine(args)), registry=args.server)
    term.stdout.write(f"Removed the login for {term.style(result['Registry'], 'name')} (from {result['Store']})\n")
    return ExitStatus.SUCCESS


def cmd_push(args, term):
    context = Context(_engine(args), layer_lines(term))
    try:
        result = push.push_image(context, name=args.name, all_tags=args.all_tags)
    except errors.Unauthorized as exc:
        server = exc.data.get("registry")
        login = "containerimage login" + ("" if server in (None, "docker.io") else f" {server}")
        raise errors.Unauthorized(f"{exc.message} Log in first: {login}", exc.target, **exc.data) from None
    for row in result["pushed"]:
        term.stdout.write(term.style(f"{row['Name']}:{row['Tag']}", "name") + f" {row['Digest']}\n")
    return ExitStatus.SUCCESS


def cmd_rmi(args, term):
    """Like docker rmi: what each name untagged and deleted; a refused name does not stop the others."""
    context = Context(_engine(args))
    status = ExitStatus.SUCCESS
    for name in args.name:
        try:
            result = remove.remove_image(context, name=name, force=args.force, no_prune=args.no_prune)
        except Exception as exc:
            error = errors.translate(exc, name, context.engine)
            term.error(f"Error: {error.message}")
            status = status or _EXIT_BY_KIND.get(error.kind, ExitStatus.ERROR)
            continue
        _print_removal(term, result)
    return status


def _print_removal(term, result):
    for name in result["Untagged"]:
        term.stdout.write(f"Untagged: {term.style(name, 'name')}\n")
    for image_id in result["Deleted"]:
        term.stdout.write(f"Deleted: {image_id}\n")


PRUNE_COLUMNS = ("IMAGE", "IMAGE ID", "SIZE", "WHY")


def cmd_prune(args, term):
    """Lists what goes, asks (unless -f), then removes exactly that; like docker image prune [-a]."""
    context = Context(_engine(args))
    options = {"unused": args.unused, "label": args.label or None}
    plan = remove.prune_images(context, dry_run=True, **options)["images"]
    if not plan:
        term.stdout.write(f"No {'unused' if args.unused else 'dangling'} images to remove.\n")
        return ExitStatus.SUCCESS
    table = [(item["Image"], item["Id"], human_size(item["Size"]), item["Reason"]) for item in plan]
    print_table(term, PRUNE_COLUMNS, table)
    if args.dry_run:
        return ExitStatus.SUCCESS
    if not args.force and not _confirmed(term, f"Remove these {len(plan)} images? [y/N] "):
        term.stdout.write("Nothing removed.\n")
        return ExitStatus.SUCCESS
    result = remove.prune_images(context, ids=[item["FullId"] for item in plan], **options)
    for removed in result["results"]:
        _print_removal(term, removed)
    for problem in result["errors"]:
        term.error(f"Error: {problem['message']}")
    term.stdout.write(f"Total reclaimed space: {human_size(result['SpaceReclaimed'])}\n")
    if result["errors"]:
        return _EXIT_BY_KIND.get(result["errors"][0]["data"]["kind"], ExitStatus.ERROR)
    return ExitStatus.SUCCESS


def _engine(args):
    """The engine --engine names (a docker context name, an address or 'default'), else the one the
    environment names, as for the docker CLI."""
    return _engine_named(getattr(args, "engine", None))


def _engine_named(name):
    return Engine(name=name) if name else Engine()


def _engine_name(text):
    """--engine's value: a name, not an empty string."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an engine name cannot be empty: give a docker context name, an address "
                                         "(unix://, tcp://host:port, ssh://[user@]host) or 'default'")
    return text.strip()


def cmd_dsc(args, term):
    """The DSC v3 command resource (dsc.py): the instance as JSON on stdin, JSON lines on stdout; a failure
    is one JSON trace line {"error": message} on stderr, as DSC reads them, and the exit code of its kind."""
    text = sys.stdin.read()
    context = Context(_engine_named(dsc.engine_of(text) or getattr(args, "engine", None)))
    try:
        lines = dsc.invoke(args.operation, text, context)
    except Exception as exc:
        error = errors.translate(exc, engine=context.engine)
        term.stderr.write(json.dumps({"error": error.message}) + "\n")
        return _EXIT_BY_KIND.get(error.kind, ExitStatus.ERROR)
    for line in lines:
        term.stdout.write(line + "\n")
    return ExitStatus.SUCCESS


def cmd_test(args, term):
    """Whether the engine's host can run an image: a verdict line, the reason, and an exit code to test."""
    row = compatibility.test_image(Context(_engine(args)), name=args.name, isolation=args.isolation,
                                   platform=args.platform, remote=args.remote)
    verdict = {True: ("runs", "name"), False: ("does not run", "error"), None: ("cannot tell", "dim")}[row["Compatible"]]
    image = "/".join(p for p in (row["ImageOs"], row["Architecture"]) if p) or "unknown platform"
    version = f" {row['ImageOsVersion']}" if row["ImageOsVersion"] else ""
    term.stdout.write(f"{term.style(row['Reference'], 'name')}: {term.style(verdict[0], verdict[1])} "
                      f"({row['Source'].lower()} image, {image}{version})\n{row['Reason']}\n")
    if row["Platforms"]:
        term.stdout.write("Platforms: " + ", ".join(row["Platforms"]) + "\n")
    return {True: ExitStatus.SUCCESS, False: ExitStatus.INCOMPATIBLE, None: ExitStatus.ERROR}[row["Compatible"]]


def cmd_copy(args, term):
    """Registry to registry, no engine. The copy runs on a thread of its own: Ctrl+C (a KeyboardInterrupt
    here) cancels it, and its layers stop at their next chunk."""
    context = Context(None, layer_lines(term))
    outcome = {}
    finished = threading.Event()

    def work():
        try:
            outcome["result"] = copy.copy_image(context, name=args.source, destination=args.destination,
                                                platform=args.platform,
                                                include_foreign_layers=args.include_foreign_layers)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread as it is
            outcome["error"] = exc
        finally:
            finished.set()
    threading.Thread(target=work, name="copy", daemon=True).start()
    # An Event, not Thread.join: a join that Ctrl+C interrupts marks the thread as ended while it still runs
    # (Python 3.11's _wait_for_tstate_lock releases the thread's own lock), and the next join returns at
    # once; the copy's last lines were then written after "Cancelled.".
    try:
        while not finished.wait(0.2):
            pass
    except KeyboardInterrupt:
        context.cancel()
        finished.wait(30)
        raise
    if "error" in outcome:
        raise outcome["error"]
    result = outcome["result"]
    term.stdout.write(f"Digest: {result['Digest']}\n")
    foreign = f"; {result['ForeignLayers']} foreign layers left out" if result["ForeignLayers"] else ""
    term.stdout.write(term.style(result["Destination"], "name") + f" copied from {result['Source']} "
                      f"({', '.join(result['Platforms']) or 'one image'}: {result['Copied']} blobs sent, "
                      f"{result['Mounted']} mounted, {result['Existing']} already there{foreign})\n")
    return ExitStatus.SUCCESS


def cmd_tags(args, term):
    """The tags of a repository in its registry, as docker images lists a repository's (with --digests)."""
    result = remote.list_tags(Context(_engine(args)), name=args.name, digest=args.digests)
    columns = ("REPOSITORY", "TAG") + (("DIGEST",) if args.digests else ())
    table = [(r["Name"], r["Tag"]) + ((r["Digest"] or "<none>",) if args.digests else ()) for r in result["results"]]
    print_table(term, columns, table)
    return ExitStatus.SUCCESS


def cmd_manifest(args, term):
    """What an image in a registry holds, as docker buildx imagetools inspect prints it (--json: every field)."""
    row = remote.get_manifest(Context(_engine(args)), name=args.name)
    if args.json:
        term.stdout.write(json.dumps(row, indent=2) + "\n")
        return ExitStatus.SUCCESS
    shown = f"{row['Name']}:{row['Tag']}" if row["Tag"] else f"{row['Name']}@{row['Digest']}"
    term.stdout.write(f"Name:      {term.style(shown, 'name')}\nMediaType: {row['MediaType']}\n"
                      f"Digest:    {row['Digest']}\n")
    if row["Platforms"] is not None:
        term.stdout.write("\n")
        table = [("/".join(p for p in (e["Os"], e["Architecture"], e["Variant"]) if p) or "unknown",
                  e["OsVersion"] or "", e["Digest"] or "", "" if e["Size"] is None else str(e["Size"]))
                 for e in row["Platforms"]]
        print_table(term, ("PLATFORM", "OS VERSION", "DIGEST", "SIZE"), table, first_style=lambda value: None)
        return ExitStatus.SUCCESS
    platform = "/".join(p for p in (row["Os"], row["Architecture"], row["Variant"]) if p)
    term.stdout.write(f"Platform:  {platform}{' ' + row['OsVersion'] if row['OsVersion'] else ''}\n"
                      f"Created:   {row['Created'] or ''}\nSize:      "
                      f"{'' if row['Size'] is None else human_size(row['Size'])}\n\n")
    table = [(layer["Digest"] or "", "" if layer["Size"] is None else human_size(layer["Size"]),
              layer["MediaType"] or "", "foreign" if layer["Foreign"] else "") for layer in row["Layers"]]
    print_table(term, ("LAYER", "SIZE", "MEDIA TYPE", ""), table, first_style=lambda value: None)
    return ExitStatus.SUCCESS


def cmd_delete(args, term):
    """Remove tags (name:tag: that tag only) or manifests (name@digest: with every tag naming it) from their
    registries, as docker rmi reports it: Untagged / Deleted lines. Asks first unless --force."""
    context = Context(_engine(args))
    status = ExitStatus.SUCCESS
    for name in args.name:
        what = "the image (and every tag naming it)" if "@" in name else "the tag"
        if not args.force and not _confirmed(term, f"Remove {what} {name} from its registry? [y/N] "):
            term.error(f"Not removed: {name}")
            continue
        try:
            result = remote.delete(context, name=name)
        except Exception as exc:
            error = errors.translate(exc, name, context.engine)
            term.error(f"Error: {error.message}")
            status = status or _EXIT_BY_KIND.get(error.kind, ExitStatus.ERROR)
            continue
        for tag in result["Tags"]:
            term.stdout.write(f"Untagged: {term.style(result['Name'] + ':' + tag, 'name')}\n")
        if result["Deleted"] == "manifest":
            term.stdout.write(f"Deleted: {result['Digest']}\n")
    return status


def _confirmed(term, question):
    term.stderr.write(question)
    term.stderr.flush()
    answer = sys.stdin.readline()
    if not sys.stdin.isatty():  # the answer was not echoed: end the question's line
        term.stderr.write("\n")
    return answer.strip().lower() in ("y", "yes")


def parser():
    p = argparse.ArgumentParser(prog="containerimage", description="Manage container images on a Docker engine.",
                                epilog="Exit codes: " + ", ".join(f"{s.value} {s.name.lower()}" for s in ExitStatus))
    p.add_argument("--version", action="version", version=f"containerimage {__version__}")
    engine_help = ("the engine: a docker context name, an address (unix://, npipe://, tcp://host:port, "
                   "ssh://[user@]host) or 'default' (default: DOCKER_HOST, DOCKER_CONTEXT, docker's current context)")
    p.add_argument("--engine", "--context", dest="engine", type=_engine_name, metavar="NAME", help=engine_help)
    sub = p.add_subparsers(dest="command", required=True)
    serve_p = sub.add_parser("serve", help="serve JSON-RPC on stdin/stdout (the PowerShell module's backend)")
    serve_p.add_argument("--cancel-at-end", action="store_true",
                         help="when stdin closes, cancel the requests still running instead of finishing them")
    serve_p.set_defaults(run=cmd_serve)
    images_p = sub.add_parser("images", help="list images")
    images_p.add_argument("name", nargs="*", help="repository[:tag], wildcards allowed")
    images_p.add_argument("-a", "--all", action="store_true", help="include intermediate images")
    images_p.set_defaults(run=cmd_images)
    pull_p = sub.add_parser("pull", help="pull an image from a registry")
    pull_p.add_argument("name", help="repository[:tag|@digest]")
    pull_p.add_argument("-a", "--all-tags", action="store_true", help="pull every tag of the repository")
    pull_p.add_argument("--platform", help="os[/arch[/variant]]")
    pull_p.set_defaults(run=cmd_pull)
    save_p = sub.add_parser("save", help="save images to a tar archive (to stdout unless -o)")
    save_p.add_argument("name", nargs="+", help="repository[:tag|@digest] or image id; a repository without tag "
                        "saves all its tags")
    save_p.add_argument("-o", "--output", metavar="FILE", help="write the archive to FILE instead of stdout")
    save_p.add_argument("-f", "--force", action="store_true", help="overwrite FILE if it exists")
    save_p.set_defaults(run=cmd_save)
    load_p = sub.add_parser("load", help="load images from a tar archive (from stdin unless -i)")
    load_p.add_argument("-i", "--input", metavar="FILE", help="read the archive from FILE instead of stdin")
    load_p.set_defaults(run=cmd_load)
    commit_p = sub.add_parser("commit", help="create an image from a container's changes")
    commit_p.add_argument("container", help="container id or name")
    commit_p.add_argument("name", nargs="?", help="repository[:tag] of the new image (untagged when none)")
    commit_p.add_argument("-m", "--message", help="commit message")
    commit_p.add_argument("-a", "--author", help="author, e.g. 'Jane Doe <jane@example.com>'")
    commit_p.add_argument("-c", "--change", action="append", metavar="INSTRUCTION",
                          help="Dockerfile instruction to apply (CMD, ENV, LABEL, ...); repeatable")
    commit_p.add_argument("--no-pause", action="store_true", help="do not pause the container while committing")
    commit_p.set_defaults(run=cmd_commit)
    tag_p = sub.add_parser("tag", help="give an image another name")
    tag_p.add_argument("source", help="repository[:tag], repository@digest or image id")
    tag_p.add_argument("target", nargs="+", help="repository[:tag] (an existing name moves to this image)")
    tag_p.set_defaults(run=cmd_tag)
    history_p = sub.add_parser("history", help="show the layers of an image")
    history_p.add_argument("name", help="repository[:tag], repository@digest or image id")
    history_p.add_argument("--no-trunc", action="store_true", help="do not cut ids and commands short")
    history_p.set_defaults(run=cmd_history)
    search_p = sub.add_parser("search", help="search Docker Hub, or a registry's catalog, for images")
    search_p.add_argument("term", nargs="?", help="part of a name, or a wildcard pattern (a registry: optional)")
    search_p.add_argument("-r", "--registry", action="append", metavar="HOST[:PORT]",
                          help="search this registry's catalog instead of Docker Hub (repeatable; docker.io is Hub)")
    search_p.add_argument("-n", "--limit", type=int, help="at most this many results per registry (default 25)")
    search_p.add_argument("-s", "--stars", type=int, default=0, help="only results with at least this many stars")
    search_p.add_argument("--official", action="store_true", help="only official images")
    search_p.add_argument("--automated", action="store_true", help="only automated builds")
    search_p.add_argument("-t", "--tags", action="store_true", help="list each repository's tags")
    search_p.add_argument("--no-trunc", action="store_true", help="do not cut descriptions short")
    search_p.set_defaults(run=cmd_search)
    # No abbreviations: '--password x' must not pass for '--password-stdin' and make x the server.
    login_p = sub.add_parser("login", help="log in to a registry (default Docker Hub), kept as docker login keeps it",
                             allow_abbrev=False)
    login_p.add_argument("server", nargs="?", help="registry host[:port] (default Docker Hub)")
    login_p.add_argument("-u", "--username", help="user name (asked for when not given)")
    login_p.add_argument("--password-stdin", action="store_true",
                         help="read the password from stdin (else it is asked for; it is never an argument)")
    login_p.add_argument("-p", "--password", help=argparse.SUPPRESS)  # refused, with the reason
    login_p.set_defaults(run=cmd_login)
    logout_p = sub.add_parser("logout", help="remove the stored login for a registry (default Docker Hub)")
    logout_p.add_argument("server", nargs="?", help="registry host[:port] (default Docker Hub)")
    logout_p.set_defaults(run=cmd_logout)
    push_p = sub.add_parser("push", help="push an image to its registry, with progress")
    push_p.add_argument("name", help="[registry/]repository[:tag] (default tag latest)")
    push_p.add_argument("-a", "--all-tags", action="store_true", help="push every local tag of the repository")
    push_p.set_defaults(run=cmd_push)
    rmi_p = sub.add_parser("rmi", help="remove images; refused while a container depends on one, unless --force")
    rmi_p.add_argument("name", nargs="+", help="repository[:tag|@digest] (default tag latest), or an image id")
    rmi_p.add_argument("-f", "--force", action="store_true", help="remove even an image containers depend on")
    rmi_p.add_argument("--no-prune", action="store_true", help="keep the untagged parent images")
    rmi_p.set_defaults(run=cmd_rmi)
    prune_p = sub.add_parser("prune", help="remove dangling images (with --unused: every image no container "
                                           "depends on)")
    prune_p.add_argument("-a", "--unused", action="store_true", help="every image no container depends on")
    prune_p.add_argument("--label", action="append", help="only images with this label, key or key=value "
                                                          "(repeat for more; all must match)")
    prune_p.add_argument("--dry-run", action="store_true", help="list what would be removed, remove nothing")
    prune_p.add_argument("-f", "--force", action="store_true", help="do not ask for confirmation")
    prune_p.set_defaults(run=cmd_prune)
    df_p = sub.add_parser("df", help="disk used by images, as docker system df (-v: each image's shared and "
                                     "unique size)")
    df_p.add_argument("-v", "--verbose", action="store_true", help="also each image's size, shared and unique size")
    df_p.set_defaults(run=cmd_df)
    dsc_p = sub.add_parser("dsc", help="the DSC v3 resource ContainerImage/Image (ContainerImage.dsc.resource.json)")
    dsc_p.add_argument("operation", choices=dsc.OPERATIONS, help="get, test or set the instance given as JSON on stdin")
    dsc_p.set_defaults(run=cmd_dsc)
    test_p = sub.add_parser("test", help="can the engine's host run an image (local, or read from its registry)?")
    test_p.add_argument("name", help="repository[:tag|@digest], image id, or alias (e.g. NanoServer)")
    test_p.add_argument("--isolation", choices=("process", "hyperv"), help="default: the engine's")
    test_p.add_argument("--platform", help="os[/arch[/variant]] of a manifest list to test instead of the host's")
    test_p.add_argument("--remote", action="store_true", help="read the registry even for a local image")
    test_p.set_defaults(run=cmd_test)
    context_p = sub.add_parser("context", help="the engines you can name: docker's contexts (its own store)")
    context_sub = context_p.add_subparsers(dest="context_command", required=True)
    context_ls_p = context_sub.add_parser("ls", help="list default and the docker contexts (* the one in use)")
    context_ls_p.add_argument("name", nargs="?", help="a wildcard pattern of names")
    context_ls_p.set_defaults(run=cmd_context_ls)
    copy_p = sub.add_parser("copy", help="copy an image from one registry to another (every platform; the "
                                         "destination's digest is the source's), without the engine")
    copy_p.add_argument("source", help="registry/repository[:tag|@digest] (default tag latest)")
    copy_p.add_argument("destination", help="registry/repository[:tag] (default: the source's tag)")
    copy_p.add_argument("--platform", action="append", help="os[/arch[/variant]]: only this entry of a "
                                                            "manifest list (repeat for more)")
    copy_p.add_argument("--include-foreign-layers", action="store_true",
                        help="copy foreign (non-distributable) Windows base layers too")
    copy_p.set_defaults(run=cmd_copy)
    tags_p = sub.add_parser("tags", help="list the tags of a repository in its registry (no engine)")
    tags_p.add_argument("name", help="registry/repository, e.g. 127.0.0.1:5000/team/app (Docker Hub without a registry)")
    tags_p.add_argument("--digests", action="store_true", help="show each tag's manifest digest")
    tags_p.set_defaults(run=cmd_tags)
    manifest_p = sub.add_parser("manifest", help="show what an image in a registry holds, without pulling it")
    manifest_p.add_argument("name", help="registry/repository[:tag|@digest]")
    manifest_p.add_argument("--json", action="store_true", help="every field, as JSON")
    manifest_p.set_defaults(run=cmd_manifest)
    delete_p = sub.add_parser("delete", help="remove a tag (name:tag) or an image with its tags (name@digest) "
                                             "from a registry")
    delete_p.add_argument("name", nargs="+", help="registry/repository:tag or registry/repository@digest")
    delete_p.add_argument("-f", "--force", action="store_true", help="do not ask first")
    delete_p.set_defaults(run=cmd_delete)
    for command in sub.choices.values():  # also after the command: containerimage images --engine web1
        command.add_argument("--engine", "--context", dest="engine", type=_engine_name, metavar="NAME",
                             default=argparse.SUPPRESS, help=engine_help)
    return p


def cmd_context_ls(args, term):
    rows = engine_operations.list_engines(None, name=args.name)["engines"]
    table = [(r["Name"] + (" *" if r["Current"] else ""), r["Source"], "yes" if r["Tls"] else "", r["Host"],
              r["Description"]) for r in rows]
    print_table(term, ("NAME", "SOURCE", "TLS", "HOST", "DESCRIPTION"), table)
    return ExitStatus.SUCCESS if rows or not args.name else ExitStatus.NOT_FOUND


def main(argv=None):
    stdio.configure_logging()
    args = parser().parse_args(argv)
    term = Terminal()
    try:
        return args.run(args, term)
    except KeyboardInterrupt:
        term.error("Cancelled.")
        return ExitStatus.CANCELLED
    except Exception as exc:
        # A lost engine is named as the command resolved it (the same environment, so the same answer).
        error = errors.translate(exc, engine=_engine(args).locate() if errors.connection_failure(exc) else None)
        term.error(f"Error: {error.message}")
        return _EXIT_BY_KIND.get(error.kind, ExitStatus.ERROR)
