BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    # The sandbox points CONTAINERIMAGE_CONFIG at a missing file; these tests use a file of their own.
    $savedConfig = $env:CONTAINERIMAGE_CONFIG
    $env:CONTAINERIMAGE_CONFIG = Join-Path $TestDrive 'settings/config.yaml'
    $config = $env:CONTAINERIMAGE_CONFIG

    function Invoke-NewPwsh {
        # A new pwsh process with this process's environment, less the variables named, plus -Set; its
        # output and errors as text.
        param([string] $Script, [string[]] $Remove = @(), [hashtable] $Set = @{})
        $info = [System.Diagnostics.ProcessStartInfo]::new((Get-Command pwsh).Source)
        foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', "Import-Module '$ModulePath'; $Script") {
            $info.ArgumentList.Add($argument)
        }
        foreach ($name in $Remove) { $null = $info.Environment.Remove($name) }
        foreach ($name in $Set.Keys) { $info.Environment[$name] = $Set[$name] }
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $process = [System.Diagnostics.Process]::Start($info)
        $output = $process.StandardOutput.ReadToEndAsync()
        $errors = $process.StandardError.ReadToEnd()
        $process.WaitForExit()
        "$($output.Result)$errors"
    }
}

AfterAll {
    $env:CONTAINERIMAGE_CONFIG = $savedConfig
    Remove-TestImage "$env:CONTAINERIMAGE_TEST_MIRROR/settings-test/findme:latest"
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Set-ContainerImageSetting' {
    AfterEach {
        Remove-Item (Split-Path $config) -Recurse -ErrorAction Ignore
    }

    It 'writes what is given, making the file and its folder, and Get-ContainerImageSetting reads it back' {
        Set-ContainerImageSetting -Engine unix:///run/other.sock -Transport Stdio -Progress $false -Registry 'r.example.com:5000', 'https://s.example.com' `
            -Alias @{ Tools = @{ Repository = 'r.example.com:5000/tools/busybox'; Tag = 'latest' }; Nano = @{ Repository = 'r.example.com:5000/nano'; Tags = @{ 17763 = '1809'; 20348 = 'ltsc2022' } } }
        $config | Should -Exist
        $setting = Get-ContainerImageSetting
        $setting.Engine | Should -Be 'unix:///run/other.sock'
        $setting.Transport | Should -Be 'Stdio'
        $setting.Progress | Should -BeFalse
        $setting.Registries | Should -Be @('r.example.com:5000', 'https://s.example.com')
        $nano = $setting.Aliases | Where-Object Name -eq 'Nano'
        $nano.Source | Should -Be 'settings'
        $nano.Tags[20348] | Should -Be 'ltsc2022'
        ($setting.Aliases | Where-Object Name -eq 'Tools').Tag | Should -Be 'latest'
        (Get-Content -Raw $config) | Should -Match '(?m)^Engine: unix:///run/other.sock$'
    }

    It 'outputs the settings with -PassThru, and nothing without it' {
        Set-ContainerImageSetting -Progress $false | Should -BeNullOrEmpty
        $setting = Set-ContainerImageSetting -Transport InProcess -PassThru
        $setting.PSObject.TypeNames[0] | Should -Be 'ContainerImage.Setting'
        $setting.Transport | Should -Be 'InProcess'
        $setting.Progress | Should -BeFalse
    }

    It 'keeps comments and unknown keys, changing only the lines of the keys set' {
        New-Item -ItemType Directory (Split-Path $config) | Out-Null
        $before = "# Team settings, see the wiki`nEngine: tcp://192.0.2.1:2375   # build host`n`n# ours, not the module's`nTeamOwner: ops@example.com`nProgress: true`n"
        Set-Content $config $before -NoNewline
        Set-ContainerImageSetting -Progress $false -Engine tcp://192.0.2.2:2375 -Registry r.example.com
        Get-Content -Raw $config | Should -Be ("# Team settings, see the wiki`nEngine: tcp://192.0.2.2:2375  # build host`n`n# ours, not the module's`n" +
                                              "TeamOwner: ops@example.com`nProgress: false`nRegistries:`n- r.example.com`n")
    }

    It 'keeps the file''s mode' {
        New-Item -ItemType Directory (Split-Path $config) | Out-Null
        Set-Content $config "Progress: true`n"
        chmod 640 $config
        Set-ContainerImageSetting -Progress $false
        (& stat -c '%a' $config) | Should -Be '640'
        (Get-ChildItem -Force (Split-Path $config)).Name | Should -Be 'config.yaml' -Because 'no temporary file is left'
    }

    It 'resets keys to their defaults and removes single aliases' {
        Set-ContainerImageSetting -Engine tcp://192.0.2.1:2375 -Registry r.example.com -Alias @{ A = @{ Repository = 'r.example.com/a' }; B = @{ Repository = 'r.example.com/b' } }
        Set-ContainerImageSetting -Reset Engine, Registries -RemoveAlias a
        $setting = Get-ContainerImageSetting
        $setting.Engine | Should -BeNullOrEmpty
        $setting.Registries | Should -BeNullOrEmpty
        $setting.Aliases.Name | Should -Not -Contain 'A'
        $setting.Aliases.Name | Should -Contain 'B'
        Get-Content -Raw $config | Should -Not -Match 'Engine|Registries'
    }

    It 'changes nothing with -WhatIf, but still checks the values' {
        Set-ContainerImageSetting -Engine tcp://192.0.2.1:2375 -WhatIf
        $config | Should -Not -Exist
        Set-ContainerImageSetting -Engine 'no-scheme:2375' -WhatIf -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.Count | Should -Be 1
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'refuses a bad value with InvalidArgument naming the setting, and writes nothing' -TestCases @(
        @{ Splat = @{ Engine = 'localhost:2375' }; Words = 'Engine must be the address of a Docker engine*not ''localhost:2375''*' }
        @{ Splat = @{ Python = '/nonexistent/python3' }; Words = 'Python ''/nonexistent/python3'' is not a program that can be run*' }
        @{ Splat = @{ Registry = 'r.example.com/team' }; Words = '''r.example.com/team'' is not a registry*' }
        @{ Splat = @{ Alias = @{ 'my/tools' = @{ Repository = 'r.example.com/tools' } } }; Words = '''my/tools'' is not an alias name*' }
        @{ Splat = @{ Alias = @{ Tools = @{ Tag = 'latest' } } }; Words = 'The alias ''Tools'' has no Repository*' }
        @{ Splat = @{ Alias = @{ Tools = @{ Repository = 'r.example.com/tools'; Tags = @{ ltsc = 'x' } } } }; Words = '''ltsc'' is not a Windows build number*' }
        @{ Splat = @{ Alias = @{ Tools = 'r.example.com/tools:latest' } }; Words = 'The alias ''Tools'' must be a mapping*' }
    ) {
        param($Splat, $Words)
        Set-ContainerImageSetting @Splat -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.Count | Should -Be 1
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $problems[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.InvalidParams,Set-ContainerImageSetting'
        $problems[0].Exception.Message | Should -BeLike $Words
        $config | Should -Not -Exist
    }

    It 'refuses an unknown -Transport before anything runs' {
        { Set-ContainerImageSetting -Transport Pipes -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Set-ContainerImageSetting'
    }

    It 'says so when nothing is given to change: a terminating parameter error, even under SilentlyContinue' {
        $failure = $null
        try { Set-ContainerImageSetting -ErrorAction SilentlyContinue; 'went on' } catch { $failure = $_ }
        $failure | Should -Not -BeNullOrEmpty -Because 'a call without parameters is refused as PowerShell''s binder refuses one'
        $failure.FullyQualifiedErrorId | Should -Be 'ContainerImage.InvalidParams,Set-ContainerImageSetting'
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failure.Exception.Message | Should -BeLike 'Nothing to change*'
        $config | Should -Not -Exist
    }

    It 'gives ObjectNotFound for an alias to remove that is not in the file' {
        Set-ContainerImageSetting -RemoveAlias NanoServer -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $problems[0].Exception.Message | Should -BeLike "There is no alias 'NanoServer' in $config*default alias*cannot be removed*"
    }

    It 'never overwrites a broken file: it fails with the file''s error' {
        New-Item -ItemType Directory (Split-Path $config) | Out-Null
        $broken = "Engine: tcp://192.0.2.1:2375`nAliases:`n  Tools:`n    Tag: latest`n"
        Set-Content $config $broken -NoNewline
        Set-ContainerImageSetting -Progress $false -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.Count | Should -Be 1
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $problems[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.InvalidData,Set-ContainerImageSetting'
        $problems[0].Exception.Message | Should -Be "$config, line 4, column 5: the alias 'Tools' has no Repository (e.g. Repository: mcr.microsoft.com/windows/nanoserver)."
        Get-Content -Raw $config | Should -Be $broken
    }

    It 'makes the Engine setting select the engine when DOCKER_HOST is not set (a new pwsh)' {
        Install-ContainerImage -Name microsoft/nanoserver | Out-Null
        Set-ContainerImageSetting -Engine $env:DOCKER_HOST
        $script = '(Get-ContainerImage -Name microsoft/nanoserver -ErrorAction Stop).Repository; "host=" + $env:DOCKER_HOST'
        $output = Invoke-NewPwsh $script -Remove DOCKER_HOST, DOCKER_CONTEXT
        $output | Should -Match 'microsoft/nanoserver'
        $output | Should -Match 'host=\s*$' -Because 'the new pwsh has no DOCKER_HOST'

        # The same pwsh with the setting pointing elsewhere: the engine there is down.
        Set-ContainerImageSetting -Engine "unix://$TestDrive/no-engine.sock"
        $output = Invoke-NewPwsh 'try { Get-ContainerImage -ErrorAction Stop } catch { "category=" + $_.CategoryInfo.Category; $_.Exception.Message }' -Remove DOCKER_HOST, DOCKER_CONTEXT
        $output | Should -Match 'category=ConnectionError'
        $output | Should -Match ([regex]::Escape("from the Engine setting in $config"))
    }

    It 'makes Find-ContainerImage search the Registries besides Docker Hub' {
        $mirror = $env:CONTAINERIMAGE_TEST_MIRROR
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'image')
        Set-Content (Join-Path $folder 'file.txt') 'settings test'
        & tar -C $folder -cf (Join-Path $TestDrive 'image.tar') .
        Invoke-Docker import (Join-Path $TestDrive 'image.tar') "$mirror/settings-test/pesterfindme:latest" | Out-Null
        Invoke-Docker push "$mirror/settings-test/pesterfindme:latest" | Out-Null
        Remove-TestImage "$mirror/settings-test/pesterfindme:latest"   # the registry holds it; the engine need not

        $found = Find-ContainerImage -Term pesterfindme -ErrorVariable problems -ErrorAction SilentlyContinue
        $found | Should -BeNullOrEmpty -Because 'without the setting only Docker Hub is searched'

        Set-ContainerImageSetting -Registry $mirror, $env:CONTAINERIMAGE_TEST_DOWN_REGISTRY
        $found = Find-ContainerImage -Term pesterfindme -ErrorVariable problems -ErrorAction SilentlyContinue
        $found.Name | Should -Be "$mirror/settings-test/pesterfindme"
        # Docker Hub (unreachable here) and the registry that is down: one non-terminating error each.
        ($problems.TargetObject | Sort-Object) | Should -Be (@('docker.io', $env:CONTAINERIMAGE_TEST_DOWN_REGISTRY) | Sort-Object)
        $problems.CategoryInfo.Category | Should -Be @('ConnectionError', 'ConnectionError')

        (Find-ContainerImage -Term pesterfindme -Registry $mirror -ErrorVariable problems).Name | Should -Be "$mirror/settings-test/pesterfindme"
        $problems | Should -BeNullOrEmpty -Because '-Registry replaces Docker Hub and the setting'
    }
}
