# The module in other runspaces and processes, and its objects back from them: Start-ThreadJob and
# ForEach-Object -Parallel (a backend per runspace), Start-Job and Export-Clixml/Import-Clixml
# (Deserialized.ContainerImage.* objects: the same views, piped back by property name to the engine they
# came from), and PowerShell remoting over SSH (Invoke-Command -HostName) when the sandbox runs sshd with
# PowerShell's subsystem (CONTAINERIMAGE_TEST_SSH_PORT; the fleet of tools/sandbox.py).
# Runspaces in one process matter per transport (Stdio: a process each; InProcess: one Python, a backend
# each): this file runs under both.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $suffix = [guid]::NewGuid().ToString('n').Substring(0, 8)
    $image = "test/remoting-$suffix"
    Invoke-Docker pull -q microsoft/nanoserver | Out-Null
    Invoke-Docker tag microsoft/nanoserver "${image}:1"
    $context = "remoting-$suffix"
    Invoke-Docker context create $context --docker "host=$env:DOCKER_HOST" | Out-Null
    $fleet = $env:DOCKER_HOST, $context
}

AfterAll {
    Remove-TestImage "${image}:1", "${image}:2"
    & docker context rm -f $context 2>&1 | Out-Null
    Remove-Module ContainerImage -Force -ErrorAction Ignore
}

Describe 'Runspaces of one process' {
    It 'works in ForEach-Object -Parallel, each runspace with a backend of its own' {
        $results = @(1..3 | ForEach-Object -Parallel {
                Import-Module $using:ModulePath
                $found = @(Get-ContainerImage -Name $using:image -Engine $using:fleet)
                [pscustomobject]@{
                    Engines = @($found.Engine | Sort-Object) -join ','
                    Backend = & (Get-Module ContainerImage) { $script:Backend.GetHashCode() }
                    Transport = & (Get-Module ContainerImage) { $script:Backend.Transport }
                }
            } -ThrottleLimit 3)
        $results.Count | Should -Be 3
        foreach ($result in $results) { $result.Engines | Should -Be ((@($fleet) | Sort-Object) -join ',') }
        @($results.Backend | Sort-Object -Unique).Count | Should -Be 3
        $expected = if ($env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess') { 'InProcess' } else { 'Stdio' }
        foreach ($result in $results) { $result.Transport | Should -Be $expected }
    }

    It 'works in Start-ThreadJob, and its objects pipe back into this runspace''s cmdlets to their engine' {
        $job = Start-ThreadJob { Import-Module $using:ModulePath; Get-ContainerImage -Name $using:image -Engine $using:context }
        $found = @($job | Receive-Job -Wait -AutoRemoveJob)
        $found.Count | Should -Be 1
        $found[0].Engine | Should -Be $context
        $history = @($found | Get-ContainerImageHistory)
        @($history.Engine | Sort-Object -Unique) | Should -Be $context
    }
}

Describe 'Deserialized objects' -Skip:($env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess') {
    It 'come back from Start-Job as Deserialized.ContainerImage.Image, shown by the same view' {
        $job = Start-Job { Import-Module $using:ModulePath; Get-ContainerImage -Name $using:image -Engine $using:fleet }
        $copies = @($job | Receive-Job -Wait -AutoRemoveJob)
        $copies.Count | Should -Be 2
        $copies[0].pstypenames | Should -Contain 'Deserialized.ContainerImage.Image'
        $live = @(Get-ContainerImage -Name $image -Engine $fleet)
        # The same text but for the ages, which may have moved on by a second.
        $shown = ($copies | Sort-Object Engine | Out-String -Width 120) -replace '\d+ (seconds|minutes?|hours?) ago', 'AGE'
        $shown | Should -Be (($live | Sort-Object Engine | Out-String -Width 120) -replace '\d+ (seconds|minutes?|hours?) ago', 'AGE')
        $shown | Should -Match "Engine: $([regex]::Escape($context))"
    }

    It 'keep their Engine through Export-Clixml and Import-Clixml, and pipe back by property name to it' {
        $path = Join-Path $TestDrive 'images.xml'
        Get-ContainerImage -Name "${image}:1" -Engine $context | Export-Clixml $path
        $copy = @(Import-Clixml $path)
        $copy[0].pstypenames[0] | Should -Be 'Deserialized.ContainerImage.Image'
        $copy[0].Engine | Should -Be $context
        # -WhatIf names the engine (in a child pwsh, whose host writes What if: lines to its output).
        $script = "Import-Module '$ModulePath'; Import-Clixml '$path' | Remove-ContainerImage -WhatIf; Import-Clixml '$path' | Save-ContainerImage -Path '$(Join-Path $TestDrive 'x.tar')' -WhatIf"
        $output = @(& (Get-Command pwsh).Source -NoProfile -NonInteractive -Command $script 2>&1)
        @($output | Where-Object { $_ -like "What if:*${image}:1*on engine $context[;`"]*" }).Count | Should -Be 1 -Because ($output -join "`n")
        @($output | Where-Object { $_ -like "What if:*from engine $context`"*" }).Count | Should -Be 1 -Because ($output -join "`n")
        # And for real: a copy removes the image on its own engine, while the environment's engine is down.
        Invoke-Docker tag microsoft/nanoserver "${image}:2"
        Get-ContainerImage -Name "${image}:2" -Engine $context | Export-Clixml $path
        $saved = $env:DOCKER_HOST
        try {
            $env:DOCKER_HOST = "unix://$(Join-Path $env:CONTAINERIMAGE_SANDBOX "down-$suffix.sock")"
            $removed = @(Import-Clixml $path | Remove-ContainerImage -Confirm:$false -PassThru -ErrorVariable failures)
        } finally { $env:DOCKER_HOST = $saved }
        $failures | Should -BeNullOrEmpty
        $removed[0].Engine | Should -Be $context
        & docker image inspect "${image}:2" 2>&1 | Out-Null
        $LASTEXITCODE | Should -Not -Be 0
    }
}

