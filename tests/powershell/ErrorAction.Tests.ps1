# Errors that runbooks can handle: every exported cmdlet, through the failures a runbook meets (the engine
# down, a registry down, the backend unable to start, a bad name), under -ErrorAction SilentlyContinue,
# Ignore and Stop, the caller's $ErrorActionPreference, and the default (Continue), in this session and on
# the screen of a new pwsh. Each error must be one ErrorRecord with FullyQualifiedErrorId
# ContainerImage.<Kind>,<the cmdlet called>, its category, its target and a message without a stack trace,
# the same in $Error, -ErrorVariable and on screen; a failure changes nothing.

BeforeDiscovery {
    # Tagged StdioOnly (build.ps1 runs it in the Stdio pass only): an error is made from the backend's
    # answer by the same code whichever transport carried it (the transports' own failures are
    # Transport.Tests.ps1's and EngineFailure.Tests.ps1's); a second pass under the in-process transport
    # would cost CI a minute and find nothing new.
    # Every exported cmdlet needs an entry: a case per failure, or the reason it cannot meet that failure.
    # Commands are PowerShell text, run as they are (their $env: variables read when they run). A case
    # without Kind must succeed. Targets are expanded when the case runs.
    $missing = 'test/errors-missing:1'
    $Table = [ordered]@{
        'Add-ContainerImageTag'        = @{
            Engine   = @{ Command = "Add-ContainerImageTag -Name $missing -Tag test/errors-new:1" }
            Registry = 'tags on the engine only'
            BadName  = @{ Command = "Add-ContainerImageTag -Name $missing -Tag test/errors-new:1"; Kind = 'NotFound'; Target = $missing },
                       @{ Command = "Add-ContainerImageTag -Name microsoft/nanoserver -Tag 'Not A Name'"; Kind = 'InvalidReference'; Target = 'Not A Name' }
        }
        'Connect-ContainerRegistry'    = @{
            Engine   = @{ Command = 'Connect-ContainerRegistry -Registry $env:CONTAINERIMAGE_TEST_REGISTRY -Credential (New-TestCredential)' }
            Registry = @{ Command = 'Connect-ContainerRegistry -Registry $env:CONTAINERIMAGE_TEST_DOWN_REGISTRY -Credential (New-TestCredential)'; Target = '$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY' }
            BadName  = @{ Command = "Connect-ContainerRegistry -Registry 'not a registry' -Credential (New-TestCredential)"; Kind = 'InvalidParams'; Target = 'not a registry' }
        }
        'Disconnect-ContainerRegistry' = @{
            # Needs no engine: the stored logins only. With none stored, what it says is that.
            Engine   = @{ Command = 'Disconnect-ContainerRegistry -Registry 127.0.0.1:9'; Kind = 'NotFound'; Target = '127.0.0.1:9' }
            Registry = 'removes a stored login without asking the registry'
            BadName  = @{ Command = "Disconnect-ContainerRegistry -Registry 'not a registry'"; Kind = 'InvalidParams'; Target = 'not a registry' }
        }
        'Find-ContainerImage'          = @{
            Engine   = @{ Command = 'Find-ContainerImage -Registry $env:CONTAINERIMAGE_TEST_MIRROR -Term microsoft'; Kind = $null }
            Registry = @{ Command = 'Find-ContainerImage -Registry $env:CONTAINERIMAGE_TEST_DOWN_REGISTRY -Term app'; Target = '$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY' }
            BadName  = @{ Command = "Find-ContainerImage -Registry 'not a registry' -Term app"; Kind = 'InvalidParams'; Target = 'not a registry' }
        }
        'Get-ContainerImage'           = @{
            Engine   = @{ Command = 'Get-ContainerImage' }
            Registry = 'lists the engine only'
            BadName  = @{ Command = "Get-ContainerImage -Name $missing"; Kind = 'NotFound'; Target = $missing },
                       @{ Command = "Get-ContainerImage -Name 'Not A Name'"; Kind = 'InvalidReference'; Target = 'Not A Name' }
        }
        'Get-ContainerImageHistory'    = @{
            Engine   = @{ Command = "Get-ContainerImageHistory -Name $missing" }
            Registry = 'reads the engine only'
            BadName  = @{ Command = "Get-ContainerImageHistory -Name $missing"; Kind = 'NotFound'; Target = $missing }
        }
        'Get-ContainerImageSetting'    = @{
            Engine   = @{ Command = 'Get-ContainerImageSetting'; Kind = $null }
            Registry = 'reads the settings file only'
            BadName  = 'takes no name'
        }
        'Import-ContainerImage'        = @{
            Engine   = @{ Command = 'Import-ContainerImage -LiteralPath (Join-Path $env:ERRORACTION_WORK archive.tar) -Confirm:$false' }
            Registry = 'loads an archive into the engine only'
            BadName  = @{ Command = 'Import-ContainerImage -LiteralPath (Join-Path $env:ERRORACTION_WORK none.tar) -Confirm:$false'; Kind = 'NotFound'; Target = '$(Join-Path $env:ERRORACTION_WORK none.tar)' }
        }
        'Install-ContainerImage'       = @{
            Engine   = @{ Command = "Install-ContainerImage -Name $missing -Confirm:`$false" }
            Registry = @{ Command = 'Install-ContainerImage -Name "$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY/errors/app:1" -Confirm:$false'; Target = '$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY/errors/app:1' }
            BadName  = @{ Command = "Install-ContainerImage -Name 'Not A Name' -Confirm:`$false"; Kind = 'InvalidReference'; Target = 'Not A Name' }
        }
        'New-ContainerImage'           = @{
            Engine   = @{ Command = 'New-ContainerImage -Container errors-no-such-container -Name test/errors-new -Confirm:$false' }
            Registry = 'commits on the engine only'
            BadName  = @{ Command = 'New-ContainerImage -Container errors-no-such-container -Name test/errors-new -Confirm:$false'; Kind = 'NotFound'; Target = 'errors-no-such-container' }
        }
        'Publish-ContainerImage'       = @{
            Engine   = @{ Command = "Publish-ContainerImage -Name $missing -Confirm:`$false" }
            Registry = @{ Command = 'Publish-ContainerImage -Name "$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY/errors/publish:1" -Confirm:$false'; Target = '$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY/errors/publish:1' }
            BadName  = @{ Command = "Publish-ContainerImage -Name $missing -Confirm:`$false"; Kind = 'NotFound'; Target = $missing }
        }
        'Remove-ContainerImage'        = @{
            Engine   = @{ Command = "Remove-ContainerImage -Name $missing -Confirm:`$false" },
                       @{ Command = 'Remove-ContainerImage -Unused -Confirm:$false' }
            Registry = 'removes from the engine only'
            BadName  = @{ Command = "Remove-ContainerImage -Name $missing -Confirm:`$false"; Kind = 'NotFound'; Target = $missing },
                       @{ Command = "Remove-ContainerImage -Name 'Not A Name' -Confirm:`$false"; Kind = 'InvalidReference'; Target = 'Not A Name' },
                       @{ Command = 'Remove-ContainerImage -Unused -OlderThan -5d -Confirm:$false'; Kind = 'InvalidParams'; Target = 'OlderThan' },
                       @{ Command = 'Remove-ContainerImage -Unused -KeepLatest 0 -Confirm:$false'; Kind = 'InvalidParams'; Target = 'KeepLatest' }
        }
        'Save-ContainerImage'          = @{
            Engine   = @{ Command = "Save-ContainerImage -Name microsoft/nanoserver -Path (Join-Path `$env:ERRORACTION_WORK saved.tar) -Confirm:`$false" }
            Registry = 'reads the engine only'
            BadName  = @{ Command = "Save-ContainerImage -Name $missing -Path (Join-Path `$env:ERRORACTION_WORK saved.tar) -Confirm:`$false"; Kind = 'NotFound'; Target = $missing }
        }
        'Set-ContainerImageSetting'    = @{
            Engine   = @{ Command = 'Set-ContainerImageSetting -Progress $false -WhatIf'; Kind = $null }
            Registry = 'writes the settings file only'
            BadName  = @{ Command = "Set-ContainerImageSetting -Engine 'not an engine' -Confirm:`$false"; Kind = 'InvalidParams'; Target = 'Engine' }
        }
        'Sync-ContainerImage'          = @{
            Engine   = @{ Command = 'Sync-ContainerImage -Path (Join-Path $env:ERRORACTION_WORK list.yaml) -Confirm:$false' }
            Registry = @{ Command = 'Sync-ContainerImage -Path (Join-Path $env:ERRORACTION_WORK down.yaml) -Confirm:$false'; Target = '$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY/errors/app:1' }
            BadName  = @{ Command = 'Sync-ContainerImage -Path (Join-Path $env:ERRORACTION_WORK bad.yaml) -Confirm:$false'; Kind = 'InvalidData'; Target = '$(Join-Path $env:ERRORACTION_WORK bad.yaml)' },
                       @{ Command = 'Sync-ContainerImage -Path (Join-Path $env:ERRORACTION_WORK none.yaml) -Confirm:$false'; Kind = 'NotFound'; Target = '$(Join-Path $env:ERRORACTION_WORK none.yaml)' }
        }
        'Test-ContainerImage'          = @{
            Engine   = @{ Command = "Test-ContainerImage -Name $missing" }
            Registry = @{ Command = 'Test-ContainerImage -Remote -Name "$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY/errors/app:1"'; Target = '$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY' }
            BadName  = @{ Command = "Test-ContainerImage -Name 'Not A Name'"; Kind = 'InvalidReference'; Target = 'Not A Name' }
        }
        'Get-ContainerEngine'          = @{
            # Reads docker's context store: no engine is contacted.
            Engine   = @{ Command = 'Get-ContainerEngine'; Kind = $null }
            Registry = 'reads the context store only'
            BadName  = @{ Command = 'Get-ContainerEngine -Name errors-missing'; Kind = 'NotFound'; Target = 'errors-missing' }
        }
        'Test-ContainerEngine'         = @{
            # An engine that is down is a result (Reachable False, and why), not an error.
            Engine   = @{ Command = 'Test-ContainerEngine'; Kind = $null }
            Registry = 'reaches engines only'
            BadName  = @{ Command = "Test-ContainerEngine -Name 'not an engine://x'"; Kind = 'InvalidParams'; Target = 'not an engine://x' },
                       @{ Command = 'Test-ContainerEngine -Name errors-missing'; Kind = 'NotFound'; Target = 'errors-missing' }
        }
        'New-ContainerEngine'          = @{
            # Writes the context store without contacting the engine: the failure it meets is a bad address.
            Engine   = @{ Command = 'New-ContainerEngine -Name errors-new -Host not-an-address'; Kind = 'InvalidParams'; Target = 'not-an-address' }
            Registry = 'writes the context store only'
            BadName  = @{ Command = "New-ContainerEngine -Name 'not a name' -Host tcp://127.0.0.1:9"; Kind = 'InvalidParams'; Target = 'not a name' }
        }
        'Remove-ContainerEngine'       = @{
            Engine   = @{ Command = 'Remove-ContainerEngine -Name errors-missing -Confirm:$false'; Kind = 'NotFound'; Target = 'errors-missing' }
            Registry = 'writes the context store only'
            BadName  = @{ Command = 'Remove-ContainerEngine -Name errors-missing -Confirm:$false'; Kind = 'NotFound'; Target = 'errors-missing' }
        }
        'Get-ContainerImageUpdate'     = @{
            Engine   = @{ Command = "Get-ContainerImageUpdate -Name $missing" }
            Registry = 'a registry that is down is one error beside its images'' rows (Status Unknown): Get-ContainerImageUpdate.Tests.ps1'
            BadName  = @{ Command = "Get-ContainerImageUpdate -Name $missing"; Kind = 'NotFound'; Target = $missing },
                       @{ Command = "Get-ContainerImageUpdate -Name 'Not A Name'"; Kind = 'InvalidReference'; Target = 'Not A Name' }
        }
        'Update-ContainerImage'        = @{
            Engine   = @{ Command = "Update-ContainerImage -Name $missing -Confirm:`$false" }
            Registry = 'needs an image pulled from the registry before it went down: Update-ContainerImage.Tests.ps1'
            BadName  = @{ Command = "Update-ContainerImage -Name $missing -Confirm:`$false"; Kind = 'NotFound'; Target = $missing },
                       @{ Command = "Update-ContainerImage -Name 'Not A Name' -Confirm:`$false"; Kind = 'InvalidReference'; Target = 'Not A Name' }
        }
        'Get-ContainerImageTag'        = @{
            # The registry's API only: the engine being down changes nothing.
            Engine   = @{ Command = 'Get-ContainerImageTag -Name "$env:CONTAINERIMAGE_TEST_MIRROR/microsoft/nanoserver"'; Kind = $null }
            Registry = @{ Command = 'Get-ContainerImageTag -Name "$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY/errors/app"'; Target = '$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY' }
            BadName  = @{ Command = "Get-ContainerImageTag -Name 'Not A Name'"; Kind = 'InvalidReference'; Target = 'Not A Name' }
        }
        'Get-ContainerImageManifest'   = @{
            Engine   = @{ Command = 'Get-ContainerImageManifest -Name "$env:CONTAINERIMAGE_TEST_MIRROR/microsoft/nanoserver:latest"'; Kind = $null }
            Registry = @{ Command = 'Get-ContainerImageManifest -Name "$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY/errors/app:1"'; Target = '$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY' }
            BadName  = @{ Command = "Get-ContainerImageManifest -Name 'Not A Name'"; Kind = 'InvalidReference'; Target = 'Not A Name' }
        }
        'Unpublish-ContainerImage'     = @{
            Engine   = 'asks the registry only, never the engine (Unpublish-ContainerImage.Tests.ps1 removes tags with no engine in reach)'
            Registry = @{ Command = 'Unpublish-ContainerImage -Name "$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY/errors/app:1" -Confirm:$false'; Target = '$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY' }
            BadName  = @{ Command = "Unpublish-ContainerImage -Name 'Not A Name' -Confirm:`$false"; Kind = 'InvalidReference'; Target = 'Not A Name' }
        }
        'Copy-ContainerImage'          = @{
            # Registry to registry: the engine being down changes nothing.
            Engine   = @{ Command = 'Copy-ContainerImage -Name "$env:CONTAINERIMAGE_TEST_MIRROR/microsoft/nanoserver:latest" -Destination "$env:CONTAINERIMAGE_TEST_TARGET/errors/nanoserver"'; Kind = $null }
            Registry = @{ Command = 'Copy-ContainerImage -Name "$env:CONTAINERIMAGE_TEST_MIRROR/microsoft/nanoserver:latest" -Destination "$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY/errors/copy"'; Target = '$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY' }
            BadName  = @{ Command = "Copy-ContainerImage -Name 'Not A Name' -Destination `"`$env:CONTAINERIMAGE_TEST_TARGET/errors/x`""; Kind = 'InvalidReference'; Target = 'Not A Name' }
        }
        'Get-ContainerImageDiskUsage'  = @{
            Engine   = @{ Command = 'Get-ContainerImageDiskUsage' }
            Registry = 'reads the engine only'
            BadName  = 'takes no name'
        }
    }

    # The module's own list of exported commands, so that a new cmdlet cannot be left out.
    $manifest = Import-PowerShellDataFile (Join-Path $PSScriptRoot '../../powershell/ContainerImage/ContainerImage.psd1')
    $Exported = @($manifest.FunctionsToExport)
    $Entries = foreach ($cmdlet in $Exported) { @{ Cmdlet = $cmdlet; Entry = $Table[$cmdlet] } }

    # The cases of each failure. The backend that cannot start fails every cmdlet: each one's first command.
    function Get-Case {
        param([string] $Scenario, [string] $DefaultKind, [string] $DefaultTarget)
        $id = 0
        foreach ($cmdlet in $Exported) {
            $entry = $Table[$cmdlet]
            if (-not $entry) { continue }   # fails the table test
            $cases = if ($Scenario -eq 'Backend') { @($entry.Engine)[0] } else { $entry[$Scenario] }
            foreach ($case in @($cases)) {
                if ($case -isnot [hashtable]) { continue }   # the reason it has no such case
                $kind = if ($Scenario -eq 'Backend') { $DefaultKind } elseif ($case.ContainsKey('Kind')) { $case.Kind } else { $DefaultKind }
                $target = if ($Scenario -eq 'Backend' -or -not $case.ContainsKey('Target')) { $DefaultTarget } else { $case['Target'] }
                @{ Id = ++$id; Cmdlet = $cmdlet; Command = $case.Command; Kind = $kind; Target = $target }
            }
        }
    }
    $Scenarios = @(
        @{ Scenario = 'the engine down'; Name = 'Engine'; Cases = @(Get-Case Engine EngineUnavailable '$env:DOCKER_HOST') }
        @{ Scenario = 'a registry down'; Name = 'Registry'; Cases = @(Get-Case Registry RegistryUnavailable '') }
        @{ Scenario = 'the backend unable to start'; Name = 'Backend'; Cases = @(Get-Case Backend BackendUnavailable '$env:CONTAINERIMAGE_PYTHON') }
        @{ Scenario = 'a bad name'; Name = 'BadName'; Cases = @(Get-Case BadName '' '') }
    )
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force

    $script:Categories = @{
        EngineUnavailable = 'ConnectionError'; RegistryUnavailable = 'ConnectionError'; BackendUnavailable = 'ResourceUnavailable'
        NotFound = 'ObjectNotFound'; InvalidReference = 'InvalidArgument'; InvalidParams = 'InvalidArgument'; InvalidData = 'InvalidData'
    }
    # What must never reach the user: .NET and Python stack traces, PowerShell's wrapping of exceptions.
    $script:TracePatterns = '(?m)^\s+at ', 'Exception calling', 'Traceback', 'CmdletInvocationException', 'ActionPreferenceStopException',
                            'System\.Management\.Automation\.'
    $script:RealEngine = $env:DOCKER_HOST

    # The files the cases use, in a folder of their own ($env:, so that a new pwsh finds it too).
    $env:ERRORACTION_WORK = (New-Item -ItemType Directory (Join-Path $TestDrive 'work')).FullName
    Set-Content (Join-Path $env:ERRORACTION_WORK 'list.yaml') "Images:`n  - Name: test/errors-missing:1"
    Set-Content (Join-Path $env:ERRORACTION_WORK 'down.yaml') "Images:`n  - Name: $env:CONTAINERIMAGE_TEST_DOWN_REGISTRY/errors/app:1"
    Set-Content (Join-Path $env:ERRORACTION_WORK 'bad.yaml') "Images:`n  - Name: Not A Name"
    Set-Content (Join-Path $env:ERRORACTION_WORK 'archive.tar') 'not read: the engine is down'
    # Logins of this file's own (none), so that no case can touch another's.
    $script:SavedDockerConfig = $env:DOCKER_CONFIG
    $script:DockerConfigFile = Use-NewDockerConfig

    Invoke-Docker pull -q microsoft/nanoserver | Out-Null
    Invoke-Docker tag microsoft/nanoserver "$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY/errors/publish:1" | Out-Null
    Remove-TestImage test/errors-missing:1, test/errors-new:1, test/errors-new:latest

    function Get-State {
        # What a failed call must leave as it was: the images on the (real) engine, the stored logins, the
        # settings file and the files of the cases.
        $images = & docker --host $script:RealEngine images --all --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}' | Sort-Object
        $logins = if (Test-Path -LiteralPath $script:DockerConfigFile) { Get-Content -Raw -LiteralPath $script:DockerConfigFile } else { '<no config.json>' }
        $settings = if (Test-Path -LiteralPath $env:CONTAINERIMAGE_CONFIG) { Get-Content -Raw -LiteralPath $env:CONTAINERIMAGE_CONFIG } else { '<no settings file>' }
        $files = Get-ChildItem -Force -Recurse -LiteralPath $env:ERRORACTION_WORK | ForEach-Object { "$($_.Name) $($_.Length)" }
        (@($images) + $logins + $settings + @($files)) -join "`n"
    }

    function Expand-Target([string] $Text) { $ExecutionContext.InvokeCommand.ExpandString($Text) }

    function Assert-CaseError {
        # One ErrorRecord as the case wants it: id, category, target, and a message without a trace.
        param($Record, [hashtable] $Case, [string] $How)
        $Record | Should -BeOfType [System.Management.Automation.ErrorRecord] -Because $How
        $Record.FullyQualifiedErrorId | Should -Be "ContainerImage.$($Case.Kind),$($Case.Cmdlet)" -Because $How
        $Record.CategoryInfo.Category | Should -Be $script:Categories[$Case.Kind] -Because $How
        [string]$Record.TargetObject | Should -Be (Expand-Target $Case.Target) -Because "$How, the target"
        $Record.Exception | Should -Not -BeOfType [System.Management.Automation.CmdletInvocationException] -Because $How
        $Record.Exception | Should -Not -BeOfType [System.Management.Automation.ActionPreferenceStopException] -Because $How
        $Record.Exception.Message | Should -Not -BeNullOrEmpty -Because $How
        foreach ($text in $Record.Exception.Message, $Record.ToString(), ($Record | Out-String)) {
            foreach ($pattern in $script:TracePatterns) { $text | Should -Not -Match $pattern -Because "$How, as shown" }
        }
    }

    function Invoke-Case {
        # Runs the case's command with extra text after it, in a child scope; returns everything it output.
        param([hashtable] $Case, [string] $Before = '', [string] $After = '')
        & ([scriptblock]::Create("$Before $($Case.Command) $After"))
    }

    function Invoke-Screen {
        # The cases' commands in a new pwsh, as a user's console runs them: first each under the default
        # preference, then each under -ErrorAction SilentlyContinue, between markers. What the console
        # showed (output and errors, in order, colours removed) between each case's markers.
        param([object[]] $Cases)
        # Markers made when they run, so that the command text an error may quote does not hold them.
        $statements = foreach ($case in $Cases) {
            "'<<' + 'C$($case.Id)'", $case.Command, "'>>' + 'C$($case.Id)'"
            "'<<' + 'S$($case.Id)'", "$($case.Command) -ErrorAction SilentlyContinue", "'>>' + 'S$($case.Id)'"
        }
        # One line of commands, as typed at a prompt (pwsh -c '...'), so that errors show as there.
        $script = (@(". '$(Join-Path $PSScriptRoot 'TestHelpers.ps1')'", "Import-Module '$ModulePath'") + $statements) -join '; '
        # One stream, as on a console: stderr into stdout by the shell, so that the order is kept.
        $text = & /bin/sh -c 'exec "$0" -NoProfile -NonInteractive -Command "$1" 2>&1 </dev/null' (Get-Command pwsh).Source $script | Out-String
        $text = $text -replace "`e\[[0-9;?]*[A-Za-z]", ''
        $sections = @{}
        foreach ($match in [regex]::Matches($text, '(?ms)^<<(?<key>[CS]\d+)\r?\n(?<body>.*?)^>>\k<key>\r?$')) {
            $sections[$match.Groups['key'].Value] = $match.Groups['body'].Value
        }
        @{ Text = $text; Sections = $sections }
    }
}

