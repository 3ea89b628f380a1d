# Helpers of bench/Invoke-Benchmark.ps1 (dot-sourced): the sandbox it drives, timing, the measurements
# that need more than a stopwatch (backend memory, cold start by phase), and the report.

# ------------------------------------------------------------------------------------------- sandbox

function Start-BenchSandbox {
    # Starts bench/bench_sandbox.py and takes over its environment (DOCKER_HOST, DOCKER_CONFIG, ...), so
    # that the module, docker and Invoke-RestMethod in this process all reach the sandbox.
    param([string] $Python, [string] $Script)
    $info = [System.Diagnostics.ProcessStartInfo]::new($Python)
    $info.ArgumentList.Add($Script)
    $info.UseShellExecute = $false
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true   # stderr (the sandbox's log) goes to ours
    Write-Host 'starting the sandbox'
    $process = [System.Diagnostics.Process]::Start($info)
    $line = $process.StandardOutput.ReadLine()
    if (-not $line) { throw "bench_sandbox.py ended before the sandbox was ready (exit code $(if ($process.WaitForExit(5000)) { $process.ExitCode }))" }
    $environment = $line | ConvertFrom-Json -AsHashtable
    foreach ($name in 'DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH') { [System.Environment]::SetEnvironmentVariable($name, $null) }
    foreach ($name in $environment.Keys) { [System.Environment]::SetEnvironmentVariable($name, $environment[$name]) }
    @{ Process = $process; Environment = $environment }
}

function Invoke-BenchSandbox {
    # One command to bench_sandbox.py (see its docstring); returns the seconds it took, throws on failure.
    param($Sandbox, [hashtable] $Command)
    $Sandbox.Process.StandardInput.WriteLine(($Command | ConvertTo-Json -Compress))
    $Sandbox.Process.StandardInput.Flush()
    $line = $Sandbox.Process.StandardOutput.ReadLine()
    if (-not $line) { throw "bench_sandbox.py ended during $($Command.op)" }
    $answer = $line | ConvertFrom-Json
    if (-not $answer.ok) { throw "bench_sandbox.py $($Command.op) failed: $($answer.error)" }
    $answer.seconds
}

function Stop-BenchSandbox {
    # Closing its stdin makes bench_sandbox.py stop and remove the sandbox.
    param($Sandbox)
    if (-not $Sandbox) { return }
    $Sandbox.Process.StandardInput.Close()
    if (-not $Sandbox.Process.WaitForExit(120000)) { $Sandbox.Process.Kill() }
}

$script:BenchImages = 0

function Add-BenchImages {
    # Tops the engine up to $Total bench images (the fast way, restarting the engine), and checks the count.
    param($Sandbox, [int] $Total)
    if ($Total -gt $script:BenchImages) {
        $seconds = Invoke-BenchSandbox $Sandbox @{ op = 'grow'; count = $Total - $script:BenchImages; prefix = "bench/n$Total-" }
        Write-Host "loaded $($Total - $script:BenchImages) images in $seconds s"
        $script:BenchImages = $Total
    }
    $rows = @(docker images -q).Count
    if ($rows -ne $Total) { throw "the engine lists $rows images, not $Total" }
}

# ------------------------------------------------------------------------------------------- module

function Import-BenchModule {
    # (Re)imports the module with $env:CONTAINERIMAGE_TRANSPORT = $Transport, waits for its backend, and
    # returns the transport the module says it uses ('Stdio' when it does not say).
    param([string] $Path, [string] $Transport)
    Remove-Module ContainerImage -ErrorAction SilentlyContinue
    $env:CONTAINERIMAGE_TRANSPORT = $Transport
    Import-Module $Path -Global -Force -WarningVariable warnings -WarningAction SilentlyContinue
    foreach ($warning in $warnings) { Write-Host "module warning: $warning" }
    $module = Get-Module ContainerImage
    $reply = & $module { Invoke-Backend -Method ping }
    if ($reply -is [System.Management.Automation.ErrorRecord]) { throw "the backend does not answer: $reply" }
    & $module {
        $backend = $script:Backend
        if ($null -eq $backend) { 'Stdio' }
        elseif ($backend -is [System.Collections.IDictionary]) { if ($backend.Contains('Transport') -and $backend['Transport']) { [string]$backend['Transport'] } else { 'Stdio' } }
        elseif ($backend.PSObject.Properties['Transport'] -and $backend.Transport) { [string]$backend.Transport }
        else { 'Stdio' }
    }
}

