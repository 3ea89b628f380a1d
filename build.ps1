<#
.SYNOPSIS
Builds, tests, demonstrates and benchmarks ContainerImage.

.DESCRIPTION
Tasks (run `bash tools/bootstrap.sh` once first on a fresh machine; it installs everything these need):
  Test   pytest (unit and integration) and Pester, against a private Docker engine and registries
         (tools/sandbox.py) started for the run and removed after it. Pester runs once per transport
         (-Transport, default both: Stdio, then InProcess).
  Demo   the seed's image workflow, cmdlet by cmdlet, against that private engine
         (or against the engine DOCKER_HOST/DOCKER_CONTEXT name, with -UseCurrentEngine).
  Bench  bench/Invoke-Benchmark.ps1: every case of the benchmark suite side by side with the docker CLI and
         the raw Engine API, per transport, against its own private engine (results in bench/results/).
  Build  out/ContainerImage and out/ContainerImageDsc: the modules as installed (one merged root module; the
         backend, pure-Python copies of its dependencies, Python.Runtime.dll and the module's JSON parser
         compiled from CSharp/ bundled), ready for a PSModulePath folder.
Every task first compiles powershell/ContainerImage/CSharp/ into the checkout's lib/ (tools/Build-Assembly.ps1;
skipped when current).
  Package  Build, then out/ContainerImage.<version>.nupkg and out/ContainerImageDsc.<version>.nupkg
         (Publish-PSResource into out/ as a local repository) and out/containerimage-<version>-py3-none-any.whl.

.EXAMPLE
pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Test', 'Demo', 'Bench', 'Build', 'Package')]
    [string[]] $Task = 'Test',

    # Demo only: use the engine the environment names instead of a private one.
    [switch] $UseCurrentEngine,

    # Test only: run just these pytest paths (relative to the root; none: all of tests/python) ...
    [string[]] $PytestPath,

    # ... and just these Pester files (none: all of tests/powershell) ...
    [string[]] $PesterPath,

    # ... under these transports (Stdio, InProcess: the module's CONTAINERIMAGE_TRANSPORT), one Pester run each.
    [string[]] $Transport = @('Stdio', 'InProcess')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$Transport = @($Transport -split ',' | Where-Object { $_ })   # one comma-separated argument through -File
foreach ($name in $Transport) { if ($name -notin 'Stdio', 'InProcess') { throw "-Transport takes Stdio and InProcess, not '$name'." } }
$root = $PSScriptRoot
# Debian's Python has the test dependencies (pytest, hypothesis) beside the backend's.
$python = if (Test-Path /usr/bin/python3) { '/usr/bin/python3' } else { 'python3' }
$devCache = Join-Path ($(if ($env:XDG_CACHE_HOME) { $env:XDG_CACHE_HOME } else { Join-Path $HOME '.cache' })) 'containerimage-dev'
$pesterManifest = Join-Path $devCache 'pester/5.7.1/tools/Pester.psd1'
# pythonnet's Python.Runtime.dll from NuGet (tools/bootstrap.sh), for the in-process transport.
$pythonRuntime = Join-Path $devCache 'pythonnet/3.2.1/lib/netstandard2.0/Python.Runtime.dll'
if (-not $env:CONTAINERIMAGE_PYTHONNET -and (Test-Path $pythonRuntime)) { $env:CONTAINERIMAGE_PYTHONNET = $pythonRuntime }

function Invoke-Native {
    # Runs a program; a non-zero exit code ends the build.
    param([Parameter(Mandatory)] [string] $FilePath, [string[]] $ArgumentList)
    & $FilePath @ArgumentList | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "$FilePath $($ArgumentList -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-InSandbox {
    # Runs this script's task again inside a private engine and registries, unless already inside one.
    param([string] $Name, [string[]] $SandboxArguments = @())
    if ($env:CONTAINERIMAGE_SANDBOX) { return $false }
    $taskArguments = @('-Task', $Name)
    if ($PytestPath) { $taskArguments += '-PytestPath', ($PytestPath -join ',') }
    if ($PesterPath) { $taskArguments += '-PesterPath', ($PesterPath -join ',') }
    $taskArguments += '-Transport', ($Transport -join ',')
    Invoke-Native $python (@((Join-Path $root 'tools/sandbox.py'), 'run') + $SandboxArguments +
        @("--", (Get-Command pwsh).Source, '-NoProfile', '-File', $PSCommandPath) + $taskArguments)
    return $true
}

