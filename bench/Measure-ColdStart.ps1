<#
.SYNOPSIS
One cold start of ContainerImage, timed by phase, in this new pwsh; prints the phases as one JSON line.

.DESCRIPTION
Run by Invoke-Benchmark.ps1 (Measure-ColdPhases), each time in a new `pwsh -NoProfile -File`.
-Mode Import: the real thing: Import-Module, then the first and a second Get-ContainerImage; plus how
long this pwsh took to start running the script.
-Mode Parts: what the root module does at import, one step at a time, in a module of its own
(dot-sourcing Private/ and Public/, the completers, starting Python in the background), then what the first
command adds (the wait for the backend's handshake; the views and type data are the manifest's, loaded by
Import-Module itself, and not in these parts); the figures are close to, not exactly, those inside Import-Module.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [ValidateSet('Import', 'Parts')] [string] $Mode = 'Import'
)
$ErrorActionPreference = 'Stop'
$sinceStart = ([datetime]::Now - (Get-Process -Id $PID).StartTime).TotalMilliseconds
$phases = [ordered]@{}
$watch = [System.Diagnostics.Stopwatch]::StartNew()
function Stop-Phase([string] $Name) {
    $phases[$Name] = [math]::Round($watch.Elapsed.TotalMilliseconds, 1)
    $watch.Restart()
}

if ($Mode -eq 'Import') {
    $phases['pwsh start until the script runs'] = [math]::Round($sinceStart, 1)
    $watch.Restart()
    Import-Module $ModulePath
    Stop-Phase 'Import-Module'
    $null = Get-ContainerImage
    Stop-Phase 'first Get-ContainerImage'
    $null = Get-ContainerImage
    Stop-Phase 'second Get-ContainerImage'
} else {
    $watch.Restart()
    $probe = New-Module -Name ContainerImageColdProbe -ArgumentList $ModulePath, $phases -ScriptBlock {
        param($root, $phases)
        $script:ModuleRoot = $root
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        foreach ($file in [System.IO.Directory]::GetFiles("$root/Private", '*.ps1')) { . $file }
        $phases['dot-source Private/'] = [math]::Round($watch.Elapsed.TotalMilliseconds, 1); $watch.Restart()
        $started = Start-BackendProcess -Background
        $phases['start Python (in the background)'] = [math]::Round($watch.Elapsed.TotalMilliseconds, 1); $watch.Restart()
        if ($started -is [hashtable]) { $script:Backend = $started }
        foreach ($file in [System.IO.Directory]::GetFiles("$root/Public", '*.ps1')) { . $file }
        $phases['dot-source Public/'] = [math]::Round($watch.Elapsed.TotalMilliseconds, 1); $watch.Restart()
        Register-ContainerImageCompleter
        $phases['register completers'] = [math]::Round($watch.Elapsed.TotalMilliseconds, 1); $watch.Restart()
        $reply = Invoke-Backend -Method ping
        if ($reply -is [System.Management.Automation.ErrorRecord]) { throw $reply }
        $phases['then wait for the handshake (+ one ping)'] = [math]::Round($watch.Elapsed.TotalMilliseconds, 1)
        Export-ModuleMember
    }
    $null = $probe
    & $probe { if (Get-Command Stop-Backend -ErrorAction Ignore) { Stop-Backend } }
}
$phases | ConvertTo-Json -Compress