function Measure-BackendPing {
    # Median milliseconds of one no-op request, from $Rounds rounds of $Calls calls each.
    param([int] $Calls, [int] $Rounds)
    $module = Get-Module ContainerImage
    $perCall = foreach ($round in 0..$Rounds) {   # round 0 warms up
        $elapsed = & $module {
            param($calls)
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            for ($i = 0; $i -lt $calls; $i++) {
                $reply = Invoke-Backend -Method ping
                if ($reply -is [System.Management.Automation.ErrorRecord]) { throw $reply }
            }
            $watch.Elapsed.TotalMilliseconds
        } $Calls
        if ($round) { $elapsed / $Calls }
    }
    [math]::Round((Get-Median $perCall), 3)
}

# ------------------------------------------------------------------------------------------- timing

function Get-Median {
    param([double[]] $Values)
    $sorted = @($Values | Sort-Object)
    $middle = [int][math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$middle] } else { ($sorted[$middle - 1] + $sorted[$middle]) / 2 }
}

$script:Samples = [System.Collections.Generic.List[object]]::new()

function Measure-Rounds {
    # Runs each case once per round, the cases in turn (in reverse order every other round, so that no
    # case always follows the same one), for $Rounds rounds; returns the median milliseconds of each case,
    # in the order of $Cases. BeforeEach/AfterEach run untimed around every run of a case. -WarmUp: one
    # untimed round first. -Expected: each case must output that many objects (checked in the warm-up).
    param([System.Collections.Specialized.OrderedDictionary] $Cases, [int] $Rounds, [scriptblock] $BeforeEach,
          [scriptblock] $AfterEach, [int] $Expected = -1, [switch] $WarmUp)
    $names = @($Cases.Keys)
    $times = @{}
    foreach ($name in $names) { $times[$name] = [System.Collections.Generic.List[double]]::new() }
    $first = if ($WarmUp) { -1 } else { 0 }
    for ($round = $first; $round -lt $Rounds; $round++) {
        $order = if ($round % 2) { $names[($names.Count - 1)..0] } else { $names }
        foreach ($name in $order) {
            if ($BeforeEach) { $null = & $BeforeEach }
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            if ($round -lt 0) {
                $count = @(& $Cases[$name] | ForEach-Object { $_ }).Count   # also counts the items of an array output whole (Invoke-RestMethod)
                if ($Expected -ge 0 -and $count -ne $Expected) { throw "$name output $count objects, not $Expected" }
            } else {
                $null = & $Cases[$name]
            }
            $watch.Stop()
            if ($AfterEach) { $null = & $AfterEach }
            if ($round -ge 0) { $times[$name].Add($watch.Elapsed.TotalMilliseconds) }
        }
    }
    foreach ($name in $names) {
        $median = [math]::Round((Get-Median $times[$name].ToArray()), 1)
        $script:Samples.Add([ordered]@{ Case = $name; Median = $median; Samples = @($times[$name] | ForEach-Object { [math]::Round($_, 1) }) })
        Write-Host ("  {0,-60} {1,10:N1} ms" -f $name, $median)
        $median
    }
}

function New-Comparison {
    # One row of the report: ours against a baseline, the ratio, and the target (at most $Limit x).
    param([string] $Case, [int] $Images, [string] $Transport, [double] $Ours, [string] $OursName,
          $Baseline, [string] $BaselineName, $Limit, [string] $Note)
    $ratio = if ($Baseline) { [math]::Round($Ours / $Baseline, 2) } else { $null }
    [ordered]@{
        Case = $Case; Images = $Images; Transport = $Transport
        Ours = $OursName; OursMs = $Ours; Baseline = $BaselineName; BaselineMs = $Baseline
        Ratio = $ratio; Limit = $Limit
        Met = if ($null -ne $Limit -and $null -ne $ratio) { $ratio -le $Limit } else { $null }
        Note = $Note
    }
}