function Invoke-TestTask {
    if (Invoke-InSandbox 'Test') { return }
    # The backend's bytecode, once: every backend the tests start (hundreds) would otherwise compile it from
    # source where PYTHONDONTWRITEBYTECODE is set, as it is on this machine (~100 ms of each start).
    Invoke-Native $python @('-m', 'compileall', '-q', (Join-Path $root 'backend'))
    Write-Host "== pytest" -ForegroundColor Cyan
    $pytestPaths = @(if ($PytestPath) { $PytestPath -split ',' | ForEach-Object { Join-Path $root $_ } } else { Join-Path $root 'tests/python' })
    & $python -m pytest @pytestPaths -q -p no:cacheprovider
    $pytestExit = $LASTEXITCODE

    Import-Module $pesterManifest -MinimumVersion 5.7 -ErrorAction Stop
    $failed = 0
    $callersTransport = $env:CONTAINERIMAGE_TRANSPORT
    $results = foreach ($name in $Transport) {
        Write-Host "== Pester, $name transport" -ForegroundColor Cyan
        $env:CONTAINERIMAGE_TRANSPORT = $name
        $configuration = New-PesterConfiguration
        $configuration.Run.Path = if ($PesterPath) { $PesterPath -split ',' | ForEach-Object { Join-Path $root $_ } } else { Join-Path $root 'tests/powershell' }
        $configuration.Run.PassThru = $true
        $configuration.Output.Verbosity = 'Detailed'
        # Tests that find nothing new under a second transport (views, error records, ...) run once.
        if ($name -ne 'Stdio') { $configuration.Filter.ExcludeTag = 'StdioOnly' }
        $pester = Invoke-Pester -Configuration $configuration
        if ($pester.FailedCount -gt 0 -or $pester.PassedCount -eq 0) { $failed++ }
        # Where the time goes (CI has a budget): the slowest files of this pass.
        $pester.Containers | Sort-Object Duration -Descending | Select-Object -First 8 |
            ForEach-Object { "  {0,6:n0} s  {1}" -f $_.Duration.TotalSeconds, (Split-Path $_.Item -Leaf) } | Write-Host
        "Pester ({0}): {1} passed, {2} failed, {3} skipped" -f $name, $pester.PassedCount, $pester.FailedCount, $pester.SkippedCount
    }
    $env:CONTAINERIMAGE_TRANSPORT = $callersTransport
    $results | Write-Host
    if ($pytestExit -ne 0 -or $failed) {
        throw "Tests failed (pytest exit code $pytestExit, Pester runs with failures: $failed)."
    }
}

function Invoke-DemoTask {
    if (-not $UseCurrentEngine -and (Invoke-InSandbox 'Demo')) { return }
    & (Join-Path $root 'tools/demo.ps1')
}

function Invoke-BenchTask {
    # The suite runs its own sandbox (bench/bench_sandbox.py): it restarts the engine to load 20,000 images.
    & (Join-Path $root 'bench/Invoke-Benchmark.ps1')
}

function Get-ProjectVersion {
    # The one version number of the project: backend/containerimage/__init__.py's __version__ (pyproject.toml
    # reads it too); the build stamps it into the module manifests and the DSC v3 manifest.
    $text = Get-Content -Raw (Join-Path $root 'backend/containerimage/__init__.py')
    if ($text -notmatch '(?m)^__version__ = "(\d+\.\d+\.\d+)"') { throw 'backend/containerimage/__init__.py has no __version__ = "X.Y.Z".' }
    $Matches[1]
}