AfterAll {
    Remove-TestImage "$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY/errors/publish:1"
    $env:DOCKER_CONFIG = $script:SavedDockerConfig
    Remove-Item Env:ERRORACTION_WORK -ErrorAction Ignore
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Every exported cmdlet has its error cases' -Tag StdioOnly {
    It '<Cmdlet> has a case, or the reason it has none, for the engine down, a registry down and a bad name' -ForEach $Entries {
        $Entry | Should -Not -BeNullOrEmpty -Because "$Cmdlet is exported, and ErrorAction.Tests.ps1 has no entry for it"
        foreach ($scenario in 'Engine', 'Registry', 'BadName') {
            $Entry[$scenario] | Should -Not -BeNullOrEmpty -Because "$Cmdlet needs a $scenario case, or the reason it has none"
            foreach ($case in @($Entry[$scenario])) {
                if ($case -is [hashtable]) { $case.Command | Should -Match "^$Cmdlet(\s|`$)" -Because 'each case calls its own cmdlet' }
            }
        }
    }

    It 'the list of cmdlets is what the module exports' -ForEach @{ Exported = $Exported } {
        @((Get-Module ContainerImage).ExportedFunctions.Keys | Sort-Object) | Should -Be @($Exported | Sort-Object)
        (Get-Module ContainerImage).ExportedCmdlets.Count | Should -Be 0
    }
}