# ------------------------------------------------------------------------------------------- memory

function Start-BenchBackend {
    # A backend process as the module starts it (start-backend.py), with this process's environment.
    param([string] $ModulePath, [string] $Python)
    $info = [System.Diagnostics.ProcessStartInfo]::new($Python)
    $bundle = Join-Path $ModulePath 'backend'
    if (Test-Path (Join-Path $bundle 'THIRD-PARTY.txt')) {   # the built module, as Private/Backend.ps1 starts it
        foreach ($argument in '-s', (Join-Path $ModulePath 'Private/start-backend.py'), '--bundle', $bundle) { $info.ArgumentList.Add($argument) }
    } else {
        $info.ArgumentList.Add((Join-Path $ModulePath 'Private/start-backend.py'))
        $info.ArgumentList.Add((Join-Path (Split-Path (Split-Path $ModulePath)) 'backend'))
    }
    $info.UseShellExecute = $false
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.StandardOutputEncoding = [System.Text.UTF8Encoding]::new($false)
    $process = [System.Diagnostics.Process]::Start($info)
    $process.StandardInput.AutoFlush = $true
    $process
}

function Invoke-BenchBackend {
    # One request to a backend process started by Start-BenchBackend; returns the raw answer line.
    param($Process, [int] $Id, [string] $Method, [hashtable] $Params = @{})
    $Process.StandardInput.WriteLine((@{ jsonrpc = '2.0'; id = $Id; method = $Method; params = $Params } | ConvertTo-Json -Compress))
    while ($true) {
        $line = $Process.StandardOutput.ReadLine()
        if ($null -eq $line) { throw "the backend ended during $Method" }
        if ($line.StartsWith('{"jsonrpc":"2.0","id":' + $Id + ',')) { return $line }
    }
}

function Get-ProcessMemory {
    # VmHWM (peak resident) and VmRSS of a process, in MB, from /proc.
    param([int] $ProcessId)
    $status = [System.IO.File]::ReadAllLines("/proc/$ProcessId/status")
    $value = { param($key) [math]::Round([double](($status | Where-Object { $_ -like "${key}:*" }) -replace '\D', '') / 1024, 1) }
    @{ Peak = & $value 'VmHWM'; Resident = & $value 'VmRSS' }
}

function Measure-BackendMemory {
    # The peak resident memory of a new backend process through one listing of all images (after a
    # handshake and a ping, which give the figure before listing).
    param([string] $ModulePath, [string] $Python, [int] $Images)
    $process = Start-BenchBackend -ModulePath $ModulePath -Python $Python
    try {
        $null = Invoke-BenchBackend $process 1 'handshake'
        $null = Invoke-BenchBackend $process 2 'ping'
        $before = Get-ProcessMemory $process.Id
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $line = Invoke-BenchBackend $process 3 'image.list'
        $watch.Stop()
        $after = Get-ProcessMemory $process.Id
        $rows = @(($line | ConvertFrom-Json).result.images).Count
        if ($rows -ne $Images) { throw "the backend listed $rows images, not $Images" }
        $row = [ordered]@{ Images = $Images; Rows = $rows; BeforeListingMB = $before.Peak; PeakMB = $after.Peak
                           ListingAddsMB = [math]::Round($after.Peak - $before.Peak, 1); ListMs = [math]::Round($watch.Elapsed.TotalMilliseconds, 1)
                           AnswerMB = [math]::Round($line.Length / 1MB, 1) }
        Write-Host "  peak $($row.PeakMB) MB (before listing $($row.BeforeListingMB) MB; answer $($row.AnswerMB) MB)"
        $row
    } finally {
        $process.StandardInput.Close()
        if (-not $process.WaitForExit(10000)) { $process.Kill() }
    }
}