function Set-ManifestValue {
    # Rewrites one `Key = ...` line of a module manifest in place.
    param([string] $Path, [string] $Key, [string] $Value)
    $text = Get-Content -Raw $Path
    $pattern = "(?m)^(\s*$Key\s*=\s*).*$"
    if ($text -notmatch $pattern) { throw "$Path has no $Key line." }
    Set-Content -LiteralPath $Path -Value ([regex]::Replace($text, $pattern, { param($m) $m.Groups[1].Value + $Value }, 'Multiline')).TrimEnd() -Encoding utf8
}

function Merge-ModuleScript {
    # The source root module dot-sources Private/*.ps1 and Public/*.ps1 (one function per file); the built
    # one holds their text in its place (the ModuleBuilder convention): one file to parse at import.
    param([string] $Source, [string] $Destination)
    $lines = foreach ($line in Get-Content $Source) {
        if ($line -match '^foreach \(\$file in \[System\.IO\.Directory\]::GetFiles\("\$PSScriptRoot/(\w+)", ''\*\.ps1''\)\) \{ \. \$file \}$') {
            $folder = $Matches[1]
            foreach ($file in Get-ChildItem (Join-Path (Split-Path $Source) $folder) -Filter *.ps1 | Sort-Object Name) {
                "#region $folder/$($file.Name)"
                Get-Content $file.FullName
                "#endregion"
            }
        } else {
            $line
        }
    }
    Set-Content -LiteralPath $Destination -Value $lines -Encoding utf8
    $errors = $null
    $null = [System.Management.Automation.Language.Parser]::ParseFile($Destination, [ref]$null, [ref]$errors)
    if ($errors) { throw "The merged $Destination does not parse: $($errors[0])" }
}

function Invoke-BuildTask {
    # out/ContainerImage and out/ContainerImageDsc: the modules as they are installed.
    $version = Get-ProjectVersion
    $outRoot = Join-Path $root 'out'
    foreach ($name in 'ContainerImage', 'ContainerImageDsc') {
        $path = Join-Path $outRoot $name
        if (Test-Path $path) { Remove-Item $path -Recurse -Force }
    }
    $source = Join-Path $root 'powershell/ContainerImage'
    # The type data, anew from Private/ (kept in the source folder too: the checkout's module loads it).
    & (Join-Path $root 'tools/New-TypesFile.ps1') -Path (Join-Path $source 'ContainerImage.Types.ps1xml')
    $out = New-Item -ItemType Directory -Force (Join-Path $outRoot 'ContainerImage')
    foreach ($item in 'ContainerImage.psd1', 'ContainerImage.Format.ps1xml', 'ContainerImage.Types.ps1xml', 'ContainerImage.dsc.resource.json', 'en-US') {
        Copy-Item (Join-Path $source $item) $out -Recurse
    }
    Merge-ModuleScript (Join-Path $source 'ContainerImage.psm1') (Join-Path $out 'ContainerImage.psm1')
    Copy-Item (Join-Path $source 'Private/start-backend.py') (New-Item -ItemType Directory (Join-Path $out 'Private'))
    Set-ManifestValue (Join-Path $out 'ContainerImage.psd1') 'ModuleVersion' "'$version'"
    $dscManifest = Join-Path $out 'ContainerImage.dsc.resource.json'
    (Get-Content -Raw $dscManifest) -replace '"version": "[^"]*"', "`"version`": `"$version`"" | Set-Content -LiteralPath $dscManifest -NoNewline -Encoding utf8

    # The backend and pure-Python copies of its dependencies, with their licences (THIRD-PARTY.txt).
    $backend = New-Item -ItemType Directory (Join-Path $out 'backend')
    Copy-Item (Join-Path $root 'backend/containerimage') $backend -Recurse
    Invoke-Native $python @((Join-Path $root 'tools/bundle_dependencies.py'), $backend.FullName)
    # The in-process transport's Python.Runtime.dll, where the module looks for it (lib/).
    if (-not $env:CONTAINERIMAGE_PYTHONNET -or -not (Test-Path $env:CONTAINERIMAGE_PYTHONNET)) {
        throw "pythonnet's Python.Runtime.dll is missing (run tools/bootstrap.sh, or set CONTAINERIMAGE_PYTHONNET)."
    }
    Copy-Item $env:CONTAINERIMAGE_PYTHONNET (New-Item -ItemType Directory (Join-Path $out 'lib'))
    # The JSON parser compiled from CSharp/ (tools/Build-Assembly.ps1), not its sources.
    Copy-Item (Join-Path $source 'lib/ContainerImage.Messages.dll') (Join-Path $out 'lib')
    Get-ChildItem $out -Recurse -Directory -Filter '__pycache__' | Remove-Item -Recurse -Force

    $dsc = New-Item -ItemType Directory -Force (Join-Path $outRoot 'ContainerImageDsc')
    Copy-Item (Join-Path $root 'powershell/ContainerImageDsc/*') $dsc
    Set-ManifestValue (Join-Path $dsc 'ContainerImageDsc.psd1') 'ModuleVersion' "'$version'"
    Set-ManifestValue (Join-Path $dsc 'ContainerImageDsc.psd1') 'RequiredModules' "@(@{ ModuleName = 'ContainerImage'; ModuleVersion = '$version' })"
    Write-Host "Built $out and $dsc ($version)"
}

