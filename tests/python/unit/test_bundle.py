"""tools/bundle_dependencies.py: the backend's dependencies copied for the module package, and what the
bundle adds (a distutils for Pythons without one, certifi's own CA file). Runs the real script on Debian's
packages into a temporary folder; the bundled backend is then imported in a Python that sees the bundle
first and its own site-packages not at all (-s -S: no site-packages)."""

import importlib.util
import os
import subprocess
import sys
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from distutils.version import StrictVersion as StdlibStrictVersion

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SCRIPT = os.path.join(ROOT, "tools", "bundle_dependencies.py")
DEBIAN_PYTHON = "/usr/bin/python3"

pytestmark = [
    pytest.mark.skipif(not os.path.isdir("/usr/lib/python3/dist-packages/docker"),
                       reason="needs Debian's python3-docker (tools/bootstrap.sh)"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),  # Python's own distutils, the reference here
]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    dest = tmp_path_factory.mktemp("bundle")
    subprocess.run([sys.executable, SCRIPT, str(dest)], check=True)
    return dest


def load_fallback(bundle, name):
    spec = importlib.util.spec_from_file_location("fallback_" + name, bundle / "fallback" / "distutils" / (name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


VERSIONS = ["0.4", "0.4.0", "0.4.1", "0.5a1", "0.5b3", "0.5", "0.9.6", "1.0", "1.0.4a3", "1.0.4b1", "1.0.4",
            "1.5", "1.21", "1.41", "1.41.1", "1.9", "2.0", "10.0", "20.10.24"]


def test_fallback_strictversion_orders_as_pythons_own(bundle):
    fallback = load_fallback(bundle, "version").StrictVersion
    for left in VERSIONS:
        for right in VERSIONS:
            ours, theirs = fallback(left), StdlibStrictVersion(right)
            expected = (StdlibStrictVersion(left) > theirs, StdlibStrictVersion(left) == theirs, StdlibStrictVersion(left) < theirs)
            assert (ours > fallback(right), ours == fallback(right), ours < fallback(right)) == expected, (left, right)
            assert (ours > right, ours < right) == expected[0::2], (left, right)


@pytest.mark.parametrize("bad", ["1", "1.2.3.4", "v1.2", "1.2c1", "1.x"])
def test_fallback_strictversion_refuses_what_pythons_own_refuses(bundle, bad):
    fallback = load_fallback(bundle, "version").StrictVersion
    with pytest.raises(ValueError):
        StdlibStrictVersion(bad)
    with pytest.raises(ValueError):
        fallback(bad)


def test_fallback_find_executable(bundle):
    find_executable = load_fallback(bundle, "spawn").find_executable
    assert find_executable("sh") == "/usr/bin/sh" or find_executable("sh") == "/bin/sh"
    assert find_executable("no-such-program-here") is None


def test_bundle_lists_every_package_with_its_licence(bundle):
    listing = (bundle / "THIRD-PARTY.txt").read_text()
    for package in ("python3-docker", "python3-requests", "python3-urllib3", "python3-six", "python3-idna",
                    "python3-certifi", "python3-chardet", "python3-websocket", "python3-yaml", "python3-colorama"):
        version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True).stdout
        assert f"{package}" in listing and version in listing
        assert (bundle / "licenses" / f"{package}.copyright").is_file()
    assert not [p for p in bundle.rglob("*") if p.suffix in (".so", ".pyc")]


@pytest.mark.skipif(not os.path.exists(DEBIAN_PYTHON), reason="needs Debian's Python")
def test_bundled_backend_imports_with_no_site_packages(bundle):
    # -S: no site-packages at all, so every import below can only come from the bundle (or the stdlib).
    code = ("import sys; sys.path[0:0] = [%r, %r]; sys.path.append(%r)\n"
            "import containerimage.cli, containerimage.operations, docker, yaml, colorama, requests.certs, certifi\n"
            "assert not yaml.__with_libyaml__\n"
            "assert certifi.where() == requests.certs.where() == %r\n"
            "for module in (docker, yaml, colorama, requests, certifi):\n"
            "    assert module.__file__.startswith(%r), module.__file__\n"
            "print(yaml.safe_load('a: [1, 2]'))\n"
            % (str(bundle), os.path.join(ROOT, "backend"), str(bundle / "fallback"),
               str(bundle / "certifi" / "cacert.pem"), str(bundle)))
    result = subprocess.run([DEBIAN_PYTHON, "-S", "-s", "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "{'a': [1, 2]}"
    assert "BEGIN CERTIFICATE" in (bundle / "certifi" / "cacert.pem").read_text()
