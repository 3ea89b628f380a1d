"""Can this host run that image? Microsoft's rule for Windows, and the plain rules for Linux.

Pure functions of (host os, host version, image os, image version, isolation[, architectures]): no engine,
no registry. The Windows rule is the one hcsshim (osversion.CheckHostAndContainerCompat) and containerd
(platforms, platform_windows_compat.go) implement, from learn.microsoft.com's "Windows container version
compatibility":

- major and minor versions must match (10.0 for every Windows with containers);
- an image newer than the host never runs;
- Hyper-V isolation runs any image of the host's build or older (each container has its own kernel);
- process isolation shares the host's kernel: on hosts before Windows Server 2022 (build 20348) the image
  build must equal the host build; from 20348 on, an image runs when its build lies between the previous
  LTSC build and the host's. hcsshim's "previous LTSC" is the newest LTSC build (20348, 26100) below the
  host's, and 20348 for a 20348 host: so 22000, 22621 and 26100 hosts run 20348 images, and a 20348 host
  runs only 20348. (containerd's newest code gives hosts above 26100, e.g. 26200, the floor 20348 where
  hcsshim gives 26100; no such host is listed by Microsoft yet, and we follow hcsshim.)

The revision (the 4th number, monthly patches) does not count from 1809 (17763) on. For 14393 Microsoft
says different revisions "might not start": the build rule alone decides here, as in hcsshim.

Linux: the kernel is shared, so only the OS and the CPU architecture matter (amd64 hosts also run 386
images, arm64 hosts arm ones); anything else needs an emulator (binfmt_misc), which is not assumed.
"""

import re
from dataclasses import dataclass
from typing import Optional

WINDOWS, LINUX = "windows", "linux"
PROCESS, HYPERV = "process", "hyperv"
ISOLATIONS = (PROCESS, HYPERV)

LTSC_2022 = 20348  # Windows Server 2022: the first host that runs older builds with process isolation
LTSC_BUILDS = (20348, 26100)  # Windows Server 2022, 2025: the stable-ABI LTSC releases, ascending
BUILD_NAMES = {
    14393: "Windows Server 2016", 17763: "Windows Server 2019", 20348: "Windows Server 2022",
    22000: "Windows 11 21H2", 22621: "Windows 11 22H2", 22631: "Windows 11 23H2",
    26100: "Windows Server 2025",
}