Describe 'With <Scenario>' -ForEach $Scenarios -Tag StdioOnly {
    BeforeAll {
        $saved = @{ DOCKER_HOST = $env:DOCKER_HOST; CONTAINERIMAGE_PYTHON = $env:CONTAINERIMAGE_PYTHON }
        if ($Name -eq 'Engine') {
            # An engine that died: its socket is there, nothing listens on it (connection refused).
            $socket = Join-Path $TestDrive "dead-$([guid]::NewGuid().ToString('n').Substring(0, 8)).sock"
            $listener = [System.Net.Sockets.Socket]::new('Unix', 'Stream', 'Unspecified')
            $listener.Bind([System.Net.Sockets.UnixDomainSocketEndPoint]::new($socket))
            $listener.Dispose()
            $env:DOCKER_HOST = "unix://$socket"
        }
        if ($Name -eq 'Backend') { $env:CONTAINERIMAGE_PYTHON = '/nonexistent/python3' }
        $stateBefore = Get-State
        $failing = @($Cases | Where-Object Kind)
        $screen = if ($failing) { Invoke-Screen $failing }
        $stateAfterScreen = Get-State
    }

    AfterAll {
        $env:DOCKER_HOST = $saved.DOCKER_HOST
        $env:CONTAINERIMAGE_PYTHON = $saved.CONTAINERIMAGE_PYTHON
    }

    It '<Cmdlet>: <Command>' -ForEach $Cases {
        $case = $_
        $state = Get-State
        if (-not $Kind) {
            # This cmdlet does not need what is down: it works.
            { Invoke-Case $case -After '-ErrorAction Stop' | Out-Null } | Should -Not -Throw
            Get-State | Should -Be $state
            return
        }

        # -ErrorAction SilentlyContinue: in $Error and -ErrorVariable (the same record, once), not shown,
        # nothing output, and the script goes on.
        $Error.Clear()
        $recorded = $null
        $output = @(Invoke-Case $case -After '-ErrorAction SilentlyContinue -ErrorVariable recorded 2>&1; ''continued''; , $recorded')
        $output[-1].Count | Should -Be 1 -Because 'SilentlyContinue: -ErrorVariable holds one record'
        $record = $output[-1][0]
        Assert-CaseError $record $case 'SilentlyContinue, -ErrorVariable'
        $output.Count | Should -Be 2 -Because 'SilentlyContinue: nothing shown and nothing output, then the script goes on'
        $output[0] | Should -Be 'continued'
        $Error.Count | Should -Be 1 -Because 'SilentlyContinue: $Error holds the record once'
        [object]::ReferenceEquals($Error[0], $record) | Should -BeTrue -Because '$Error and -ErrorVariable hold the same record'

        # -ErrorAction Ignore: nowhere.
        $Error.Clear()
        $output = @(Invoke-Case $case -After '-ErrorAction Ignore -ErrorVariable recorded 2>&1; ''continued''; , $recorded')
        $output.Count | Should -Be 2 -Because 'Ignore: nothing shown or output, and the script goes on'
        $output[0] | Should -Be 'continued'
        $output[1].Count | Should -Be 0 -Because 'Ignore: not in -ErrorVariable'
        $Error.Count | Should -Be 0 -Because 'Ignore: not in $Error'

        # -ErrorAction Stop: the caller's try/catch catches the record; the rest of the try does not run.
        $Error.Clear()
        $output = @(Invoke-Case $case -Before 'try {' -After '-ErrorAction Stop; ''went on'' } catch { $_ }')
        $output.Count | Should -Be 1 -Because 'Stop: only the caught error'
        Assert-CaseError $output[0] $case 'Stop, as caught'
        $Error.Count | Should -Be 1

        # The caller's $ErrorActionPreference, set in the calling script's scope: Stop, then SilentlyContinue.
        $output = @(Invoke-Case $case -Before '$ErrorActionPreference = ''Stop''; try {' -After '; ''went on'' } catch { $_ }')
        $output.Count | Should -Be 1 -Because '$ErrorActionPreference = Stop in the calling scope stops the script'
        Assert-CaseError $output[0] $case '$ErrorActionPreference Stop, as caught'
        $Error.Clear()
        $output = @(Invoke-Case $case -Before '$ErrorActionPreference = ''SilentlyContinue'';' -After '2>&1; ''continued''')
        $output | Should -Be 'continued' -Because '$ErrorActionPreference = SilentlyContinue in the calling scope: nothing shown'
        $Error.Count | Should -Be 1

        # The default (Continue): the error on the error stream once, and the script goes on.
        $Error.Clear()
        $output = @(Invoke-Case $case -Before '$ErrorActionPreference = ''Continue'';' -After '2>&1; ''continued''')
        $output.Count | Should -Be 2 -Because 'Continue: one error shown, nothing output, then the script goes on'
        Assert-CaseError $output[0] $case 'Continue, on the error stream'
        $output[1] | Should -Be 'continued'
        $Error.Count | Should -Be 1

        # On the screen of a new pwsh: shown once under the default, as "<cmdlet>: <message>", with no trace,
        # and the script went on; nothing at all under SilentlyContinue.
        $shown = $screen.Sections["C$Id"]
        $shown | Should -Not -BeNullOrEmpty -Because "the new pwsh went on past the case and showed its error; it showed:`n$($screen.Text)"
        $errorLines = @($shown -split '\r?\n' | Where-Object { $_ -like "${Cmdlet}: *" })
        $errorLines.Count | Should -Be 1 -Because "the error is shown once; the screen showed:`n$shown"
        ($shown -replace '\s+', ' ') | Should -BeLike "*${Cmdlet}: $([WildcardPattern]::Escape(($record.Exception.Message -replace '\s+', ' ')))*"
        foreach ($pattern in $TracePatterns) { $shown | Should -Not -Match $pattern -Because 'no stack trace on screen' }
        $screen.Sections.ContainsKey("S$Id") | Should -BeTrue -Because 'under SilentlyContinue the new pwsh went on'
        $screen.Sections["S$Id"].Trim() | Should -BeNullOrEmpty -Because 'SilentlyContinue shows nothing'

        Get-State | Should -Be $state -Because 'a failed call changes nothing'
    }

    It 'the new pwsh changed nothing either' {
        $stateAfterScreen | Should -Be $stateBefore
    }
}

