# The in-process transport: the same backend hosted inside this PowerShell process through pythonnet's
# Python.Runtime.dll and a shared libpython, instead of a child process. Same messages, same dispatch
# (backend/containerimage/inprocess.py): a function call instead of a pipe.
#
# What it needs comes from the stdio backend's handshake (its `embedding`: the shared libpython, Python's
# home and sys.path, and pythonnet's DLL when pythonnet is installed in that Python), so both transports
# run the same Python and the same copy of the backend.
#
# Python can be initialized once per process and never again after a shutdown: it is initialized on first
# use and never shut down. What starts and stops (module removal, a changed environment) is a Host object.

function Find-PythonRuntime {
    # Python.Runtime.dll: $env:CONTAINERIMAGE_PYTHONNET, else the module's lib/ (bundled by build.ps1
    # Build), else the one of pythonnet installed in the backend's Python. A path, or why there is none.
    param($Embedding)
    $candidates = @(
        @{ Path = $env:CONTAINERIMAGE_PYTHONNET; Source = 'CONTAINERIMAGE_PYTHONNET' }
        @{ Path = [System.IO.Path]::Combine($script:ModuleRoot, 'lib', 'Python.Runtime.dll'); Source = 'the module' }
        @{ Path = $Embedding.pythonnet; Source = 'the pythonnet package' }
    )
    foreach ($candidate in $candidates) {
        if ($candidate.Path -and [System.IO.File]::Exists($candidate.Path)) { return @{ Path = $candidate.Path } }
        if ($candidate.Path -and $candidate.Source -eq 'CONTAINERIMAGE_PYTHONNET') {
            return @{ Reason = "CONTAINERIMAGE_PYTHONNET names '$($candidate.Path)', which is not a file" }
        }
    }
    @{ Reason = "pythonnet's Python.Runtime.dll was not found (install pythonnet into that Python, or set CONTAINERIMAGE_PYTHONNET to the DLL's path)" }
}

function Initialize-EmbeddedPython {
    # Loads Python.Runtime.dll and initializes Python once per process. $null when ready, else why not.
    param($Embedding, [string] $Executable)
    if (-not $Embedding.library) { return $Embedding.reason }
    $loaded = $null
    foreach ($assembly in [System.AppDomain]::CurrentDomain.GetAssemblies()) {
        if ($assembly.GetName().Name -eq 'Python.Runtime') { $loaded = $assembly }
    }
    if (-not $loaded) {
        $runtime = Find-PythonRuntime $Embedding
        if ($runtime.Reason) { return $runtime.Reason }
        # Assembly.LoadFrom, as Add-Type -Path does, without Add-Type: a cmdlet of Microsoft.PowerShell.Utility,
        # whose first use would load that module (a few hundred milliseconds) into the first command.
        try { $null = [System.Reflection.Assembly]::LoadFrom($runtime.Path) } catch { return "Python.Runtime.dll at '$($runtime.Path)' could not be loaded: $($_.Exception.Message)" }
    }
    # One runspace at a time (thread jobs, ForEach-Object -Parallel may import the module at once): the
    # lock is the PythonEngine type itself, the one object every runspace of this process shares.
    [System.Threading.Monitor]::Enter([Python.Runtime.PythonEngine])
    try { Initialize-PythonOnce $Embedding $Executable } finally { [System.Threading.Monitor]::Exit([Python.Runtime.PythonEngine]) }
}

function Initialize-PythonOnce {
    param($Embedding, [string] $Executable)
    # Which libpython this process hosts, kept where a re-imported module finds it.
    $hosted = [System.AppDomain]::CurrentDomain.GetData('ContainerImage.PythonLibrary')
    if ([Python.Runtime.PythonEngine]::IsInitialized) {
        if ($hosted -and $hosted -ne $Embedding.library) {
            return "this PowerShell process already hosts the Python at '$hosted', and Python cannot be loaded twice; start a new PowerShell to use '$($Embedding.library)'"
        }
        return $null
    }
    try {
        [Python.Runtime.Runtime]::PythonDLL = $Embedding.library
        [Python.Runtime.PythonEngine]::PythonHome = $Embedding.home
        # So that sys.executable is that Python, as in the process backend (a subprocess may run it).
        if ($Executable) { [Python.Runtime.PythonEngine]::ProgramName = $Executable }
        [Python.Runtime.PythonEngine]::Initialize()
        # Initialize leaves this thread holding the GIL: release it, so the backend's threads can run.
        $null = [Python.Runtime.PythonEngine]::BeginAllowThreads()
        # pythonnet finalizes Python when the process exits; with the GIL released here and the backend's
        # threads perhaps in the middle of a request, that aborts the process ("Fatal Python error" at
        # exit). Python is never shut down (it could not start again): the process's end frees it.
        $onExit = [Python.Runtime.PythonEngine].GetMethod('OnProcessExit', [System.Reflection.BindingFlags]'NonPublic, Static')
        if ($onExit) { [System.AppDomain]::CurrentDomain.remove_ProcessExit($onExit.CreateDelegate([System.EventHandler])) }
    } catch {
        return "Python could not be started from '$($Embedding.library)': $($_.Exception.GetBaseException().Message)"
    }
    [System.AppDomain]::CurrentDomain.SetData('ContainerImage.PythonLibrary', $Embedding.library)
    $null
}

