"""Image references: the distribution grammar, with case-insensitive repository names."""

import pytest
from hypothesis import given, settings, strategies as st

from containerimage import reference
from containerimage.errors import InvalidReference

HEX64 = "0123456789abcdef" * 4
DIGEST = f"sha256:{HEX64}"


@pytest.mark.parametrize("text, domain, path, tag, digest, repository, registry", [
    ("busybox", None, "library/busybox", None, None, "busybox", "docker.io"),
    ("busybox:1.36", None, "library/busybox", "1.36", None, "busybox", "docker.io"),
    ("microsoft/nanoserver:1809", None, "microsoft/nanoserver", "1809", None, "microsoft/nanoserver", "docker.io"),
    ("127.0.0.1:5000/a/b:tag", "127.0.0.1:5000", "a/b", "tag", None, "127.0.0.1:5000/a/b", "127.0.0.1:5000"),
    ("127.0.0.1:5000/a/b", "127.0.0.1:5000", "a/b", None, None, "127.0.0.1:5000/a/b", "127.0.0.1:5000"),
    ("localhost/x", "localhost", "x", None, None, "localhost/x", "localhost"),
    ("localhost:5000/x:1", "localhost:5000", "x", "1", None, "localhost:5000/x", "localhost:5000"),
    ("[::1]:5000/x", "[::1]:5000", "x", None, None, "[::1]:5000/x", "[::1]:5000"),
    ("mcr.microsoft.com/windows/nanoserver:ltsc2022", "mcr.microsoft.com", "windows/nanoserver", "ltsc2022", None,
     "mcr.microsoft.com/windows/nanoserver", "mcr.microsoft.com"),
    (f"x@{DIGEST}", None, "library/x", None, DIGEST, "x", "docker.io"),
    (f"x:1@{DIGEST}", None, "library/x", "1", DIGEST, "x", "docker.io"),
    ("docker.io/library/busybox", None, "library/busybox", None, None, "busybox", "docker.io"),
    ("docker.io/busybox", None, "library/busybox", None, None, "busybox", "docker.io"),
    ("index.docker.io/library/busybox:1", None, "library/busybox", "1", None, "busybox", "docker.io"),
    ("docker.io/microsoft/nanoserver", None, "microsoft/nanoserver", None, None, "microsoft/nanoserver", "docker.io"),
    ("Microsoft/NanoServer:LTSC2019", None, "microsoft/nanoserver", "LTSC2019", None, "microsoft/nanoserver",
     "docker.io"),
    ("BusyBox", None, "library/busybox", None, None, "busybox", "docker.io"),
    ("a_b__c-d--e/f.g", None, "a_b__c-d--e/f.g", None, None, "a_b__c-d--e/f.g", "docker.io"),
    ("a.b/c", "a.b", "c", None, None, "a.b/c", "a.b"),  # a first component with a dot is a registry, as for docker
    ("  busybox  ", None, "library/busybox", None, None, "busybox", "docker.io"),
    ("x:" + "T" * 128, None, "library/x", "T" * 128, None, "x", "docker.io"),
])
def test_parse_valid(text, domain, path, tag, digest, repository, registry):
    ref = reference.parse(text)
    assert (ref.domain, ref.path, ref.tag, ref.digest) == (domain, path, tag, digest)
    assert ref.repository == repository
    assert ref.registry == registry


@pytest.mark.parametrize("text, expected", [
    ("busybox", "busybox"),
    ("docker.io/library/busybox:1", "busybox:1"),
    ("Microsoft/NanoServer:LTSC", "microsoft/nanoserver:LTSC"),
    (f"127.0.0.1:5000/a:1@{DIGEST}", f"127.0.0.1:5000/a:1@{DIGEST}"),
])
def test_str_is_the_normalised_reference(text, expected):
    assert str(reference.parse(text)) == expected


def test_a_name_of_exactly_255_characters_is_valid():
    assert reference.parse("a" * 255).path == "library/" + "a" * 255


