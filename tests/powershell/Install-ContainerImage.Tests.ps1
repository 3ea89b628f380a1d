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
        $backendPid = & (Get-Module ContainerImage) { $script:Backend.Handshake.pid }   # this process, in-process
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

Describe 'Install-ContainerImage: what the host can run, and aliases' {
    BeforeAll {
        # Windows images (and a Linux one) pushed into the mirror through the registry API, never on the engine.
        $architecture = Invoke-Docker version --format '{{.Server.Arch}}'
        $repositoryName = "test/install-compat-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
        $repository = "$env:CONTAINERIMAGE_TEST_MIRROR/$repositoryName"
        $win20348 = Push-PlatformImage -Name $repositoryName -Tag win20348 -Platform 'windows/amd64/10.0.20348.100'
        $win17763 = Push-PlatformImage -Name $repositoryName -Tag win17763 -Platform 'windows/amd64/10.0.17763.100'
        $null = Push-PlatformImage -Name $repositoryName -Tag linux -Platform "linux/$architecture"
        $savedHost = $env:DOCKER_HOST
        $savedConfig = $env:CONTAINERIMAGE_CONFIG
    }

    AfterEach {
        $env:DOCKER_HOST = $savedHost
        $env:CONTAINERIMAGE_CONFIG = $savedConfig
    }

    AfterAll {
        Remove-TestImage "${repository}:linux", "${repository}:win20348", "${repository}:win17763"
    }

    It 'refuses an image this host cannot run before downloading any layer, naming both versions' {
        $null = Install-ContainerImage -Name "${repository}:win20348" -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $errors[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.Incompatible,Install-ContainerImage'
        $errors[0].TargetObject | Should -Be "${repository}:win20348"
        $errors[0].Exception.Message | Should -BeLike '*was not installed*Windows 10.0.20348.100*Linux (kernel*'
        Get-MirrorBlobFetch $win20348.images[0].layer | Should -Be 0
        & docker image inspect "${repository}:win20348" 2>&1 | Out-Null
        $LASTEXITCODE | Should -Not -Be 0
    }

    It 'says with -Verbose what it checked, and installs what the host runs' {
        $output = Install-ContainerImage -Name "${repository}:linux" -Verbose 4>&1
        $verbose = ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        $verbose | Should -Contain "${repository}:linux: compatibility: $((Test-ContainerImage "${repository}:linux").Reason)"
        ($output | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).Tag | Should -Be 'linux'
    }

    It 'on a Windows host, refuses an older Windows build without sending a pull, unless -Isolation HyperV' {
        $engine = Start-WindowsEngine -Build 20348
        try {
            $env:DOCKER_HOST = $engine.Host
            $null = Install-ContainerImage -Name "${repository}:win17763" -ErrorVariable errors -ErrorAction SilentlyContinue
            $errors[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.Incompatible,Install-ContainerImage'
            $errors[0].Exception.Message | Should -BeLike '*17763*20348*-Isolation HyperV*'
            (Get-WindowsEngineRequest $engine) -like 'POST /*images/create*' | Should -BeNullOrEmpty
            Get-MirrorBlobFetch $win17763.images[0].layer | Should -Be 0
            # With Hyper-V the host runs it, so the pull is sent (and the real engine, which is Linux, refuses
            # a Windows image: that refusal is the engine's own, after the check let it through).
            $null = Install-ContainerImage -Name "${repository}:win17763" -Isolation HyperV -ErrorVariable hyperV -ErrorAction SilentlyContinue
            (Get-WindowsEngineRequest $engine) -like 'POST /*images/create*' | Should -Not -BeNullOrEmpty
            $hyperV[0].FullyQualifiedErrorId | Should -Not -Be 'ContainerImage.Incompatible,Install-ContainerImage'
        } finally {
            $env:DOCKER_HOST = $savedHost
            Stop-WindowsEngine $engine
        }
    }

    It 'installs an alias of the settings as its repository and tag, and says so with -Verbose' {
        $env:CONTAINERIMAGE_CONFIG = Join-Path $TestDrive 'aliases.yaml'
        Set-Content $env:CONTAINERIMAGE_CONFIG "Aliases:`n  Tools:`n    Repository: $repository`n    Tag: linux`n"
        $output = Install-ContainerImage -Name tools -Verbose 4>&1
        $image = $output | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $image.Repository, $image.Tag | Should -Be $repository, 'linux'
        ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message |
            Should -Contain "tools: alias 'Tools' (from $env:CONTAINERIMAGE_CONFIG) is ${repository}:linux"
    }

    It 'gives InvalidOperation for a Windows-only alias on this Linux host' {
        $null = Install-ContainerImage -Name NanoServer -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $errors[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.Incompatible,Install-ContainerImage'
        $errors[0].Exception.Message | Should -BeLike "*NanoServer*mcr.microsoft.com/windows/nanoserver*Windows hosts*Linux*"
    }

    It 'gives the settings file''s error (InvalidData, with its line) for a default alias when the file is broken' {
        $env:CONTAINERIMAGE_CONFIG = Join-Path $TestDrive 'broken.yaml'
        Set-Content $env:CONTAINERIMAGE_CONFIG "Aliases: [oops`n"
        $null = Install-ContainerImage -Name NanoServer -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errors[0].Exception.Message | Should -BeLike "*broken.yaml, line *"
        (Install-ContainerImage -Name microsoft/nanoserver).Repository | Should -Be 'microsoft/nanoserver'   # real names still work
    }
}