function Get-MemoryVerdict {
    # Under the limit at the largest count, and linear: what the listing adds per image is about the same
    # (within 30 %) between each pair of consecutive counts.
    param($Rows, [double] $LimitMegabytes)
    $sorted = @($Rows | Sort-Object { $_.Images })
    $slopes = for ($i = 1; $i -lt $sorted.Count; $i++) {
        [math]::Round(($sorted[$i].ListingAddsMB - $sorted[$i - 1].ListingAddsMB) / ($sorted[$i].Images - $sorted[$i - 1].Images) * 1000, 2)
    }
    $slopes = @($slopes)
    $linear = $true
    for ($i = 1; $i -lt $slopes.Count; $i++) {
        if ($slopes[$i - 1] -le 0 -or [math]::Abs($slopes[$i] / $slopes[$i - 1] - 1) -gt 0.3) { $linear = $false }
    }
    [ordered]@{ LimitMB = $LimitMegabytes; PeakMB = $sorted[-1].PeakMB; UnderLimit = $sorted[-1].PeakMB -lt $LimitMegabytes
                MBPer1000ImagesBetweenCounts = $slopes; Linear = $linear }
}

# ------------------------------------------------------------------------------------------- cold start

function Measure-ColdPhases {
    # Where a cold `Import-Module; Get-ContainerImage` spends its time, each phase the median of $Rounds
    # runs in new processes: pwsh's own start, the parts of Import-Module, Python's start, the backend's
    # imports, the handshake and the first listing.
    # -NoParts: the installed module (one merged root module, the backend bundled in its backend/).
    param([string] $ModulePath, [string] $Python, [string] $Pwsh, [int] $Rounds, [string[]] $Transports = @('Stdio'), [switch] $NoParts)
    $probe = Join-Path $PSScriptRoot 'Measure-ColdStart.ps1'
    $backendFolder = if ($NoParts) { Join-Path $ModulePath 'backend' } else { Join-Path (Split-Path (Split-Path $ModulePath)) 'backend' }
    $runs = [ordered]@{}
    function Add-Run([string] $Phase, [double] $Milliseconds) {
        if (-not $runs.Contains($Phase)) { $runs[$Phase] = [System.Collections.Generic.List[double]]::new() }
        $runs[$Phase].Add($Milliseconds)
    }
    $transportBefore = $env:CONTAINERIMAGE_TRANSPORT
    # Import-Module and the first list under each transport; the parts of the import (as the stdio backend
    # starts) once.
    $probes = @(foreach ($transport in $Transports) { @{ Mode = 'Import'; Transport = $transport; Label = "Import ($transport)" } })
    if (-not $NoParts) { $probes += @{ Mode = 'Parts'; Transport = 'Stdio'; Label = 'Import, part by part (Stdio)' } }
    for ($round = 0; $round -lt $Rounds; $round++) {
        foreach ($run in $probes) {
            $env:CONTAINERIMAGE_TRANSPORT = $run.Transport
            try {
                $watch = [System.Diagnostics.Stopwatch]::StartNew()
                # An installed module's folder is named after its version: Import-Module takes its manifest.
                $target = if ($NoParts) { Join-Path $ModulePath 'ContainerImage.psd1' } else { $ModulePath }
                $json = & $Pwsh -NoProfile -NonInteractive -File $probe -ModulePath $target -Mode $run.Mode
                $watch.Stop()
            } finally {
                $env:CONTAINERIMAGE_TRANSPORT = $transportBefore
            }
            if ($LASTEXITCODE) { throw "Measure-ColdStart.ps1 -Mode $($run.Mode) failed" }
            $phases = ($json | Select-Object -Last 1) | ConvertFrom-Json -AsHashtable
            foreach ($key in $phases.Keys) { Add-Run "$($run.Label)/$key" $phases[$key] }
            Add-Run "$($run.Label)/the whole new pwsh" $watch.Elapsed.TotalMilliseconds
        }
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        & $Python -c 'pass'
        Add-Run 'python/start (python -c pass)' $watch.Elapsed.TotalMilliseconds
        $env:PYTHONPATH = $backendFolder
        # The installed module's backend reads its bytecode from the user's cache (start-backend.py sets
        # sys.pycache_prefix): these probes read the same, or they would compile the bundle every time.
        if ($NoParts) { $env:PYTHONPYCACHEPREFIX = & $Python -s -c 'from containerimage.cache import cache_dir; import os; print(os.path.join(cache_dir(), "pycache"))' }
        try {
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            & $Python -s -c 'import containerimage.cli, containerimage.operations'
            Add-Run 'python/start + import the backend' $watch.Elapsed.TotalMilliseconds
            # The big dependencies first, each as a top-level import, so that each one's own cost shows.
            $imports = 'import containerimage, urllib3, requests, docker, yaml, colorama, containerimage.cli, containerimage.operations'
            $lines = & $Python -s -X importtime -c $imports 2>&1
        } finally {
            Remove-Item Env:PYTHONPATH
            Remove-Item Env:PYTHONPYCACHEPREFIX -ErrorAction Ignore
        }
        foreach ($line in $lines) {
            # "import time:   self [us] | cumulative | imported package"; a top-level import has no indent.
            if ("$line" -match '^import time:\s+\d+ \|\s+(\d+) \| (\S.*)$') {
                $package = $Matches[2]
                if ($package -notmatch '^\s') { Add-Run "python/import $package" ([double]$Matches[1] / 1000) }
            }
        }
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $process = Start-BenchBackend -ModulePath $ModulePath -Python $Python
        try {
            $null = Invoke-BenchBackend $process 1 'handshake'
            Add-Run 'backend/start to handshake answered' $watch.Elapsed.TotalMilliseconds
            $watch.Restart()
            $null = Invoke-BenchBackend $process 2 'handshake'
            Add-Run 'backend/a second handshake (engine /version)' $watch.Elapsed.TotalMilliseconds
            $watch.Restart()
            $null = Invoke-BenchBackend $process 3 'image.list'
            Add-Run 'backend/first image.list' $watch.Elapsed.TotalMilliseconds
            $watch.Restart()
            $null = Invoke-BenchBackend $process 4 'image.list'
            Add-Run 'backend/second image.list' $watch.Elapsed.TotalMilliseconds
        } finally {
            $process.StandardInput.Close()
            if (-not $process.WaitForExit(10000)) { $process.Kill() }
        }
    }
    # In the order they were first measured (the order of a cold start).
    $medians = [ordered]@{}
    foreach ($phase in $runs.Keys) {
        $median = [math]::Round((Get-Median $runs[$phase].ToArray()), 1)
        # Small imports are noise in the table; the JSON keeps them all.
        if ($phase -like 'python/import *' -and $median -lt 3) { continue }
        $medians[$phase] = $median
        Write-Host ("  {0,-60} {1,10:N1} ms" -f $phase, $median)
    }
    $medians
}

