"""compat.py: Microsoft's Windows compatibility rule, the full host x image table, and the Linux rules."""

import pytest

from containerimage import compat

HOSTS = (14393, 17763, 20348, 22000, 22621, 26100)
IMAGES = HOSTS

# Written out by hand from Microsoft's tables (learn.microsoft.com, "Windows container version
# compatibility") and hcsshim's CheckHostAndContainerCompat: host build -> image builds that run.
PROCESS_RUNS = {
    14393: {14393},
    17763: {17763},
    20348: {20348},
    22000: {20348, 22000},  # Windows 11 runs Windows Server 2022 images with process isolation
    22621: {20348, 22000, 22621},
    26100: {20348, 22000, 22621, 26100},  # Windows Server 2025 runs 2022 images
}
HYPERV_RUNS = {host: {image for image in IMAGES if image <= host} for host in HOSTS}  # older or the same


def version(build, revision=None):
    return f"10.0.{build}" + (f".{revision}" if revision is not None else "")


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("image", IMAGES)
def test_process_isolation_table(host, image):
    verdict = compat.check("windows", version(host), "windows", version(image, 1000), "process", "amd64", "amd64")
    assert verdict.compatible is (image in PROCESS_RUNS[host])
    assert str(host) in verdict.reason and f"10.0.{image}.1000" in verdict.reason  # names both versions
    assert ("process isolation" in verdict.reason) or ("neither" in verdict.reason)


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("image", IMAGES)
def test_hyperv_isolation_table(host, image):
    verdict = compat.check("windows", version(host), "windows", version(image), "hyperv")
    assert verdict.compatible is (image in HYPERV_RUNS[host])
    assert f"10.0.{host}" in verdict.reason and f"10.0.{image}" in verdict.reason


def test_without_isolation_windows_means_process():
    assert compat.check("windows", "10.0.20348", "windows", "10.0.17763.5329").compatible is False
    assert compat.check("windows", "10.0.20348", "windows", "10.0.17763.5329", "hyperv").compatible is True


def test_an_image_newer_than_the_host_runs_with_neither_isolation():
    for isolation in ("process", "hyperv"):
        verdict = compat.check("windows", "10.0.17763", "windows", "10.0.20348.2227", isolation)
        assert verdict.compatible is False
        assert "newer" in verdict.reason and "20348" in verdict.reason and "17763" in verdict.reason


def test_major_or_minor_mismatch_never_runs():
    for isolation in ("process", "hyperv"):
        verdict = compat.check("windows", "10.0.20348", "windows", "6.3.9600", isolation)
        assert verdict.compatible is False
        assert "6.3" in verdict.reason and "10.0" in verdict.reason and "major or minor" in verdict.reason


def test_the_revision_does_not_count():
    assert compat.check("windows", "10.0.17763.100", "windows", "10.0.17763.5936", "process").compatible is True


def test_a_refusal_says_what_would_work():
    verdict = compat.check("windows", "10.0.26100", "windows", "10.0.17763.1", "process")
    assert verdict.compatible is False
    assert "20348 (Windows Server 2022)" in verdict.reason and "Hyper-V" in verdict.reason


def test_linux_image_on_a_windows_host_and_the_reverse():
    windows_host = compat.check("windows", "10.0.20348", "linux", None, None, "amd64", "amd64")
    assert windows_host.compatible is False
    assert "Linux" in windows_host.reason and "Windows 10.0.20348" in windows_host.reason
    linux_host = compat.check("linux", "6.1.0-18-amd64", "windows", "10.0.20348.2227", None, "amd64", "amd64")
    assert linux_host.compatible is False
    assert "Windows 10.0.20348.2227" in linux_host.reason and "kernel 6.1.0-18-amd64" in linux_host.reason


