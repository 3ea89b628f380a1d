# The backend: started when the module is imported, in the background (Process.Start runs on a thread-pool
# thread, so that Import-Module never waits for it, and Python's start-up overlaps with the rest of the
# import and the first command; errors wait for first use), reused by every call, started anew when it has
# died or its environment changed, stopped when the module is removed. One JSON-RPC message per line.
#
# Two transports carry the same messages ($backend.Transport):
#   Stdio      a child process, on its stdin/stdout (this file);
#   InProcess  the same backend hosted in this process through pythonnet (InProcess.ps1).
# A backend always starts as a process: its handshake names the settings' transport and how to host
# Python in-process; when InProcess (or Auto) is wanted and possible, the module switches to it.
#
# Failures here are returned as ErrorRecords, never thrown: in PowerShell every throw under a cmdlet lands
# in the caller's -ErrorVariable and $Error, even when caught, so one failure would show up many times.

$script:Backend = $null
$script:ProtocolVersion = 1

function Resolve-Python {
    # The Python that runs the backend: $env:CONTAINERIMAGE_PYTHON (a path, or a command on PATH), else
    # python3, python, py -3 on PATH.
    # Then the settings file's Python (known from a first backend's handshake).
    $setting = $env:CONTAINERIMAGE_PYTHON
    $settingSource = 'CONTAINERIMAGE_PYTHON'
    if (-not $setting -and $script:SettingsPython) { $setting = $script:SettingsPython; $settingSource = 'the settings file' }
    if ($setting -and ($setting.Contains('/') -or $setting.Contains('\'))) {
        return @{ Path = $setting; Arguments = @(); Source = $settingSource }
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
                return @{ Path = $path; Arguments = $candidate.Arguments; Source = $(if ($setting) { $settingSource } else { 'PATH' }) }
            }
        }
    }
    if ($setting) {
        return New-ContainerImageError -Kind BackendUnavailable -Target $setting `
            -Message "$settingSource names the Python '$setting', which is not a file and not a command on PATH." `
            -RecommendedAction 'Set $env:CONTAINERIMAGE_PYTHON to the path of a Python 3.9 or later that has the docker package.'
    }
    # The built module carries the backend and every package it needs: a Python is all there is to install.
    $install = if ([System.IO.Path]::DirectorySeparatorChar -eq '\') { 'winget install Python.Python.3.12' }
               elseif ([System.IO.File]::Exists('/usr/bin/apt-get')) { 'apt install python3' }
               elseif ([System.IO.File]::Exists('/usr/bin/dnf')) { 'dnf install python3' }
               elseif ([System.IO.File]::Exists('/sbin/apk')) { 'apk add python3' }
               elseif ([System.IO.File]::Exists('/usr/bin/sw_vers')) { 'brew install python3, or python.org' }
               else { 'the python3 package of your system, or python.org' }
    New-ContainerImageError -Kind BackendUnavailable -Target 'python' `
            -Message "ContainerImage needs Python 3.9 or later, and none was found (tried python3, python, py -3 on PATH). Install it: $install." `
            -RecommendedAction "Install Python 3.9 or later ($install), or set `$env:CONTAINERIMAGE_PYTHON to the path of one. The installed module carries every Python package it needs."
}

# What chooses the engine, as the docker CLI reads it: every request carries the session's values (the
# backend chooses the request's engine by them), so `$env:DOCKER_HOST = ...` applies to the next command at
# once, as it does for the docker CLI, without a new backend.
$script:EngineVariables = 'DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH'

# What the backend reads from the environment when it starts. When any of these changes, the next call
# starts a new backend. (DOCKER_CONFIG is here, not above: the config folder holds the logins as well as the
# contexts, and the backend reads them everywhere.)
$script:BackendEnvironment = 'DOCKER_CONFIG', 'CONTAINERIMAGE_PYTHON', 'CONTAINERIMAGE_BACKEND', 'CONTAINERIMAGE_LOG_LEVEL', 'CONTAINERIMAGE_CACHE_DIR',
    'CONTAINERIMAGE_CONFIG', 'CONTAINERIMAGE_TRANSPORT', 'CONTAINERIMAGE_PYTHONNET',
    'PATH'   # where docker's credential helpers (docker-credential-*) are found

function Get-BackendEnvironment {
    # A foreach statement, not ForEach-Object: this runs before every request.
    $values = foreach ($name in $script:BackendEnvironment) { [System.Environment]::GetEnvironmentVariable($name) }
    $values -join [char]0
}

function Start-BackendProcess {
    # Starts a backend process and sends it the handshake without waiting for the answer (so Python's
    # start-up overlaps with whatever PowerShell does next). Returns the backend, or an ErrorRecord.
    # -Background (at import): Process.Start itself (a few hundred milliseconds in a cold PowerShell) runs on
    # a thread-pool thread, and the backend is returned at once, still Starting; Complete-BackendStart
    # finishes it when it is first needed. Where the module's assembly loads, that thread also writes the
    # handshake and starts reading the answers (CSharp/BackendStart.cs), so Python answers it meanwhile.
    param([switch] $Background)
    $python = Resolve-Python
    if ($python -is [System.Management.Automation.ErrorRecord]) { return $python }
    $arguments = [System.Collections.Generic.List[string]]::new()
    foreach ($argument in $python.Arguments) { $arguments.Add($argument) }
    # The built module carries the backend and its dependencies (backend/, THIRD-PARTY.txt): they come first,
    # and the user's site-packages (-s) not at all. A checkout's backend/ comes after the installed packages.
    $bundle = [System.IO.Path]::Combine($script:ModuleRoot, 'backend')
    $bundled = [System.IO.File]::Exists([System.IO.Path]::Combine($bundle, 'THIRD-PARTY.txt'))
    if ($bundled) { $arguments.Add('-s') }
    $arguments.Add([System.IO.Path]::Combine($script:ModuleRoot, 'Private', 'start-backend.py'))
    if ($bundled) {
        $arguments.Add('--bundle'); $arguments.Add($bundle)
    } else {
        $checkout = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($script:ModuleRoot, '../../backend'))
        if ([System.IO.Directory]::Exists([System.IO.Path]::Combine($checkout, 'containerimage'))) { $arguments.Add($checkout) }
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

    # Guarded: Write-Verbose is a cmdlet of Microsoft.PowerShell.Utility, whose first use at import would load
    # that module (a few hundred milliseconds) in a PowerShell that may never need it.
    if ($VerbosePreference -ne 'SilentlyContinue') { Write-Verbose "ContainerImage: starting the backend with $($python.Path) (from $($python.Source))" }
    $backend = @{
        Transport   = 'Stdio'
        Process     = $null
        Starting    = $null   # -Background: the task that runs Process.Start, until Complete-BackendStart
        Python      = $python
        Environment = Get-BackendEnvironment
        Handshake   = $null
        Bundled     = $bundled   # the installed module: it carries the backend and its packages
    }
    if (-not [System.IO.File]::Exists($python.Path)) { return New-BackendStartError $backend 'no such file' }
    if ($Background) {
        $assembly = Find-MessageAssembly
        if ($assembly) {
            try {
                $backend.Starting = $assembly.GetType('ContainerImage.BackendStart')::Begin($info, (Get-EngineEnvironment))
                if ($null -eq $script:JsonMessage) { $script:JsonMessage = $assembly.GetType('ContainerImage.JsonMessage') }
                return $backend
            } catch {
                # Built for a newer .NET than this one: PowerShell's own parser, and the start below.
                $script:MessageAssembly = $script:JsonMessage = $false
            }
        }
        # A delegate bound to $info, run by a Task: .NET only, no PowerShell on the other thread.
        $start = [System.Delegate]::CreateDelegate([System.Func[System.Diagnostics.Process]], $info,
            [System.Diagnostics.Process].GetMethod('Start', [type[]]@([System.Diagnostics.ProcessStartInfo])))
        $backend.Starting = [System.Threading.Tasks.Task[System.Diagnostics.Process]]::new($start)
        $backend.Starting.Start()
        return $backend
    }
    $process = $null
    try { $process = [System.Diagnostics.Process]::Start($info) } catch { return New-BackendStartError $backend $_.Exception.Message }
    Connect-BackendProcess $backend $process
}

function New-BackendStartError {
    param([hashtable] $Backend, [string] $Reason)
    $python = $Backend.Python
    New-ContainerImageError -Kind BackendUnavailable -Target $python.Path `
        -Message "Python at '$($python.Path)' (from $($python.Source)) could not be started: $Reason" `
        -RecommendedAction 'Set $env:CONTAINERIMAGE_PYTHON to the path of a working Python 3.9 or later.'
}

function Connect-BackendProcess {
    # A started backend process: its pipes, and the handshake sent (its answer is read on first use).
    # $Started: what CSharp/BackendStart.cs started, its handshake already written and its output being read.
    param([hashtable] $Backend, [System.Diagnostics.Process] $Process, $Started)
    if ($Started) { $Process = $Started.Process }
    $Backend.Process = $Process
    # Its output read and parsed on a thread of its own where the module's assembly loads (else Read-BackendMessage
    # reads it line by line).
    if ($null -eq $script:JsonMessage) { $script:JsonMessage = Find-MessageParser }
    $Backend.Reader = if ($Started) { $Started.Reader }
                      elseif ($script:JsonMessage) { $script:JsonMessage.Assembly.GetType('ContainerImage.MessageReader')::new($Process.StandardOutput) }
    $Backend.Writer = [System.IO.StreamWriter]::new($Process.StandardInput.BaseStream, [System.Text.UTF8Encoding]::new($false))
    $Backend.Writer.AutoFlush = $true
    # Drained all along, so the backend never blocks on it.
    $Backend.Stderr = if ($Started) { $Started.Stderr } else { $Process.StandardError.ReadToEndAsync() }
    $Backend.PendingRead = $null
    if ($Started) {
        $Backend.NextId = $Started.HandshakeId
        Initialize-BackendMailbox $Backend
        $null = $Backend.Pending.Add($Started.HandshakeId)
        $Backend.HandshakeId = $Started.HandshakeId
    } else {
        $Backend.NextId = 0
        $Backend.HandshakeId = Send-BackendMessage -Backend $Backend -Method handshake
    }
    $Backend
}

function Complete-BackendStart {
    # Waits for a background start (Start-BackendProcess -Background), in short slices so that Ctrl+C can
    # stop the caller. Returns the backend, connected, or an ErrorRecord.
    param([hashtable] $Backend)
    $task = $Backend.Starting
    $Backend.Starting = $null
    # WaitAny, not Wait: it does not throw when the task failed.
    while ([System.Threading.Tasks.Task]::WaitAny([System.Threading.Tasks.Task[]]@($task), 200) -lt 0) { }
    if ($task.IsFaulted) { return New-BackendStartError $Backend $task.Exception.GetBaseException().Message }
    if ($task.Result -is [System.Diagnostics.Process]) { return Connect-BackendProcess $Backend $task.Result }
    Connect-BackendProcess $Backend -Started $task.Result
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
            -RecommendedAction $(if ($Backend.Bundled) { 'This module carries the backend and every package it needs: set $env:CONTAINERIMAGE_PYTHON to a working Python 3.9 or later.' }
                                 else { 'Install the backend into that Python ("python -m pip install containerimage", or its dependencies docker, pyyaml and colorama), or set $env:CONTAINERIMAGE_PYTHON to a Python that has them.' })
    }
    if ($handshake.protocolVersion -ne $script:ProtocolVersion) {
        Stop-Backend -Backend $Backend
        return New-ContainerImageError -Kind BackendUnavailable -Target $python.Path `
            -Message "The ContainerImage backend found by '$($python.Path)' speaks protocol $($handshake.protocolVersion) (version $($handshake.backendVersion)); this module needs protocol $script:ProtocolVersion." `
            -RecommendedAction 'Install the backend that matches this module ("python -m pip install containerimage"), or set $env:CONTAINERIMAGE_BACKEND to the matching backend folder.'
    }
    $Backend.Handshake = $handshake
    if ($VerbosePreference -ne 'SilentlyContinue') { Write-Verbose "ContainerImage: $($handshake.transport) backend $($handshake.backendVersion) from $($handshake.location) (pid $($handshake.pid), Python $($handshake.python) at $($handshake.executable)); engine $($handshake.engine.host) API $($handshake.engine.apiVersion)" }
}

