# The backend process: found, started once per session on first use, reused by every call, restarted
# when it has died, stopped when the module is removed. One JSON-RPC message per line on its stdin/stdout.
#
# Failures here are returned as ErrorRecords, never thrown: in PowerShell every throw under a cmdlet lands
# in the caller's -ErrorVariable and $Error, even when caught, so one failure would show up many times.

$script:Backend = $null
$script:ProtocolVersion = 1

function Resolve-Python {
    # The Python that runs the backend: $env:CONTAINERIMAGE_PYTHON, then python3, python, py -3 on PATH.
    if ($env:CONTAINERIMAGE_PYTHON) {
        return @{ Path = $env:CONTAINERIMAGE_PYTHON; Arguments = @(); Source = 'CONTAINERIMAGE_PYTHON' }
    }
    foreach ($candidate in @(@('python3'), @('python'), @('py', '-3'))) {
        $command = Get-Command -Name $candidate[0] -CommandType Application -ErrorAction Ignore | Select-Object -First 1
        if ($command) {
            return @{ Path = $command.Source; Arguments = @($candidate | Select-Object -Skip 1); Source = 'PATH' }
        }
    }
    New-ContainerImageError -Kind BackendUnavailable -Target 'python' `
            -Message 'ContainerImage needs Python 3.9 or later, and none was found (tried python3, python, py -3).' `
            -RecommendedAction 'Install Python 3 and run "python -m pip install containerimage", or set $env:CONTAINERIMAGE_PYTHON to the path of a Python that has the docker package.'
}

function Start-Backend {
    # Starts the backend and checks its handshake: $null when it is ready, else an ErrorRecord.
    $python = Resolve-Python
    if ($python -is [System.Management.Automation.ErrorRecord]) { return $python }
    $launcher = Join-Path $PSScriptRoot 'start-backend.py'
    $backendDirs = @(
        (Join-Path $script:ModuleRoot 'backend'),              # the built module's bundled copy
        (Join-Path $script:ModuleRoot '../../backend')          # the source checkout
    ) | Where-Object { Test-Path (Join-Path $_ 'containerimage') } | ForEach-Object { (Resolve-Path $_).ProviderPath }
    $arguments = @($python.Arguments) + @($launcher) + @($backendDirs)

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
    $process = $null
    if (Test-Path -LiteralPath $python.Path -PathType Leaf) {
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
        Handshake   = $null
    }
    $backend.Writer.AutoFlush = $true
    $script:Backend = $backend

    $handshake = Send-BackendRequest -Backend $backend -Method handshake
    if ($handshake -is [System.Management.Automation.ErrorRecord]) {
        Stop-Backend -Backend $backend
        return New-ContainerImageError -Kind BackendUnavailable -Target $python.Path `
            -Message "Python at '$($python.Path)' (from $($python.Source)) could not run the ContainerImage backend: $($handshake.Exception.Message)" `
            -RecommendedAction 'Install the backend into that Python ("python -m pip install containerimage", or its dependencies docker, pyyaml and colorama), or set $env:CONTAINERIMAGE_PYTHON to a Python that has them.'
    }
    if ($handshake.protocolVersion -ne $script:ProtocolVersion) {
        Stop-Backend -Backend $backend
        return New-ContainerImageError -Kind BackendUnavailable -Target $python.Path `
            -Message "The ContainerImage backend found by '$($python.Path)' speaks protocol $($handshake.protocolVersion) (version $($handshake.backendVersion)); this module needs protocol $script:ProtocolVersion." `
            -RecommendedAction 'Install the backend that matches this module ("python -m pip install containerimage"), or set $env:CONTAINERIMAGE_BACKEND to the matching backend folder.'
    }
    $backend.Handshake = $handshake
    Write-Verbose "ContainerImage: backend $($handshake.backendVersion) (pid $($handshake.pid), Python $($handshake.python)); engine $($handshake.engine.host) API $($handshake.engine.apiVersion)"
}

