<#
.SYNOPSIS
The benchmark suite of issue 5: ContainerImage side by side with the docker CLI and the raw Engine API.

.DESCRIPTION
Starts its own sandbox (bench/bench_sandbox.py: a private engine and registries, removed at the end) and
runs, in one run, each case with its baselines interleaved (one of each per round, several rounds,
medians):

  Ping      the per-call cost of a no-op request (Invoke-Backend -Method ping in the module's scope), per
            transport.
  Remove    1,000 tags removed by `Get-ContainerImage -Name 'bench/*' | Remove-ContainerImage -Confirm:$false`
            against one `docker rmi` with the same 1,000 names.
  PullPush  a 5-layer image of ~200 MB (random bytes), pulled from and pushed to the sandbox registry with
            Install-ContainerImage / Publish-ContainerImage (progress shown) against docker pull / push
            (its output shown).
  Cold      a new pwsh that imports the module and lists (the installed package: build.ps1 -Task Package,
            Install-PSResource into a HOME of its own, imported by name; and the checkout's module), a new
            pwsh that only imports the installed module, against a new pwsh running the docker idiom, and a
            new pwsh doing nothing (the start-up floor); then where a cold start's time goes, by phase. The
            module runs the bench's Python itself (CONTAINERIMAGE_PYTHON), as a server's python3; one more
            case runs python3 from PATH, whatever it is (here a pyenv shim).
  Update    Get-ContainerImageUpdate over 200 local images of one registry (each its own 1 MB layer), all
            up to date, against 200 concurrent manifest HEADs by a plain script (bench/update_bench.py heads,
            its own timing of the requests alone) against the same registry; and the time pulling those 200
            images took (8 docker pulls at a time), which the check spares.
  Warm      Get-ContainerImage against `docker images --format '{{json .}}' | ConvertFrom-Json` and against
            Invoke-RestMethod -UnixSocket on /images/json, at 100, 5,000 and 20,000 images, per transport.
  Memory    the backend's peak resident memory (VmHWM) while it lists 5,000, 10,000 and 20,000 images
            (a backend process started for each count), and whether it grows linearly.
  Copy      a 5-layer image of ~200 MB copied from one sandbox registry to another by Copy-ContainerImage,
            against `skopeo copy` and against the engine route (Install-ContainerImage +
            Add-ContainerImageTag + Publish-ContainerImage); and the backend's peak memory during such a
            copy (bench/CopyBenchmark.ps1).
  Disk      Get-ContainerImage -DiskUsage against `docker system df -v` at 5,000 images (target: at most
            1.5x), with the default Get-ContainerImage and `docker images | ConvertFrom-Json` in the same
            rounds (the default listing must not pay for -DiskUsage), per transport.

The engine's images only grow during a run: Remove and PullPush run on an empty engine, then the bench
images are added count by count. Writes bench/results/benchmark.json and benchmark.md and prints the table.

Transports: each is chosen with $env:CONTAINERIMAGE_TRANSPORT before the module is imported; the row is
labelled with the transport the module reports it uses ($script:Backend.Transport, 'Stdio' when the
module has no such property), and a transport that falls back to one already measured is not measured
twice.

.PARAMETER Quick
Fewer images (100, 1,000, 2,000), a 100-tag removal, 5 MB layers and fewer rounds: a few minutes, for
developing. Its figures are not the targets' figures.

.PARAMETER Case
Only these cases (default all). Counts still grow in order, so the later cases see the images loaded for
the earlier ones.

.PARAMETER Transport
The transports to measure (default Stdio and InProcess).

.EXAMPLE
pwsh ./build.ps1 -Task Bench

.EXAMPLE
pwsh -NoProfile -File bench/Invoke-Benchmark.ps1 -Quick -Case Ping, Warm
#>
[CmdletBinding()]
param(
    [switch] $Quick,
    [ValidateSet('Ping', 'Remove', 'PullPush', 'Cold', 'Warm', 'Memory', 'Copy', 'Update', 'Disk')]
    [string[]] $Case = @('Ping', 'Remove', 'PullPush', 'Cold', 'Warm', 'Memory', 'Copy', 'Update', 'Disk'),
    [ValidateSet('Stdio', 'InProcess', 'Auto')]
    [string[]] $Transport = @('Stdio', 'InProcess'),
    [string] $OutputFolder
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = Split-Path $PSScriptRoot
$modulePath = Join-Path $root 'powershell/ContainerImage'
$python = if (Test-Path /usr/bin/python3) { '/usr/bin/python3' } else { 'python3' }
$pwsh = (Get-Command pwsh -CommandType Application | Select-Object -First 1).Source
if (-not $OutputFolder) { $OutputFolder = Join-Path $PSScriptRoot 'results' }
# The in-process transport needs pythonnet's Python.Runtime.dll: as build.ps1 does, the one tools/bootstrap.sh
# fetched, when nothing else is named (so the suite runs the same when started directly).
$pythonRuntime = Join-Path ($(if ($env:XDG_CACHE_HOME) { $env:XDG_CACHE_HOME } else { Join-Path $HOME '.cache' })) 'containerimage-dev/pythonnet/3.2.1/lib/netstandard2.0/Python.Runtime.dll'
if (-not $env:CONTAINERIMAGE_PYTHONNET -and (Test-Path $pythonRuntime)) { $env:CONTAINERIMAGE_PYTHONNET = $pythonRuntime }

. (Join-Path $PSScriptRoot 'BenchmarkHelpers.ps1')
. (Join-Path $PSScriptRoot 'CopyBenchmark.ps1')

$plan = if ($Quick) {
    @{ Warm = @(100, 1000, 2000); Memory = @(500, 1000, 2000); Cold = 100; RemoveCount = 100
       Layers = 5; LayerMegabytes = 5
       WarmRounds = @{ 100 = 7; 1000 = 5; 2000 = 3 }; ColdRounds = 3; ColdPhaseRounds = 1; RemoveRounds = 1; PullPushRounds = 1
       PingCalls = 100; PingRounds = 3; CopyRounds = 1; UpdateCount = 200; UpdateKilobytes = 64; UpdateRounds = 3; Disk = 2000; DiskRounds = 3 }
} else {
    @{ Warm = @(100, 5000, 20000); Memory = @(5000, 10000, 20000); Cold = 100; RemoveCount = 1000
       Layers = 5; LayerMegabytes = 40
       WarmRounds = @{ 100 = 21; 5000 = 9; 20000 = 5 }; ColdRounds = 9; ColdPhaseRounds = 5; RemoveRounds = 3; PullPushRounds = 3
       PingCalls = 300; PingRounds = 7; CopyRounds = 3; UpdateCount = 200; UpdateKilobytes = 1024; UpdateRounds = 7; Disk = 5000; DiskRounds = 7 }
}

$results = [ordered]@{
    Started = [datetime]::UtcNow.ToString('o'); Quick = [bool]$Quick; Host = [System.Environment]::MachineName
    Cores = [System.Environment]::ProcessorCount; Pwsh = $PSVersionTable.PSVersion.ToString()
    Comparisons = [System.Collections.Generic.List[object]]::new()
    Memory = [System.Collections.Generic.List[object]]::new()
    ColdPhases = $null; Notes = [System.Collections.Generic.List[string]]::new()
}

$installFolder = $null
$sandbox = Start-BenchSandbox -Python $python -Script (Join-Path $PSScriptRoot 'bench_sandbox.py')
try {
    $socket = [System.Net.Sockets.UnixDomainSocketEndPoint]::new($env:DOCKER_HOST.Substring('unix://'.Length))
    $apiVersion = (Invoke-RestMethod -UnixSocket $socket -Uri 'http://localhost/version').ApiVersion
    $results.Engine = $apiVersion
    $mirror = $env:CONTAINERIMAGE_TEST_MIRROR

    # --- transports: which ones really run here
    $transports = [ordered]@{}   # label -> the value of CONTAINERIMAGE_TRANSPORT that gives it
    foreach ($wanted in $Transport) {
        $used = Import-BenchModule -Path $modulePath -Transport $wanted
        if ($transports.Contains($used)) {
            $results.Notes.Add("Transport $wanted was asked for, but the module uses ${used}: measured once, as ${used}.")
        } else {
            $transports[$used] = $wanted
        }
    }
    Write-Host "transports: $($transports.Keys -join ', ')"

    if ('Ping' -in $Case) {
        $pings = [ordered]@{}
        # Two passes over the transports, the second one kept: PowerShell's own code gets faster as .NET
        # re-compiles its hot paths, so in one pass the transport measured second would look faster.
        foreach ($pass in 1, 2) {
            foreach ($label in $transports.Keys) {
                $null = Import-BenchModule -Path $modulePath -Transport $transports[$label]
                $pings[$label] = Measure-BackendPing -Calls $plan.PingCalls -Rounds $plan.PingRounds
                Write-Host ("ping, pass {0}, {1}: {2:N3} ms per call" -f $pass, $label, $pings[$label])
            }
        }
        foreach ($label in $transports.Keys) {
            $results.Comparisons.Add((New-Comparison -Case 'ping (no-op request, per call)' -Images 0 -Transport $label `
                -Ours $pings[$label] -OursName 'Invoke-Backend -Method ping' -BaselineName $null -Baseline $null))
        }
        if ($pings.Contains('InProcess') -and $pings.Contains('Stdio')) {
            $results.Comparisons.Add((New-Comparison -Case 'ping: in-process vs stdio' -Images 0 -Transport 'InProcess' `
                -Ours $pings['InProcess'] -OursName 'InProcess ping' -Baseline $pings['Stdio'] -BaselineName 'Stdio ping' -Limit 0.5))
        }
    }

    if ('Remove' -in $Case) {
        $null = Import-BenchModule -Path $modulePath -Transport $transports[@($transports.Keys)[0]]
        $label = @($transports.Keys)[0]
        # Scripts blocks see the variables of the function that runs them: script: names cannot be shadowed.
        $count = $script:removeCount = $plan.RemoveCount
        $script:removeNames = @(0..($count - 1) | ForEach-Object { "bench/rm${_}:latest" })
        $cases = [ordered]@{
            'Get-ContainerImage bench/* | Remove-ContainerImage' = {
                # As a user types it: under PowerShell's default error preference, not this script's Stop
                # (under Stop the removals go one by one, to stop at the first failure).
                $ErrorActionPreference = 'Continue'
                Get-ContainerImage -Name 'bench/*' | Remove-ContainerImage -Confirm:$false
            }
            "docker rmi ($count names)" = { docker rmi @script:removeNames | Out-Null; if ($LASTEXITCODE) { throw 'docker rmi failed' } }
        }
        $prepare = {
            Invoke-BenchSandbox $sandbox @{ op = 'load'; count = $script:removeCount; prefix = 'bench/rm' } | Out-Null
            $have = @(docker images -q 'bench/*').Count
            if ($have -ne $script:removeCount) { throw "expected $script:removeCount bench/rm images, found $have" }
        }
        $check = { $left = @(docker images -q 'bench/*').Count; if ($left) { throw "$left bench images left after removal" } }
        Write-Host "remove, $count tags ($label)"
        $medians = Measure-Rounds -Cases $cases -Rounds $plan.RemoveRounds -BeforeEach $prepare -AfterEach $check
        $results.Comparisons.Add((New-Comparison -Case "pipeline removal of $count tags" -Images $count -Transport $label `
            -Ours $medians[0] -OursName @($cases.Keys)[0] -Baseline $medians[1] -BaselineName @($cases.Keys)[1] -Limit 1.2))
    }

    if ('PullPush' -in $Case) {
        $label = @($transports.Keys)[0]
        $null = Import-BenchModule -Path $modulePath -Transport $transports[$label]
        $size = "$($plan.Layers) x $($plan.LayerMegabytes) MB"
        $pullName = $script:pullName = "$mirror/bench/big-pull:latest"
        Invoke-BenchSandbox $sandbox @{ op = 'big'; name = $pullName; layers = $plan.Layers; megabytes = $plan.LayerMegabytes } | Out-Null
        docker push $pullName | Out-Null
        if ($LASTEXITCODE) { throw "docker push $pullName failed" }
        $removePulled = { docker rmi $script:pullName | Out-Null; if ($LASTEXITCODE) { throw "docker rmi $script:pullName failed" } }
        & $removePulled
        $ProgressPreference = 'Continue'
        $cases = [ordered]@{
            'Install-ContainerImage' = { $null = Install-ContainerImage $script:pullName -Confirm:$false }
            'docker pull' = { docker pull $script:pullName | Out-Host; if ($LASTEXITCODE) { throw 'docker pull failed' } }
        }
        Write-Host "pull, $size ($label)"
        $medians = Measure-Rounds -Cases $cases -Rounds $plan.PullPushRounds -AfterEach $removePulled
        $results.Comparisons.Add((New-Comparison -Case "pull of a $size image" -Images 1 -Transport $label `
            -Ours $medians[0] -OursName 'Install-ContainerImage' -Baseline $medians[1] -BaselineName 'docker pull' -Limit 1.05))

        # Push: each push sends an image no registry has seen (else the registry answers "exists").
        $script:pushIndex = 0
        $freshImage = {
            $script:pushIndex++
            $script:pushName = "$mirror/bench/big-push${script:pushIndex}:latest"
            Invoke-BenchSandbox $sandbox @{ op = 'big'; name = $script:pushName; layers = $plan.Layers; megabytes = $plan.LayerMegabytes } | Out-Null
        }
        $removePushed = { docker rmi $script:pushName | Out-Null; if ($LASTEXITCODE) { throw "docker rmi $script:pushName failed" } }
        $cases = [ordered]@{
            'Publish-ContainerImage' = { $null = Publish-ContainerImage -Name $script:pushName -Confirm:$false }
            'docker push' = { docker push $script:pushName | Out-Host; if ($LASTEXITCODE) { throw 'docker push failed' } }
        }
        Write-Host "push, $size ($label)"
        $medians = Measure-Rounds -Cases $cases -Rounds $plan.PullPushRounds -BeforeEach $freshImage -AfterEach $removePushed
        $results.Comparisons.Add((New-Comparison -Case "push of a $size image" -Images 1 -Transport $label `
            -Ours $medians[0] -OursName 'Publish-ContainerImage' -Baseline $medians[1] -BaselineName 'docker push' -Limit 1.05))
        $ProgressPreference = 'SilentlyContinue'
    }

    if ('Copy' -in $Case) {
        $label = @($transports.Keys)[0]
        $null = Import-BenchModule -Path $modulePath -Transport $transports[$label]
        $ProgressPreference = 'Continue'
        Invoke-CopyBenchmark -Python $python -Root $root -ModulePath $modulePath -Plan $plan -Label $label -Results $results
        $ProgressPreference = 'SilentlyContinue'
    }

    # --- from here on the engine holds only bench images, their number growing
    if ('Update' -in $Case) {
        $label = @($transports.Keys)[0]
        $null = Import-BenchModule -Path $modulePath -Transport $transports[$label]
        $count = $plan.UpdateCount
        $updateScript = Join-Path $PSScriptRoot 'update_bench.py'
        $names = @(& $python $updateScript push --registry $mirror --count $count --kilobytes $plan.UpdateKilobytes --prefix bench/upd)
        if ($LASTEXITCODE -or $names.Count -ne $count) { throw "update_bench.py push gave $($names.Count) images, not $count" }
        Write-Host "update check, $count images of one registry ($label)"
        # What the check spares: pulling them (each image is new to the engine here), 8 pulls at a time.
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $names | ForEach-Object -ThrottleLimit 8 -Parallel { docker pull -q $_ | Out-Null; if ($LASTEXITCODE) { throw "docker pull $_ failed" } }
        $pullMs = $watch.Elapsed.TotalMilliseconds
        Write-Host ("  {0,-60} {1,10:N1} ms" -f "docker pull of the $count images (8 at a time)", $pullMs)
        $check = {
            $rows = @(Get-ContainerImageUpdate -Name "$mirror/bench/upd*")
            $current = @($rows | Where-Object Status -eq 'UpToDate').Count
            if ($rows.Count -ne $count -or $current -ne $count) { throw "Get-ContainerImageUpdate: $current of $($rows.Count) rows UpToDate, not $count" }
        }
        $watch.Restart(); & $check; $firstMs = $watch.Elapsed.TotalMilliseconds   # the engine's images inspected once
        $ours = [System.Collections.Generic.List[double]]::new()
        $heads = [System.Collections.Generic.List[double]]::new()
        for ($round = 0; $round -lt $plan.UpdateRounds; $round++) {
            $watch.Restart(); & $check; $ours.Add($watch.Elapsed.TotalMilliseconds)
            $seconds = & $python $updateScript heads --registry $mirror --count $count --prefix bench/upd
            if ($LASTEXITCODE) { throw 'update_bench.py heads failed' }
            $heads.Add([double]::Parse($seconds, [cultureinfo]::InvariantCulture) * 1000)
        }
        $oursMs = [math]::Round((Get-Median $ours.ToArray()), 1)
        $headsMs = [math]::Round((Get-Median $heads.ToArray()), 1)
        Write-Host ("  {0,-60} {1,10:N1} ms (first call {2:N1} ms)" -f 'Get-ContainerImageUpdate', $oursMs, $firstMs)
        Write-Host ("  {0,-60} {1,10:N1} ms" -f "$count concurrent manifest HEADs (plain script)", $headsMs)
        $results.Comparisons.Add((New-Comparison -Case "update check of $count images of one registry" -Images $count -Transport $label `
            -Ours $oursMs -OursName 'Get-ContainerImageUpdate' -Baseline $headsMs -BaselineName "$count concurrent manifest HEADs (plain script)" -Limit 2 `
            -Note ("first call (the engine's images inspected once): {0:N0} ms" -f $firstMs)))
        $results.Comparisons.Add((New-Comparison -Case "update check of $count images vs pulling them" -Images $count -Transport $label `
            -Ours $oursMs -OursName 'Get-ContainerImageUpdate' -Baseline ([math]::Round($pullMs, 1)) -BaselineName "docker pull of the $count images (8 at a time, $($plan.UpdateKilobytes) KB each)" `
            -Note 'the check downloads no layer'))
        docker rmi @names | Out-Null
        if ($LASTEXITCODE) { throw 'docker rmi of the update bench images failed' }
    }

    # Each term an array: with Warm left out, $null + 100 + 5000 would be the number 5100.
    $counts = @(@(@($(if ('Warm' -in $Case) { $plan.Warm })) + @($(if ('Memory' -in $Case) { $plan.Memory })) +
        @($(if ('Cold' -in $Case) { $plan.Cold })) + @($(if ('Disk' -in $Case) { $plan.Disk }))) | Where-Object { $_ } | Sort-Object -Unique)
    $ProgressPreference = 'SilentlyContinue'
    foreach ($count in $counts) {
        Add-BenchImages -Sandbox $sandbox -Total $count
        Write-Host "engine holds $count images"

        if ('Warm' -in $Case -and $count -in $plan.Warm) {
            $rounds = $plan.WarmRounds[$count]
            foreach ($label in $transports.Keys) {
                $null = Import-BenchModule -Path $modulePath -Transport $transports[$label]
                $cases = [ordered]@{
                    'Get-ContainerImage' = { Get-ContainerImage }
                    'docker images | ConvertFrom-Json' = { docker images --format '{{json .}}' | ConvertFrom-Json }
                    'Invoke-RestMethod /images/json' = { Invoke-RestMethod -UnixSocket $socket -Uri "http://localhost/v$apiVersion/images/json" }
                }
                Write-Host "warm, $count images ($label)"
                $medians = Measure-Rounds -Cases $cases -Rounds $rounds -Expected $count -WarmUp
                $results.Comparisons.Add((New-Comparison -Case 'warm list vs docker idiom' -Images $count -Transport $label `
                    -Ours $medians[0] -OursName 'Get-ContainerImage' -Baseline $medians[1] -BaselineName 'docker images | ConvertFrom-Json' `
                    -Limit $(if ($count -le 100) { 0.5 } else { $null })))
                $results.Comparisons.Add((New-Comparison -Case 'warm list vs Invoke-RestMethod' -Images $count -Transport $label `
                    -Ours $medians[0] -OursName 'Get-ContainerImage' -Baseline $medians[2] -BaselineName 'Invoke-RestMethod /images/json' `
                    -Limit $(if ($count -gt 100) { 1.5 } else { $null })))
            }
        }

        if ('Disk' -in $Case -and $count -eq $plan.Disk) {
            foreach ($label in $transports.Keys) {
                $null = Import-BenchModule -Path $modulePath -Transport $transports[$label]
                $weighed = @(Get-ContainerImage -DiskUsage | Where-Object { $null -ne $_.SharedSize })
                if ($weighed.Count -ne $count) { throw "Get-ContainerImage -DiskUsage weighed $($weighed.Count) images, not $count" }
                $cases = [ordered]@{
                    'Get-ContainerImage -DiskUsage' = { Get-ContainerImage -DiskUsage }
                    'docker system df -v' = { docker system df -v | Out-Null; if ($LASTEXITCODE) { throw 'docker system df -v failed' } }
                    'Get-ContainerImage' = { Get-ContainerImage }
                    'docker images | ConvertFrom-Json' = { docker images --format '{{json .}}' | ConvertFrom-Json }
                }
                Write-Host "disk usage, $count images ($label)"
                $medians = Measure-Rounds -Cases $cases -Rounds $plan.DiskRounds -WarmUp
                $results.Comparisons.Add((New-Comparison -Case 'disk usage per image vs docker system df -v' -Images $count -Transport $label `
                    -Ours $medians[0] -OursName 'Get-ContainerImage -DiskUsage' -Baseline $medians[1] -BaselineName 'docker system df -v' -Limit 1.5))
                $results.Comparisons.Add((New-Comparison -Case 'disk usage per image vs the default listing' -Images $count -Transport $label `
                    -Ours $medians[0] -OursName 'Get-ContainerImage -DiskUsage' -Baseline $medians[2] -BaselineName 'Get-ContainerImage'))
                $results.Comparisons.Add((New-Comparison -Case 'default listing vs docker idiom (in the disk rounds)' -Images $count -Transport $label `
                    -Ours $medians[2] -OursName 'Get-ContainerImage' -Baseline $medians[3] -BaselineName 'docker images | ConvertFrom-Json'))
            }
        }

        if ('Cold' -in $Case -and $count -eq $plan.Cold) {
            # The installed package (build.ps1 -Task Package, Install-PSResource into a HOME of its own,
            # imported by name: one merged root module, the bundled dependencies) beside the checkout's
            # module, the docker idiom and a bare pwsh, interleaved in one run.
            $installFolder = Join-Path ([System.IO.Path]::GetTempPath()) "containerimage-bench-$PID"
            $installed = Install-BenchPackage -Root $root -Pwsh $pwsh -Folder $installFolder
            $results.Notes.Add("Installed package: $($installed.ModuleBase) (HOME $($installed.Home), imported by name).")
            $asUser = "env -u PSModulePath 'HOME=$($installed.Home)'"
            $module = $modulePath.Replace("'", "''")
            # The module's cases run the interpreter itself ($python, as a server's python3 is), named by
            # CONTAINERIMAGE_PYTHON: python3 on this machine's PATH is a pyenv shim, a bash script that runs at
            # every backend start (~450 ms measured). One more case shows PATH's python3 as it is.
            $cases = [ordered]@{}
            foreach ($label in $transports.Keys) {
                $value = $transports[$label]
                $cases["pwsh: Import-Module; Get-ContainerImage (installed, $label)"] = [scriptblock]::Create(
                    "`$env:CONTAINERIMAGE_TRANSPORT = '$value'; `$env:CONTAINERIMAGE_PYTHON = '$python'; & $asUser '$pwsh' -NoProfile -NonInteractive -c `"Import-Module ContainerImage; ```$null = Get-ContainerImage`"; if (`$LASTEXITCODE) { throw 'cold run failed' }")
                $cases["pwsh: Import-Module; Get-ContainerImage (checkout, $label)"] = [scriptblock]::Create(
                    "`$env:CONTAINERIMAGE_TRANSPORT = '$value'; `$env:CONTAINERIMAGE_PYTHON = '$python'; & '$pwsh' -NoProfile -NonInteractive -c `"Import-Module '$module'; ```$null = Get-ContainerImage`"; if (`$LASTEXITCODE) { throw 'cold run failed' }")
            }
            $pathPython = (Get-Command python3 -CommandType Application -ErrorAction Ignore | Select-Object -First 1).Source
            $cases["pwsh: Import-Module; Get-ContainerImage (installed, Stdio, python3 on PATH: $pathPython)"] = [scriptblock]::Create(
                "`$env:CONTAINERIMAGE_TRANSPORT = 'Stdio'; `$env:CONTAINERIMAGE_PYTHON = `$null; & $asUser '$pwsh' -NoProfile -NonInteractive -c `"Import-Module ContainerImage; ```$null = Get-ContainerImage`"; if (`$LASTEXITCODE) { throw 'cold run failed' }")
            $cases['pwsh: Import-Module ContainerImage alone (installed)'] = [scriptblock]::Create(
                "`$env:CONTAINERIMAGE_PYTHON = '$python'; & $asUser '$pwsh' -NoProfile -NonInteractive -c 'Import-Module ContainerImage'; if (`$LASTEXITCODE) { throw 'cold import failed' }")
            $cases['pwsh: docker images | ConvertFrom-Json'] = { & $pwsh -NoProfile -NonInteractive -c "`$null = docker images --format '{{json .}}' | ConvertFrom-Json" }
            $cases['pwsh: nothing (start-up floor)'] = [scriptblock]::Create("& $asUser '$pwsh' -NoProfile -NonInteractive -c '`$null'")
            Write-Host "cold, $count images"
            $callersPython = $env:CONTAINERIMAGE_PYTHON
            try { $medians = Measure-Rounds -Cases $cases -Rounds $plan.ColdRounds -WarmUp } finally { $env:CONTAINERIMAGE_PYTHON = $callersPython }
            $onPath = $medians[2 * $transports.Count]
            $importAlone = $medians[2 * $transports.Count + 1]
            $docker = $medians[2 * $transports.Count + 2]
            $floor = $medians[2 * $transports.Count + 3]
            $index = 0
            foreach ($label in $transports.Keys) {
                $results.Comparisons.Add((New-Comparison -Case 'cold first call vs docker idiom (installed package)' -Images $count -Transport $label `
                    -Ours $medians[$index] -OursName 'new pwsh: Import-Module ContainerImage; Get-ContainerImage' -Baseline $docker `
                    -BaselineName 'new pwsh: docker images | ConvertFrom-Json' -Limit 1.3 -Note "pwsh start alone: $floor ms"))
                $results.Comparisons.Add((New-Comparison -Case 'cold first call vs docker idiom (checkout)' -Images $count -Transport $label `
                    -Ours $medians[$index + 1] -OursName 'new pwsh: Import-Module <checkout>; Get-ContainerImage' -Baseline $docker `
                    -BaselineName 'new pwsh: docker images | ConvertFrom-Json' -Limit 1.3))
                $index += 2
            }
            $results.Comparisons.Add((New-Comparison -Case 'cold first call vs docker idiom (installed package, python3 on PATH)' -Images $count -Transport 'Stdio' `
                -Ours $onPath -OursName "new pwsh: Import-Module ContainerImage; Get-ContainerImage (Python: $pathPython)" -Baseline $docker `
                -BaselineName 'new pwsh: docker images | ConvertFrom-Json' -Limit 1.3))
            $results.Comparisons.Add((New-Comparison -Case 'cold Import-Module alone vs bare pwsh (installed package)' -Images $count -Transport '-' `
                -Ours $importAlone -OursName 'new pwsh: Import-Module ContainerImage' -Baseline $floor -BaselineName 'new pwsh: nothing' `
                -Note ("+{0:N0} ms over a bare pwsh (target: at most +150 ms)" -f ($importAlone - $floor))))
            Write-Host 'cold start, by phase (installed package)'
            $userHome = $env:HOME
            $env:HOME = $installed.Home
            try {
                $installedPhases = Measure-ColdPhases -ModulePath $installed.ModuleBase -Python $python -Pwsh $pwsh -Rounds $plan.ColdPhaseRounds -Transports @($transports.Values) -NoParts
            } finally {
                $env:HOME = $userHome
            }
            Write-Host 'cold start, by phase (checkout)'
            $checkoutPhases = Measure-ColdPhases -ModulePath $modulePath -Python $python -Pwsh $pwsh -Rounds $plan.ColdPhaseRounds -Transports @($transports.Values)
            $results.ColdPhases = [ordered]@{}
            foreach ($phase in $installedPhases.Keys) { $results.ColdPhases["installed/$phase"] = $installedPhases[$phase] }
            foreach ($phase in $checkoutPhases.Keys) { $results.ColdPhases["checkout/$phase"] = $checkoutPhases[$phase] }
        }

        if ('Memory' -in $Case -and $count -in $plan.Memory) {
            # The platform cache must be warm, as after any first listing (the warm case may not have run).
            $null = Import-BenchModule -Path $modulePath -Transport $transports[@($transports.Keys)[0]]
            $null = Get-ContainerImage
            Write-Host "memory, $count images"
            $results.Memory.Add((Measure-BackendMemory -ModulePath $modulePath -Python $python -Images $count))
        }
    }
    if ($results.Memory.Count -ge 2) { $results.MemoryVerdict = Get-MemoryVerdict -Rows $results.Memory -LimitMegabytes 150 }
} finally {
    Remove-Module ContainerImage -ErrorAction SilentlyContinue
    Stop-BenchSandbox $sandbox
    if ($installFolder -and (Test-Path $installFolder)) { Remove-Item $installFolder -Recurse -Force }
}

$results.Finished = [datetime]::UtcNow.ToString('o')
$results.Samples = $script:Samples   # every timed run of every case, for a closer look than the medians
$null = New-Item -ItemType Directory -Force $OutputFolder
$name = if ($Quick) { 'benchmark-quick' } else { 'benchmark' }
$results | ConvertTo-Json -Depth 8 | Set-Content (Join-Path $OutputFolder "$name.json")
$table = Format-BenchmarkReport -Results $results
$table | Set-Content (Join-Path $OutputFolder "$name.md")
$table | Write-Host
