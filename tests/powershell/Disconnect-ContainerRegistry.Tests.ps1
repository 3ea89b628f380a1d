BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $registry = $env:CONTAINERIMAGE_TEST_REGISTRY
    $password = $env:CONTAINERIMAGE_TEST_PASSWORD
    $credential = New-TestCredential
    $private = "$registry/private/busybox:1.0"
    $helpers = (New-Item -ItemType Directory (Join-Path $TestDrive 'bin')).FullName
    $savedPath, $savedConfig = $env:PATH, $env:DOCKER_CONFIG
    $env:PATH = $helpers + [System.IO.Path]::PathSeparator + $env:PATH
}

AfterAll {
    $env:PATH, $env:DOCKER_CONFIG = $savedPath, $savedConfig
    Remove-TestImage $private
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Disconnect-ContainerRegistry' {
    BeforeEach {
        $configFile = Use-NewDockerConfig
    }

    It 'removes a login made with Connect-ContainerRegistry, for docker too, and outputs nothing' {
        Connect-ContainerRegistry $registry -Credential $credential | Out-Null
        Disconnect-ContainerRegistry -Registry $registry | Should -BeNullOrEmpty
        (Get-DockerConfig).auths.Count | Should -Be 0
        Remove-TestImage $private
        & docker pull $private 2>&1 | Out-Null
        $LASTEXITCODE | Should -Not -Be 0
    }

    It 'removes a login made with docker login' {
        $password | & docker login --username $env:CONTAINERIMAGE_TEST_USER --password-stdin $registry 2>&1 | Out-Null
        $verbose = Disconnect-ContainerRegistry $registry -Verbose 4>&1
        $verbose.Message | Should -Contain "Removed the login for $registry from config.json."
        (Get-DockerConfig).auths.Count | Should -Be 0
        $null = Install-ContainerImage -Name $private -Force -ErrorVariable denied -ErrorAction SilentlyContinue
        $denied[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
    }

    It 'removes the login from the credential helper that config.json names' {
        $helper = Install-CredentialHelper $helpers citest
        Set-Content $configFile '{"credsStore": "citest"}'
        Connect-ContainerRegistry $registry -Credential $credential | Out-Null
        (Get-Content -Raw "$helper.json" | ConvertFrom-Json -AsHashtable).Keys | Should -Be @($registry)
        Disconnect-ContainerRegistry $registry
        (Get-Content -Raw "$helper.json" | ConvertFrom-Json -AsHashtable).Count | Should -Be 0
        (Get-DockerConfig).credsStore | Should -Be 'citest'
    }

    It 'gives ObjectNotFound for a registry it is not logged in to, and changes nothing' {
        Set-Content $configFile '{"auths": {"other.example.com": {"auth": "dTpw"}}}'
        $before = [System.IO.File]::ReadAllBytes($configFile)
        Disconnect-ContainerRegistry -Registry $registry -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.NotFound,Disconnect-ContainerRegistry'
        $errors[0].Exception.Message | Should -BeLike "Not logged in to $registry*"
        $errors[0].TargetObject | Should -Be $registry
        [System.IO.File]::ReadAllBytes($configFile) | Should -Be $before
    }

    It 'logs out of Docker Hub when no registry is given' {
        Set-Content $configFile '{"auths": {"https://index.docker.io/v1/": {"auth": "dTpw"}, "other.example.com": {"auth": "dTpw"}}}'
        Disconnect-ContainerRegistry
        (Get-DockerConfig).auths.Keys | Should -Be @('other.example.com')
        Disconnect-ContainerRegistry -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].Exception.Message | Should -BeLike 'Not logged in to Docker Hub*'
    }

    It 'takes registries from the pipeline, and goes on after one that fails' {
        Connect-ContainerRegistry $registry -Credential $credential | Disconnect-ContainerRegistry
        (Get-DockerConfig).auths.Count | Should -Be 0
        Connect-ContainerRegistry $registry -Credential $credential | Out-Null
        'not a host', $registry | Disconnect-ContainerRegistry -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errors[0].Exception.Message | Should -BeLike "*'not a host'*"
        (Get-DockerConfig).auths.Count | Should -Be 0
    }

    It 'keeps the login with -WhatIf' {
        Connect-ContainerRegistry $registry -Credential $credential | Out-Null
        Disconnect-ContainerRegistry $registry -WhatIf
        (Get-DockerConfig).auths.Keys | Should -Be @($registry)
    }

    It 'has help with examples' {
        $help = Get-Help Disconnect-ContainerRegistry -Full
        @($help.Examples.Example).Count | Should -BeGreaterThan 1
        $help.Parameters.Parameter.Name | Should -Contain 'Registry'
    }
}
