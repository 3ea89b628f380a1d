# The backend process: found and started when the module is imported (its start-up overlaps with the
# import and the first command; errors wait for first use), reused by every call, started anew when it
# has died or its environment changed, stopped when the module is removed. One JSON-RPC message per line on its stdin/stdout.
#
# Failures here are returned as ErrorRecords, never thrown: in PowerShell every throw under a cmdlet lands
# in the caller's -ErrorVariable and $Error, even when caught, so one failure would show up many times.

$script:Backend = $null
$script:ProtocolVersion = 1

function Resolve-Python {
    # The Python that runs the backend: $env:CONTAINERIMAGE_PYTHON (a path, or a command on PATH), else
    # python3, python, py -3 on PATH.
    $setting = $env:CONTAINERIMAGE_PYTHON
    if ($setting -and ($setting.Contains('/') -or $setting.Contains('\'))) {
        return @{ Path = $setting; Arguments = @(); Source = 'CONTAINERIMAGE_PYTHON' }
    }
    $candidates = if ($setting) { @{ Name = $setting; Arguments = @() } }
                  else { @{ Name = 'python3'; Arguments = @() }, @{ Name = 'python'; Arguments = @() }, @{ Name = 'py'; Arguments = @('-3') } }
    # A plain walk of PATH in .NET calls: cmdlets (Get-Command, Join-Path) cost tens of milliseconds on
    # first use, and this runs at every import.
    $windows = [System.IO.Path]::DirectorySeparatorChar -eq '\'
    foreach ($candidate in $candidates) {
        $file = if ($windows -and -not $candidate.Name.EndsWith('.exe')) { $candidate.Name + '.exe' } else { $candidate.Name }
        foreach ($directory in $env:PATH.Split([System.IO.Path]::PathSeparator)) {
            if (-not $directory) { continue }
            $path = [System.IO.Path]::Combine($directory, $file)
            if ([System.IO.File]::Exists($path)) {
                return @{ Path = $path; Arguments = $candidate.Arguments; Source = $(if ($setting) { 'CONTAINERIMAGE_PYTHON' } else { 'PATH' }) }
            }
        }
    }
    if ($setting) {
        return New-ContainerImageError -Kind BackendUnavailable -Target $setting `
            -Message "CONTAINERIMAGE_PYTHON names '$setting', which is not a file and not a command on PATH." `
            -RecommendedAction 'Set $env:CONTAINERIMAGE_PYTHON to the path of a Python 3.9 or later that has the docker package.'
    }
    New-ContainerImageError -Kind BackendUnavailable -Target 'python' `
            -Message 'ContainerImage needs Python 3.9 or later, and none was found (tried python3, python, py -3).' `
            -RecommendedAction 'Install Python 3 and run "python -m pip install containerimage", or set $env:CONTAINERIMAGE_PYTHON to the path of a Python that has the docker package.'
}

# What the backend reads from the environment when it starts. When any of these changes, the next call
# starts a new backend, so that `$env:DOCKER_HOST = ...` applies at once, as it does for the docker CLI.
$script:BackendEnvironment = 'DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_CONFIG',
    'CONTAINERIMAGE_PYTHON', 'CONTAINERIMAGE_BACKEND', 'CONTAINERIMAGE_LOG_LEVEL', 'CONTAINERIMAGE_CACHE_DIR'

function Get-BackendEnvironment {
    # A foreach statement, not ForEach-Object: this runs before every request.
    $values = foreach ($name in $script:BackendEnvironment) { [System.Environment]::GetEnvironmentVariable($name) }
    $values -join [char]0
}

function Start-BackendProcess {
    # Starts a backend process and sends it the handshake without waiting for the answer (so Python's
    # start-up overlaps with whatever PowerShell does next). Returns the backend, or an ErrorRecord.
    $python = Resolve-Python
    if ($python -is [System.Management.Automation.ErrorRecord]) { return $python }
    $arguments = [System.Collections.Generic.List[string]]::new()
    foreach ($argument in $python.Arguments) { $arguments.Add($argument) }
    $arguments.Add([System.IO.Path]::Combine($PSScriptRoot, 'start-backend.py'))
    # Then where to find the backend when it is not installed: the built module's bundled copy, the checkout's.
    foreach ($folder in 'backend', '../../backend') {
        $path = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($script:ModuleRoot, $folder))
        if ([System.IO.Directory]::Exists([System.IO.Path]::Combine($path, 'containerimage'))) { $arguments.Add($path) }
    }

    $info = [System.Diagnostics.ProcessStartInfo]::new($python.Path)
    if ($info.PSObject.Properties['ArgumentList']) {
        foreach ($argument in $arguments) { $info.ArgumentList.Add($argument) }
    } else {  # Windows PowerShell 5.1 (.NET Framework): one quoted string
        $info.Arguments = ($arguments | ForEach-Object { '"' + $_ + '"' }) -join ' '
    }
    $info.UseShellExecute = $false
    $info.CreateNoWindow = $true
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.StandardOutputEncoding = [System.Text.UTF8Encoding]::new($false)
    $info.StandardErrorEncoding = [System.Text.UTF8Encoding]::new($false)

    Write-Verbose "ContainerImage: starting the backend with $($python.Path) (from $($python.Source))"
    $environment = Get-BackendEnvironment
    $process = $null
    if ([System.IO.File]::Exists($python.Path)) {
        try { $process = [System.Diagnostics.Process]::Start($info) } catch { $reason = $_.Exception.Message }
    } else {
        $reason = 'no such file'
    }
    if (-not $process) {
        return New-ContainerImageError -Kind BackendUnavailable -Target $python.Path `
            -Message "Python at '$($python.Path)' (from $($python.Source)) could not be started: $reason" `
            -RecommendedAction 'Set $env:CONTAINERIMAGE_PYTHON to the path of a working Python 3.9 or later.'
    }
    $backend = @{
        Process     = $process
        Writer      = [System.IO.StreamWriter]::new($process.StandardInput.BaseStream, [System.Text.UTF8Encoding]::new($false))
        Stderr      = $process.StandardError.ReadToEndAsync()   # drained all along, so the backend never blocks on it
        PendingRead = $null
        NextId      = 0
        Python      = $python
        Environment = $environment
        Handshake   = $null
    }
    $backend.Writer.AutoFlush = $true
    $backend.HandshakeId = Send-BackendMessage -Backend $backend -Method handshake
    $backend
}

function Complete-BackendHandshake {
    # Reads and checks the handshake's answer: $null when the backend is ready, else an ErrorRecord.
    param([Parameter(Mandatory)] [hashtable] $Backend)
    $python = $Backend.Python
    $handshake = if ($Backend.HandshakeId -is [System.Management.Automation.ErrorRecord]) { $Backend.HandshakeId }
                 else { Receive-BackendReply -Backend $Backend -Id $Backend.HandshakeId }
    if ($handshake -is [System.Management.Automation.ErrorRecord]) {
        Stop-Backend -Backend $Backend
        return New-ContainerImageError -Kind BackendUnavailable -Target $python.Path `
            -Message "Python at '$($python.Path)' (from $($python.Source)) could not run the ContainerImage backend: $($handshake.Exception.Message)" `
            -RecommendedAction 'Install the backend into that Python ("python -m pip install containerimage", or its dependencies docker, pyyaml and colorama), or set $env:CONTAINERIMAGE_PYTHON to a Python that has them.'
    }
    if ($handshake.protocolVersion -ne $script:ProtocolVersion) {
        Stop-Backend -Backend $Backend
        return New-ContainerImageError -Kind BackendUnavailable -Target $python.Path `
            -Message "The ContainerImage backend found by '$($python.Path)' speaks protocol $($handshake.protocolVersion) (version $($handshake.backendVersion)); this module needs protocol $script:ProtocolVersion." `
            -RecommendedAction 'Install the backend that matches this module ("python -m pip install containerimage"), or set $env:CONTAINERIMAGE_BACKEND to the matching backend folder.'
    }
    $Backend.Handshake = $handshake
    Write-Verbose "ContainerImage: backend $($handshake.backendVersion) from $($handshake.location) (pid $($handshake.pid), Python $($handshake.python) at $($handshake.executable)); engine $($handshake.engine.host) API $($handshake.engine.apiVersion)"
}

function Get-ReadyBackend {
    # The session's backend, ready for a request: started (or started anew, when it died or the
    # environment it was started with changed) and past its handshake. Else an ErrorRecord.
    $backend = $script:Backend
    if ($backend) {
        $stale = if ($backend.Process.HasExited) { Get-BackendError $backend }
                 elseif ($backend.Environment -ne (Get-BackendEnvironment)) { 'the environment changed (DOCKER_*, CONTAINERIMAGE_*)' }
        if ($stale) {
            Write-Verbose "ContainerImage: $stale; starting a new backend"
            Stop-Backend -Backend $backend
            $backend = $null
        }
    }
    if (-not $backend) {
        $backend = Start-BackendProcess
        if ($backend -is [System.Management.Automation.ErrorRecord]) { return $backend }
        $script:Backend = $backend
    }
    if (-not $backend.Handshake) {
        $failure = Complete-BackendHandshake -Backend $backend
        if ($failure) { return $failure }
    }
    $backend
}

function Stop-Backend {
    # Closing stdin ends the backend's read loop; it is killed if it does not exit promptly.
    param([hashtable] $Backend = $script:Backend)
    if ($script:Backend -eq $Backend) { $script:Backend = $null }
    if (-not $Backend) { return }
    try { $Backend.Writer.Dispose() } catch { Write-Debug "closing the backend's stdin: $_" }
    if (-not $Backend.Process.WaitForExit(3000)) {
        try { $Backend.Process.Kill() } catch { Write-Debug "killing the backend: $_" }
    }
    $Backend.Process.Dispose()
}

function Get-BackendError {
    # Why the backend process ended: its exit code and the end of what it wrote to stderr.
    param($Backend)
    $Backend.Process.WaitForExit(3000) | Out-Null
    $stderr = if ($Backend.Stderr.Wait(1000)) { $Backend.Stderr.Result.Trim() } else { '' }
    $lines = @($stderr -split "`r?`n" | Where-Object { $_ })
    $tail = ($lines | Select-Object -Last 5) -join ' | '
    $code = if ($Backend.Process.HasExited) { $Backend.Process.ExitCode } else { 'unknown' }
    "the backend process ended (exit code $code)" + $(if ($tail) { ": $tail" } else { '' })
}

function Read-BackendMessage {
    # The next message from the backend, or an ErrorRecord. Waits in short slices so that Ctrl+C can stop the caller.
    param($Backend)
    if (-not $Backend.PendingRead) { $Backend.PendingRead = $Backend.Process.StandardOutput.ReadLineAsync() }
    while (-not $Backend.PendingRead.Wait(200)) { }
    $line = $Backend.PendingRead.Result
    $Backend.PendingRead = $null
    if ($null -eq $line) {
        $reason = Get-BackendError $Backend
        if ($script:Backend -eq $Backend) { $script:Backend = $null }
        return New-ContainerImageError -Kind BackendUnavailable -Target 'backend' -Message "The ContainerImage backend stopped: $reason"
    }
    try {
        ConvertFrom-Json -InputObject $line
    } catch {
        $shown = if ($line.Length -gt 200) { $line.Substring(0, 200) + '...' } else { $line }
        New-ContainerImageError -Kind ParseError -Target $shown -Message "The backend sent a message that is not JSON: $shown"
    }
}

function Invoke-Backend {
    <#
    .SYNOPSIS
    Sends one request to the session's backend and returns its result, or its error as an ErrorRecord
    (returned, not thrown).
    .PARAMETER Activity
    When given, the backend's progress notifications are shown with Write-Progress: one record per layer
    under one parent record, all completed when the call ends (however it ends).
    #>
    param(
        [Parameter(Mandatory)] [string] $Method,
        [System.Collections.IDictionary] $Params = @{},
        [string] $Activity
    )
    $backend = Get-ReadyBackend
    if ($backend -is [System.Management.Automation.ErrorRecord]) { return $backend }
    $id = Send-BackendMessage -Backend $backend -Method $Method -Params $Params
    if ($id -is [System.Management.Automation.ErrorRecord]) { return $id }
    Receive-BackendReply -Backend $backend -Id $id -Activity $Activity
}

function Send-BackendMessage {
    # Writes one request; returns its id, or an ErrorRecord when the backend is gone.
    param([Parameter(Mandatory)] [hashtable] $Backend, [Parameter(Mandatory)] [string] $Method, [System.Collections.IDictionary] $Params = @{})
    $id = ++$Backend.NextId
    $request = ConvertTo-Json -Compress -Depth 10 -InputObject ([ordered]@{ jsonrpc = '2.0'; id = $id; method = $Method; params = $Params })
    Write-Verbose "ContainerImage: request $id $Method"
    if (-not $Backend.Process.HasExited) {
        try { $Backend.Writer.WriteLine($request); return $id } catch [System.IO.IOException] { Write-Debug "writing to the backend: $_" }
    }
    New-ContainerImageError -Kind BackendUnavailable -Target 'backend' -Message "The ContainerImage backend stopped: $(Get-BackendError $Backend)"
}

function Receive-BackendReply {
    # Reads until the answer to request $Id: its result, or its error as an ErrorRecord. Progress for it
    # is shown when $Activity is given. If the caller is stopped (Ctrl+C) first, the request is cancelled.
    param([Parameter(Mandatory)] [hashtable] $Backend, [Parameter(Mandatory)] [int] $Id, [string] $Activity)
    $answered = $false
    $progress = [ordered]@{}   # layer id -> Write-Progress record id
    try {
        while ($true) {
            $message = Read-BackendMessage $Backend
            if ($message -is [System.Management.Automation.ErrorRecord]) { return $message }
            if ($message.PSObject.Properties['method']) {
                if ($Activity -and $message.method -eq '$/progress' -and $message.params.request -eq $Id) {
                    Write-LayerProgress -Activity $Activity -Progress $message.params -Records $progress
                }
                continue
            }
            if ($message.id -ne $Id) { continue }   # the answer to a request that was given up (Ctrl+C)
            $answered = $true
            if ($message.PSObject.Properties['error']) { return ConvertFrom-BackendError $message.error }
            return $message.result
        }
    } finally {
        if (-not $answered -and -not $Backend.Process.HasExited) {
            Write-Verbose "ContainerImage: cancelling request $Id"
            try { $Backend.Writer.WriteLine((ConvertTo-Json -Compress -InputObject ([ordered]@{ jsonrpc = '2.0'; method = '$/cancelRequest'; params = @{ id = $Id } }))) }
            catch { Write-Debug "sending the cancel: $_" }
        }
        if ($progress.Count) {
            foreach ($layer in $progress.Keys) { Write-Progress -Id $progress[$layer] -ParentId 1 -Activity "Layer $layer" -Completed }
            Write-Progress -Id 1 -Activity $Activity -Completed
        }
    }
}

function Write-LayerProgress {
    # One progress notification ({id, status, current, total}) as the Write-Progress record of its layer.
    # A notification about something other than a layer (an archive's bytes) names itself in `activity`.
    param([string] $Activity, $Progress, [System.Collections.IDictionary] $Records)
    if (-not $Records.Count) { Write-Progress -Id 1 -Activity $Activity -Status 'Working' }
    $layer = [string]$Progress.id
    if (-not $Records.Contains($layer)) { $Records[$layer] = $Records.Count + 2 }
    $title = if ($Progress.PSObject.Properties['activity'] -and $Progress.activity) { [string]$Progress.activity } else { "Layer $layer" }
    $arguments = @{ Id = $Records[$layer]; ParentId = 1; Activity = $title; Status = [string]$Progress.status }
    if ($Progress.total -gt 0) {
        $arguments.PercentComplete = [math]::Min(100, [int](100 * $Progress.current / $Progress.total))
    }
    Write-Progress @arguments
}
