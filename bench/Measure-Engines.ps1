<#
.SYNOPSIS
The benchmark of issue 13: Get-ContainerImage over several engines at once, against each engine alone and
against the docker CLI idiom looped over the same engines; and the backend's memory per extra engine.

.DESCRIPTION
Runs inside a sandbox (its DOCKER_HOST, DOCKER_CONFIG):

    /usr/bin/python3 tools/sandbox.py run -- pwsh -NoProfile -File bench/Measure-Engines.ps1

Engines: two real ones (the sandbox engine, and the fleet's TLS engine when CONTAINERIMAGE_TEST_TLS_CONTEXT
names one, else a second address of the sandbox engine: tools/latency_proxy.py with no latency), and the
same two through tools/latency_proxy.py adding 50 ms per request (standing in for remote hosts; the TLS
engine's TLS passes through the proxy end to end); each is a docker context, so that the CLI idiom is
`docker --context X images --format '{{json .}}' | ConvertFrom-Json`.
The engine holds -Images tags (made here).

Rounds interleave the measurements (medians), each parser's in turn (-Parser): all engines in one Get-ContainerImage -Engine, each
engine alone (the slowest one's median is the reference; the fleet call first in one round and last in the
next), and the docker loop. Targets: fleet <= 1.3x the
slowest alone, and <= 0.5x the docker loop.

Memory (Stdio transport: the backend is a process): the backend's resident memory (VmRSS) after a listing
on the default engine, then after a listing on each of -ExtraEngines more engines (docker contexts of the
sandbox engine: each name is an engine client of its own in the backend's pool); the growth per engine.

Writes bench/results/engines.json and engines.md, and prints the table.
#>
[CmdletBinding()]
param(
    [int] $Rounds = 15,
    # Rounds run first and not counted: PowerShell compiles a script block's hot parts after it has run a
    # few times, and .NET recompiles hot methods.
    [int] $WarmUp = 1,
    [int] $Images = 200,
    [int] $ExtraEngines = 8,
    [ValidateSet('Stdio', 'InProcess')]
    [string[]] $Transport = @('Stdio', 'InProcess'),
    # Module: the module's JSON parser (lib/ContainerImage.Messages.dll, compiled from CSharp/); PowerShell: the
    # one ConvertFrom-Json uses, which the module falls back to where its own cannot load. They take turns.
    [ValidateSet('Module', 'PowerShell')]
    [string[]] $Parser = @('Module', 'PowerShell'),
    [string] $OutputFolder = (Join-Path $PSScriptRoot 'results')
)
$ErrorActionPreference = 'Stop'
if (-not $env:CONTAINERIMAGE_SANDBOX) { throw 'Run it in a sandbox: /usr/bin/python3 tools/sandbox.py run -- pwsh -NoProfile -File bench/Measure-Engines.ps1' }
$root = Split-Path $PSScriptRoot
$module = Join-Path $root 'powershell/ContainerImage'
& (Join-Path $root 'tools/Build-Assembly.ps1')   # the module's parser, as build.ps1 compiles it
# The in-process transport needs pythonnet's Python.Runtime.dll: the one tools/bootstrap.sh fetched, as build.ps1 finds it.
$pythonRuntime = Join-Path ($(if ($env:XDG_CACHE_HOME) { $env:XDG_CACHE_HOME } else { Join-Path $HOME '.cache' })) 'containerimage-dev/pythonnet/3.2.1/lib/netstandard2.0/Python.Runtime.dll'
if (-not $env:CONTAINERIMAGE_PYTHONNET -and (Test-Path $pythonRuntime)) { $env:CONTAINERIMAGE_PYTHONNET = $pythonRuntime }

function Start-LatencyProxy([double] $LatencyMs, [string] $Engine = $env:DOCKER_HOST) {
    $info = [System.Diagnostics.ProcessStartInfo]::new('/usr/bin/python3')
    foreach ($argument in (Join-Path $root 'tools/latency_proxy.py'), '--engine', $Engine, '--latency-ms', [string]$LatencyMs) { $info.ArgumentList.Add($argument) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardInput = $true
    $process = [System.Diagnostics.Process]::Start($info)
    $process | Add-Member -NotePropertyName Address -NotePropertyValue $process.StandardOutput.ReadLine() -PassThru
}

function New-Context([string] $Name, [string] $HostAddress, [string] $CertPath) {
    & docker context rm -f $Name 2>&1 | Out-Null
    $tls = if ($CertPath) { ",ca=$CertPath/ca.pem,cert=$CertPath/cert.pem,key=$CertPath/key.pem" }
    & docker context create $Name --docker "host=$HostAddress$tls" | Out-Null
    if ($LASTEXITCODE) { throw "docker context create $Name failed" }
    $Name
}

function Get-Median([double[]] $Values) {
    $sorted = $Values | Sort-Object
    $sorted[[int][math]::Floor(($sorted.Count - 1) / 2)]
}

# --- the engines and the images ------------------------------------------------------------------------
$proxies = [System.Collections.Generic.List[object]]::new()
try {
    & docker pull -q microsoft/nanoserver | Out-Null
    for ($i = 0; $i -lt $Images; $i++) { & docker tag microsoft/nanoserver "bench/engines:$i" }
    $realName = 'real-1'
    New-Context $realName $env:DOCKER_HOST | Out-Null
    if ($env:CONTAINERIMAGE_TEST_TLS_CONTEXT) {
        $second = $env:CONTAINERIMAGE_TEST_TLS_CONTEXT
        $secondNote = "the fleet's TLS engine ($second)"
        & docker --context $second pull -q microsoft/nanoserver | Out-Null
        for ($i = 0; $i -lt $Images; $i++) { & docker --context $second tag microsoft/nanoserver "bench/engines:$i" }
        $far2 = Start-LatencyProxy 50 $env:CONTAINERIMAGE_TEST_TLS_HOST; $proxies.Add($far2)
        $far2Context = New-Context 'far-2' $far2.Address $env:CONTAINERIMAGE_TEST_TLS_CERTS
    } else {
        $direct = Start-LatencyProxy 0; $proxies.Add($direct)
        $second = New-Context 'real-2' $direct.Address
        $secondNote = "a second address of the sandbox engine ($($direct.Address), tools/latency_proxy.py with no latency): only one real engine here"
        $far2 = Start-LatencyProxy 50; $proxies.Add($far2)
        $far2Context = New-Context 'far-2' $far2.Address
    }
    $far1 = Start-LatencyProxy 50; $proxies.Add($far1)
    $engines = @($realName, $second, (New-Context 'far-1' $far1.Address), $far2Context)
    Write-Host "Engines: $($engines -join ', ') (far-1 and far-2: $realName and $second behind a 50 ms proxy; $secondNote)"

    $rows = [System.Collections.Generic.List[object]]::new()
    foreach ($name in $Transport) {
        # One runspace per parser, each with its own backend (the module's backend is per runspace; the parser
        # is chosen before the backend is first used: the stdio reader thread parses with the module's); the
        # rounds take turns between them.
        $sessions = [ordered]@{}
        foreach ($parserName in $Parser) {
            $ps = [powershell]::Create()
            $null = $ps.AddScript({
                    param($Module, $Engines, $Transport, $Parser)
                    $env:CONTAINERIMAGE_TRANSPORT = $Transport
                    Import-Module $Module
                    $module = Get-Module ContainerImage
                    # The backend started at import reads with the module's parser: a new one for PowerShell's.
                    if ($Parser -eq 'PowerShell') { & $module { $script:JsonMessage = $false; Stop-Backend } }
                    $null = Get-ContainerImage -Engine $Engines   # warm: backend up (its transport chosen), one client per engine
                    $ours = & $module { [bool]$script:JsonMessage }
                    if ($ours -ne ($Parser -eq 'Module')) { throw "The $Parser parser is not the one in use (lib/ContainerImage.Messages.dll)." }
                    & $module { $script:Backend.Transport }
                }).AddArgument($module).AddArgument($engines).AddArgument($name).AddArgument($parserName)
            $used = $ps.Invoke() | Select-Object -Last 1
            $sessions[$parserName] = @{ PowerShell = $ps; Transport = $used; Fleet = [System.Collections.Generic.List[double]]::new()
                Alone = [ordered]@{}; Count = 0 }
            foreach ($engine in $engines) { $sessions[$parserName].Alone[$engine] = [System.Collections.Generic.List[double]]::new() }
        }
        $docker = [System.Collections.Generic.List[double]]::new()
        $dockerCount = 0
        try {
            for ($round = -$WarmUp; $round -lt $Rounds; $round++) {   # rounds below 0: warm-up of every case, not counted
                foreach ($session in $sessions.Values) {
                    $ps = $session.PowerShell
                    $ps.Commands.Clear()
                    # The fleet first in one round, last in the next (as Measure-Rounds takes turns): the first
                    # call of a round always paid more (a new script; the docker loop's processes just gone).
                    $null = $ps.AddScript({
                            param($Engines, $FleetFirst)
                            $watch = [System.Diagnostics.Stopwatch]::new()
                            $measureFleet = { $watch.Restart(); $script:count = @(Get-ContainerImage -Engine $Engines).Count; $watch.Elapsed.TotalMilliseconds }
                            if ($FleetFirst) { $fleet = & $measureFleet }
                            $alone = foreach ($engine in $Engines) { $watch.Restart(); $null = Get-ContainerImage -Engine $engine; $watch.Elapsed.TotalMilliseconds }
                            if (-not $FleetFirst) { $fleet = & $measureFleet }
                            [pscustomobject]@{ Count = $script:count; Fleet = $fleet; Alone = $alone }
                        }).AddArgument($engines).AddArgument($round % 2 -eq 0)
                    $measured = $ps.Invoke() | Select-Object -Last 1
                    if ($round -lt 0) { continue }
                    $session.Count = $measured.Count
                    $session.Fleet.Add($measured.Fleet)
                    for ($i = 0; $i -lt $engines.Count; $i++) { $session.Alone[$engines[$i]].Add($measured.Alone[$i]) }
                }
                $watch = [System.Diagnostics.Stopwatch]::StartNew()
                $listed = foreach ($engine in $engines) { docker --context $engine images --format '{{json .}}' | ConvertFrom-Json }
                if ($round -ge 0) { $docker.Add($watch.Elapsed.TotalMilliseconds) }
                $dockerCount = @($listed).Count
            }
        } finally {
            foreach ($session in $sessions.Values) { $session.PowerShell.Dispose() }
        }
        foreach ($parserName in $sessions.Keys) {
            $session = $sessions[$parserName]
            $alone = foreach ($engine in $engines) { [pscustomobject]@{ Engine = $engine; Median = Get-Median $session.Alone[$engine].ToArray() } }
            $slowest = $alone | Sort-Object Median -Descending | Select-Object -First 1
            $fleetMedian = Get-Median $session.Fleet.ToArray()
            $dockerMedian = Get-Median $docker.ToArray()
            $rows.Add([pscustomobject]@{
                    Transport          = $session.Transport
                    Parser             = $parserName
                    Objects            = $session.Count
                    DockerObjects      = $dockerCount
                    FleetMs            = [math]::Round($fleetMedian, 1)
                    SlowestAloneMs     = [math]::Round($slowest.Median, 1)
                    SlowestEngine      = $slowest.Engine
                    AloneMs            = ($alone | ForEach-Object { "$($_.Engine)=$([math]::Round($_.Median, 1))" }) -join ' '
                    DockerLoopMs       = [math]::Round($dockerMedian, 1)
                    FleetOverSlowest   = [math]::Round($fleetMedian / $slowest.Median, 2)
                    FleetOverDocker    = [math]::Round($fleetMedian / $dockerMedian, 2)
                    # Engines that are one daemon behind several names share its work: against their sum too.
                    FleetOverSumAlone  = [math]::Round($fleetMedian / ($alone | Measure-Object Median -Sum).Sum, 2)
                })
        }
    }

    # --- memory per extra engine (Stdio: the backend is a process) -------------------------------------------
    $contexts = @(for ($i = 1; $i -le $ExtraEngines; $i++) { New-Context "mem-$i" $env:DOCKER_HOST })
    $ps = [powershell]::Create()
    $null = $ps.AddScript({
            param($Module, $Contexts)
            $env:CONTAINERIMAGE_TRANSPORT = 'Stdio'
            Import-Module $Module
            $null = Get-ContainerImage
            $backendPid = & (Get-Module ContainerImage) { $script:Backend.Process.Id }
            function Get-Rss { [long](((Get-Content "/proc/$backendPid/status") -match '^VmRSS:' -split '\s+')[1]) }
            $rss = [System.Collections.Generic.List[long]]::new()
            $rss.Add((Get-Rss))
            foreach ($context in $Contexts) { $null = Get-ContainerImage -Engine $context; $rss.Add((Get-Rss)) }
            $rss.ToArray()
        }).AddArgument($module).AddArgument($contexts)
    try { $rss = @($ps.Invoke()) } finally { $ps.Dispose() }
    $growthKb = ($rss[-1] - $rss[0]) / $ExtraEngines
    $memory = [pscustomobject]@{ Engines = $ExtraEngines; RssKb = $rss; PerEngineKb = [math]::Round($growthKb, 0) }
} finally {
    foreach ($proxy in $proxies) { $proxy.StandardInput.Close(); if (-not $proxy.WaitForExit(5000)) { $proxy.Kill() } }
}

$null = New-Item -ItemType Directory -Force $OutputFolder
[pscustomobject]@{ Engines = $engines; Second = $secondNote; Images = $Images; Rounds = $Rounds; Rows = $rows; Memory = $memory } |
    ConvertTo-Json -Depth 5 | Set-Content (Join-Path $OutputFolder 'engines.json')
$table = @('| transport | parser | objects | 4 engines (ms) | slowest alone (ms) | docker loop (ms) | fleet / slowest (<= 1.3) | fleet / docker loop (<= 0.5) | fleet / sum of alone |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
foreach ($row in $rows) {
    $table += "| $($row.Transport) | $($row.Parser) | $($row.Objects) | $($row.FleetMs) | $($row.SlowestAloneMs) ($($row.SlowestEngine)) | $($row.DockerLoopMs) | $($row.FleetOverSlowest) | $($row.FleetOverDocker) | $($row.FleetOverSumAlone) |"
}
$table += ''
$table += "Engines: $($engines -join ', '); second real engine: $secondNote. Each alone (ms): $(($rows | ForEach-Object { "$($_.Transport)/$($_.Parser): $($_.AloneMs)" }) -join '; ')."
$table += "Backend memory (VmRSS, Stdio) after 0..$ExtraEngines extra engines (KB): $($memory.RssKb -join ', '): $($memory.PerEngineKb) KB per extra engine."
$table | Set-Content (Join-Path $OutputFolder 'engines.md')
$table -join "`n"