@pytest.mark.parametrize("text, named", [
    ("", "empty"),
    ("   ", "empty"),
    ("a//b", "''"),
    ("UPPER:tag!", "'tag!'"),
    ("busybox:.hidden", "'.hidden'"),
    ("busybox:" + "t" * 129, "'" + "t" * 129 + "'"),
    ("-x", "'-x'"),
    ("x-", "'x-'"),
    ("a/b_/c", "'b_'"),
    ("x:", "''"),
    (":tag", "''"),
    ("a@sha256:xyz", "'sha256:xyz'"),
    ("a@", "''"),
    ("a@" + HEX64, "'" + HEX64 + "'"),
    ("a b", "'a b'"),
    ("bad_host.:5000/x", "'bad_host.:5000'"),
    ("a" * 256, "255"),
])
def test_parse_invalid_names_the_bad_part(text, named):
    with pytest.raises(InvalidReference) as caught:
        reference.parse(text)
    error = caught.value
    assert named in error.message, error.message
    assert error.target == text
    assert error.to_dict()["data"] == {"kind": "InvalidReference", "target": text}


@pytest.mark.parametrize("value", [None, 5, ["busybox"]])
def test_parse_refuses_non_strings(value):
    with pytest.raises(InvalidReference):
        reference.parse(value)


@pytest.mark.parametrize("text", ["busybox:t\u00e4g", "busybox:\u65e5\u672c", "busybox:\u0663"])
def test_tags_are_ascii_only(text):
    # The engine's tag grammar is [\w][\w.-]{0,127} with Go's ASCII-only \w; Python's \w is Unicode.
    with pytest.raises(InvalidReference):
        reference.parse(text)


@pytest.mark.parametrize("digest", ["sha256:" + "a" * 63, "sha256:" + "a" * 65, "sha256:" + "A" * 64])
def test_sha256_digests_are_64_lowercase_hex(digest):
    # The engine (go-digest) refuses these with "invalid reference format"; refuse them before asking it.
    with pytest.raises(InvalidReference):
        reference.parse(f"busybox@{digest}")


@pytest.mark.parametrize("pattern, split", [
    ("busybox", ("busybox", None)),
    ("busybox:1.36", ("busybox", "1.36")),
    ("busy*:1.*", ("busy*", "1.*")),
    ("127.0.0.1:5000/a/b", ("127.0.0.1:5000/a/b", None)),
    ("127.0.0.1:5000/a/b:tag", ("127.0.0.1:5000/a/b", "tag")),
    ("localhost:5000/x", ("localhost:5000/x", None)),
    ("localhost:5000/*:*", ("localhost:5000/*", "*")),
    ("x:", ("x", "")),
])
def test_split_pattern(pattern, split):
    assert reference.split_pattern(pattern) == split


ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
_alnum = st.text(ALNUM, min_size=1, max_size=5)


def _components(separators):
    return st.tuples(_alnum, st.lists(st.tuples(st.sampled_from(separators), _alnum), max_size=2)).map(
        lambda t: t[0] + "".join(sep + part for sep, part in t[1]))


component = _components([".", "_", "__", "-", "--"])
# A first component with a '.' would be read as a registry host (as docker reads it), so none here.
first_component = _components(["_", "__", "-", "--"])
tags = st.tuples(st.sampled_from(ALNUM.upper() + ALNUM + "_"), st.text(ALNUM.upper() + ALNUM + "_.-", max_size=15)).map(
    "".join)
domains = st.sampled_from([None, "localhost", "localhost:5000", "127.0.0.1:5000", "registry.example.com",
                           "docker.io"])


@given(domains, first_component, st.lists(component, max_size=2), st.none() | tags,
       st.none() | st.binary(min_size=32, max_size=32).map(bytes.hex))
@settings(max_examples=150, deadline=None)
def test_parse_round_trips_through_str(domain, first, more, tag, hex_digest):
    components = [first, *more]
    text = "/".join(([domain] if domain else []) + components)
    if tag:
        text += f":{tag}"
    if hex_digest:
        text += f"@sha256:{hex_digest}"
    ref = reference.parse(text)
    assert ref.tag == tag
    assert ref.digest == (f"sha256:{hex_digest}" if hex_digest else None)
    assert reference.parse(str(ref)) == ref
    assert reference.parse(text.upper() if not tag and not hex_digest and domain is None else text).path == ref.path
    assert reference.split_pattern(str(ref).split("@")[0]) == (ref.repository, tag)
