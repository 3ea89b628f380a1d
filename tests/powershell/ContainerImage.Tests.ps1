# The module as a whole: what it exports, help for every command, and the backend process's life.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    function Get-BackendProcess { & (Get-Module ContainerImage) { if ($script:Backend) { $script:Backend.Process } } }
    function Get-Backend { & (Get-Module ContainerImage) { $script:Backend } }
}

AfterAll {
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'The ContainerImage module' {
    It 'exports exactly the functions in Public/, each with an approved verb' {
        $public = (Get-ChildItem (Join-Path $ModulePath 'Public') -Filter *.ps1).BaseName | Sort-Object
        $exported = (Get-Command -Module ContainerImage).Name | Sort-Object
        $exported | Should -Be $public
        (Import-PowerShellDataFile (Join-Path $ModulePath 'ContainerImage.psd1')).FunctionsToExport | Sort-Object | Should -Be $public
        $approved = (Get-Verb).Verb
        foreach ($command in $exported) { $approved | Should -Contain ($command -split '-')[0] }
    }

    It 'gives every exported command help, an example and a test file' {
        foreach ($command in Get-Command -Module ContainerImage) {
            $help = Get-Help $command.Name -Full
            $help.Description | Should -Not -BeNullOrEmpty -Because "$($command.Name) needs a description"
            @($help.Examples.Example).Count | Should -BeGreaterThan 0 -Because "$($command.Name) needs an example"
            Join-Path $PSScriptRoot "$($command.Name).Tests.ps1" | Should -Exist
        }
    }

    It 'is built (build.ps1 -Task Build) into a folder that carries its backend' {
        $root = Resolve-Path (Join-Path $PSScriptRoot '../..')
        & (Get-Command pwsh).Source -NoProfile -File (Join-Path $root 'build.ps1') -Task Build | Out-Null
        $LASTEXITCODE | Should -Be 0
        $modules = New-Item -ItemType Directory (Join-Path $TestDrive 'modules')
        Copy-Item (Join-Path $root 'out/ContainerImage') $modules -Recurse
        $built = Join-Path $modules 'ContainerImage'
        Join-Path $built 'backend/containerimage/server.py' | Should -Exist
        # Away from the checkout, only the bundled backend can serve it.
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$built'; `$null = Get-ContainerImage; & (Get-Module ContainerImage) { `$script:Backend.Handshake.location }")
        try {
            $location = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $location | Should -Be (Join-Path $built 'backend/containerimage')
        } finally {
            $ps.Dispose()
        }
    }

    It 'has an about topic' {
        Get-Help about_ContainerImage | Out-String | Should -Match 'CONTAINERIMAGE_PYTHON'
    }
}

Describe 'The backend process' -Skip:($env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess') {
    It 'is started once and reused by every call' {
        Get-ContainerImage | Out-Null
        $first = Get-BackendProcess
        Get-ContainerImage | Out-Null
        Get-ContainerImage -Name 'none*' | Out-Null
        (Get-BackendProcess).Id | Should -Be $first.Id
    }

    It 'is restarted transparently after it was killed' {
        Get-ContainerImage | Out-Null
        $first = Get-BackendProcess
        $first.Kill()
        $first.WaitForExit()
        { Get-ContainerImage | Out-Null } | Should -Not -Throw
        (Get-BackendProcess).Id | Should -Not -Be $first.Id
        (Get-BackendProcess).HasExited | Should -BeFalse
    }

    It 'is stopped when the module is removed' {
        Get-ContainerImage | Out-Null
        $id = (Get-BackendProcess).Id
        Get-Process -Id $id | Should -Not -BeNullOrEmpty
        Remove-Module ContainerImage
        Get-Process -Id $id -ErrorAction Ignore | Should -BeNullOrEmpty
        Import-Module $ModulePath -Force
    }

    It 'starts the backend when the module is imported, in the background, and the first command uses it' {
        Remove-Module ContainerImage
        Import-Module $ModulePath
        # Import-Module handed Process.Start (and the handshake: CSharp/BackendStart.cs) to a task: it did not wait for it.
        $starting = (Get-Backend).Starting
        $starting | Should -BeOfType [System.Threading.Tasks.Task]
        $starting.Wait(60000) | Should -BeTrue
        $process = $starting.Result.Process
        # In the process list: a child of this PowerShell, running the module's start-backend.py.
        $listed = Get-Process -Id $process.Id
        $listed.Parent.Id | Should -Be $PID
        $listed.CommandLine | Should -BeLike '*start-backend.py*'
        Get-ContainerImage | Out-Null
        (Get-BackendProcess).Id | Should -Be $process.Id
    }

    It 'says clearly, once, when the Python started in the background could not be started' {
        $notExecutable = Join-Path $TestDrive 'python-not-executable'
        Set-Content -LiteralPath $notExecutable -Value 'not a program'
        $ps = [powershell]::Create()
        $null = $ps.AddScript("`$env:CONTAINERIMAGE_PYTHON = '$notExecutable'; try { Import-Module '$ModulePath'; `$starting = & (Get-Module ContainerImage) { `$script:Backend.Starting }; Get-ContainerImage; [bool]`$starting } finally { `$env:CONTAINERIMAGE_PYTHON = `$null }")
        try {
            $ps.Invoke() | Should -Be $true -Because 'the start was in the background'
            $ps.Streams.Error.Count | Should -Be 1
            $ps.Streams.Error[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.BackendUnavailable,Get-ContainerImage'
            $ps.Streams.Error[0].Exception.Message | Should -BeLike "*'$notExecutable'*could not be started*"
        } finally {
            $ps.Dispose()
        }
    }
}

Describe 'The backend, under either transport' {
    It 'says clearly when Python cannot be found' {
        $ps = Invoke-InNewRunspace '$env:CONTAINERIMAGE_PYTHON = "/nonexistent/python3"; try { Get-ContainerImage } finally { $env:CONTAINERIMAGE_PYTHON = $null }'
        try {
            $ps.Invoke() | Should -BeNullOrEmpty
            $ps.Streams.Error.Count | Should -Be 1
            $record = $ps.Streams.Error[0]
            $record.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $record.Exception.Message | Should -BeLike "*/nonexistent/python3*"
            $record.ErrorDetails.RecommendedAction | Should -BeLike '*CONTAINERIMAGE_PYTHON*'
        } finally {
            $ps.Dispose()
        }
    }

    It 'takes CONTAINERIMAGE_PYTHON as a command on PATH too' {
        $ps = Invoke-InNewRunspace '$env:CONTAINERIMAGE_PYTHON = "python3"; try { $null = Get-ContainerImage; & (Get-Module ContainerImage) { $script:Backend.Python.Source } } finally { $env:CONTAINERIMAGE_PYTHON = $null }'
        try {
            $ps.Invoke() | Should -Be 'CONTAINERIMAGE_PYTHON'
            $ps.Streams.Error | Should -BeNullOrEmpty
        } finally {
            $ps.Dispose()
        }
        $ps = Invoke-InNewRunspace '$env:CONTAINERIMAGE_PYTHON = "no-such-python"; try { Get-ContainerImage } finally { $env:CONTAINERIMAGE_PYTHON = $null }'
        try {
            $ps.Invoke() | Should -BeNullOrEmpty
            $ps.Streams.Error[0].Exception.Message | Should -BeLike "*'no-such-python'*not a file and not a command on PATH*"
        } finally {
            $ps.Dispose()
        }
    }

    It 'says clearly when Python lacks the backend''s packages' {
        $wrapper = Join-Path $TestDrive 'python-without-packages'
        Set-Content $wrapper "#!/bin/sh`nexec /usr/bin/python3 -I -S `"`$@`""
        chmod +x $wrapper
        $ps = Invoke-InNewRunspace "`$env:CONTAINERIMAGE_PYTHON = '$wrapper'; try { Get-ContainerImage } finally { `$env:CONTAINERIMAGE_PYTHON = `$null }"
        try {
            $ps.Invoke() | Should -BeNullOrEmpty
            $ps.Streams.Error.Count | Should -Be 1
            $ps.Streams.Error[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $ps.Streams.Error[0].Exception.Message | Should -BeLike "*could not run the ContainerImage backend*No module named 'docker'*"
        } finally {
            $ps.Dispose()
        }
    }

    It 'reports a Python that dies at once as one error, never a broken pipe beside it' {
        # Writing the handshake to a process that has just ended fails (broken pipe) at random: that failure
        # must not reach -ErrorVariable as a raw IOException beside the module's error (it did, 3-9 times in 15).
        $dies = Join-Path $TestDrive 'python-that-dies'
        Set-Content $dies "#!/bin/sh`necho 'this python is broken' >&2`nexit 1"
        chmod +x $dies
        $ps = Invoke-InNewRunspace @"
`$env:CONTAINERIMAGE_PYTHON = '$dies'
try {
    foreach (`$i in 1..15) {
        `$e = `$null
        Get-ContainerImage -ErrorVariable e -ErrorAction SilentlyContinue
        "`$(`$e.Count) `$(`$e[0].FullyQualifiedErrorId)"
    }
} finally { `$env:CONTAINERIMAGE_PYTHON = `$null }
"@
        try {
            $ps.Invoke() | Should -Be (@('1 ContainerImage.BackendUnavailable,Get-ContainerImage') * 15)
        } finally {
            $ps.Dispose()
        }
    }

    It 'applies a change of DOCKER_HOST at once: ConnectionError for an engine that is down, and back again' {
        $saved = $env:DOCKER_HOST
        Get-ContainerImage | Out-Null
        $first = Get-Backend
        try {
            $env:DOCKER_HOST = 'unix:///nonexistent/docker.sock'
            # A non-terminating error of the call (ErrorAction.Tests.ps1 walks every cmdlet through it).
            Get-ContainerImage -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $failures.Count | Should -Be 1
            $failures[0].Exception.Message | Should -BeLike '*Cannot reach the Docker engine at unix:///nonexistent/docker.sock*'
            $failure = $null
            try { Get-ContainerImage -ErrorAction Stop } catch { $failure = $_ }
            $failure.CategoryInfo.Category | Should -Be 'ConnectionError'
            $failure.FullyQualifiedErrorId | Should -Be 'ContainerImage.EngineUnavailable,Get-ContainerImage'
            [object]::ReferenceEquals((Get-Backend), $first) | Should -BeTrue -Because 'the request carries DOCKER_HOST: no new backend'
        } finally {
            $env:DOCKER_HOST = $saved
        }
        Get-ContainerImage -Name 'microsoft/*' -ErrorAction Stop | Out-Null
        (Get-Backend).Handshake.engine.host | Should -Be $saved
    }

    It 'cancels the backend request when the pipeline is stopped (Ctrl+C) in the middle of a pull' {
        $registry = Start-StallRegistry
        $stalled = "$($registry.Address)/$(New-FreshImage -Prefix fresh/stall -Layers 1)"
        $ps = Invoke-InNewRunspace "Install-ContainerImage -Name '$stalled'"
        try {
            $async = $ps.BeginInvoke()
            # The stalling registry serves manifests but never sends a layer: once a layer's progress shows,
            # the pull is certainly under way and cannot finish by itself.
            $deadline = [datetime]::UtcNow.AddSeconds(60)
            while (-not ($ps.Streams.Progress | Where-Object ParentActivityId -eq 1) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            $ps.Streams.Progress | Where-Object ParentActivityId -eq 1 | Should -Not -BeNullOrEmpty
            while (-not (Get-StalledDownload $registry) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            Get-StalledDownload $registry | Should -Be 1
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            # The backend cancelled its request to the engine, and the engine gave up the download.
            $deadline = [datetime]::UtcNow.AddSeconds(30)
            while ((Get-StalledDownload $registry) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            Get-StalledDownload $registry | Should -Be 0
            & docker image inspect $stalled 2>&1 | Out-Null
            $LASTEXITCODE | Should -Not -Be 0

            # The same runspace's backend still answers, and the cancelled request's late answer is ignored.
            $ps.Commands.Clear()
            $null = $ps.AddScript('Get-ContainerImage -Name microsoft/* | Measure-Object | Select-Object -ExpandProperty Count')
            $ps.Invoke()[0] | Should -BeGreaterOrEqual 0
            $ps.HadErrors | Should -BeFalse
        } finally {
            $ps.Dispose()
            $registry.Kill()
        }
    }

    It 'cancels a request the pipeline is stopped in the moment after handing it over, before waiting for it' {
        # In-process, handing a request over also waits (up to 200 ms) for its first message: a terminal's
        # Ctrl+C landed there about once in three runs, and the pull went on with nobody to stop it. Here
        # the moment is made 5 s long (Send-BackendMessage, then a sleep no stop can cut short).
        $registry = Start-StallRegistry
        $stalled = "$($registry.Address)/$(New-FreshImage -Prefix fresh/stall -Layers 1)"
        $ps = Invoke-InNewRunspace (@'
& (Get-Module ContainerImage) {
    $script:RealSend = ${function:Send-BackendMessage}
    function script:Send-BackendMessage {
        param([hashtable] $Backend, [string] $Method, [System.Collections.IDictionary] $Params = @{}, [string] $Engine)
        $id = & $script:RealSend -Backend $Backend -Method $Method -Params $Params -Engine $Engine
        if ($Method -eq 'image.pull') { [System.Threading.Thread]::Sleep(5000) }
        $id
    }
}
'@ + "`nInstall-ContainerImage -Name '$stalled'")
        try {
            $null = $ps.BeginInvoke()
            $deadline = [datetime]::UtcNow.AddSeconds(60)
            while (-not (Get-StalledDownload $registry) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            Get-StalledDownload $registry | Should -Be 1
            $ps.Stop()   # returns once the sleep is over and the stop has unwound the pipeline
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            # Well before the trickle of the layer's bytes would end by itself (about 30 s).
            $deadline = [datetime]::UtcNow.AddSeconds(10)
            while ((Get-StalledDownload $registry) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            Get-StalledDownload $registry | Should -Be 0 -Because 'the stopped pipeline cancels the request it had handed over'
            & docker image inspect $stalled 2>&1 | Out-Null
            $LASTEXITCODE | Should -Not -Be 0
        } finally {
            $ps.Dispose()
            $registry.Kill()
        }
    }
}

Describe 'Labels a PowerShell object cannot hold as properties' {
    # Docker labels are any text, and are case-sensitive: "Version" from a base image and "version" from the
    # app, or a label named psobject. ConvertFrom-Json refuses such an object, and once failed the whole
    # listing of the engine as "not JSON".
    BeforeAll {
        Invoke-Docker pull -q microsoft/nanoserver | Out-Null
        $container = Invoke-Docker create --network none microsoft/nanoserver
        Invoke-Docker commit --change 'LABEL Version=1' --change 'LABEL version=2' --change 'LABEL psobject=x' $container test/labels:case | Out-Null
        Invoke-Docker rm $container | Out-Null
        Invoke-Docker tag microsoft/nanoserver test/labels:plain | Out-Null
        $oracle = Invoke-Docker image inspect --format '{{json .Config.Labels}}' test/labels:case | ConvertFrom-Json -AsHashtable
    }
    AfterAll { Remove-TestImage test/labels:case, test/labels:plain }

    It 'leaves the listing whole, and gives every label as docker has it, case and all' {
        $images = Get-ContainerImage -ErrorVariable failures
        $failures | Should -BeNullOrEmpty
        $image = $images | Where-Object { $_.Repository -eq 'test/labels' -and $_.Tag -eq 'case' }
        $image | Should -HaveCount 1
        @($image.Labels.Keys) | Should -Be @($oracle.Keys)
        foreach ($key in $oracle.Keys) { $image.Labels[$key] | Should -BeExactly $oracle[$key] }
        $image.Labels.Version | Should -BeExactly '1'
        $image.Labels.version | Should -BeExactly '2'
        $image.Labels['psobject'] | Should -BeExactly 'x'   # .psobject is PowerShell's own member, as on any object
        # The other images keep labels that read as properties.
        ($images | Where-Object Tag -eq 'plain').Labels.'com.containerimage.seed' | Should -Be 'true'
    }

    It 'gives them so with PowerShell''s own parser too (where the module''s assembly cannot load: PowerShell 7.4 and 7.5)' {
        $module = Get-Module ContainerImage
        & $module { $script:JsonMessage = $false; Stop-Backend }   # the next backend is read without the assembly
        try {
            $image = Get-ContainerImage test/labels:case -ErrorVariable failures
            & $module { [bool]$script:JsonMessage } | Should -BeFalse
        } finally {
            & $module { $script:JsonMessage = $null; Stop-Backend }
        }
        $failures | Should -BeNullOrEmpty
        $image.Labels | Should -BeOfType System.Collections.Specialized.OrderedDictionary
        @($image.Labels.Keys) | Should -Be @($oracle.Keys)
        $image.Labels.version | Should -BeExactly '2'
        $image.Labels.ToString() | Should -BeLike 'Version=1;*;psobject=x;version=2'
    }

    It 'writes them as key=value;key=value for Export-Csv, and shows the image in the table' {
        $image = Get-ContainerImage test/labels:case
        ($image | ConvertTo-Csv | ConvertFrom-Csv).Labels | Should -BeExactly (@($oracle.Keys | ForEach-Object { "$_=$($oracle[$_])" }) -join ';')
        $image | Format-Table | Out-String -Width 80 | Should -BeLike '*test/labels*case*'
    }
}

Describe 'Confirmation where no one can answer' {
    It 'changes nothing and says why when a prompt is needed in a non-interactive host' {
        Remove-TestImage microsoft/nanoserver
        $script = "Import-Module '$ModulePath'; Install-ContainerImage -Name microsoft/nanoserver -Confirm; 'went on'"
        $output = & (Get-Command pwsh).Source -NonInteractive -NoProfile -Command $script 2>&1 | Out-String
        $output | Should -Match 'needs a confirmation that cannot be asked here'
        $output | Should -Match 'went on'
        & docker image inspect microsoft/nanoserver 2>&1 | Out-Null
        $LASTEXITCODE | Should -Not -Be 0 -Because 'nothing may be installed without the confirmation'
    }
}

Describe 'Tab completion' {
    BeforeAll {
        function Get-Completion([string] $Line) { (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches }
    }

    It 'completes local image names for every parameter that names an image' {
        Install-ContainerImage -Name microsoft/nanoserver | Out-Null
        foreach ($command in 'Remove-ContainerImage', 'Get-ContainerImageHistory', 'Add-ContainerImageTag', 'Publish-ContainerImage', 'Save-ContainerImage', 'Get-ContainerImageUpdate', 'Update-ContainerImage') {
            (Get-Completion "$command -Name microsoft/nan").CompletionText | Should -Contain 'microsoft/nanoserver:latest' -Because $command
        }
        (Get-Completion 'Get-ContainerImage -ChildOf microsoft/nan').CompletionText | Should -Contain 'microsoft/nanoserver'
        (Get-Completion 'Test-ContainerImage -Name microsoft/nan').CompletionText | Should -Contain 'microsoft/nanoserver:latest'
        foreach ($command in 'Install-ContainerImage', 'Test-ContainerImage') {
            (Get-Completion "$command -Name Nano").CompletionText | Should -Contain 'NanoServer' -Because "$command resolves aliases"
        }
        $local = @(Get-Completion 'Remove-ContainerImage -Name Nano' | ForEach-Object CompletionText)
        Should -ActualValue $local -Not -Contain 'NanoServer' -Because 'aliases name images to pull, not local ones'
    }

    It 'completes containers, stopped ones too, by name and id for New-ContainerImage -Container' {
        $name = 'complete-me-' + [guid]::NewGuid().ToString('n').Substring(0, 6)
        $id = Invoke-Docker create --network none --name $name microsoft/nanoserver
        try {
            $matches = Get-Completion "New-ContainerImage -Container complete-me-"
            $matches.CompletionText | Should -Contain $name
            (Get-Completion "New-ContainerImage -Container $($id.Substring(0, 6))").CompletionText | Should -Contain $id.Substring(0, 12)
            Get-Completion 'New-ContainerImage -Container no-such-container-' | Should -BeNullOrEmpty
        } finally {
            Invoke-Docker rm -f $name | Out-Null
        }
    }

    It 'completes the registries named in the docker config for -Registry' {
        $saved = $env:DOCKER_CONFIG
        $env:DOCKER_CONFIG = (New-Item -ItemType Directory (Join-Path $TestDrive 'completion-config')).FullName
        try {
            Set-Content (Join-Path $env:DOCKER_CONFIG 'config.json') '{"auths": {"registry.example.com:5000": {}}, "credHelpers": {"other.example.com": "test"}}'
            foreach ($command in 'Connect-ContainerRegistry', 'Disconnect-ContainerRegistry', 'Find-ContainerImage', 'Set-ContainerImageSetting') {
                (Get-Completion "$command -Registry registry.ex").CompletionText | Should -Be 'registry.example.com:5000' -Because $command
            }
            (Get-Completion 'Find-ContainerImage -Registry other').CompletionText | Should -Be 'other.example.com'
        } finally {
            $env:DOCKER_CONFIG = $saved
        }
    }

    It 'completes the aliases of the settings file for Set-ContainerImageSetting -RemoveAlias' {
        $saved = $env:CONTAINERIMAGE_CONFIG
        $env:CONTAINERIMAGE_CONFIG = Join-Path $TestDrive 'completion-settings.yaml'
        try {
            Set-Content $env:CONTAINERIMAGE_CONFIG "Aliases:`n  ToolBox:`n    Repository: registry.example.com:5000/tools/busybox`n    Tag: latest"
            (Get-Completion 'Set-ContainerImageSetting -RemoveAlias Tool').CompletionText | Should -Be 'ToolBox'
            Get-Completion 'Set-ContainerImageSetting -RemoveAlias Nano' | Should -BeNullOrEmpty -Because 'a shipped alias cannot be removed'
        } finally {
            $env:CONTAINERIMAGE_CONFIG = $saved
        }
    }
}
