"""The user's settings file (settings.py): read it (settings.get) and change it (settings.set)."""

from typing import List, Optional

from .. import settings


def get_settings(ctx):
    """The settings in effect, as a row; a broken file gives the defaults, with Problem (an error dict)."""
    return settings_row(settings.current())


def set_settings(ctx, engine: Optional[str] = None, python: Optional[str] = None, transport: Optional[str] = None,
                 progress: Optional[bool] = None, registries: Optional[List[str]] = None,
                 aliases: Optional[dict] = None, remove_aliases: Optional[List[str]] = None,
                 reset: Optional[List[str]] = None, dry_run: bool = False):
    """Change the given settings (null: leave as is), remove the user's aliases named, reset the keys named
    to their defaults (Engine, Python, Transport, Progress, Registries, Aliases). With dry_run, everything
    is checked and the changes are described, but nothing is written. A broken file is never overwritten."""
    given = {"Engine": engine, "Python": python, "Transport": transport, "Progress": progress,
             "Registries": registries, "Aliases": aliases}
    values = {key: value for key, value in given.items() if value is not None}
    after, changes = settings.update(values, remove_aliases or (), reset or (), write=not dry_run)
    return {"changes": changes, "written": bool(changes) and not dry_run, "settings": settings_row(after)}


def settings_row(current):
    return {
        "Path": current.path,
        "Exists": current.exists,
        "Engine": current.engine,
        "Python": current.python,
        "Transport": current.transport,
        "Progress": current.progress,
        "Registries": list(current.registries),
        "Aliases": [alias_row(alias) for _, alias in sorted(current.aliases.items())],
        "Problem": current.problem.to_dict() if current.problem is not None else None,
    }


def alias_row(alias):
    return {"Name": alias.name, "Repository": alias.repository, "Tag": alias.tag,
            "Tags": {str(build): tag for build, tag in alias.tags.items()}, "Source": alias.source}


METHODS = {
    "settings.get": get_settings,
    "settings.set": set_settings,
}
