<#
.SYNOPSIS
Benchmarks Get-ContainerImage side by side with the docker CLI idiom and the raw Engine API.

.DESCRIPTION
Run inside the sandbox (pwsh ./build.ps1 -Task Bench). In one run, interleaved, with medians of
several repetitions:
  warm   Get-ContainerImage, against `docker images --format '{{json .}}' | ConvertFrom-Json` and
         against Invoke-RestMethod -UnixSocket on the engine's /images/json (the floor for objects),
         at 100 and at 5,000 distinct images;
  cold   a new `pwsh -NoProfile -c` importing the module and calling Get-ContainerImage, against a
         new pwsh running the docker idiom, and a new pwsh doing nothing (the floor), at both counts.
Writes bench/results/get-containerimage.json and .md, and prints the table.
#>
param(
    [int[]] $ImageCounts = @(100, 5000),
    [int] $WarmRepetitions = 21,
    [int] $ColdRepetitions = 7
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = Split-Path $PSScriptRoot
$modulePath = Join-Path $root 'powershell/ContainerImage'
if (-not $env:DOCKER_HOST -or $env:DOCKER_HOST -notlike 'unix://*') { throw 'Run inside the sandbox: pwsh ./build.ps1 -Task Bench' }
$socket = [System.Net.Sockets.UnixDomainSocketEndPoint]::new($env:DOCKER_HOST.Substring('unix://'.Length))
$pwsh = (Get-Command pwsh).Source
Import-Module $modulePath -Force

function Add-BenchImage([int] $Total) {
    # Tops the engine up to $Total distinct images (one `docker load`, see tools/sandbox.py).
    $have = @(docker images -q).Count
    if ($have -ge $Total) { return }
    $code = "import os, sys; sys.path.insert(0, 'tools'); import sandbox; sandbox.load_bench_images(dict(os.environ), $($Total - $have), 'bench/n$Total-')"
    Push-Location $root
    try { & /usr/bin/python3 -c $code | Out-Null } finally { Pop-Location }
    if ($LASTEXITCODE) { throw 'loading bench images failed' }
}

function Get-Median([double[]] $Values) {
    $sorted = $Values | Sort-Object
    $middle = [int][math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$middle] } else { ($sorted[$middle - 1] + $sorted[$middle]) / 2 }
}

function Measure-Interleaved {
    # Runs each case once per round, in turn, for $Repetitions rounds (after one warm-up round);
    # returns case name -> median milliseconds, and checks each case produced $Expected objects.
    param([System.Collections.IDictionary] $Cases, [int] $Repetitions, [int] $Expected = -1)
    $times = @{}
    foreach ($name in $Cases.Keys) {
        $times[$name] = [System.Collections.Generic.List[double]]::new()
        $count = @(& $Cases[$name]).Count
        if ($Expected -ge 0 -and $count -ne $Expected) { throw "$name produced $count objects, not $Expected" }
    }
    for ($round = 0; $round -lt $Repetitions; $round++) {
        foreach ($name in $Cases.Keys) {
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $null = & $Cases[$name]
            $watch.Stop()
            $times[$name].Add($watch.Elapsed.TotalMilliseconds)
        }
    }
    $medians = [ordered]@{}
    foreach ($name in $Cases.Keys) { $medians[$name] = [math]::Round((Get-Median $times[$name].ToArray()), 1) }
    $medians
}

$results = [System.Collections.Generic.List[object]]::new()
$apiVersion = (Invoke-RestMethod -UnixSocket $socket -Uri 'http://localhost/version').ApiVersion
$module = $modulePath.Replace("'", "''")
foreach ($count in $ImageCounts) {
    Add-BenchImage $count
    $tags = @(docker images --format '{{.ID}}').Count
    Write-Host "warm, $count images ($tags rows)"
    $warm = Measure-Interleaved -Repetitions $WarmRepetitions -Expected $tags -Cases ([ordered]@{
        'Get-ContainerImage' = { Get-ContainerImage }
        'docker images | ConvertFrom-Json' = { docker images --format '{{json .}}' | ConvertFrom-Json }
        'Invoke-RestMethod /images/json' = { (Invoke-RestMethod -UnixSocket $socket -Uri "http://localhost/v$apiVersion/images/json") }
    })
    $results.Add([pscustomobject]@{ Case = 'warm'; Images = $count; Medians = $warm
        RatioDocker = [math]::Round($warm['Get-ContainerImage'] / $warm['docker images | ConvertFrom-Json'], 2)
        RatioApi = [math]::Round($warm['Get-ContainerImage'] / $warm['Invoke-RestMethod /images/json'], 2) })

    # Cold: a new pwsh each time. The backend's platform cache (CONTAINERIMAGE_CACHE_DIR) is warm from the
    # runs above, as it is on any host after its first listing.
    Write-Host "cold, $count images"
    $cold = Measure-Interleaved -Repetitions $ColdRepetitions -Cases ([ordered]@{
        'pwsh: Import-Module; Get-ContainerImage' = { & $pwsh -NoProfile -NonInteractive -c "Import-Module '$module'; `$null = Get-ContainerImage" }
        'pwsh: docker images | ConvertFrom-Json' = { & $pwsh -NoProfile -NonInteractive -c "`$null = docker images --format '{{json .}}' | ConvertFrom-Json" }
        'pwsh: nothing (start-up floor)' = { & $pwsh -NoProfile -NonInteractive -c '$null' }
    })
    $results.Add([pscustomobject]@{ Case = 'cold'; Images = $count; Medians = $cold
        RatioDocker = [math]::Round($cold['pwsh: Import-Module; Get-ContainerImage'] / $cold['pwsh: docker images | ConvertFrom-Json'], 2)
        RatioApi = $null })
}

$lines = @('| case | images | Get-ContainerImage ms | docker idiom ms | Invoke-RestMethod ms | vs docker | vs API |', '|---|---|---|---|---|---|---|')
foreach ($r in $results) {
    $m = @($r.Medians.Values)
    $api = if ($r.Case -eq 'warm') { $m[2] } else { "(pwsh alone: $($m[2]))" }
    $lines += "| $($r.Case) | $($r.Images) | $($m[0]) | $($m[1]) | $api | $($r.RatioDocker)x | $(if ($null -ne $r.RatioApi) { "$($r.RatioApi)x" } else { '-' }) |"
}
$out = Join-Path $root 'bench/results'
$null = New-Item -ItemType Directory -Force $out
$results | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $out 'get-containerimage.json')
$lines | Set-Content (Join-Path $out 'get-containerimage.md')
$lines | Write-Host
