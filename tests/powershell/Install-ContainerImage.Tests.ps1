BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $registry = $env:CONTAINERIMAGE_TEST_REGISTRY
    $password = $env:CONTAINERIMAGE_TEST_PASSWORD
    $credential = [pscredential]::new($env:CONTAINERIMAGE_TEST_USER, (ConvertTo-SecureString $password -AsPlainText -Force))
    $wrongCredential = [pscredential]::new($env:CONTAINERIMAGE_TEST_USER, (ConvertTo-SecureString 'not-the-password' -AsPlainText -Force))
}

AfterAll {
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Install-ContainerImage' {
    BeforeEach {
        Remove-TestImage microsoft/nanoserver, microsoft/aspnet:nanoserver, microsoft/aspnet:windowsservercore, microsoft/aspnet
    }

    It 'installs a Hub image by its real name and outputs it' {
        $image = Install-ContainerImage -Name microsoft/nanoserver
        $image.PSObject.TypeNames[0] | Should -Be 'ContainerImage.Image'
        $image.Repository | Should -Be 'microsoft/nanoserver'
        $image.Tag | Should -Be 'latest'
        $image.Digest | Should -Match '^sha256:'
        Invoke-Docker image inspect --format '{{.Id}}' microsoft/nanoserver:latest | Should -Be $image.FullId
    }

    It 'installs a tag given with -Tag or in the name' {
        (Install-ContainerImage -Name microsoft/aspnet -Tag nanoserver).Tag | Should -Be 'nanoserver'
        (Install-ContainerImage -Name microsoft/aspnet:windowsservercore).Tag | Should -Be 'windowsservercore'
    }

    It 'installs for a given -Platform' {
        $architecture = Invoke-Docker version --format '{{.Server.Arch}}'
        (Install-ContainerImage -Name microsoft/nanoserver -Platform "linux/$architecture" -Force).Architecture | Should -Be $architecture
    }

    It 'installs every tag with -AllTags' {
        $tags = (Install-ContainerImage -Name microsoft/aspnet -AllTags).Tag | Sort-Object
        $tags | Should -Be @('latest', 'nanoserver', 'windowsservercore')
    }

    It 'binds Name and Tag from the pipeline by property name' {
        $wanted = [pscustomobject]@{ Name = 'microsoft/aspnet'; Tag = 'nanoserver' },
                  [pscustomobject]@{ Repository = 'microsoft/nanoserver'; Tag = 'latest' }
        $images = $wanted | Install-ContainerImage
        $images | ForEach-Object { "$($_.Repository):$($_.Tag)" } | Should -Be @('microsoft/aspnet:nanoserver', 'microsoft/nanoserver:latest')
    }

    It 'does not download again an image that is installed, unless -Force' {
        $first = Install-ContainerImage -Name microsoft/nanoserver
        $verbose = Install-ContainerImage -Name microsoft/nanoserver -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $verbose.Message | Should -Contain 'microsoft/nanoserver: Already installed'
        $forced = Install-ContainerImage -Name microsoft/nanoserver -Force -Verbose 4>&1
        ($forced | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Contain 'microsoft/nanoserver: Image is up to date for microsoft/nanoserver:latest'
        ($forced | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).FullId | Should -Be $first.FullId
    }

    It 'does nothing with -WhatIf' {
        Install-ContainerImage -Name microsoft/nanoserver -WhatIf | Should -BeNullOrEmpty
        & docker image inspect microsoft/nanoserver 2>&1 | Out-Null
        $LASTEXITCODE | Should -Not -Be 0
    }

    It 'gives InvalidArgument for a malformed reference, before asking any registry' {
        $null = Install-ContainerImage -Name 'microsoft/nano server' -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'ContainerImage.InvalidReference*'
        $errors[0].TargetObject | Should -Be 'microsoft/nano server'
    }

    It 'gives ObjectNotFound naming the tag for a tag that does not exist' {
        $null = Install-ContainerImage -Name "$registry/private/busybox" -Tag nosuchtag -Credential $credential -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].Exception.Message | Should -BeLike '*nosuchtag*'
    }

    It 'gives ObjectNotFound for a repository that does not exist' {
        $null = Install-ContainerImage -Name "$registry/private/nosuchrepo" -Credential $credential -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].Exception.Message | Should -BeLike '*nosuchrepo*'
    }

    It 'installs from an authenticated registry with -Credential, and says AuthenticationError without the password' {
        $null = Install-ContainerImage -Name "$registry/private/busybox:1.0" -Credential $wrongCredential -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $errors[0].Exception.Message | Should -Not -BeLike '*not-the-password*'

        $null = Install-ContainerImage -Name "$registry/private/busybox:1.0" -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'AuthenticationError'

        $all = Install-ContainerImage -Name "$registry/private/busybox:1.0" -Credential $credential -Force -Verbose *>&1
        ($all | Where-Object { $_.PSObject.TypeNames -contains 'ContainerImage.Image' }).Tag | Should -Be '1.0'
        ($all | Out-String) | Should -Not -BeLike "*$password*"
        # The password went to the backend inside the protocol message, not on its command line.
        $backendPid = & (Get-Module ContainerImage) { $script:Backend.Process.Id }
        [System.IO.File]::ReadAllText("/proc/$backendPid/cmdline") | Should -Not -BeLike "*$password*"
        Remove-TestImage "$registry/private/busybox:1.0"
    }

    It 'gives ConnectionError for a registry that is down' {
        $null = Install-ContainerImage -Name "$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY/any/image" -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'ContainerImage.RegistryUnavailable*'
    }

    It 'goes on with the next name after one fails' {
        $images = 'microsoft/nano server', 'microsoft/nanoserver' | Install-ContainerImage -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $images.Repository | Should -Be 'microsoft/nanoserver'
    }

    It 'shows progress per layer and completes every record' {
        $ps = Invoke-InNewRunspace 'Install-ContainerImage -Name microsoft/aspnet:nanoserver'
        try {
            $images = $ps.Invoke()
            $ps.HadErrors | Should -BeFalse
            $images[0].Tag | Should -Be 'nanoserver'
            $records = $ps.Streams.Progress
            $layers = $records | Where-Object ParentActivityId -eq 1
            ($layers.ActivityId | Sort-Object -Unique).Count | Should -BeGreaterOrEqual 2   # aspnet has two layers
            $layers.Activity | Should -Match '^Layer [0-9a-f]{12}$'
            foreach ($id in ($records.ActivityId | Sort-Object -Unique)) {
                ($records | Where-Object ActivityId -eq $id | Select-Object -Last 1).RecordType | Should -Be 'Completed'
            }
        } finally {
            $ps.Dispose()
        }
    }

    It 'has help with examples' {
        $help = Get-Help Install-ContainerImage -Full
        @($help.Examples.Example).Count | Should -BeGreaterThan 1
        $help.Parameters.Parameter.Name | Should -Contain 'Credential'
    }
}