function New-PyArguments {
    # A PyObject[] built element by element: PowerShell would enumerate a PyObject given to @().
    $arguments = [Python.Runtime.PyObject[]]::new($args.Count)
    for ($i = 0; $i -lt $args.Count; $i++) { $arguments[$i] = $args[$i] }
    , $arguments
}

function Start-InProcessBackend {
    # A backend hosted in this process, made from what a process backend says about its Python (the
    # embedding method) and the session's environment. Returns the backend (its handshake sent, not yet
    # read), or a string saying why not.
    param([Parameter(Mandatory)] [hashtable] $ProcessBackend)
    $Handshake = $ProcessBackend.Handshake
    $Python = $ProcessBackend.Python
    $id = Send-BackendMessage -Backend $ProcessBackend -Method embedding
    $embedding = if ($id -is [System.Management.Automation.ErrorRecord]) { $id } else { Receive-BackendReply -Backend $ProcessBackend -Id $id }
    if ($embedding -is [System.Management.Automation.ErrorRecord]) { return "the backend could not say how to host it: $($embedding.Exception.Message)" }
    $failure = Initialize-EmbeddedPython $embedding $Handshake.executable
    if ($failure) { return $failure }
    $environment = [ordered]@{}
    foreach ($name in $script:BackendEnvironment + $script:EngineVariables) { $environment[$name] = [System.Environment]::GetEnvironmentVariable($name) }
    $gil = [Python.Runtime.Py]::GIL()
    try {
        # The stdio backend's sys.path ahead of the embedded default, so the same copy of the backend loads.
        # (As JSON in a variable of the code's own globals. ConvertTo-BackendJson, not ConvertTo-Json: a cmdlet
        # of Microsoft.PowerShell.Utility, whose first use would load that module into the first command.)
        $globals = [Python.Runtime.PyDict]::new()
        $globals.SetItem('paths', [Python.Runtime.PyString]::new((ConvertTo-BackendJson ([object[]]@($embedding.path)))))
        [Python.Runtime.PythonEngine]::Exec("import json, sys`nfor p in reversed(json.loads(paths)):`n    p in sys.path or sys.path.insert(0, p)", $globals)
        $globals.Dispose()
        $module = [Python.Runtime.Py]::Import('containerimage.inprocess')
        $json = ConvertTo-BackendJson $environment
        $pyHost = $module.GetAttr('Host').Invoke((New-PyArguments ([Python.Runtime.PyString]::new($json))))
        $backend = @{
            Transport   = 'InProcess'
            Host        = $pyHost
            Exchange    = $pyHost.GetAttr('exchange')
            Arguments   = [Python.Runtime.PyObject[]]::new(2)   # reused by every exchange: (line, timeout)
            Timeouts    = @{}                                    # milliseconds -> its PyInt, made once
            Inbox       = [System.Collections.Generic.Queue[string]]::new()
            Closed      = $false
            NextId      = 0
            Python      = $Python
            Environment = Get-BackendEnvironment
            Handshake   = $null
        }
    } catch {
        return "the backend could not be loaded into this process: $($_.Exception.GetBaseException().Message)"
    } finally {
        $gil.Dispose()
    }
    $backend.HandshakeId = Send-BackendMessage -Backend $backend -Method handshake
    $backend
}

function Invoke-InProcessExchange {
    # One call of Host.exchange: hands $Line (or nothing) to the backend and queues what comes back
    # within $TimeoutMs. The GIL is held only for the call; Python releases it while it waits.
    param([hashtable] $Backend, [string] $Line, [int] $TimeoutMs)
    # This runs for every message: plain .NET calls, no pipeline (a PyString is enumerable, and PowerShell
    # would unroll it), and the arguments array and timeout objects reused.
    $gil = [Python.Runtime.Py]::GIL()
    $text = $null
    $reply = $null
    try {
        $arguments = $Backend.Arguments
        if ($Line) { $text = [Python.Runtime.PyString]::new($Line); $arguments[0] = $text } else { $arguments[0] = [Python.Runtime.PyObject]::None }
        $timeout = $Backend.Timeouts[$TimeoutMs]
        if (-not $timeout) { $timeout = $Backend.Timeouts[$TimeoutMs] = [Python.Runtime.PyInt]::new($TimeoutMs) }
        $arguments[1] = $timeout
        $reply = $Backend.Exchange.Invoke($arguments)
        if (-not $reply.IsNone()) { $Backend.Inbox.Enqueue($reply.ToString()) }
    } finally {
        if ($reply) { $reply.Dispose() }
        if ($text) { $text.Dispose() }
        $gil.Dispose()
    }
}

function Stop-InProcessBackend {
    param([hashtable] $Backend)
    if ($Backend.Closed) { return }
    $Backend.Closed = $true
    $gil = [Python.Runtime.Py]::GIL()
    try {
        $null = $Backend.Host.InvokeMethod('close')
        # Python's objects held here go now, not whenever .NET finalizes them.
        foreach ($held in @($Backend.Exchange, $Backend.Host) + @($Backend.Timeouts.Values)) { $held.Dispose() }
        $Backend.Timeouts.Clear()
    } catch {
        Write-Debug "closing the in-process backend: $_"
    } finally {
        $gil.Dispose()
    }
}

function Get-InProcessLog {
    param([hashtable] $Backend)
    $gil = [Python.Runtime.Py]::GIL()
    try { [Python.Runtime.Py]::Import('containerimage.inprocess').InvokeMethod('log_tail').ToString() } catch { '' } finally { $gil.Dispose() }
}
