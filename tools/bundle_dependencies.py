"""Copies the backend's pure-Python dependencies from Debian's packages into the module's backend folder.

    python3 tools/bundle_dependencies.py DEST

The module package carries everything the backend needs but the Python interpreter. For each dependency
this copies its import packages from /usr/lib/python3/dist-packages (no compiled extension, no
__pycache__), its licence (/usr/share/doc/<package>/copyright) to DEST/licenses/, and lists names and
versions in DEST/THIRD-PARTY.txt. Two adjustments, both listed there:

- certifi: Debian's where() returns /etc/ssl/certs/ca-certificates.crt, which other systems (Windows,
  macOS) lack; the bundled copy returns the cacert.pem that python3-certifi ships beside it (Mozilla's
  store; never this machine's /etc/ssl/certs, which may hold local CAs), as upstream certifi does.
- distutils (DEST/fallback, put LAST on sys.path by start-backend.py): docker 5 imports
  distutils.version and distutils.spawn, which Python 3.12 removed. Python's own distutils still wins
  where it exists; this small copy of the two names docker uses serves the others.
"""

import os
import shutil
import subprocess
import sys

DIST_PACKAGES = "/usr/lib/python3/dist-packages"

# Debian package -> the import packages or modules it holds that the backend uses.
DEPENDENCIES = [
    ("python3-docker", ["docker"]),
    ("python3-requests", ["requests"]),
    ("python3-urllib3", ["urllib3"]),
    ("python3-six", ["six.py"]),  # Debian's urllib3 imports six instead of its vendored copy
    ("python3-idna", ["idna"]),
    ("python3-certifi", ["certifi"]),
    # requests tries chardet before charset_normalizer: bundling chardet keeps a user's copy of either out.
    ("python3-chardet", ["chardet"]),
    ("python3-websocket", ["websocket"]),
    ("python3-yaml", ["yaml"]),  # without _yaml*.so: PyYAML's pure-Python loader and dumper
    ("python3-colorama", ["colorama"]),
]

DISTUTILS_INIT = '''"""The two parts of distutils that docker 5 imports, for Pythons without distutils (3.12 and later).

Put last on sys.path by ContainerImage's start-backend.py: Python's own distutils, or setuptools', wins
wherever it exists."""
'''

DISTUTILS_VERSION = '''"""distutils.version.StrictVersion, as docker 5 uses it: parse and compare versions such as 1.41."""

import re

_PATTERN = re.compile(r"^(\\d+)\\.(\\d+)(?:\\.(\\d+))?(?:([ab])(\\d+))?$", re.ASCII)


class StrictVersion:
    def __init__(self, vstring=None):
        if vstring is not None:
            self.parse(vstring)

    def parse(self, vstring):
        match = _PATTERN.match(vstring)
        if not match:
            raise ValueError("invalid version number '%s'" % vstring)
        major, minor, patch, letter, number = match.groups()
        self.version = (int(major), int(minor), int(patch or 0))
        self.prerelease = (letter, int(number)) if letter else None
        self.vstring = vstring

    def _key(self):
        # A release sorts after its pre-releases.
        return self.version, (1, "", 0) if self.prerelease is None else (0,) + self.prerelease

    def _coerce(self, other):
        return other if isinstance(other, StrictVersion) else StrictVersion(other)

    def __eq__(self, other):
        return self._key() == self._coerce(other)._key()

    def __lt__(self, other):
        return self._key() < self._coerce(other)._key()

    def __le__(self, other):
        return self._key() <= self._coerce(other)._key()

    def __gt__(self, other):
        return self._key() > self._coerce(other)._key()

    def __ge__(self, other):
        return self._key() >= self._coerce(other)._key()

    def __str__(self):
        return self.vstring

    def __repr__(self):
        return "StrictVersion('%s')" % self.vstring
'''

DISTUTILS_SPAWN = '''"""distutils.spawn.find_executable, as docker 5 uses it (its credential helpers)."""

import shutil


def find_executable(executable, path=None):
    return shutil.which(executable, path=path)
'''

CERTIFI_CORE = '''"""certifi.where() and contents(): the CA bundle shipped beside this file (Mozilla's store).

ContainerImage's bundled copy of Debian's python3-certifi: Debian's where() names
/etc/ssl/certs/ca-certificates.crt, which only Debian-like systems have; this names the file beside it,
as upstream certifi does."""

import os


def where() -> str:
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "cacert.pem")


def contents() -> str:
    with open(where(), "r", encoding="ascii") as data:
        return data.read()
'''


def package_version(package):
    result = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("bundle_dependencies: the Debian package %s is not installed (run tools/bootstrap.sh)" % package)
    return result.stdout.strip()


def copy_import(name, dest):
    source = os.path.join(DIST_PACKAGES, name)
    if os.path.isfile(source):
        shutil.copy2(source, dest)
        return
    if not os.path.isdir(source):
        sys.exit("bundle_dependencies: %s is not in %s" % (name, DIST_PACKAGES))
    shutil.copytree(source, os.path.join(dest, name), symlinks=False,
                    ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyc"))


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def main(argv):
    if len(argv) != 1:
        sys.exit(__doc__)
    dest = os.path.abspath(argv[0])
    licenses = os.path.join(dest, "licenses")
    os.makedirs(licenses, exist_ok=True)
    lines = ["Third-party Python packages bundled with ContainerImage (pure Python, from Debian 12's packages).",
             "Each one's licence is in licenses/<Debian package>.copyright.", "",
             "%-22s %-26s %s" % ("Debian package", "version", "import names")]
    for package, names in DEPENDENCIES:
        for name in names:
            copy_import(name, dest)
        shutil.copy2("/usr/share/doc/%s/copyright" % package, os.path.join(licenses, package + ".copyright"))
        lines.append("%-22s %-26s %s" % (package, package_version(package), ", ".join(n.replace(".py", "") for n in names)))

    # certifi: its own CA file (the package's cacert.pem), not Debian's system path.
    certifi = os.path.join(dest, "certifi")
    if not os.path.isfile(os.path.join(certifi, "cacert.pem")):
        sys.exit("bundle_dependencies: python3-certifi has no cacert.pem to bundle")
    write(os.path.join(certifi, "core.py"), CERTIFI_CORE)

    fallback = os.path.join(dest, "fallback", "distutils")
    write(os.path.join(fallback, "__init__.py"), DISTUTILS_INIT)
    write(os.path.join(fallback, "version.py"), DISTUTILS_VERSION)
    write(os.path.join(fallback, "spawn.py"), DISTUTILS_SPAWN)

    lines += ["",
              "Changed from Debian's copies:",
              "  certifi    core.py: where() names the bundled cacert.pem (python3-certifi's own copy of Mozilla's",
              "             store, MPL-2.0), as upstream certifi does, not /etc/ssl/certs/ca-certificates.crt.",
              "  yaml       without the C extension _yaml (PyYAML's pure-Python implementation).",
              "Added: fallback/distutils (ContainerImage's own, MIT): StrictVersion and find_executable for",
              "  docker on Pythons without distutils (3.12+), last on sys.path."]
    write(os.path.join(dest, "THIRD-PARTY.txt"), "\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