# ------------------------------------------------------------------------------------------- report

function Format-BenchmarkReport {
    # The Markdown report: comparisons (medians, ratio, target), memory, cold start by phase, notes.
    param($Results)
    $lines = [System.Collections.Generic.List[string]]::new()
    $lines.Add("# ContainerImage benchmark$(if ($Results.Quick) { ' (quick mode: not the targets'' figures)' })")
    $lines.Add('')
    $lines.Add("$($Results.Started), $($Results.Cores) cores, PowerShell $($Results.Pwsh), engine API $($Results.Engine). Medians in milliseconds; ratio = ours / baseline.")
    $lines.Add('')
    $lines.Add('| case | images | transport | ours | ms | baseline | ms | ratio | target | met |')
    $lines.Add('|---|---|---|---|---|---|---|---|---|---|')
    foreach ($row in $Results.Comparisons) {
        $target = if ($null -ne $row.Limit) { "<= $($row.Limit)x" } else { '-' }
        $met = if ($null -eq $row.Met) { '-' } elseif ($row.Met) { 'yes' } else { '**no**' }
        $baseline = if ($row.Baseline) { $row.Baseline } else { '-' }
        $baselineMs = if ($null -ne $row.BaselineMs) { $row.BaselineMs } else { '-' }
        $ratio = if ($null -ne $row.Ratio) { "$($row.Ratio)x" } else { '-' }
        $ours = if ($row.Note) { "$($row.Ours) ($($row.Note))" } else { $row.Ours }
        $cells = foreach ($cell in $row.Case, $row.Images, $row.Transport, $ours, $row.OursMs, $baseline, $baselineMs, $ratio, $target, $met) { "$cell".Replace('|', '\|') }
        $lines.Add('| ' + ($cells -join ' | ') + ' |')
    }
    if ($Results.Memory.Count) {
        $lines.Add('')
        $lines.Add('## Backend peak memory (VmHWM of a new stdio backend process, one listing)')
        $lines.Add('')
        $lines.Add('| images | peak MB | before listing MB | listing adds MB | answer MB | list ms |')
        $lines.Add('|---|---|---|---|---|---|')
        foreach ($row in $Results.Memory) {
            $lines.Add("| $($row.Images) | $($row.PeakMB) | $($row.BeforeListingMB) | $($row.ListingAddsMB) | $($row.AnswerMB) | $($row.ListMs) |")
        }
        if ($Results.Contains('MemoryVerdict')) {
            $verdict = $Results.MemoryVerdict
            $lines.Add('')
            $lines.Add("Target: under $($verdict.LimitMB) MB at the largest count: $(if ($verdict.UnderLimit) { 'yes' } else { '**no**' }) ($($verdict.PeakMB) MB). " +
                "Growth between consecutive counts, MB per 1,000 images: $($verdict.MBPer1000ImagesBetweenCounts -join ', '); linear (within 30 %): $(if ($verdict.Linear) { 'yes' } else { '**no**' }).")
        }
    }
    if ($Results.Contains('CopyMemory')) {
        $row = $Results.CopyMemory
        $lines.Add('')
        $lines.Add("## Backend peak memory during a copy (VmHWM of a new stdio backend process)")
        $lines.Add('')
        $lines.Add("$($row.Case): peak $($row.PeakMB) MB (before the copy $($row.BeforeCopyMB) MB, the copy adds $($row.CopyAddsMB) MB, " +
            "$($row.BytesSent) bytes sent); target under $($row.LimitMB) MB: $(if ($row.UnderLimit) { 'yes' } else { '**no**' }).")
    }
    if ($Results.ColdPhases) {
        $lines.Add('')
        $lines.Add('## Cold start by phase (medians, each phase in new processes)')
        $lines.Add('')
        $lines.Add('| phase | ms |')
        $lines.Add('|---|---|')
        foreach ($phase in $Results.ColdPhases.Keys) { $lines.Add("| $phase | $($Results.ColdPhases[$phase]) |") }
    }
    if ($Results.Notes.Count) {
        $lines.Add('')
        foreach ($note in $Results.Notes) { $lines.Add("- $note") }
    }
    $lines
}

