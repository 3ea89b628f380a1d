# Ctrl+C where people press it: a real pwsh in a real terminal (tmux), under this run's transport
# ($env:CONTAINERIMAGE_TRANSPORT, which the pwsh in the terminal inherits). A terminal's Ctrl+C signals its
# whole foreground process group; PowerShell's Stop() API, which the other tests use, sends no signal.
# Each long call is stopped while the stalling registry or engine shows it under way; then the engine's
# work must stop as docker's does, leave nothing behind, and the same session must answer at once.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'TerminalHelpers.ps1')
    $script:Transport = if ($env:CONTAINERIMAGE_TRANSPORT) { $env:CONTAINERIMAGE_TRANSPORT } else { 'Stdio' }
    # A docker pull stopped in a terminal drops its downloads within 2 s (the issue's measure); the
    # tests allow more on a busy machine, and print what they measured.
    $script:StopSeconds = 5

    function Start-ModuleTerminal {
        # pwsh in a terminal with the module imported and its backend started under this run's transport.
        # Returns the terminal, with Backend: the pid of the backend (pwsh's own in-process).
        param([hashtable] $Environment = @{})
        $terminal = Start-Terminal -Environment $Environment
        Send-TerminalLine $terminal ("Import-Module '$ModulePath'; `$null = Get-ContainerImage -Name 'microsoft/*'; " +
            '"READY $(& (Get-Module ContainerImage) { "$($script:Backend.Transport) $($script:Backend.Handshake.pid)" })"')
        $ready = Wait-TerminalText $terminal '^READY (\w+) (\d+)$'
        $ready.Groups[1].Value | Should -Be $Transport -Because 'the pwsh in the terminal runs the transport under test'
        $terminal | Add-Member -NotePropertyName Backend -NotePropertyValue $ready.Groups[2].Value -PassThru
    }

    function Stop-InTerminal {
        # Types $Line (long work) in the terminal, waits until $UnderWay says the work is under way, presses
        # Ctrl+C, and waits until $Stopped says the engine's work stopped. Returns the seconds that took.
        param($Terminal, [string] $Line, [scriptblock] $UnderWay, [scriptblock] $Stopped)
        Send-TerminalLine $Terminal "$Line; 'FINISHED'"
        Wait-Condition $UnderWay 90 | Should -BeTrue -Because "the work should get under way. The terminal shows:`n$(Get-TerminalScreen $Terminal)"
        Send-TerminalInterrupt $Terminal
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        if (-not (Wait-Condition $Stopped 10) -and -not (Test-PromptShown $Terminal)) {
            # Seen about once in twenty runs on a busy machine, with no cause found in the module: pwsh
            # reacts to neither the Ctrl+C nor anything else, as if the key never came. A person presses
            # it again; so does the test, and says so.
            Write-Warning "pwsh did not react to Ctrl+C within 10 s; pressing it again. The terminal shows:`n$(Get-TerminalScreen $Terminal)"
            Send-TerminalInterrupt $Terminal
            $clock.Restart()
        }
        Wait-Condition $Stopped 60 | Should -BeTrue -Because "Ctrl+C should stop the engine's work. The terminal shows:`n$(Get-TerminalScreen $Terminal)"
        $seconds = $clock.Elapsed.TotalSeconds
        Write-Host ("    ({0}: the engine's work stopped {1:N1} s after Ctrl+C)" -f $Transport, $seconds)
        $seconds
    }

    function Test-PromptShown {
        # Whether pwsh shows its prompt again (the last line is a prompt with nothing typed after it).
        param($Terminal)
        @((Get-TerminalScreen $Terminal) -split "`n" | Where-Object { $_.Trim() })[-1] -match '^PS [^>]*> ?$'
    }

    function Assert-SessionAnswers {
        # The session that was interrupted answers the next cmdlet at once, from the same backend, and no
        # error about the backend was shown; the interrupted work never finished.
        param($Terminal)
        Send-TerminalLine $Terminal ('$clock = [Diagnostics.Stopwatch]::StartNew(); $n = @(Get-ContainerImage -ErrorAction Stop).Count; ' +
            '"NEXT $n images in $($clock.ElapsedMilliseconds) ms from $(& (Get-Module ContainerImage) { $script:Backend.Handshake.pid })"')
        $next = Wait-TerminalText $Terminal '^NEXT \d+ images in (\d+) ms from (\d+)$' 30
        [int]$next.Groups[1].Value | Should -BeLessThan 3000 -Because 'the next cmdlet must not wait for the stopped work'
        $next.Groups[2].Value | Should -Be $Terminal.Backend -Because 'the backend survives Ctrl+C'
        $screen = Get-TerminalScreen $Terminal
        $screen | Should -Not -Match 'backend stopped|exit code'
        $screen | Should -Not -Match '(?m)^FINISHED$'
    }

    function Assert-NoImage([string] $Name) {
        & docker image inspect $Name 2>&1 | Out-Null
        $LASTEXITCODE | Should -Not -Be 0 -Because "the stopped work must not leave $Name on the engine"
    }

    function New-LargeImage {
        # An image of one layer of random (incompressible) bytes, large enough that uploading it through
        # the stalling registry or engine takes most of a minute. Returns its name.
        param([Parameter(Mandatory)] [string] $Name)
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid()))
        $bytes = [byte[]]::new(48MB)
        [System.Random]::new().NextBytes($bytes)
        [System.IO.File]::WriteAllBytes((Join-Path $folder 'random'), $bytes)
        $layer = "$folder.tar"
        & tar -C $folder -cf $layer random
        if ($LASTEXITCODE -ne 0) { throw "tar could not write $layer" }
        Invoke-Docker import $layer $Name | Out-Null
        Remove-Item -Recurse -LiteralPath $folder, $layer
        $Name
    }

    Invoke-Docker pull -q microsoft/nanoserver | Out-Null
}

