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
  Build  out/ContainerImage: the module with the backend bundled, ready for a PSModulePath folder.

.EXAMPLE
pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Test', 'Demo', 'Bench', 'Build')]
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
        $pester = Invoke-Pester -Configuration $configuration
        if ($pester.FailedCount -gt 0 -or $pester.PassedCount -eq 0) { $failed++ }
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

function Invoke-BuildTask {
    $out = Join-Path $root 'out/ContainerImage'
    if (Test-Path $out) { Remove-Item $out -Recurse -Force }
    Copy-Item (Join-Path $root 'powershell/ContainerImage') $out -Recurse
    $backend = New-Item -ItemType Directory (Join-Path $out 'backend')
    Copy-Item (Join-Path $root 'backend/containerimage') $backend -Recurse
    # The in-process transport's Python.Runtime.dll, where the module looks for it (lib/).
    if ($env:CONTAINERIMAGE_PYTHONNET) { Copy-Item $env:CONTAINERIMAGE_PYTHONNET (New-Item -ItemType Directory (Join-Path $out 'lib')) }
    Get-ChildItem $out -Recurse -Directory -Filter '__pycache__' | Remove-Item -Recurse -Force
    Write-Host "Built $out"
}

foreach ($name in $Task) { & "Invoke-${name}Task" }
