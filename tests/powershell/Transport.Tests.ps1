# The two transports: the backend as a child process (Stdio) or hosted in this process through pythonnet
# (InProcess). The whole suite runs under each (build.ps1 -Task Test); these tests pin what differs.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

    function Invoke-FreshPwsh {
        # Runs $Script in a new pwsh process (Python can be initialized once per process, so what happens
        # the first time is seen only in a new one) with these environment variables; returns its output
        # lines, warnings included (as "WARNING: ...").
        param([string] $Script, [hashtable] $Environment = @{})
        $saved = @{}
        foreach ($name in $Environment.Keys) {
            $saved[$name] = [System.Environment]::GetEnvironmentVariable($name)
            [System.Environment]::SetEnvironmentVariable($name, $Environment[$name])
        }
        try {
            $output = & (Get-Command pwsh).Source -NoProfile -NonInteractive -Command "Import-Module '$ModulePath'; $Script" 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Lines = @($output | ForEach-Object { "$_" }) }
        } finally {
            foreach ($name in $saved.Keys) { [System.Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
    }
}

# Every test of these two runs a new pwsh with the transport it names: the same under either pass of
# build.ps1, so they run in the Stdio pass only (StdioOnly).
Describe 'The in-process transport' -Tag StdioOnly {
    It 'hosts the backend in this process, with the same answers as the process backend' {
        $script = @'
$viaProcess = (Get-ContainerImage -All | Sort-Object FullId, Repository, Tag | ForEach-Object { "$($_.FullId) $($_.Repository):$($_.Tag)" }) -join ';'
$env:CONTAINERIMAGE_TRANSPORT = 'InProcess'
$viaHost = (Get-ContainerImage -All | Sort-Object FullId, Repository, Tag | ForEach-Object { "$($_.FullId) $($_.Repository):$($_.Tag)" }) -join ';'
$backend = & (Get-Module ContainerImage) { $script:Backend }
"transport=$($backend.Transport) handshake=$($backend.Handshake.transport) pid=$($backend.Handshake.pid -eq $PID) same=$($viaProcess -eq $viaHost) count=$(@(Get-ContainerImage -All).Count)"
'@
        $result = Invoke-FreshPwsh $script @{ CONTAINERIMAGE_TRANSPORT = 'Stdio' }
        $result.ExitCode | Should -Be 0
        $images = @(Invoke-Docker image ls --all --quiet).Count
        $result.Lines | Should -Be "transport=InProcess handshake=InProcess pid=True same=True count=$images"
    }

    It 'keeps working when the module is removed and imported again in the same process' {
        $script = @'
$first = @(Get-ContainerImage -All).Count
$backend = & (Get-Module ContainerImage) { $script:Backend }
Remove-Module ContainerImage
"closed=$($backend.Closed)"
Import-Module $env:CI_TEST_MODULE
$second = @(Get-ContainerImage -All).Count
"transport=$(& (Get-Module ContainerImage) { $script:Backend.Transport }) same=$($first -eq $second)"
'@
        $result = Invoke-FreshPwsh $script @{ CONTAINERIMAGE_TRANSPORT = 'InProcess'; CI_TEST_MODULE = $ModulePath }
        $result.ExitCode | Should -Be 0
        $result.Lines | Should -Be 'closed=True', 'transport=InProcess same=True'
    }

    It 'says once in a warning why it cannot start, and uses the process backend' {
        $script = 'Get-ContainerImage | Out-Null; Get-ContainerImage | Out-Null; "transport=$(& (Get-Module ContainerImage) { $script:Backend.Transport })"'
        $result = Invoke-FreshPwsh $script @{ CONTAINERIMAGE_TRANSPORT = 'InProcess'; CONTAINERIMAGE_PYTHONNET = '/nonexistent/Python.Runtime.dll' }
        $result.ExitCode | Should -Be 0
        $warnings = @($result.Lines | Where-Object { $_ -like '*in-process transport*' })
        $warnings.Count | Should -Be 1
        $warnings[0] | Should -BeLike "*CONTAINERIMAGE_PYTHONNET names '/nonexistent/Python.Runtime.dll', which is not a file*Using the stdio backend*"
        $result.Lines[-1] | Should -Be 'transport=Stdio'
    }

    It 'falls back without a warning under Auto' {
        $script = 'Get-ContainerImage | Out-Null; "transport=$(& (Get-Module ContainerImage) { $script:Backend.Transport })"'
        $result = Invoke-FreshPwsh $script @{ CONTAINERIMAGE_TRANSPORT = 'Auto'; CONTAINERIMAGE_PYTHONNET = '/nonexistent/Python.Runtime.dll' }
        $result.Lines | Should -Be 'transport=Stdio'
        $result = Invoke-FreshPwsh $script @{ CONTAINERIMAGE_TRANSPORT = 'Auto' }
        $result.Lines | Should -Be 'transport=InProcess'
    }

    It 'takes the transport and the Python from the settings file when the environment names none' {
        $settings = Join-Path $TestDrive 'transport-settings.yaml'
        Set-Content $settings "# chosen by the file`nTransport: InProcess`nPython: /usr/bin/python3"
        $script = 'Get-ContainerImage | Out-Null; $b = & (Get-Module ContainerImage) { $script:Backend }; "transport=$($b.Transport) python=$($b.Python.Path) from $($b.Python.Source) executable=$($b.Handshake.executable)"'
        $result = Invoke-FreshPwsh $script @{ CONTAINERIMAGE_CONFIG = $settings; CONTAINERIMAGE_TRANSPORT = ''; CONTAINERIMAGE_PYTHON = '' }
        $result.ExitCode | Should -Be 0
        $result.Lines | Should -Be 'transport=InProcess python=/usr/bin/python3 from the settings file executable=/usr/bin/python3'
        # The environment wins over the file.
        $result = Invoke-FreshPwsh $script @{ CONTAINERIMAGE_CONFIG = $settings; CONTAINERIMAGE_TRANSPORT = 'Stdio'; CONTAINERIMAGE_PYTHON = '' }
        $result.Lines | Should -Be 'transport=Stdio python=/usr/bin/python3 from the settings file executable=/usr/bin/python3'
    }

    It 'rejects an unknown transport with one warning naming the choices' {
        $script = 'Get-ContainerImage | Out-Null; Get-ContainerImage | Out-Null; "transport=$(& (Get-Module ContainerImage) { $script:Backend.Transport })"'
        $result = Invoke-FreshPwsh $script @{ CONTAINERIMAGE_TRANSPORT = 'Pipe' }
        @($result.Lines | Where-Object { $_ -like "*asks for the transport 'Pipe'*Stdio, InProcess or Auto*" }).Count | Should -Be 1
        $result.Lines[-1] | Should -Be 'transport=Stdio'
    }

    It 'cannot change Python within a process, and says so instead of crashing' {
        # This process hosts one Python; a different one cannot be loaded beside it.
        $script = @'
Get-ContainerImage | Out-Null
$env:CONTAINERIMAGE_PYTHON = '/usr/bin/python3'
Get-ContainerImage | Out-Null
"transport=$(& (Get-Module ContainerImage) { $script:Backend.Transport })"
'@
        $python = (& (Get-Command python3).Source -c 'import sys; print(sys.base_prefix)')
        if ($python -eq '/usr') { Set-ItResult -Skipped -Because 'python3 on PATH is /usr/bin/python3 itself' }
        $result = Invoke-FreshPwsh $script @{ CONTAINERIMAGE_TRANSPORT = 'InProcess' }
        $result.ExitCode | Should -Be 0
        @($result.Lines | Where-Object { $_ -like '*already hosts the Python at*start a new PowerShell*' }).Count | Should -Be 1
        $result.Lines[-1] | Should -Be 'transport=Stdio'
    }
}

Describe 'A broken message on the protocol channel' {
    BeforeAll { Import-Module $ModulePath -Force }
    AfterAll { Remove-Module ContainerImage -ErrorAction Ignore }

    It 'is a ParseError naming the message, for <Line>' -ForEach @(
        @{ Line = '{broken' }, @{ Line = 'not json' }, @{ Line = '[1,' }
    ) {
        # At the seam: a backend whose next line is $Line (read the way either transport reads it).
        $record = & (Get-Module ContainerImage) {
            param($line)
            $fake = @{ Transport = 'InProcess'; Inbox = [System.Collections.Generic.Queue[string]]::new(); Closed = $false }
            $fake.Inbox.Enqueue($line)
            Read-BackendMessage $fake
        } $Line
        $record | Should -BeOfType System.Management.Automation.ErrorRecord
        $record.FullyQualifiedErrorId | Should -Be 'ContainerImage.ParseError'
        $record.Exception.Message | Should -Be "The backend sent a message that is not JSON: $Line"
    }

    It 'is answered by the backend with an error, and the next request still works' {
        $answer = & (Get-Module ContainerImage) {
            $backend = Get-ReadyBackend
            $null = Write-BackendLine $backend '{"jsonrpc": "2.0", "id": 1, "method": '   # cut off
            $reply = Read-BackendMessage $backend
            [pscustomobject]@{ Error = $reply.error; Next = Invoke-Backend -Method ping }
        }
        $answer.Error.code | Should -Be -32700
        $answer.Error.message | Should -BeLike 'Malformed JSON*'
        $answer.Next | Should -Not -BeOfType System.Management.Automation.ErrorRecord
    }
}

Describe 'The settings file''s Python' -Tag StdioOnly {
    It 'is said once in a warning, and the current Python kept, when it cannot be found' {
        $settings = Join-Path $TestDrive 'missing-python.yaml'
        Set-Content $settings 'Python: /nonexistent/python3'
        $script = 'Get-ContainerImage | Out-Null; Get-ContainerImage | Out-Null; $b = & (Get-Module ContainerImage) { $script:Backend }; "python=$($b.Python.Source)"'
        $result = Invoke-FreshPwsh $script @{ CONTAINERIMAGE_CONFIG = $settings; CONTAINERIMAGE_PYTHON = ''; CONTAINERIMAGE_TRANSPORT = 'Stdio' }
        $result.ExitCode | Should -Be 0
        @($result.Lines | Where-Object { $_ -like "*the settings file names the Python '/nonexistent/python3', which is not a file*Using*instead*" }).Count | Should -Be 1
        $result.Lines[-1] | Should -Be 'python=PATH'
    }

    It 'is the one started at import, not after a first backend''s handshake (<Form>)' -ForEach @(
        @{ Form = 'plain'; Line = 'Python: {0}  # the servers'' Python' }
        @{ Form = 'quoted'; Line = "python: '{0}'" }
    ) {
        # A link of its own to the interpreter PATH's python3 runs: a path no other rule would choose.
        $interpreter = & (Get-Command python3).Source -c 'import sys; print(sys.executable)'
        $link = Join-Path $TestDrive "settings-python-$Form"
        $null = New-Item -ItemType SymbolicLink -Path $link -Target $interpreter -Force
        $settings = Join-Path $TestDrive "python-$Form.yaml"
        Set-Content $settings ("Progress: true`n" + ($Line -f $link))
        $script = '$atImport = & (Get-Module ContainerImage) { $script:Backend }; Get-ContainerImage -ErrorAction Stop | Out-Null; ' +
            '$b = & (Get-Module ContainerImage) { $script:Backend }; "same=$([object]::ReferenceEquals($atImport, $b)) source=$($b.Python.Source) path=$($b.Python.Path) pid=$($b.Handshake.pid -eq $b.Process.Id)"'
        $result = Invoke-FreshPwsh $script @{ CONTAINERIMAGE_CONFIG = $settings; CONTAINERIMAGE_PYTHON = ''; CONTAINERIMAGE_TRANSPORT = 'Stdio' }
        $result.ExitCode | Should -Be 0
        $result.Lines[-1] | Should -Be "same=True source=the settings file path=$link pid=True"
    }
}

Describe 'One backend, many engines' {
    BeforeAll { Import-Module $ModulePath -Force }
    AfterAll { Remove-Module ContainerImage -Force -ErrorAction Ignore }

    It 'sends a request to the engine it names, on either transport, without a new backend' {
        InModuleScope ContainerImage {
            $before = Invoke-Backend -Method handshake
            $named = Invoke-Backend -Method image.list -Engine $env:DOCKER_HOST
            $default = Invoke-Backend -Method image.list
            $named | Should -Not -BeOfType [System.Management.Automation.ErrorRecord]
            @($named.images.FullId | Sort-Object) | Should -Be @($default.images.FullId | Sort-Object)
            (Invoke-Backend -Method handshake).pid | Should -Be $before.pid
        }
    }

    It 'applies a change of DOCKER_HOST or DOCKER_CONTEXT to the next command, without a new backend' {
        $saved = @{ DOCKER_HOST = $env:DOCKER_HOST; DOCKER_CONTEXT = $env:DOCKER_CONTEXT }
        $context = "ci-envengine-$PID"
        & docker context create $context --docker "host=$($saved.DOCKER_HOST)" | Out-Null
        $LASTEXITCODE | Should -Be 0
        try {
            $expected = @(Get-ContainerImage -ErrorAction Stop | ForEach-Object FullId | Sort-Object)
            $backend = InModuleScope ContainerImage { $script:Backend }
            $down = "unix://$([System.IO.Path]::GetTempPath())ci-nothing-$PID.sock"
            $env:DOCKER_HOST = $down
            Get-ContainerImage -ErrorAction SilentlyContinue -ErrorVariable failures | Should -BeNullOrEmpty
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.EngineUnavailable,Get-ContainerImage'
            $failures[0].Exception.Message | Should -BeLike "*$down*DOCKER_HOST*"
            # DOCKER_HOST unset, DOCKER_CONTEXT set: the context's engine, as `docker images` would use it.
            $env:DOCKER_HOST = $null
            $env:DOCKER_CONTEXT = $context
            (Get-ContainerEngine | Where-Object Current).Name | Should -Be $context
            @(Get-ContainerImage -ErrorAction Stop | ForEach-Object FullId | Sort-Object) | Should -Be $expected
            $env:DOCKER_CONTEXT = 'ci-no-such-context'
            { Get-ContainerImage -ErrorAction Stop } | Should -Throw '*ci-no-such-context*'
            $env:DOCKER_HOST = $saved.DOCKER_HOST
            $env:DOCKER_CONTEXT = $saved.DOCKER_CONTEXT
            @(Get-ContainerImage -ErrorAction Stop | ForEach-Object FullId | Sort-Object) | Should -Be $expected
            [object]::ReferenceEquals((InModuleScope ContainerImage { $script:Backend }), $backend) |
                Should -BeTrue -Because 'each request carries the engine variables; the backend stays'
        } finally {
            $env:DOCKER_HOST = $saved.DOCKER_HOST
            $env:DOCKER_CONTEXT = $saved.DOCKER_CONTEXT
            & docker context rm -f $context | Out-Null
        }
    }

    It 'gives an engine that is down its own error, naming it' {
        InModuleScope ContainerImage {
            $down = "unix://$([System.IO.Path]::GetTempPath())ci-nothing-$PID.sock"
            $failure = Invoke-Backend -Method image.list -Engine $down
            $failure | Should -BeOfType [System.Management.Automation.ErrorRecord]
            $failure.FullyQualifiedErrorId | Should -BeLike 'ContainerImage.EngineUnavailable*'
            $failure.Exception.Message | Should -BeLike "*$down*"
        }
    }
}