_ARCHITECTURES = {"x86_64": "amd64", "x86-64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
                  "armv7l": "arm", "armhf": "arm", "armel": "arm", "arm": "arm", "i386": "386", "i686": "386",
                  "386": "386", "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}
_ALSO_RUNS = {"amd64": {"386"}, "arm64": {"arm"}}  # what a CPU runs natively besides its own
_WINDOWS_VERSION = re.compile(r"\s*(\d+)\.(\d+)[. ](\d+)(?:\.(\d+))?")  # 10.0.20348[.587] or "10.0 20348 (...)"


@dataclass(frozen=True)
class WindowsVersion:
    major: int
    minor: int
    build: int
    revision: Optional[int] = None

    def __str__(self):
        text = f"{self.major}.{self.minor}.{self.build}"
        return text if self.revision is None else f"{text}.{self.revision}"


@dataclass(frozen=True)
class Verdict:
    compatible: Optional[bool]  # None: cannot tell (a version is unknown)
    reason: str


def parse_windows_version(text):
    """A WindowsVersion from '10.0.20348.587', '10.0.20348' or a kernel version '10.0 20348 (20348.1.amd64fre...)';
    None when text says no version."""
    match = _WINDOWS_VERSION.match(text or "")
    if not match:
        return None
    major, minor, build, revision = match.groups()
    return WindowsVersion(int(major), int(minor), int(build), int(revision) if revision is not None else None)


def normalize_architecture(name):
    """The OCI name of a CPU architecture: x86_64 -> amd64, aarch64 -> arm64; None stays None."""
    if not name:
        return None
    return _ARCHITECTURES.get(name.lower(), name.lower())


def normalize_isolation(name):
    """'process' or 'hyperv' from any spelling a user or engine gives ('HyperV', 'hyper-v', 'Process');
    None for none; ValueError for anything else."""
    if name is None or name == "":
        return None
    value = name.strip().lower().replace("-", "")
    if value not in ISOLATIONS:
        raise ValueError(f"'{name}' is no isolation: give Process or HyperV.")
    return value


def build_name(build):
    """'20348 (Windows Server 2022)', or the bare number for a build without a well-known name."""
    return f"{build} ({BUILD_NAMES[build]})" if build in BUILD_NAMES else str(build)


def oldest_process_build(host_build):
    """The oldest image build a Windows host of host_build runs with process isolation (hcsshim's floor)."""
    if host_build < LTSC_2022:
        return host_build
    earlier = [ltsc for ltsc in LTSC_BUILDS if ltsc < host_build]
    return earlier[-1] if earlier else LTSC_2022


def windows_builds_compatible(host, image, isolation):
    """True when an image of WindowsVersion image runs on a host of WindowsVersion host with isolation."""
    if (host.major, host.minor) != (image.major, image.minor) or image.build > host.build:
        return False
    if isolation == HYPERV:
        return True
    return oldest_process_build(host.build) <= image.build


def check(host_os, host_version, image_os, image_version, isolation=None, host_architecture=None,
          image_architecture=None):
    """The Verdict for an image (os, version) on a host (os, version) with isolation ('process', 'hyperv',
    or None: process on Windows, the kernel's own on Linux). Versions are strings as engines and image
    configs give them (Windows: 10.0.20348[.587]; Linux: the kernel version, only shown). The reason is a
    sentence that names both sides."""
    host_os, image_os = (host_os or "").lower(), (image_os or "").lower()
    host_arch, image_arch = normalize_architecture(host_architecture), normalize_architecture(image_architecture)
    host_text = _describe(host_os, host_version, host_arch)
    image_text = _describe(image_os, image_version, image_arch)
    if not image_os:
        return Verdict(None, f"The image does not say which operating system it is for; the host runs {host_text}.")
    if host_os != image_os:
        return Verdict(False, _os_mismatch(host_os, image_os, host_text, image_text))
    if host_arch and image_arch and image_arch != host_arch and image_arch not in _ALSO_RUNS.get(host_arch, ()):
        return Verdict(False, f"The image is for {image_text} but the host runs {host_text}: a {image_arch} image "
                              f"runs on a {host_arch} CPU only under an emulator.")
    if host_os == WINDOWS:
        return _check_windows(host_version, image_version, isolation or PROCESS, host_text, image_text)
    if isolation == HYPERV:
        return Verdict(False, f"Hyper-V isolation exists only on Windows hosts; this host runs {host_text} (the image "
                              f"is for {image_text}).")
    return Verdict(True, f"The image is for {image_text} and the host runs {host_text}: it runs.")


def _check_windows(host_version, image_version, isolation, host_text, image_text):
    host, image = parse_windows_version(host_version), parse_windows_version(image_version)
    if host is None:
        return Verdict(None, f"The host runs Windows but does not say its version, so whether the image ({image_text}) "
                             "runs cannot be told.")
    if image is None:
        return Verdict(None, f"The image is for Windows but does not say which version (no os.version), so whether it "
                             f"runs on the host ({host_text}) cannot be told.")
    mode = "Hyper-V isolation" if isolation == HYPERV else "process isolation"
    if (host.major, host.minor) != (image.major, image.minor):
        return Verdict(False, f"The image's Windows version {image} and the host's {host} differ in major or minor "
                              f"version ({image.major}.{image.minor} vs {host.major}.{host.minor}): it runs with neither "
                              "process nor Hyper-V isolation.")
    image_text, host_text = _build_text(image), _build_text(host)
    if image.build > host.build:
        return Verdict(False, f"The image's Windows build {image_text} is newer than the host's build {host_text}: it "
                              "runs with neither process nor Hyper-V isolation; it needs a host of its build or later.")
    if isolation == HYPERV:
        return Verdict(True, f"The image's Windows build {image_text} is the host's build {host_text} or older: it runs "
                             "with Hyper-V isolation.")
    floor = oldest_process_build(host.build)
    if image.build >= floor:
        span = "the host's build" if floor == host.build else f"between {build_name(floor)} and the host's build"
        return Verdict(True, f"The image's Windows build {image_text} is {span} {host_text}: it runs with {mode}.")
    if host.build < LTSC_2022:
        rule = f"a host before {build_name(LTSC_2022)} runs only images of its own build with process isolation"
    else:
        rule = f"the oldest build a host of build {host.build} runs with process isolation is {build_name(floor)}"
    return Verdict(False, f"The image's Windows build {image_text} differs from the host's build {host_text}: {rule}. "
                          "It runs with Hyper-V isolation (-Isolation HyperV).")


def _build_text(version):
    """'20348 (Windows Server 2022, 10.0.20348.2227)': a build, its name when it has one, the whole version."""
    name = BUILD_NAMES.get(version.build)
    return f"{version.build} ({name}, {version})" if name else f"{version.build} ({version})"


def _os_mismatch(host_os, image_os, host_text, image_text):
    if host_os == WINDOWS and image_os == LINUX:
        return (f"The image is for {image_text} and the host runs {host_text}: a Windows engine runs Windows images "
                "only (Linux images need a Linux engine, such as Docker Desktop's Linux mode).")
    if host_os == LINUX and image_os == WINDOWS:
        return (f"The image is for {image_text} and the host runs {host_text}: a Linux engine cannot run Windows "
                "images; they need a Windows host.")
    return f"The image is for {image_text} and the host runs {host_text}: it runs only on {image_os}."


def _describe(os_name, version, architecture):
    """'Windows 10.0.20348 (amd64)', 'Linux (kernel 6.1.0-18-amd64, amd64)': how reasons name each side."""
    if not os_name:
        return "an unknown operating system"
    label = {WINDOWS: "Windows", LINUX: "Linux"}.get(os_name, os_name)
    if os_name == WINDOWS:
        text = f"{label} {version}" if version else f"{label} (version unknown)"
        return f"{text} ({architecture})" if architecture else text
    details = [f"kernel {version}"] if version else []
    if architecture:
        details.append(architecture)
    return f"{label} ({', '.join(details)})" if details else label


# ----------------------------------------------------------------------------- choosing among platforms

def platform_matches(platform, os_name=None, architecture=None, variant=None):
    """True when a manifest list entry's platform ({'os', 'architecture', 'variant'}) is os/arch[/variant]."""
    return ((os_name is None or (platform.get("os") or "").lower() == os_name.lower())
            and (architecture is None or normalize_architecture(platform.get("architecture")) ==
                 normalize_architecture(architecture))
            and (variant is None or (platform.get("variant") or "").lower() == variant.lower()))


def choose_platform(entries, host_os, host_version, host_architecture, isolation=None):
    """The entry of a manifest list the host would pull and run, as containerd picks it: among the entries
    that run (check() says so), the newest os.version; when none runs, the one nearest the host (same OS,
    same architecture, newest version) so that the reason can say why. None for no entries.

    entries: dicts with 'os', 'os.version', 'architecture' (and anything else, passed through)."""
    candidates = [e for e in entries if (e.get("os") or "").lower() not in ("", "unknown")]  # not attestations
    if not candidates:
        return None

    def verdict(entry):
        return check(host_os, host_version, entry.get("os"), entry.get("os.version"), isolation,
                     host_architecture, entry.get("architecture")).compatible

    def newest(entry):
        version = parse_windows_version(entry.get("os.version"))
        return (version.build, version.revision or 0) if version else (-1, -1)

    def nearness(entry):
        same_os = (entry.get("os") or "").lower() == (host_os or "").lower()
        same_arch = normalize_architecture(entry.get("architecture")) == normalize_architecture(host_architecture)
        return (verdict(entry) is True, same_os, same_arch, newest(entry))
    return max(candidates, key=nearness)


def newest_runnable_build(builds, host_version, isolation=PROCESS):
    """The newest of builds (ints) a Windows host of host_version runs with isolation, or None."""
    host = parse_windows_version(host_version)
    if host is None:
        return None
    runnable = [b for b in builds
                if windows_builds_compatible(host, WindowsVersion(host.major, host.minor, b), isolation)]
    return max(runnable) if runnable else None


# ------------------------------------------------------------------------------- monthly patch levels

def revisions_behind(local_version, remote_version):
    """How many revisions (the 4th number: Microsoft's monthly patch level) a local Windows image is behind
    the registry's image of the same build: remote revision - local revision, 0 when it is not behind.
    None when either is not a Windows version with a revision, or the two are of different builds (a
    revision counts only within one build: 10.0.20348.2227 is not "ahead" of 10.0.17763.5329)."""
    local, remote = parse_windows_version(local_version), parse_windows_version(remote_version)
    if local is None or remote is None or local.revision is None or remote.revision is None:
        return None
    if (local.major, local.minor, local.build) != (remote.major, remote.minor, remote.build):
        return None
    return max(0, remote.revision - local.revision)
