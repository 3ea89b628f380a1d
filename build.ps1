<#
.SYNOPSIS
Builds, tests, demonstrates and benchmarks ContainerImage.

.DESCRIPTION
Tasks (run `bash tools/bootstrap.sh` once first on a fresh machine; it installs everything these need):
  Test   pytest (unit and integration) and Pester, against a private Docker engine and registries
         (tools/sandbox.py) started for the run and removed after it.
  Demo   the seed's image workflow, cmdlet by cmdlet, against that private engine
         (or against the engine DOCKER_HOST/DOCKER_CONTEXT name, with -UseCurrentEngine).
  Bench  bench/Measure-GetContainerImage.ps1 against the private engine, side by side with docker and the raw API.
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

    # ... and just these Pester files (none: all of tests/powershell).
    [string[]] $PesterPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = $PSScriptRoot
# Debian's Python has the test dependencies (pytest, hypothesis) beside the backend's.
$python = if (Test-Path /usr/bin/python3) { '/usr/bin/python3' } else { 'python3' }
$pesterManifest = Join-Path ($(if ($env:XDG_CACHE_HOME) { $env:XDG_CACHE_HOME } else { Join-Path $HOME '.cache' })) 'containerimage-dev/pester/5.7.1/tools/Pester.psd1'

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

    Write-Host "== Pester" -ForegroundColor Cyan
    Import-Module $pesterManifest -MinimumVersion 5.7 -ErrorAction Stop
    $configuration = New-PesterConfiguration
    $configuration.Run.Path = if ($PesterPath) { $PesterPath -split ',' | ForEach-Object { Join-Path $root $_ } } else { Join-Path $root 'tests/powershell' }
    $configuration.Run.PassThru = $true
    $configuration.Output.Verbosity = 'Detailed'
    $pester = Invoke-Pester -Configuration $configuration

    Write-Host ("Pester: {0} passed, {1} failed, {2} skipped" -f $pester.PassedCount, $pester.FailedCount, $pester.SkippedCount)
    if ($pytestExit -ne 0 -or $pester.FailedCount -gt 0 -or $pester.PassedCount -eq 0) {
        throw "Tests failed (pytest exit code $pytestExit, Pester failures $($pester.FailedCount))."
    }
}

function Invoke-DemoTask {
    if (-not $UseCurrentEngine -and (Invoke-InSandbox 'Demo')) { return }
    & (Join-Path $root 'tools/demo.ps1')
}

function Invoke-BenchTask {
    if (Invoke-InSandbox 'Bench') { return }
    & (Join-Path $root 'bench/Measure-GetContainerImage.ps1')
}

function Invoke-BuildTask {
    $out = Join-Path $root 'out/ContainerImage'
    if (Test-Path $out) { Remove-Item $out -Recurse -Force }
    Copy-Item (Join-Path $root 'powershell/ContainerImage') $out -Recurse
    $backend = New-Item -ItemType Directory (Join-Path $out 'backend')
    Copy-Item (Join-Path $root 'backend/containerimage') $backend -Recurse
    Get-ChildItem $out -Recurse -Directory -Filter '__pycache__' | Remove-Item -Recurse -Force
    Write-Host "Built $out"
}

foreach ($name in $Task) { & "Invoke-${name}Task" }