function Get-ReadyBackend {
    # The session's backend, ready for a request: started (or started anew, when it died or the
    # environment it was started with changed) and past its handshake. Else an ErrorRecord.
    $backend = $script:Backend
    if ($backend -and $backend.Starting) {
        # Started in the background at import. A failure to start is reported by starting anew below.
        $backend = Complete-BackendStart $backend
        if ($backend -is [System.Management.Automation.ErrorRecord]) {
            if ($DebugPreference -ne 'SilentlyContinue') { Write-Debug "the backend started at import: $backend" }
            $script:Backend = $backend = $null
        }
    }
    if ($backend) {
        $exited = if ($backend.Transport -eq 'InProcess') { $backend.Closed } else { $backend.Process.HasExited }
        $stale = if ($exited) { Get-BackendError $backend }
                 elseif ($backend.Environment -ne (Get-BackendEnvironment)) { 'the environment changed (DOCKER_CONFIG, CONTAINERIMAGE_*, PATH)' }
        if ($stale) {
            if ($VerbosePreference -ne 'SilentlyContinue') { Write-Verbose "ContainerImage: $stale; starting a new backend" }
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
        $backend = Select-BackendTransport $backend
    }
    $backend
}

function Get-WantedTransport {
    # The transport asked for: $env:CONTAINERIMAGE_TRANSPORT, else the settings file's Transport, else Stdio.
    param($Settings)
    $wanted = @{ Name = $env:CONTAINERIMAGE_TRANSPORT; Source = 'CONTAINERIMAGE_TRANSPORT' }
    if (-not $wanted.Name -and $Settings -and $Settings.transport) { $wanted = @{ Name = [string]$Settings.transport; Source = "the settings file $($Settings.path)" } }
    if (-not $wanted.Name) { return @{ Name = 'Stdio'; Source = 'the default' } }
    foreach ($name in 'Stdio', 'InProcess', 'Auto') { if ($wanted.Name -eq $name) { return @{ Name = $name; Source = $wanted.Source } } }
    Write-WarningOnce "ContainerImage: $($wanted.Source) asks for the transport '$($wanted.Name)'; it must be Stdio, InProcess or Auto. Using Stdio."
    @{ Name = 'Stdio'; Source = 'the default' }
}

function Write-WarningOnce {
    # A warning about the set-up is said once per session, not at every command.
    param([string] $Message)
    if (-not $script:WarningsGiven) { $script:WarningsGiven = [System.Collections.Generic.HashSet[string]]::new() }
    if ($script:WarningsGiven.Add($Message)) { Write-Warning $Message }
}

function Select-BackendTransport {
    # After a process backend's handshake: restart it with the settings file's Python when that names
    # another one, and move to the in-process transport when that is asked for and possible.
    # Returns the backend to use (the process, or the in-process one), or an ErrorRecord.
    # Short, its rare branches in functions of their own: every session's first command runs it, and a
    # function's first call compiles its whole body, run or not (measured: 52-63 ms to enter it at 50 lines).
    param([hashtable] $Backend)
    $settings = if ($Backend.Handshake.PSObject.Properties['settings']) { $Backend.Handshake.settings }
    if ($settings -and $settings.problem) {
        Write-WarningOnce "ContainerImage: $($settings.problem.message) The defaults are used until it is fixed."
    }
    $named = if ($settings -and $settings.python) { [string]$settings.python } else { $null }
    if (-not $env:CONTAINERIMAGE_PYTHON -and $named -ne $script:SettingsPython) {
        $restarted = Restart-BackendForSettings $Backend $named
        if ($restarted) { return $restarted }
    }
    $wanted = Get-WantedTransport $settings
    if ($wanted.Name -eq 'Stdio') { return $Backend }
    Select-InProcessBackend $Backend $wanted
}

function Restart-BackendForSettings {
    # The settings file names another Python than the one this backend was started with (or no longer names
    # one): restart with it (the new backend, or an ErrorRecord), unless it cannot be found (then say so
    # once, and keep this one, so that Set-ContainerImageSetting can still mend the file: $null).
    param([hashtable] $Backend, $Named)
    $script:SettingsPython = $Named
    $python = Resolve-Python
    $missing = if ($python -is [System.Management.Automation.ErrorRecord]) { $python.Exception.Message }
               elseif (-not [System.IO.File]::Exists($python.Path)) { "the settings file names the Python '$($python.Path)', which is not a file." }
    if ($missing) {
        Write-WarningOnce "ContainerImage: $missing Using '$($Backend.Python.Path)' instead."
        $script:SettingsPython = $null
    } elseif ($python.Path -ne $Backend.Python.Path) {
        if ($VerbosePreference -ne 'SilentlyContinue') { Write-Verbose "ContainerImage: starting the backend with the Python at $($python.Path) (from $($python.Source))" }
        Stop-Backend -Backend $Backend
        return Get-ReadyBackend
    }
}

function Select-InProcessBackend {
    # The in-process backend that $Wanted asks for, in place of the process $Backend; the process backend
    # itself, with the reason said once, when it cannot start.
    param([hashtable] $Backend, [hashtable] $Wanted)
    $inProcess = Start-InProcessBackend -ProcessBackend $Backend
    if ($inProcess -is [hashtable]) {
        $failure = Complete-BackendHandshake -Backend $inProcess
        if ($failure) { $inProcess = $failure.Exception.Message }
        elseif ($inProcess.Handshake.location -ne $Backend.Handshake.location) {
            # Python imports a package once per process: another copy of the module loaded it first.
            Stop-Backend -Backend $inProcess
            $inProcess = "this PowerShell process already hosts the backend from '$($inProcess.Handshake.location)', not this module's '$($Backend.Handshake.location)'"
        }
    }
    if ($inProcess -is [string]) {
        $message = "ContainerImage: the in-process transport (asked for by $($Wanted.Source)) cannot start: $inProcess. Using the stdio backend."
        if ($Wanted.Name -eq 'InProcess') { Write-WarningOnce $message } else { Write-Verbose $message }
        return $Backend
    }
    if ($VerbosePreference -ne 'SilentlyContinue') { Write-Verbose "ContainerImage: using the in-process transport (asked for by $($Wanted.Source))" }
    Stop-Backend -Backend $Backend
    $script:Backend = $inProcess
    $inProcess
}

function Stop-Backend {
    # Closing stdin ends the backend's read loop; it is killed if it does not exit promptly.
    param([hashtable] $Backend = $script:Backend)
    if ($script:Backend -eq $Backend) { $script:Backend = $null }
    if (-not $Backend) { return }
    if ($Backend.Transport -eq 'InProcess') { Stop-InProcessBackend $Backend; return }
    if ($Backend.Starting) {
        $Backend = Complete-BackendStart $Backend
        if ($Backend -is [System.Management.Automation.ErrorRecord]) { return }   # never started: nothing to stop
    }
    # The pipe itself, not the writer: disposing the writer flushes what a failed write left in it, and
    # throws (broken pipe) into the calling cmdlet's -ErrorVariable when the backend has died. The pipe does
    # not buffer, and the writer flushes every line (AutoFlush), so nothing that could still be read is lost.
    $Backend.Writer.BaseStream.Dispose()
    if (-not $Backend.Process.WaitForExit(3000)) {
        try { $Backend.Process.Kill() } catch { Write-Debug "killing the backend: $_" }
    }
    $Backend.Process.Dispose()
}

function Get-BackendError {
    # Why the backend process ended: its exit code and the end of what it wrote to stderr.
    param($Backend)
    if ($Backend.Transport -eq 'InProcess') {
        $tail = Get-InProcessLog $Backend
        return "the in-process backend was closed" + $(if ($tail) { ": $tail" } else { '' })
    }
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
    $message = $null
    $line = $null
    if ($Backend.Reader) {
        # Stdio, read and parsed on a thread of its own (CSharp/MessageReader.cs).
        while (-not $Backend.Reader.TryTake(200, [ref]$message)) { }
        if ($message -is [ContainerImage.UnreadableMessage]) { $line = $message.Line; $message = $null }
        elseif ($null -ne $message) { return $message }
    } else {
        if ($Backend.Transport -eq 'InProcess') {
            while (-not $Backend.Inbox.Count -and -not $Backend.Closed) { Invoke-InProcessExchange $Backend $null 200 }
            $line = if ($Backend.Inbox.Count) { $Backend.Inbox.Dequeue() } else { $null }
        } else {
            if (-not $Backend.PendingRead) { $Backend.PendingRead = $Backend.Process.StandardOutput.ReadLineAsync() }
            while (-not $Backend.PendingRead.Wait(200)) { }
            $line = $Backend.PendingRead.Result
            $Backend.PendingRead = $null
        }
        if ($null -ne $line) {
            $message = ConvertFrom-BackendMessage $line
            if ($null -ne $message) { return $message }
        }
    }
    if ($null -eq $line) {
        $stopped = New-BackendStoppedError $Backend
        if ($script:Backend -eq $Backend) { $script:Backend = $null }
        return $stopped
    }
    $shown = if ($line.Length -gt 200) { $line.Substring(0, 200) + '...' } else { $line }
    New-ContainerImageError -Kind ParseError -Target $shown -Message "The backend sent a message that is not JSON: $shown"
}

function ConvertFrom-BackendMessage {
    # One line of JSON as objects, or $null when it is not JSON.
    param([string] $Line)
    $message = $null
    $failure = $null
    if ($null -eq $script:JsonMessage) { $script:JsonMessage = Find-MessageParser }
    if ($script:JsonMessage) {
        # The module's own parser (CSharp/JsonMessage.cs): the same objects, two to three times faster.
        $message = $script:JsonMessage::Parse($Line, [ref]$failure)
    } else {
        if ($null -eq $script:JsonObject) { $script:JsonObject = Find-JsonParser }
        if ($script:JsonObject) {
            # ConvertFrom-Json's own parser, called directly: the cmdlet costs ~100 us more per message. It refuses
            # a whole line for one object whose names a PSCustomObject cannot hold (labels Version and version, or
            # psobject): read as hashtables, that object stays one, as the module's parser makes it. A reserved
            # name would throw (an exception lands in $Error and the caller's -ErrorVariable, caught or not): such
            # a line goes that way at once.
            if ($Line -notmatch $script:ReservedNamePattern) {
                try { $message = $script:JsonObject::ConvertFromJson($Line, [ref]$failure) } catch { $failure = $_ }
            }
            if ($null -ne $failure -or $null -eq $message) {
                $message = ConvertFrom-MessageHashtable $Line
                $failure = if ($null -eq $message) { 'not JSON' }
            }
        } else {
            try { $message = ConvertFrom-Json -InputObject $Line } catch { $failure = $_ }
        }
    }
    if ($null -eq $failure) { $message }
}

function ConvertFrom-MessageHashtable {
    # One line of JSON read as ConvertFrom-Json -AsHashtable reads it, then every object made a PSCustomObject
    # except those whose names one cannot hold (differing only in case, or reserved: psobject...), which
    # stay ordered case-sensitive dictionaries, as CSharp/JsonMessage.cs makes them. $null when it is not JSON.
    param([string] $Line)
    $failure = $null
    $value = try { $script:JsonObject::ConvertFromJson($Line, $true, $null, [ref]$failure) } catch { $null }
    if ($null -ne $failure -or $null -eq $value) { return $null }
    , (ConvertTo-MessageValue $value)
}

# The member names every PSObject has, which no PSCustomObject property may take (CSharp/JsonMessage.cs's
# IsReserved holds the same list), and a JSON object name that is one of them.
$script:ReservedNames = 'psobject', 'psbase', 'pstypenames', 'psadapted', 'psextended'
$script:ReservedNamePattern = '(?i)"(' + ($script:ReservedNames -join '|') + ')"\s*:'

function ConvertTo-MessageValue {
    param($Value)
    if ($Value -is [System.Collections.IDictionary]) {
        $names = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
        $plain = $true
        foreach ($key in $Value.Keys) { if (-not $names.Add($key) -or $key -in $script:ReservedNames) { $plain = $false } }
        if ($plain) {
            $object = [pscustomobject]@{}
            foreach ($key in $Value.Keys) { $object.PSObject.Properties.Add([psnoteproperty]::new($key, (ConvertTo-MessageValue $Value[$key]))) }
            return $object
        }
        $map = [System.Collections.Specialized.OrderedDictionary]::new([System.StringComparer]::Ordinal)
        foreach ($key in $Value.Keys) { $map.Add($key, (ConvertTo-MessageValue $Value[$key])) }
        return , $map
    }
    if ($Value -is [System.Collections.IList]) { return , [object[]]@(foreach ($item in $Value) { , (ConvertTo-MessageValue $item) }) }
    $Value
}

function Find-MessageAssembly {
    # The module's lib/ContainerImage.Messages.dll (built from CSharp/ by build.ps1), loaded once; $false, for
    # good, where it is missing or cannot load (Windows PowerShell 5.1).
    if ($null -ne $script:MessageAssembly) { return $script:MessageAssembly }
    $script:MessageAssembly = $false
    $type = 'ContainerImage.JsonMessage' -as [type]   # loaded by another copy of the module
    if ($type) { return ($script:MessageAssembly = $type.Assembly) }
    $path = [System.IO.Path]::Combine($script:ModuleRoot, 'lib', 'ContainerImage.Messages.dll')
    if (-not [System.IO.File]::Exists($path)) { return $false }
    try { $script:MessageAssembly = [System.Reflection.Assembly]::LoadFrom($path) }
    catch { if ($DebugPreference -ne 'SilentlyContinue') { Write-Debug "ContainerImage: $path could not be loaded: $($_.Exception.Message)" } }
    $script:MessageAssembly
}
$script:MessageAssembly = $null

function Find-MessageParser {
    # ContainerImage.JsonMessage, the module's parser, or $false where its assembly is missing or cannot
    # run (a .NET older than the one it was built for may load it and fail at first use: one parse tells):
    # then PowerShell's own parser is used.
    $assembly = Find-MessageAssembly
    if (-not $assembly) { return $false }
    try {
        $type = $assembly.GetType('ContainerImage.JsonMessage')
        $failure = $null
        if ($null -ne $type::Parse('{"probe":1}', [ref]$failure)) { return $type }
    } catch {
        if ($DebugPreference -ne 'SilentlyContinue') { Write-Debug "ContainerImage: the module's parser cannot run here: $($_.Exception.Message)" }
    }
    $false
}
$script:JsonMessage = $null

function Find-JsonParser {
    # PowerShell 7's JSON parser (Microsoft.PowerShell.Commands.JsonObject) once its assembly is loaded
    # (the first ConvertFrom-Json loads it): $null until then; $false where there is none (5.1), for good.
    $type = 'Microsoft.PowerShell.Commands.JsonObject' -as [type]
    if ($type) {
        if ($type.GetMethod('ConvertFromJson', [type[]]@([string], [System.Management.Automation.ErrorRecord].MakeByRefType()))) { return $type }
        return $false
    }
    if ($PSVersionTable.PSVersion.Major -lt 6) { return $false }
    $null
}
$script:JsonObject = $null

function Invoke-Backend {
    <#
    .SYNOPSIS
    Sends one request to the session's backend and returns its result, or its error as an ErrorRecord
    (returned, not thrown).
    .PARAMETER Activity
    When given, the backend's progress notifications are shown with Write-Progress: one record per layer
    under one parent record, all completed when the call ends (however it ends).
    .PARAMETER Engine
    The engine the request is for (a docker context name, an address, or 'default'); without it, the one
    the environment names (DOCKER_HOST, DOCKER_CONTEXT, the Engine setting, docker's current context).
    #>
    # Plain functions on this path, not advanced ones ([Parameter()]): the cmdlet parameter binder costs
    # several hundred microseconds per call, more than the transport itself.
    param([string] $Method, [System.Collections.IDictionary] $Params = @{}, [string] $Activity, [string] $Engine)
    $backend = Get-ReadyBackend
    if ($backend -is [System.Management.Automation.ErrorRecord]) { return $backend }
    $first = $backend.NextId + 1
    $done = $false
    try {
        $id = Send-BackendMessage -Backend $backend -Method $Method -Params $Params -Engine $Engine
        if ($id -is [System.Management.Automation.ErrorRecord]) { return $id }
        Receive-BackendReply -Backend $backend -Id $id -Activity $Activity
        $done = $true
    } finally {
        if (-not $done) { Stop-OrphanedRequest $backend $first }
    }
}

function Stop-OrphanedRequest {
    # Cancels the requests from id $First on that were handed to the backend but that no reader waits for:
    # a stop (Ctrl+C) that comes between a send and its Receive-BackendReply, which cancels what it waits
    # for. In-process, handing a request over also waits up to 200 ms for its first message, so a Ctrl+C
    # often lands there, and the work went on to its end with nobody to stop it.
    param([hashtable] $Backend, [int] $First)
    if ($null -eq $Backend.Pending -or (Test-BackendExited $Backend)) { return }
    foreach ($orphan in @($Backend.Pending | Where-Object { $_ -ge $First })) {
        $null = $Backend.Pending.Remove($orphan)
        $null = $Backend.Mailbox.Remove($orphan)
        Send-BackendCancel $Backend $orphan
    }
}

function Send-BackendCancel {
    param([hashtable] $Backend, [int] $Id)
    if ($VerbosePreference -ne 'SilentlyContinue') { Write-Verbose "ContainerImage: cancelling request $Id" }
    $null = Write-BackendLine $Backend (ConvertTo-BackendJson ([ordered]@{ jsonrpc = '2.0'; method = '$/cancelRequest'; params = @{ id = $Id } }))
}

function Get-EngineEnvironment {
    # The session's engine variables, sent with every request: one left out is unset.
    $environment = @{}
    foreach ($name in $script:EngineVariables) {
        $value = [System.Environment]::GetEnvironmentVariable($name)
        if ($value) { $environment[$name] = $value }
    }
    $environment
}

function Send-BackendMessage {
    # Writes one request; returns its id, or an ErrorRecord when the backend is gone. In-process, the hand-over
    # waits up to WaitMs for the first message back (0 when more requests follow at once: Invoke-BackendEach).
    param([hashtable] $Backend, [string] $Method, [System.Collections.IDictionary] $Params = @{}, [string] $Engine,
        [int] $WaitMs = 200)
    $request = New-BackendRequest $Backend $Method $Params $Engine
    if (Write-BackendLine $Backend $request.Line -WaitMs $WaitMs) { return $request.Id }
    New-BackendStoppedError $Backend
}

function New-BackendRequest {
    # One request, awaited from now on: @{ Id; Line }, the line to write (Send-BackendMessage, Invoke-BackendEach).
    param([hashtable] $Backend, [string] $Method, [System.Collections.IDictionary] $Params = @{}, [string] $Engine)
    $id = ++$Backend.NextId
    if ($null -eq $Backend.Pending) { Initialize-BackendMailbox $Backend }
    $null = $Backend.Pending.Add($id)
    $message = [ordered]@{ jsonrpc = '2.0'; id = $id; method = $Method; params = $Params }
    if ($Engine) { $message.engine = $Engine }
    $message.environment = Get-EngineEnvironment
    if ($VerbosePreference -ne 'SilentlyContinue') { Write-Verbose "ContainerImage: request $id $Method$(if ($Engine) { " on engine $Engine" })" }
    @{ Id = $id; Line = ConvertTo-BackendJson $message }
}

function New-BackendStoppedError {
    # A backend that ended (its stdin or stdout closed): BackendUnavailable, with why (Get-BackendError).
    param([hashtable] $Backend)
    New-ContainerImageError -Kind BackendUnavailable -Target 'backend' -Message "The ContainerImage backend stopped: $(Get-BackendError $Backend)"
}

function ConvertTo-BackendJson {
    # A message as one line of JSON. System.Text.Json where there is one (not in Windows PowerShell 5.1):
    # ConvertTo-Json costs several times more per call. System.Text.Json would write a PSObject's own
    # members, so values are unwrapped to plain ones first.
    param($Value)
    # The module's writer (CSharp/JsonMessage.cs) once it is loaded (Connect-BackendProcess loads it, before
    # the handshake): the same text, without System.Text.Json's reflection warming up on the first request.
    if ($script:JsonMessage) { return $script:JsonMessage::Write($Value) }
    if ($script:JsonSerializer) { return $script:JsonSerializer::Serialize((ConvertTo-PlainValue $Value), [object]) }
    ConvertTo-Json -Compress -Depth 10 -InputObject $Value
}
$script:JsonSerializer = 'System.Text.Json.JsonSerializer' -as [type]

function ConvertTo-PlainValue {
    param($Value)
    if ($Value -is [System.Management.Automation.PSObject]) {
        if ($Value.PSObject.BaseObject -is [System.Management.Automation.PSCustomObject]) {
            # [pscustomobject]@{...}: its properties, as ConvertTo-Json writes them.
            $plain = [System.Collections.Generic.Dictionary[string, object]]::new()
            foreach ($property in $Value.PSObject.Properties) { $plain[$property.Name] = ConvertTo-PlainValue $property.Value }
            return , $plain
        }
        $Value = $Value.PSObject.BaseObject
    }
    if ($Value -is [System.Collections.IDictionary]) {
        $plain = [System.Collections.Generic.Dictionary[string, object]]::new()
        # get_Keys(): .Keys would be the value of an entry named 'keys'.
        foreach ($key in @($Value.get_Keys())) {
            $item = $Value[$key]
            # Plain strings, numbers and $null as they are (most values): no call per value.
            $plain[[string]$key] = if ($null -eq $item -or ($item -isnot [psobject] -and ($item -is [string] -or $item -is [int] -or $item -is [long]))) { $item } else { ConvertTo-PlainValue $item }
        }
        return , $plain
    }
    if ($Value -is [System.Collections.IList]) {
        $plain = [object[]]::new($Value.Count)
        for ($i = 0; $i -lt $Value.Count; $i++) { $plain[$i] = ConvertTo-PlainValue $Value[$i] }
        return , $plain
    }
    if ($Value -is [System.Management.Automation.SwitchParameter]) { return $Value.IsPresent }
    $Value
}

function Write-BackendLine {
    # Hands one message line to the backend: $true, or $false when the backend is gone. In-process, the same
    # call waits up to WaitMs for the first message back (queued for Read-BackendMessage): one call, not two.
    param([hashtable] $Backend, [string] $Line, [int] $WaitMs = 0)
    if ($Backend.Transport -eq 'InProcess') {
        if ($Backend.Closed) { return $false }
        try { Invoke-InProcessExchange $Backend $Line $WaitMs; return $true }
        catch { Write-Debug "handing a message to the in-process backend: $_"; return $false }
    }
    if ($Backend.Process.HasExited) { return $false }
    # A backend that has just died makes the write fail (broken pipe), and an exception thrown here, even one
    # caught, would land in the calling cmdlet's -ErrorVariable and $Error as a raw IOException beside the
    # module's own error: the module's writer gives the failure back (CSharp/BackendStart.cs), else a task
    # whose failure is looked at rather than thrown.
    if ($script:MessageAssembly) {
        $failure = $null
        if ([ContainerImage.BackendStart]::TryWriteLine($Backend.Writer.BaseStream, $Line, [ref]$failure)) { return $true }
        if ($DebugPreference -ne 'SilentlyContinue') { Write-Debug "writing to the backend: $failure" }
        return $false
    }
    $write = $Backend.Writer.WriteLineAsync($Line)
    [System.Threading.Tasks.Task]::WhenAny($write).Wait()   # WhenAny's task never fails
    if (-not $write.IsFaulted) { return $true }
    if ($DebugPreference -ne 'SilentlyContinue') { Write-Debug "writing to the backend: $($write.Exception.InnerException.Message)" }
    $false
}

function Test-BackendExited {
    param([hashtable] $Backend)
    if ($Backend.Transport -eq 'InProcess') { return $Backend.Closed }
    $Backend.Process.HasExited
}

function Receive-BackendReply {
    # Reads until the answer to request $Id: its result, or its error as an ErrorRecord. Progress for it
    # is shown when $Activity is given. If the caller is stopped (Ctrl+C) first, the request is cancelled.
    # With several ids (one request per engine, Private/Engines.ps1), or -Stream: each answer is output as
    # it comes, as [pscustomobject]@{ Index (of its id in $Id); Result (or ErrorRecord) }, and progress
    # has one parent record per request ("$Activity on <its Title>"), its layers under it; a stop cancels
    # every request not yet answered. A backend that dies is one answer with Index -1.
    param([hashtable] $Backend, [int[]] $Id, [string] $Activity, [string[]] $Title, [switch] $Stream)
    # Several readers may wait at once: a cmdlet downstream of one whose answers are still streaming sends
    # requests of its own. An answer read by a reader it is not for, for a request still awaited
    # ($Backend.Pending), is kept in $Backend.Mailbox for its reader; answers to requests given up are dropped.
    $Stream = $Stream -or $Id.Count -ne 1
    if ($null -eq $Backend.Pending) { Initialize-BackendMailbox $Backend }
    $waiting = [System.Collections.Generic.Dictionary[int, int]]::new()   # request id -> its index in $Id
    for ($index = 0; $index -lt $Id.Count; $index++) { $waiting[$Id[$index]] = $index }
    $progress = @{}   # index -> [ordered] layer id -> Write-Progress record id
    $records = @{ Last = 0 }   # the last Write-Progress record id given out
    try {
        while ($waiting.Count) {
            $message = $null
            if ($Backend.Mailbox.Count) {
                foreach ($waited in $waiting.Keys) {
                    if ($Backend.Mailbox.ContainsKey($waited)) { $message = $Backend.Mailbox[$waited]; $null = $Backend.Mailbox.Remove($waited); break }
                }
            }
            if ($null -eq $message) { $message = Read-BackendMessage $Backend }
            if ($message -is [System.Management.Automation.ErrorRecord]) {
                $waiting.Clear()
                if (-not $Stream) { return $message }
                [pscustomobject]@{ Index = -1; Result = $message }
                return
            }
            if ($message.PSObject.Properties['method']) {
                if ($Activity -and $message.method -eq '$/progress' -and $waiting.ContainsKey([int]$message.params.request)) {
                    $index = $waiting[[int]$message.params.request]
                    if (-not $progress.ContainsKey($index)) { $progress[$index] = [ordered]@{} }
                    $shown = if ($Title -and $Title[$index]) { "$Activity on $($Title[$index])" } else { $Activity }
                    Write-LayerProgress -Activity $shown -Progress $message.params -Records $progress[$index] -Counter $records
                }
                continue
            }
            if ($message.id -isnot [int] -and $message.id -isnot [long]) { continue }
            if (-not $waiting.ContainsKey([int]$message.id)) {
                # Another reader's answer (kept for it), or the answer to a request given up (Ctrl+C).
                if ($Backend.Pending.Contains([int]$message.id)) { $Backend.Mailbox[[int]$message.id] = $message }
                continue
            }
            $index = $waiting[[int]$message.id]
            $null = $waiting.Remove([int]$message.id)
            $null = $Backend.Pending.Remove([int]$message.id)
            Complete-LayerProgress $progress[$index]
            $result = if ($message.PSObject.Properties['error']) { ConvertFrom-BackendError $message.error } else { $message.result }
            if (-not $Stream) { return $result }
            [pscustomobject]@{ Index = $index; Result = $result }
        }
    } finally {
        foreach ($unanswered in @($waiting.Keys)) { $null = $Backend.Pending.Remove($unanswered); $null = $Backend.Mailbox.Remove($unanswered) }
        if ($waiting.Count -and -not (Test-BackendExited $Backend)) {
            foreach ($unanswered in @($waiting.Keys)) { Send-BackendCancel $Backend $unanswered }
        }
        foreach ($records in $progress.Values) { Complete-LayerProgress $records }
    }
}

function Initialize-BackendMailbox {
    # The requests sent and not yet answered, and the answers read by a reader they were not for.
    param([hashtable] $Backend)
    $Backend.Pending = [System.Collections.Generic.HashSet[int]]::new()
    $Backend.Mailbox = [System.Collections.Generic.Dictionary[int, object]]::new()
}

function Complete-LayerProgress {
    # Completes the Write-Progress records of one request: its layers, then its parent.
    param([System.Collections.IDictionary] $Records)
    if (-not $Records -or -not $Records.Count) { return }
    $parent = $Records['<parent>']
    foreach ($layer in @($Records.Keys)) {
        if ($layer -ne '<parent>') { Write-Progress -Id $Records[$layer] -ParentId $parent.Id -Activity "Layer $layer" -Completed }
    }
    Write-Progress -Id $parent.Id -Activity $parent.Activity -Completed
    $Records.Clear()
}

function Write-LayerProgress {
    # One progress notification ({id, status, current, total}) as the Write-Progress record of its layer,
    # under the parent record of its request (made at its first notification). Record ids come from
    # $Counter.Last, so that the records of several requests shown at once never share one.
    # A notification about something other than a layer (an archive's bytes) names itself in `activity`.
    param([string] $Activity, $Progress, [System.Collections.IDictionary] $Records, [hashtable] $Counter)
    if (-not $Records.Count) {
        $Records['<parent>'] = @{ Id = ++$Counter.Last; Activity = $Activity }
        Write-Progress -Id $Records['<parent>'].Id -Activity $Activity -Status 'Working'
    }
    $layer = [string]$Progress.id
    if (-not $Records.Contains($layer)) { $Records[$layer] = ++$Counter.Last }
    $title = if ($Progress.PSObject.Properties['activity'] -and $Progress.activity) { [string]$Progress.activity } else { "Layer $layer" }
    $arguments = @{ Id = $Records[$layer]; ParentId = $Records['<parent>'].Id; Activity = $title; Status = [string]$Progress.status }
    if ($Progress.total -gt 0) {
        $arguments.PercentComplete = [math]::Min(100, [int](100 * $Progress.current / $Progress.total))
    }
    Write-Progress @arguments
}
