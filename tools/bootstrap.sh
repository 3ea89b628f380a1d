#!/usr/bin/env bash
# Install what the ContainerImage project needs to build and test, on Debian 12.
#
#   bash tools/bootstrap.sh
#
# - Debian packages: Docker engine and client, the Distribution registry,
#   htpasswd, a static busybox (for test images), tmux (a real terminal for the
#   Ctrl+C tests), the Python test tools and skopeo (the registry tests' oracle).
# - PowerShell 7.6.9 as a .NET global tool, reachable as `pwsh` on PATH.
# - Pester 5.7.1 from NuGet, in
#   ${XDG_CACHE_HOME:-$HOME/.cache}/containerimage-dev/pester/5.7.1/tools/Pester.psd1
# - pythonnet 3.2.1's Python.Runtime.dll from NuGet (PyPI is not reachable here), for the in-process
#   transport, in ${XDG_CACHE_HOME:-$HOME/.cache}/containerimage-dev/pythonnet/3.2.1/lib/netstandard2.0/
#   (build.ps1 points CONTAINERIMAGE_PYTHONNET at it), and Debian's shared libpython3.11 to host.
#
# Idempotent: when everything is already there it changes nothing and takes
# about a second. Needs root for apt-get and for the /usr/local/bin/pwsh link.
set -euo pipefail

PWSH_VERSION=7.6.9
PESTER_VERSION=5.7.1
PYTHONNET_VERSION=3.2.1
DEBIAN_PACKAGES=(
    docker.io docker-registry apache2-utils busybox-static tmux
    python3-docker python3-yaml python3-colorama python3-pytest
    python3-hypothesis python3-venv python3-setuptools python3-pip python3-wheel
    python3-requests python3-urllib3 python3-six python3-idna python3-certifi python3-chardet
    python3-websocket
    libpython3.11
    # Debian's docker credential helpers, as many Linux desktops have them: with these on PATH the docker
    # CLI keeps a first login in pass (or secretservice); the tests pin their configs and check that the
    # module and docker login agree with them.
    golang-docker-credential-helpers pass
    # The outside oracle of the registry tests (skopeo inspect --raw, list-tags, copy) and the benchmark's
    # yardstick for Copy-ContainerImage.
    skopeo
)
DEV_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/containerimage-dev"
PESTER_DIR="$DEV_CACHE/pester/$PESTER_VERSION"
PYTHONNET_DIR="$DEV_CACHE/pythonnet/$PYTHONNET_VERSION"
DOTNET_TOOLS="$HOME/.dotnet/tools"
PWSH_LINK=/usr/local/bin/pwsh