# ------------------------------------------------------------------------------------------- installed package

function Install-BenchPackage {
    # `build.ps1 -Task Package`, then ContainerImage installed from its .nupkg with PSResourceGet into a HOME
    # of its own (a local repository, as an administrator would): the module as users run it. Returns the
    # HOME and the installed module's folder.
    param([string] $Root, [string] $Pwsh, [string] $Folder)
    & $Pwsh -NoProfile -File (Join-Path $Root 'build.ps1') -Task Package | Out-Host
    if ($LASTEXITCODE) { throw 'build.ps1 -Task Package failed' }
    $repository = New-Item -ItemType Directory -Force (Join-Path $Folder 'repository')
    $userHome = New-Item -ItemType Directory -Force (Join-Path $Folder 'home')
    Copy-Item (Join-Path $Root 'out/*.nupkg') $repository
    $script = "`$ErrorActionPreference = 'Stop'; Register-PSResourceRepository -Name bench -Uri '$repository' -Trusted; " +
        "Install-PSResource ContainerImage -Repository bench -Scope CurrentUser; (Get-InstalledPSResource ContainerImage).InstalledLocation"
    $location = & env -u PSModulePath "HOME=$userHome" $Pwsh -NoProfile -NonInteractive -c $script
    if ($LASTEXITCODE) { throw 'Install-PSResource ContainerImage failed' }
    $version = (Get-ChildItem (Join-Path $userHome '.local/share/powershell/Modules/ContainerImage') -Directory | Select-Object -First 1).Name
    @{ Home = $userHome.FullName; ModuleBase = Join-Path $userHome ".local/share/powershell/Modules/ContainerImage/$version"; Location = "$location" }
}
