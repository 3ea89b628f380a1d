"""The `containerimage` command.

  containerimage serve              the backend: JSON-RPC on stdin/stdout (see server.py)
  containerimage images [NAME...]   list images, like `docker images`
  containerimage pull NAME          pull an image, with progress

The human commands print colour (colorama) only when writing to a terminal, plain text when piped.
Exit codes are ExitStatus: scripts can tell "not found" from "engine down" from "wrong password".
"""

import argparse
import calendar
import logging
import os
import sys
import time
from enum import IntEnum

from . import __version__, errors
from .engine import Engine
from .operations import METHODS, images
from .server import Context, Server


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
    CANCELLED = 130


_EXIT_BY_KIND = {
    "NotFound": ExitStatus.NOT_FOUND,
    "EngineUnavailable": ExitStatus.ENGINE_UNAVAILABLE,
    "Unauthorized": ExitStatus.UNAUTHORIZED,
    "RegistryUnavailable": ExitStatus.REGISTRY_UNAVAILABLE,
    "Conflict": ExitStatus.CONFLICT,
    "AlreadyExists": ExitStatus.EXISTS,
    "InvalidData": ExitStatus.INVALID_DATA,
    "InvalidReference": ExitStatus.USAGE,
    "InvalidParams": ExitStatus.USAGE,
    "Cancelled": ExitStatus.CANCELLED,
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


def cmd_serve(args, term):
    protocol_out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but protocol messages may reach the protocol channel
    Server(sys.stdin.buffer, protocol_out, Engine(), METHODS).serve()
    return ExitStatus.SUCCESS


def cmd_images(args, term):
    result = images.list_images(Context(Engine()), name=args.name or None, all=args.all)
    columns = ("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE")
    table = [(r["Repository"] or "<none>", r["Tag"] or "<none>", r["Id"], human_age(_created_epoch(r["Created"])),
              human_size(r["Size"])) for r in result["images"]]
    widths = [max([len(c)] + [len(row[i]) for row in table]) for i, c in enumerate(columns)]
    line = "   ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()
    term.stdout.write(term.style(line, "header") + "\n")
    for row in table:
        cells = [cell.ljust(w) for cell, w in zip(row, widths)]
        cells[0] = term.style(cells[0], "name")
        term.stdout.write("   ".join(cells).rstrip() + "\n")
    for problem in result["errors"]:
        term.error(f"Error: {problem['message']}")
    return ExitStatus.NOT_FOUND if result["errors"] else ExitStatus.SUCCESS


def cmd_pull(args, term):
    def progress(fields):
        total = f" {fields['current']}/{fields['total']}" if fields.get("total") else ""
        term.stderr.write(f"{fields['id']}: {fields['status']}{total}\n")

    context = Context(Engine(), progress)
    result = images.pull_image(context, name=args.name, all_tags=args.all_tags, platform=args.platform)
    if result["digest"]:
        term.stdout.write(f"Digest: {result['digest']}\n")
    if result["status"]:
        term.stdout.write(f"Status: {result['status']}\n")
    for row in result["images"]:
        term.stdout.write(term.style(f"{row['Repository']}:{row['Tag']}", "name") + f" {row['Id']}\n")
    return ExitStatus.SUCCESS


def parser():
    p = argparse.ArgumentParser(prog="containerimage", description="Manage container images on a Docker engine.",
                                epilog="Exit codes: " + ", ".join(f"{s.value} {s.name.lower()}" for s in ExitStatus))
    p.add_argument("--version", action="version", version=f"containerimage {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="serve JSON-RPC on stdin/stdout (the PowerShell module's backend)") \
        .set_defaults(run=cmd_serve)
    images_p = sub.add_parser("images", help="list images")
    images_p.add_argument("name", nargs="*", help="repository[:tag], wildcards allowed")
    images_p.add_argument("-a", "--all", action="store_true", help="include intermediate images")
    images_p.set_defaults(run=cmd_images)
    pull_p = sub.add_parser("pull", help="pull an image from a registry")
    pull_p.add_argument("name", help="repository[:tag|@digest]")
    pull_p.add_argument("-a", "--all-tags", action="store_true", help="pull every tag of the repository")
    pull_p.add_argument("--platform", help="os[/arch[/variant]]")
    pull_p.set_defaults(run=cmd_pull)
    return p


def main(argv=None):
    logging.basicConfig(stream=sys.stderr, level=os.environ.get("CONTAINERIMAGE_LOG_LEVEL", "WARNING").upper(),
                        format="containerimage: %(levelname)s %(message)s")
    args = parser().parse_args(argv)
    term = Terminal()
    try:
        return args.run(args, term)
    except KeyboardInterrupt:
        term.error("Cancelled.")
        return ExitStatus.CANCELLED
    except Exception as exc:
        error = errors.translate(exc)
        term.error(f"Error: {error.message}")
        return _EXIT_BY_KIND.get(error.kind, ExitStatus.ERROR)
