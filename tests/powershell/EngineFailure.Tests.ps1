BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $savedHost = $env:DOCKER_HOST

    function Start-CutEngine {
        # tools/cut_proxy.py in front of the sandbox engine, as a process that ends (as a crash would:
        # every connection cut, its socket refusing) once the engine's answer says a layer is downloading.
        # The real engine goes on, and sees its client hang up. Returns the process; Address is its DOCKER_HOST.
        $info = [System.Diagnostics.ProcessStartInfo]::new('/usr/bin/python3')
        foreach ($argument in (Join-Path $PSScriptRoot '../../tools/cut_proxy.py'), '--engine', $env:DOCKER_HOST, '--cut-on-answer', '"Downloading"') {
            $info.ArgumentList.Add($argument)
        }
        $info.RedirectStandardOutput = $true
        $process = [System.Diagnostics.Process]::Start($info)
        $process | Add-Member -NotePropertyName Address -NotePropertyValue $process.StandardOutput.ReadLine() -PassThru
    }
}

AfterAll {
    $env:DOCKER_HOST = $savedHost
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'An engine that dies in the middle of Install-ContainerImage' {
    BeforeAll {
        $stall = Start-StallRegistry
        $fresh = New-FreshImage -Prefix 'fresh/cut' -Layers 1
        $name = "$($stall.Address)/$fresh"
        $proxy = Start-CutEngine
        $env:DOCKER_HOST = $proxy.Address   # the module starts a backend for the changed DOCKER_HOST
        $record = $null
        try {   # the error, whether the cmdlet writes it or throws it
            $null = Install-ContainerImage -Name $name -ErrorVariable installErrors -ErrorAction SilentlyContinue
            $record = $installErrors | Select-Object -First 1
        } catch {
            $record = $_
        }
        $env:DOCKER_HOST = $savedHost
    }

    AfterAll {
        $env:DOCKER_HOST = $savedHost
        foreach ($process in $proxy, $stall) {
            if ($process -and -not $process.HasExited) { $process.Kill() }
        }
        Remove-TestImage $name
    }

    It 'really died mid-download (the proxy ended on its cue)' {
        $proxy.WaitForExit(60000) | Should -BeTrue
    }

    It 'is ContainerImage.EngineUnavailable, ConnectionError' {
        $record | Should -Not -BeNullOrEmpty
        $record.FullyQualifiedErrorId | Should -Be 'ContainerImage.EngineUnavailable,Install-ContainerImage'
        $record.CategoryInfo.Category | Should -Be 'ConnectionError'
        $record.TargetObject | Should -Be "${name}:latest"
    }

    It 'names the engine and where its address came from, with no exception text' {
        $message = $record.Exception.Message
        $message | Should -BeLike "Lost the Docker engine at $($proxy.Address) (from DOCKER_HOST): *"
        foreach ($raw in 'ProtocolError', 'IncompleteRead', 'Connection broken', 'Traceback', 'urllib3', 'Exception') {
            $message | Should -Not -BeLike "*$raw*"
        }
    }

    It 'leaves nothing installed once the engine is back' {
        $deadline = [datetime]::UtcNow.AddSeconds(60)
        while ((Get-StalledDownload $stall) -gt 0 -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        Get-StalledDownload $stall | Should -Be 0   # the engine saw its client go and dropped the download
        @(& docker images -q $name) | Should -BeNullOrEmpty
        Get-ContainerImage -Name $name -ErrorAction SilentlyContinue -ErrorVariable missing | Should -BeNullOrEmpty
        $missing[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.NotFound,Get-ContainerImage'
    }
}
