BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    # The sandbox points CONTAINERIMAGE_CONFIG at a missing file; these tests use a file of their own.
    $savedConfig = $env:CONTAINERIMAGE_CONFIG
    $env:CONTAINERIMAGE_CONFIG = Join-Path $TestDrive 'settings/config.yaml'
    $config = $env:CONTAINERIMAGE_CONFIG
}

AfterAll {
    $env:CONTAINERIMAGE_CONFIG = $savedConfig
    Remove-TestImage 'test/settings-progress:one'
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Get-ContainerImageSetting' {
    AfterEach {
        Remove-Item $config -ErrorAction Ignore
    }

    It 'gives the defaults for a missing file, with the default aliases' {
        $setting = Get-ContainerImageSetting -ErrorVariable problems
        $problems | Should -BeNullOrEmpty
        $setting.PSObject.TypeNames[0] | Should -Be 'ContainerImage.Setting'
        $setting.Path | Should -Be $config
        $setting.Exists | Should -BeFalse
        $setting.Engine | Should -BeNullOrEmpty
        $setting.Transport | Should -Be 'Stdio'
        $setting.Progress | Should -BeTrue
        $setting.Registries | Should -BeNullOrEmpty
        $setting.Problem | Should -BeNullOrEmpty
        $nano = $setting.Aliases | Where-Object Name -eq 'NanoServer'
        $nano.PSObject.TypeNames[0] | Should -Be 'ContainerImage.Alias'
        $nano.Source | Should -Be 'default'
        $nano.Repository | Should -Be 'mcr.microsoft.com/windows/nanoserver'
        $nano.Tags[17763] | Should -Be '1809'   # indexed by Windows build
    }

    It 'reads a file written by hand, and reads it again when it changes' {
        New-Item -ItemType Directory -Force (Split-Path $config) | Out-Null
        Set-Content $config "# mine`nEngine: tcp://192.0.2.1:2375`nProgress: no`nRegistries: [r.example.com:5000]`nAliases:`n  Tools: {Repository: r.example.com:5000/tools, Tag: '1.0'}`n"
        $setting = Get-ContainerImageSetting
        $setting.Exists | Should -BeTrue
        $setting.Engine | Should -Be 'tcp://192.0.2.1:2375'
        $setting.Progress | Should -BeFalse
        $setting.Registries | Should -Be @('r.example.com:5000')
        $tools = $setting.Aliases | Where-Object Name -eq 'Tools'
        $tools.Tag | Should -Be '1.0'
        $tools.Source | Should -Be 'settings'

        Set-Content $config "Transport: stdio   # changed while the backend runs`n"
        $setting = Get-ContainerImageSetting
        $setting.Transport | Should -Be 'Stdio'
        $setting.Engine | Should -BeNullOrEmpty
    }

    It 'gives ONE clear error for a broken file, naming file, line and column, and the defaults' {
        New-Item -ItemType Directory -Force (Split-Path $config) | Out-Null
        Set-Content $config "Engine: tcp://192.0.2.1:2375`nTransport: Fast`n"
        $setting = Get-ContainerImageSetting -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.Count | Should -Be 1
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $problems[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.InvalidData,Get-ContainerImageSetting'
        $problems[0].Exception.Message | Should -Be "$config, line 2, column 12: Transport must be Auto, Stdio or InProcess, not 'Fast'."
        $problems[0].TargetObject | Should -Be $config
        $setting.Problem | Should -Be $problems[0].Exception.Message
        $setting.Engine | Should -BeNullOrEmpty -Because 'a broken file is all defaults, not half read'
        $setting.Transport | Should -Be 'Stdio'
    }

    It 'says where a YAML syntax error is' {
        New-Item -ItemType Directory -Force (Split-Path $config) | Out-Null
        Set-Content $config "Registries:`n  - a.example.com`n - b.example.com`n"
        $null = Get-ContainerImageSetting -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.Count | Should -Be 1
        $problems[0].Exception.Message | Should -BeLike "$config, line 3, column 2: YAML syntax error: *"
    }

    It 'leaves the module working with a broken file: Get-ContainerImage and Install-ContainerImage of a real name' {
        New-Item -ItemType Directory -Force (Split-Path $config) | Out-Null
        Set-Content $config "Progress: [`n"
        Remove-TestImage 'microsoft/nanoserver'
        $installed = Install-ContainerImage -Name microsoft/nanoserver -ErrorVariable problems
        $problems | Should -BeNullOrEmpty
        $installed.Repository | Should -Be 'microsoft/nanoserver'
        $listed = Get-ContainerImage -Name microsoft/nanoserver -ErrorVariable problems
        $problems | Should -BeNullOrEmpty
        $listed.Repository | Should -Be 'microsoft/nanoserver'
    }

    It 'with Progress false, an install writes no progress records (and with true, it does)' {
        New-Item -ItemType Directory -Force (Split-Path $config) | Out-Null
        Invoke-Docker pull microsoft/aspnet:nanoserver | Out-Null
        Invoke-Docker tag microsoft/aspnet:nanoserver "$env:CONTAINERIMAGE_TEST_MIRROR/test/settings-progress:one" | Out-Null
        Invoke-Docker push "$env:CONTAINERIMAGE_TEST_MIRROR/test/settings-progress:one" | Out-Null
        Remove-TestImage 'microsoft/aspnet:nanoserver', "$env:CONTAINERIMAGE_TEST_MIRROR/test/settings-progress:one"
        foreach ($progress in 'false', 'true') {
            Set-Content $config "Progress: $progress`n"
            Remove-TestImage 'test/settings-progress:one', 'microsoft/windowsservercore'
            $ps = Invoke-InNewRunspace 'Install-ContainerImage -Name test/settings-progress:one'
            try {
                $images = $ps.Invoke()
                $ps.HadErrors | Should -BeFalse
                $images[0].Repository | Should -Be 'test/settings-progress'
                $records = @($ps.Streams.Progress | Where-Object RecordType -ne 'Completed')
                if ($progress -eq 'false') {
                    $records | Should -BeNullOrEmpty -Because 'Progress: false sends no progress at all'
                } else {
                    $records.Count | Should -BeGreaterThan 0 -Because 'the same pull shows progress when Progress is true'
                }
            } finally {
                $ps.Dispose()
            }
        }
    }
}