Describe 'One way to report an error' -Tag StdioOnly {
    It 'every cmdlet reports its errors through Write-ContainerImageError; only a parameter error is thrown' {
        # Parsed, so that comments and help text do not count: the calls that report an error.
        $found = foreach ($file in Get-ChildItem (Join-Path $ModulePath 'Public'), (Join-Path $ModulePath 'Private') -Filter *.ps1) {
            if ($file.Name -eq 'ErrorRecord.ps1') { continue }   # Write-ContainerImageError itself
            $ast = [System.Management.Automation.Language.Parser]::ParseFile($file.FullName, [ref]$null, [ref]$null)
            $calls = $ast.FindAll({
                param($node)
                ($node -is [System.Management.Automation.Language.InvokeMemberExpressionAst] -and
                    $node.Member.Value -in 'WriteError', 'ThrowTerminatingError') -or
                ($node -is [System.Management.Automation.Language.CommandAst] -and $node.GetCommandName() -eq 'Write-Error') -or
                $node -is [System.Management.Automation.Language.ThrowStatementAst]
            }, $true)
            foreach ($call in $calls) { "$($file.Name): $($call.Extent.Text.Split([char]10)[0])" }
        }
        # The two parameter errors: Set-ContainerImageSetting with nothing to change, and an empty -Engine name.
        $found | Should -Be @("Set-ContainerImageSetting.ps1: `$PSCmdlet.ThrowTerminatingError((New-ContainerImageError -Kind InvalidParams -Target 'Set-ContainerImageSetting' ``",
            "Engines.ps1: `$Cmdlet.ThrowTerminatingError((New-ContainerImageError -Kind InvalidParams -Target 'Engine' ``")
    }
}