Describe 'PowerShell remoting over SSH' -Skip:(-not $env:CONTAINERIMAGE_TEST_SSH_PORT -or $env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess') {
    It 'runs the module on the far side of Invoke-Command -HostName, whose objects show and pipe back here' {
        $remote = @{ HostName = '127.0.0.1'; Port = [int]$env:CONTAINERIMAGE_TEST_SSH_PORT; UserName = $env:CONTAINERIMAGE_TEST_SSH_USER
            KeyFilePath = $env:CONTAINERIMAGE_TEST_SSH_KEY }
        # The far side's DOCKER_HOST is the sandbox engine (sshd's SetEnv); its caches and settings stay in the sandbox.
        $copies = @(Invoke-Command @remote -ScriptBlock {
                param($Module, $Sandbox, $Image, $Engine)
                $env:CONTAINERIMAGE_CACHE_DIR = Join-Path $Sandbox 'remote-cache'
                $env:CONTAINERIMAGE_CONFIG = Join-Path $Sandbox 'remote-config/config.yaml'
                Import-Module $Module
                Get-ContainerImage -Name $Image -Engine $Engine
            } -ArgumentList $ModulePath, $env:CONTAINERIMAGE_SANDBOX, "${image}:1", $env:DOCKER_HOST)
        $copies.Count | Should -Be 1
        $copies[0].pstypenames | Should -Contain 'Deserialized.ContainerImage.Image'
        $copies[0].PSComputerName | Should -Be '127.0.0.1'
        $copies[0].Engine | Should -Be $env:DOCKER_HOST
        ($copies | Out-String -Width 120) | Should -Match "^\s*IMAGE ID +CREATED +SIZE REPOSITORY +TAG"
        $history = @($copies | Get-ContainerImageHistory)
        $history.Count | Should -BeGreaterThan 0
        @($history.Engine | Sort-Object -Unique) | Should -Be $env:DOCKER_HOST
    }
}