TEMP_DIRS=()
cleanup() { ((${#TEMP_DIRS[@]} == 0)) || rm -rf "${TEMP_DIRS[@]}"; }
trap cleanup EXIT

log() { printf 'bootstrap: %s\n' "$*" >&2; }

is_installed() {
    local status
    status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]]
}

install_debian_packages() {
    local missing=() pkg
    for pkg in "${DEBIAN_PACKAGES[@]}"; do
        is_installed "$pkg" || missing+=("$pkg")
    done
    if ((${#missing[@]} == 0)); then
        return
    fi
    if ((EUID != 0)); then
        log "missing Debian packages (run as root to install): ${missing[*]}"
        exit 1
    fi
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >&2
}

install_pwsh_tool() {
    if [[ -d "$DOTNET_TOOLS/.store/powershell/$PWSH_VERSION" && -x "$DOTNET_TOOLS/pwsh" ]]; then
        return
    fi
    if [[ -x "$DOTNET_TOOLS/pwsh" ]]; then
        log "updating PowerShell global tool to $PWSH_VERSION"
        dotnet tool update --global PowerShell --version "$PWSH_VERSION" >&2
    else
        log "installing PowerShell $PWSH_VERSION as a .NET global tool"
        dotnet tool install --global PowerShell --version "$PWSH_VERSION" >&2
    fi
}

pwsh_works() {
    # Run pwsh from a plain environment, as a fresh login shell would.
    env -i HOME="$HOME" PATH="$1:/usr/local/bin:/usr/bin:/bin" \
        pwsh -NoProfile -NonInteractive -c '$PSVersionTable.PSVersion.ToString()' >/dev/null 2>&1
}

write_pwsh_wrapper() {
    local dotnet_root
    dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
    rm -f "$PWSH_LINK"
    cat >"$PWSH_LINK" <<EOF
#!/bin/sh
# Written by ContainerImage tools/bootstrap.sh: the PowerShell global tool needs DOTNET_ROOT here.
export DOTNET_ROOT="\${DOTNET_ROOT:-$dotnet_root}"
exec "$DOTNET_TOOLS/pwsh" "\$@"
EOF
    chmod 755 "$PWSH_LINK"
}

put_pwsh_on_path() {
    if command -v pwsh >/dev/null; then
        return
    fi
    if ((EUID != 0)) || [[ -e "$PWSH_LINK" || -L "$PWSH_LINK" ]]; then
        log "add $DOTNET_TOOLS to PATH to use pwsh"
        return
    fi
    ln -s "$DOTNET_TOOLS/pwsh" "$PWSH_LINK"
    if ! pwsh_works "$(dirname "$PWSH_LINK")"; then
        log "pwsh needs DOTNET_ROOT; writing a wrapper at $PWSH_LINK"
        write_pwsh_wrapper
    fi
    hash -r
}

dotnet_target_framework() {
    local major
    major=$(dotnet --version | cut -d. -f1)
    printf 'net%s.0' "$major"
}

nuget_download() {
    # nuget_download PACKAGE VERSION DEST: the package's files in DEST (PackageDownload through a
    # throwaway project, so only the .NET SDK is needed).
    local package=$1 version=$2 dest=$3 work lower
    log "downloading $package $version from NuGet"
    work=$(mktemp -d)
    TEMP_DIRS+=("$work")
    cat >"$work/download.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>$(dotnet_target_framework)</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="$package" Version="[$version]" />
  </ItemGroup>
</Project>
EOF
    dotnet restore "$work/download.csproj" --packages "$work/packages" >&2
    lower=$(printf '%s' "$package" | tr '[:upper:]' '[:lower:]')
    mkdir -p "$(dirname "$dest")"
    rm -rf "$dest.partial"
    cp -a "$work/packages/$lower/$version" "$dest.partial"
    mv "$dest.partial" "$dest"
}

install_pester() {
    [[ -f "$PESTER_DIR/tools/Pester.psd1" ]] || nuget_download Pester "$PESTER_VERSION" "$PESTER_DIR"
    [[ -f "$PESTER_DIR/tools/Pester.psd1" ]]
}

install_pythonnet() {
    local dll="$PYTHONNET_DIR/lib/netstandard2.0/Python.Runtime.dll"
    [[ -f "$dll" ]] || nuget_download pythonnet "$PYTHONNET_VERSION" "$PYTHONNET_DIR"
    [[ -f "$dll" ]]
}

pwsh_command() {
    if command -v pwsh >/dev/null; then
        echo pwsh
    else
        echo "$DOTNET_TOOLS/pwsh"
    fi
}

print_summary() {
    local pwsh_version docker_version registry_version
    pwsh_version=$("$(pwsh_command)" -NoProfile -NonInteractive -c '$PSVersionTable.PSVersion.ToString()')
    docker_version=$(dpkg-query -W -f='${Version}' docker.io)
    registry_version=$(dpkg-query -W -f='${Version}' docker-registry)
    printf 'bootstrap: pwsh %s (%s), Pester %s (%s), docker.io %s, docker-registry %s, python3 %s\n' \
        "$pwsh_version" "$(command -v pwsh || echo "$DOTNET_TOOLS/pwsh")" \
        "$PESTER_VERSION" "$PESTER_DIR" "$docker_version" "$registry_version" \
        "$(/usr/bin/python3 -c 'import platform; print(platform.python_version())')"
}

install_debian_packages
install_pwsh_tool
put_pwsh_on_path
install_pester
install_pythonnet
print_summary