def test_linux_on_linux_needs_the_architecture_or_one_the_cpu_runs_natively():
    assert compat.check("linux", "6.1", "linux", None, None, "x86_64", "amd64").compatible is True
    assert compat.check("linux", "6.1", "linux", None, None, "amd64", "386").compatible is True
    assert compat.check("linux", "6.1", "linux", None, None, "aarch64", "arm").compatible is True
    arm = compat.check("linux", "6.1", "linux", None, None, "amd64", "arm64")
    assert arm.compatible is False and "arm64" in arm.reason and "amd64" in arm.reason and "emulator" in arm.reason


def test_hyperv_isolation_on_a_linux_host_is_refused():
    verdict = compat.check("linux", "6.1", "linux", None, "hyperv", "amd64", "amd64")
    assert verdict.compatible is False and "Hyper-V" in verdict.reason


def test_unknown_versions_or_os_cannot_be_told():
    assert compat.check("windows", "10.0.20348", "windows", None).compatible is None
    assert compat.check("windows", None, "windows", "10.0.20348.1").compatible is None
    assert compat.check("linux", "6.1", None, None).compatible is None


@pytest.mark.parametrize("text, expected", [
    ("10.0.20348.2227", (10, 0, 20348, 2227)),
    ("10.0.17763", (10, 0, 17763, None)),
    ("10.0 20348 (20348.1.amd64fre.fe_release.210507-1500)", (10, 0, 20348, None)),
    ("", None), (None, None), ("ltsc2022", None),
])
def test_parse_windows_version(text, expected):
    parsed = compat.parse_windows_version(text)
    assert (parsed.major, parsed.minor, parsed.build, parsed.revision) == expected if expected else parsed is None


@pytest.mark.parametrize("text, expected", [("Process", "process"), ("HyperV", "hyperv"), ("hyper-v", "hyperv"),
                                            (None, None), ("", None)])
def test_normalize_isolation(text, expected):
    assert compat.normalize_isolation(text) == expected


def test_normalize_isolation_refuses_other_words():
    with pytest.raises(ValueError, match="'vm' is no isolation"):
        compat.normalize_isolation("vm")


LIST = [
    {"os": "windows", "os.version": "10.0.17763.5329", "architecture": "amd64", "digest": "a"},
    {"os": "windows", "os.version": "10.0.20348.2227", "architecture": "amd64", "digest": "b"},
    {"os": "windows", "os.version": "10.0.26100.2894", "architecture": "amd64", "digest": "c"},
    {"os": "linux", "architecture": "amd64", "digest": "d"},
    {"os": "unknown", "architecture": "unknown", "digest": "attestation"},
]


@pytest.mark.parametrize("host, isolation, expected", [
    ("10.0.17763", "process", "a"),
    ("10.0.20348", "process", "b"),
    ("10.0.22621", "process", "b"),  # Windows 11: the 2022 image, not the newer 2025 one
    ("10.0.26100", "process", "c"),  # the newest that runs
    ("10.0.26100", "hyperv", "c"),
    ("10.0.14393", "process", "c"),  # none runs: the nearest (same OS and CPU, newest) to explain why
])
def test_choose_platform_picks_the_newest_that_runs(host, isolation, expected):
    assert compat.choose_platform(LIST, "windows", host, "amd64", isolation)["digest"] == expected


def test_choose_platform_on_linux_and_without_entries():
    assert compat.choose_platform(LIST, "linux", "6.1", "amd64")["digest"] == "d"
    assert compat.choose_platform([{"os": "unknown"}], "linux", "6.1", "amd64") is None
    assert compat.choose_platform([], "linux", "6.1", "amd64") is None


@pytest.mark.parametrize("host, expected", [
    ("10.0.14393", None), ("10.0.17763", 17763), ("10.0.20348", 20348), ("10.0.22000", 20348),
    ("10.0.22621", 20348), ("10.0.26100", 26100), (None, None),
])
def test_newest_runnable_build(host, expected):
    assert compat.newest_runnable_build([17763, 20348, 26100], host) == expected


def test_oldest_process_build():
    assert [compat.oldest_process_build(b) for b in HOSTS] == [14393, 17763, 20348, 20348, 20348, 20348]
