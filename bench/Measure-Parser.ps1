<#
.SYNOPSIS
The module's reader of the backend's messages (lib/ContainerImage.Messages.dll, from CSharp/) against
PowerShell's own JSON parser (what ConvertFrom-Json uses, the module's fallback), on a real image.list answer.

.DESCRIPTION
Runs inside a sandbox (its DOCKER_HOST):
    /usr/bin/python3 tools/sandbox.py run -- pwsh -NoProfile -File bench/Measure-Parser.ps1
Tags -Images names on one image, takes the backend's raw answer to image.list (one line), then parses it
-Rounds times with each parser, taking turns (after 20 warm-up parses each), and writes a request the way
each path writes it (JsonMessage.Write, and System.Text.Json over ConvertTo-PlainValue). Prints the medians
and the ratios; a warm, single-thread figure: what one engine's answer costs the pipeline (or the reader
thread).
#>
[CmdletBinding()]
param(
    [int] $Images = 200,
    [int] $Rounds = 60
)
$ErrorActionPreference = 'Stop'
if (-not $env:CONTAINERIMAGE_SANDBOX) { throw 'Run it in a sandbox: /usr/bin/python3 tools/sandbox.py run -- pwsh -NoProfile -File bench/Measure-Parser.ps1' }
$root = Split-Path $PSScriptRoot
& (Join-Path $root 'tools/Build-Assembly.ps1')
Import-Module (Join-Path $root 'powershell/ContainerImage')

& docker pull -q microsoft/nanoserver | Out-Null
for ($i = 0; $i -lt $Images; $i++) { & docker tag microsoft/nanoserver "bench/parser:$i" }
$line = & (Get-Module ContainerImage) {
    # A backend of its own, read line by line (no reader thread), for the raw line.
    $saved = $script:JsonMessage
    $script:JsonMessage = $false
    try { $backend = Start-BackendProcess } finally { $script:JsonMessage = $saved }
    try {
        $null = $backend.Process.StandardOutput.ReadLine()   # the handshake's answer
        $null = Write-BackendLine $backend (ConvertTo-BackendJson ([ordered]@{ jsonrpc = '2.0'; id = 2; method = 'image.list'; params = @{ all = $false } }))
        $backend.Process.StandardOutput.ReadLine()
    } finally { Stop-Backend -Backend $backend }
}
$null = Get-ContainerImage   # the assembly loaded
$request = [ordered]@{ jsonrpc = '2.0'; id = 7; method = 'image.list'; params = @{ all = $true; name = @('a/b:c', 'd*'); label = @('x=y') }
    environment = @{ DOCKER_HOST = $env:DOCKER_HOST } }
$plain = & (Get-Module ContainerImage) { ${function:ConvertTo-PlainValue} }

$cases = [ordered]@{
    'parse: module (JsonMessage.Parse)'            = { $failure = $null; $null = [ContainerImage.JsonMessage]::Parse($line, [ref]$failure) }
    'parse: PowerShell (JsonObject.ConvertFromJson)' = { $failure = $null; $null = [Microsoft.PowerShell.Commands.JsonObject]::ConvertFromJson($line, [ref]$failure) }
    'write: module (JsonMessage.Write)'            = { $null = [ContainerImage.JsonMessage]::Write($request) }
    'write: System.Text.Json (ConvertTo-PlainValue)' = { $null = [System.Text.Json.JsonSerializer]::Serialize((& $plain $request), [object]) }
}
$times = @{}
foreach ($name in $cases.Keys) { $times[$name] = [System.Collections.Generic.List[double]]::new() }
for ($round = -20; $round -lt $Rounds; $round++) {
    foreach ($name in $cases.Keys) {
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        & $cases[$name]
        if ($round -ge 0) { $times[$name].Add($watch.Elapsed.TotalMilliseconds) }
    }
}
function Get-Median([double[]] $Values) { $sorted = $Values | Sort-Object; $sorted[[int][math]::Floor(($sorted.Count - 1) / 2)] }
$medians = [ordered]@{}
foreach ($name in $cases.Keys) { $medians[$name] = Get-Median $times[$name].ToArray() }
"answer: $($line.Length) characters, $Images tags; $Rounds rounds, medians"
foreach ($name in $medians.Keys) { "  {0,-50} {1,8:N3} ms" -f $name, $medians[$name] }
$names = @($medians.Keys)
"  parse, module / PowerShell: {0:N2}" -f ($medians[$names[0]] / $medians[$names[1]])
"  write, module / System.Text.Json: {0:N2}" -f ($medians[$names[2]] / $medians[$names[3]])