function Invoke-PackageTask {
    # out/ContainerImage.<version>.nupkg and out/ContainerImageDsc.<version>.nupkg, published by PSResourceGet
    # into out/ as a local file repository (what a gallery serves), and the backend's wheel,
    # out/containerimage-<version>-py3-none-any.whl, built offline.
    Invoke-BuildTask
    $version = Get-ProjectVersion
    $outRoot = Join-Path $root 'out'
    Get-ChildItem $outRoot -File | Where-Object { $_.Name -like '*.nupkg' -or $_.Name -like '*.whl' } | Remove-Item
    $repository = "ContainerImageBuild$PID"
    Register-PSResourceRepository -Name $repository -Uri $outRoot -Trusted
    # Publishing checks the manifest (Test-ModuleManifest), which looks for ContainerImageDsc's RequiredModules.
    $modulePath = $env:PSModulePath
    $env:PSModulePath = $outRoot + [System.IO.Path]::PathSeparator + $modulePath
    try {
        foreach ($name in 'ContainerImage', 'ContainerImageDsc') {
            Publish-PSResource -Path (Join-Path $outRoot $name) -Repository $repository -SkipDependenciesCheck
        }
    } finally {
        Unregister-PSResourceRepository -Name $repository
        $env:PSModulePath = $modulePath
    }
    # setuptools (Debian's) builds it in a copy of the sources, without an index or build isolation.
    $staging = Join-Path ([System.IO.Path]::GetTempPath()) "containerimage-wheel-$PID"
    if (Test-Path $staging) { Remove-Item $staging -Recurse -Force }
    $null = New-Item -ItemType Directory $staging
    try {
        foreach ($item in 'pyproject.toml', 'README.md', 'backend') { Copy-Item (Join-Path $root $item) $staging -Recurse }
        Get-ChildItem $staging -Recurse -Directory -Filter '__pycache__' | Remove-Item -Recurse -Force
        Invoke-Native $python @('-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '--no-index', '--quiet', '--wheel-dir', $outRoot, $staging)
    } finally {
        Remove-Item $staging -Recurse -Force
    }
    foreach ($file in "ContainerImage.$version.nupkg", "ContainerImageDsc.$version.nupkg", "containerimage-$version-py3-none-any.whl") {
        $path = Join-Path $outRoot $file
        if (-not (Test-Path $path)) { throw "The package $path was not made." }
        Write-Host ("{0} {1:N1} MB" -f $path, ((Get-Item $path).Length / 1MB))
    }
}

# The module's C# (powershell/ContainerImage/CSharp/) into the checkout's lib/, for every task: the tests, the
# demo and the benchmarks load the module from the checkout; Build copies it.
& (Join-Path $root 'tools/Build-Assembly.ps1')
foreach ($name in $Task) { & "Invoke-${name}Task" }
