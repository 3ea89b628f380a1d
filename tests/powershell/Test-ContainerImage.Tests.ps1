BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    # Images in the mirror whose configs say Windows builds 17763, 20348 and 26100, a Linux one, and a
    # manifest list of two Windows builds and Linux: pushed through the registry API, never on the engine.
    $architecture = Invoke-Docker version --format '{{.Server.Arch}}'
    $repositoryName = "test/compat-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
    $repository = "$env:CONTAINERIMAGE_TEST_MIRROR/$repositoryName"
    $pushed = @{}
    foreach ($build in 17763, 20348, 26100) {
        $pushed[$build] = Push-PlatformImage -Name $repositoryName -Tag "win$build" -Platform "windows/amd64/10.0.$build.100"
    }
    $pushed.linux = Push-PlatformImage -Name $repositoryName -Tag linux -Platform "linux/$architecture"
    $pushed.multi = Push-PlatformImage -Name $repositoryName -Tag multi -Platform 'windows/amd64/10.0.17763.100', 'windows/amd64/10.0.20348.100', "linux/$architecture"
    $savedHost = $env:DOCKER_HOST
    $savedConfig = $env:CONTAINERIMAGE_CONFIG
}

AfterAll {
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Test-ContainerImage' {
    AfterEach {
        $env:DOCKER_HOST = $savedHost
        $env:CONTAINERIMAGE_CONFIG = $savedConfig
    }

    It 'tests a remote Windows image on this Linux host without pulling it' {
        $result = Test-ContainerImage -Name "${repository}:win20348"
        $result.PSObject.TypeNames[0] | Should -Be 'ContainerImage.Compatibility'
        $result.Compatible | Should -BeFalse
        $result.Source | Should -Be 'Registry'
        $result.ImageOs, $result.ImageOsVersion, $result.HostOs | Should -Be 'windows', '10.0.20348.100', 'linux'
        $result.Reason | Should -BeLike "*Windows 10.0.20348.100*kernel $($result.HostOsVersion)*"
        Get-MirrorBlobFetch $pushed[20348].images[0].layer | Should -Be 0
        & docker image inspect "${repository}:win20348" 2>&1 | Out-Null
        $LASTEXITCODE | Should -Not -Be 0
    }

    It 'tests a manifest list by the platform this host would pull, and lists them all' {
        $result = Test-ContainerImage -Name "${repository}:multi"
        $result.Compatible | Should -BeTrue
        $result.ImageOs | Should -Be 'linux'
        $result.Platforms | Should -Be @('windows/amd64 10.0.17763.100', 'windows/amd64 10.0.20348.100', "linux/$architecture")
        $windows = Test-ContainerImage -Name "${repository}:multi" -Platform windows/amd64
        $windows.Compatible | Should -BeFalse
        $windows.ImageOsVersion | Should -Be '10.0.20348.100'
    }

    It 'tests a local image by inspecting it, and by its registry with -Remote' {
        Install-ContainerImage -Name microsoft/nanoserver | Out-Null
        $local = Test-ContainerImage microsoft/nanoserver
        $local.Source, $local.Compatible, $local.Architecture | Should -Be 'Local', $true, $architecture
        $local.Id | Should -Be (Invoke-Docker image inspect --format '{{.Id}}' microsoft/nanoserver)
        (Test-ContainerImage microsoft/nanoserver -Remote).Source | Should -Be 'Registry'
    }

    It 'takes image objects, names and Repository/Tag objects from the pipeline' {
        Install-ContainerImage -Name microsoft/nanoserver | Out-Null
        (Get-ContainerImage microsoft/nanoserver | Test-ContainerImage).Name | Should -Be 'microsoft/nanoserver:latest'
        $results = "${repository}:win17763", [pscustomobject]@{ Repository = $repository; Tag = 'linux' } | Test-ContainerImage
        $results.Name | Should -Be "${repository}:win17763", "${repository}:linux"
        $results.Compatible | Should -Be $false, $true
    }

    It 'on a Windows host, follows the Windows build rule for process and Hyper-V isolation' {
        $engine = Start-WindowsEngine -Build 20348
        try {
            $env:DOCKER_HOST = $engine.Host
            $process = 17763, 20348, 26100 | ForEach-Object { Test-ContainerImage "${repository}:win$_" }
            $process.Compatible | Should -Be $false, $true, $false
            $process.Isolation | Should -Be 'Process', 'Process', 'Process'
            $process[0].Reason | Should -BeLike '*17763*20348*Hyper-V*'
            $process[2].Reason | Should -BeLike '*26100*newer*20348*'
            $hyperV = 17763, 26100 | ForEach-Object { Test-ContainerImage "${repository}:win$_" -Isolation HyperV }
            $hyperV.Compatible | Should -Be $true, $false
            (Test-ContainerImage "${repository}:multi").ImageOsVersion | Should -Be '10.0.20348.100'
            (Get-WindowsEngineRequest $engine) -like 'POST /*images/create*' | Should -BeNullOrEmpty
        } finally {
            $env:DOCKER_HOST = $savedHost
            Stop-WindowsEngine $engine
        }
    }

    It 'resolves an alias to the tag for the host''s Windows build' {
        $env:CONTAINERIMAGE_CONFIG = Join-Path $TestDrive 'aliases.yaml'
        Set-Content $env:CONTAINERIMAGE_CONFIG "Aliases:`n  NanoServer:`n    Repository: $repository`n    Tags: {17763: win17763, 20348: win20348, 26100: win26100}`n"
        $engine = Start-WindowsEngine -Build 22621
        try {
            $env:DOCKER_HOST = $engine.Host
            $result = Test-ContainerImage -Name nanoserver
            $result.Reference, $result.Alias, $result.Compatible | Should -Be "${repository}:win20348", 'NanoServer', $true
        } finally {
            $env:DOCKER_HOST = $savedHost
            Stop-WindowsEngine $engine
        }
    }

    It 'gives InvalidOperation for a Windows-only alias on this Linux host' {
        $null = Test-ContainerImage -Name NanoServer -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $errors[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.Incompatible,Test-ContainerImage'
        $errors[0].Exception | Should -BeOfType [System.PlatformNotSupportedException]
        $errors[0].Exception.Message | Should -BeLike "*NanoServer*Windows hosts*Linux*"
    }

    It 'gives ObjectNotFound naming an image that is neither local nor in its registry' {
        $null = Test-ContainerImage -Name "${repository}:nosuchtag" -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.NotFound,Test-ContainerImage'
        $errors[0].Exception.Message | Should -BeLike "*nosuchtag*"
    }

    It 'gives InvalidArgument for a malformed name and for an image id with -Remote, and goes on with the others' {
        $results = Test-ContainerImage -Name 'bad name!', "${repository}:linux" -ErrorVariable errors -ErrorAction SilentlyContinue
        $results.Compatible | Should -BeTrue
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errors[0].TargetObject | Should -Be 'bad name!'
        $null = Test-ContainerImage -Name ('sha256:' + 'a' * 64) -Remote -ErrorVariable idErrors -ErrorAction SilentlyContinue
        $idErrors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $idErrors[0].Exception.Message | Should -BeLike '*image id*registry*'
    }

    It 'gives ConnectionError for a registry that is down' {
        $null = Test-ContainerImage -Name "$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY/team/app:1" -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $errors[0].Exception.Message | Should -BeLike "*$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY*"
    }

    It 'gives AuthenticationError for a wrong password, and never shows it' {
        $wrong = New-TestCredential -Password 'not-the-password-42'
        $null = Test-ContainerImage -Name "$env:CONTAINERIMAGE_TEST_REGISTRY/private/busybox:1.0" -Credential $wrong -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $errors[0].Exception.Message | Should -BeLike "*$env:CONTAINERIMAGE_TEST_REGISTRY*"
        $errors[0].Exception.Message | Should -Not -BeLike '*not-the-password-42*'
        (Test-ContainerImage -Name "$env:CONTAINERIMAGE_TEST_REGISTRY/private/busybox:1.0" -Credential (New-TestCredential)).Compatible | Should -BeTrue
    }

    It 'refuses an isolation other than Process or HyperV' {
        { Test-ContainerImage -Name "${repository}:linux" -Isolation VM } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Test-ContainerImage'
    }
}