function Stop-Backend {
    # Closing stdin ends the backend's read loop; it is killed if it does not exit promptly.
    param([hashtable] $Backend = $script:Backend)
    if ($script:Backend -eq $Backend) { $script:Backend = $null }
    if (-not $Backend) { return }
    $backend = $Backend
    try { $backend.Writer.Dispose() } catch { Write-Debug "closing the backend's stdin: $_" }
    if (-not $backend.Process.WaitForExit(3000)) {
        try { $backend.Process.Kill() } catch { Write-Debug "killing the backend: $_" }
    }
    $backend.Process.Dispose()
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
    Sends one request to the backend (started, or restarted if it died, as needed) and returns its
    result, or its error as an ErrorRecord (returned, not thrown).
    #>
    param(
        [Parameter(Mandatory)] [string] $Method,
        [System.Collections.IDictionary] $Params = @{},
        [string] $Activity
    )
    if ($script:Backend -and $script:Backend.Process.HasExited) {
        Write-Verbose "ContainerImage: $(Get-BackendError $script:Backend); starting a new one"
        $script:Backend = $null
    }
    if (-not $script:Backend) {
        $failure = Start-Backend
        if ($failure) { return $failure }
    }
    Send-BackendRequest -Backend $script:Backend -Method $Method -Params $Params -Activity $Activity
}

function Send-BackendRequest {
    <#
    .SYNOPSIS
    One request to this backend process and its answer: the result, or the error as an ErrorRecord.
    .PARAMETER Activity
    When given, the backend's progress notifications are shown with Write-Progress: one record per layer
    under one parent record, all completed when the call ends (however it ends).
    #>
    param(
        [Parameter(Mandatory)] [hashtable] $Backend,
        [Parameter(Mandatory)] [string] $Method,
        [System.Collections.IDictionary] $Params = @{},
        [string] $Activity
    )
    $backend = $Backend
    $id = ++$backend.NextId
    $request = ConvertTo-Json -Compress -Depth 10 -InputObject ([ordered]@{ jsonrpc = '2.0'; id = $id; method = $Method; params = $Params })
    Write-Verbose "ContainerImage: request $id $Method"
    $sent = $false
    if (-not $backend.Process.HasExited) {
        try { $backend.Writer.WriteLine($request); $sent = $true } catch [System.IO.IOException] { Write-Debug "writing to the backend: $_" }
    }
    if (-not $sent) {
        return New-ContainerImageError -Kind BackendUnavailable -Target 'backend' -Message "The ContainerImage backend stopped: $(Get-BackendError $backend)"
    }

    $answered = $false
    $progress = [ordered]@{}   # layer id -> Write-Progress record id
    try {
        while ($true) {
            $message = Read-BackendMessage $backend
            if ($message -is [System.Management.Automation.ErrorRecord]) { return $message }
            if ($message.PSObject.Properties['method']) {
                if ($Activity -and $message.method -eq '$/progress' -and $message.params.request -eq $id) {
                    Write-LayerProgress -Activity $Activity -Progress $message.params -Records $progress
                }
                continue
            }
            if ($message.id -ne $id) { continue }   # the answer to a request that was given up (Ctrl+C)
            $answered = $true
            if ($message.PSObject.Properties['error']) { return ConvertFrom-BackendError $message.error }
            return $message.result
        }
    } finally {
        if (-not $answered -and -not $backend.Process.HasExited) {
            Write-Verbose "ContainerImage: cancelling request $id"
            try { $backend.Writer.WriteLine((ConvertTo-Json -Compress -InputObject ([ordered]@{ jsonrpc = '2.0'; method = '$/cancelRequest'; params = @{ id = $id } }))) }
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
    param([string] $Activity, $Progress, [System.Collections.IDictionary] $Records)
    if (-not $Records.Count) { Write-Progress -Id 1 -Activity $Activity -Status 'Working' }
    $layer = [string]$Progress.id
    if (-not $Records.Contains($layer)) { $Records[$layer] = $Records.Count + 2 }
    $arguments = @{ Id = $Records[$layer]; ParentId = 1; Activity = "Layer $layer"; Status = [string]$Progress.status }
    if ($Progress.total -gt 0) {
        $arguments.PercentComplete = [math]::Min(100, [int](100 * $Progress.current / $Progress.total))
    }
    Write-Progress @arguments
}