Describe 'Ctrl+C in a terminal' {
    BeforeAll {
        $script:registry = Start-StallRegistry
        $script:large = New-LargeImage "terminal/large-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
        $script:largeArchive = Join-Path $TestDrive 'large.tar'
        Invoke-Docker save -o $largeArchive $large | Out-Null
    }
    AfterAll {
        $registry.Kill()
        Remove-TestImage $large
    }
    BeforeEach { $terminal = $null }
    AfterEach { Stop-Terminal $terminal }

    It 'keeps the stdio backend out of the terminal''s foreground process group' -Skip:($env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess') {
        $terminal = Start-ModuleTerminal
        # /proc/PID/stat: pid (comm) state ppid pgrp session tty_nr tpgid ...
        $backend = (Get-Content "/proc/$($terminal.Backend)/stat") -replace '^.*\) ' -split ' '
        $backend[3] | Should -Be $terminal.Backend -Because 'the backend leads a session of its own'
        $backend[4] | Should -Be 0 -Because 'it has no controlling terminal'
    }

    It 'Install-ContainerImage: the download stops, nothing is tagged, and the session answers at once' {
        $name = "$($registry.Address)/$(New-FreshImage -Prefix fresh/terminal -Layers 1)"
        $terminal = Start-ModuleTerminal
        $seconds = Stop-InTerminal $terminal "Install-ContainerImage -Name '$name'" `
            -UnderWay { (Get-StalledDownload $registry) -ge 1 } -Stopped { (Get-StalledDownload $registry) -eq 0 }
        $seconds | Should -BeLessThan $StopSeconds
        Assert-SessionAnswers $terminal
        Assert-NoImage $name
    }

    It 'Sync-ContainerImage: the download stops, nothing is tagged, and the session answers at once' {
        $name = "$($registry.Address)/$(New-FreshImage -Prefix fresh/terminal -Layers 1)"
        $list = Join-Path $TestDrive "images-$([guid]::NewGuid().ToString('n').Substring(0, 6)).yaml"
        Set-Content -Path $list -Value 'Images:', "  - Name: $name"
        $terminal = Start-ModuleTerminal
        $seconds = Stop-InTerminal $terminal "Sync-ContainerImage -Path '$list'" `
            -UnderWay { (Get-StalledDownload $registry) -ge 1 } -Stopped { (Get-StalledDownload $registry) -eq 0 }
        $seconds | Should -BeLessThan $StopSeconds
        Assert-SessionAnswers $terminal
        Assert-NoImage $name
    }

    It 'Publish-ContainerImage: the upload stops as docker push''s does, and the registry gets no tag' {
        if (-not (& docker images -q $large)) { Invoke-Docker load -q -i $largeArchive | Out-Null }
        $repository = "terminal/pushed-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
        Invoke-Docker tag $large "$($registry.Address)/$repository" | Out-Null
        try {
            $terminal = Start-ModuleTerminal
            $seconds = Stop-InTerminal $terminal "Publish-ContainerImage -Name '$($registry.Address)/$repository'" `
                -UnderWay { (Get-StalledDownload $registry) -ge 1 } -Stopped { (Get-StalledDownload $registry) -eq 0 }
            # The engine gives an upload up only once its sender is back from the megabytes in its socket
            # buffers: docker push itself takes a few seconds here (2.5 s measured on the build machine).
            $seconds | Should -BeLessThan 15
            Assert-SessionAnswers $terminal
            $tags = Invoke-WebRequest "http://$env:CONTAINERIMAGE_TEST_MIRROR/v2/$repository/tags/list" -SkipHttpErrorCheck
            $tags.StatusCode | Should -Be 404 -Because 'no manifest may reach the registry'
        } finally {
            & docker rmi "$($registry.Address)/$repository" 2>&1 | Out-Null
        }
    }

    It 'Save-ContainerImage: the engine''s answer is dropped and no file is left, not even a partial one' {
        $stall = Start-StallEngine
        try {
            $folder = New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid()))
            $terminal = Start-ModuleTerminal -Environment @{ DOCKER_HOST = $stall.DockerHost }
            $seconds = Stop-InTerminal $terminal "Save-ContainerImage -Name microsoft/nanoserver -Path '$folder/stopped.tar'" `
                -UnderWay { (Get-StalledEngineCall $stall) -ge 1 -and (Get-ChildItem -LiteralPath $folder -Force) } `
                -Stopped { (Get-StalledEngineCall $stall) -eq 0 -and -not (Get-ChildItem -LiteralPath $folder -Force) }
            $seconds | Should -BeLessThan $StopSeconds
            Assert-SessionAnswers $terminal
            Get-ChildItem -LiteralPath $folder -Force | Should -BeNullOrEmpty
        } finally {
            Stop-StallEngine $stall
        }
    }

    It 'Import-ContainerImage: the upload stops, and the engine loads nothing' {
        Remove-TestImage $large
        $stall = Start-StallEngine
        try {
            $terminal = Start-ModuleTerminal -Environment @{ DOCKER_HOST = $stall.DockerHost }
            $seconds = Stop-InTerminal $terminal "Import-ContainerImage -Path '$largeArchive'" `
                -UnderWay { (Get-StalledEngineCall $stall) -ge 1 } -Stopped { (Get-StalledEngineCall $stall) -eq 0 }
            $seconds | Should -BeLessThan $StopSeconds
            Assert-SessionAnswers $terminal
            Assert-NoImage $large
        } finally {
            Stop-StallEngine $stall
        }
    }

    It 'closing the terminal in the middle of Install-ContainerImage stops the download, as for docker pull' {
        $name = "$($registry.Address)/$(New-FreshImage -Prefix fresh/terminal -Layers 1)"
        $terminal = Start-ModuleTerminal
        Send-TerminalLine $terminal "Install-ContainerImage -Name '$name'"
        Wait-Condition { (Get-StalledDownload $registry) -ge 1 } 90 | Should -BeTrue
        Stop-Terminal $terminal   # tmux hangs up: pwsh ends, and so the backend's stdin
        Wait-Condition { (Get-StalledDownload $registry) -eq 0 } 30 | Should -BeTrue -Because 'the engine hangs up its download'
        Wait-Condition { -not (Get-Process -Id $terminal.Backend -ErrorAction Ignore) } 30 | Should -BeTrue -Because 'the backend ends'
        Assert-NoImage $name
    }

    It 'containerimage pull, run by a person in a terminal, exits 130 and its download stops' {
        $name = "$($registry.Address)/$(New-FreshImage -Prefix fresh/terminal -Layers 1)"
        $backend = (Resolve-Path (Join-Path $PSScriptRoot '../../backend')).ProviderPath
        # An interactive shell, as a person has: the command runs in the terminal's foreground process group.
        $terminal = Start-Terminal -Command bash, '--norc', '--noprofile', '-i' -Prompt '[$#] $' -Environment @{ PYTHONPATH = $backend }
        Send-TerminalLine $terminal "/usr/bin/python3 -m containerimage pull '$name'; echo `"EXIT=`$?`""
        Wait-Condition { (Get-StalledDownload $registry) -ge 1 } 90 | Should -BeTrue
        Send-TerminalInterrupt $terminal
        (Wait-TerminalText $terminal '^EXIT=(\d+)$').Groups[1].Value | Should -Be 130
        Get-TerminalScreen $terminal | Should -Match '(?m)Cancelled\.$'   # after the terminal's ^C
        Wait-Condition { (Get-StalledDownload $registry) -eq 0 } 30 | Should -BeTrue -Because 'the engine hangs up its download'
        Assert-NoImage $name
    }
}