Describe 'A confirmation no one can answer (pwsh -NonInteractive)' -Tag StdioOnly {
    It 'is one ConfirmationUnavailable error, the same in $Error and -ErrorVariable, and nothing is removed' {
        $script = "Import-Module '$ModulePath'; `$Error.Clear(); " +
                  'Remove-ContainerImage -Name microsoft/nanoserver -ErrorVariable e -ErrorAction SilentlyContinue; ' +
                  '$e.Count; $Error.Count; $e[0].FullyQualifiedErrorId; [object]::ReferenceEquals($e[0], $Error[0]); $e[0].Exception.Message'
        $lines = @(& (Get-Command pwsh).Source -NoProfile -NonInteractive -Command $script 2>&1 | ForEach-Object { "$_" })
        $lines.Count | Should -Be 5 -Because "nothing else is shown: $($lines -join ' | ')"
        $lines[0] | Should -Be '1' -Because '-ErrorVariable holds only the error the cmdlet reports, not the exception it caught'
        $lines[1] | Should -Be '1' -Because '$Error too'
        $lines[2] | Should -Be 'ContainerImage.ConfirmationUnavailable,Remove-ContainerImage'
        $lines[3] | Should -Be 'True'
        $lines[4] | Should -BeLike '*needs a confirmation that cannot be asked here*Nothing was changed.'
        foreach ($pattern in $TracePatterns) { $lines[4] | Should -Not -Match $pattern }
        & docker image inspect microsoft/nanoserver 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0 -Because 'nothing is removed without the confirmation'
    }
}

Describe 'Failures that stay terminating: parameters that cannot go together' -Tag StdioOnly {
    It 'Set-ContainerImageSetting with nothing to change stops the statement even under SilentlyContinue' {
        $output = @(& { try { Set-ContainerImageSetting -ErrorAction SilentlyContinue; 'went on' } catch { $_ } })
        $output.Count | Should -Be 1
        $output[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.InvalidParams,Set-ContainerImageSetting'
        $output[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $output[0].TargetObject | Should -Be 'Set-ContainerImageSetting'
        foreach ($pattern in $TracePatterns) { $output[0].Exception.Message | Should -Not -Match $pattern }
    }

    It 'PowerShell''s own parameter binding refuses a parameter set that cannot be resolved' {
        $output = @(& { try { Get-ContainerImage -Name x -Id abc -ErrorAction SilentlyContinue; 'went on' } catch { $_ } })
        $output.Count | Should -Be 1
        $output[0].FullyQualifiedErrorId | Should -Be 'AmbiguousParameterSet,Get-ContainerImage'
    }
}
