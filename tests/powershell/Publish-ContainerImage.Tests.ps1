BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $registry = $env:CONTAINERIMAGE_TEST_REGISTRY
    $credential = New-TestCredential
    $wrongCredential = New-TestCredential -Password 'not-the-password'
    $savedConfig = $env:DOCKER_CONFIG
    # The seed pushes username/containername to Docker Hub; here the authenticated registry stands in.
    $published = "$registry/username/containername"
    $created = [System.Collections.Generic.List[string]]::new()

    function New-TestName([string] $Registry = $registry) {
        # A repository of this file's own, named for a registry and tagged from the busybox-based nanoserver.
        "$Registry/test/publish-" + [guid]::NewGuid().ToString('n').Substring(0, 8)
    }
    function Add-TestTag([string] $Name) {
        Invoke-Docker pull microsoft/nanoserver | Out-Null
        Invoke-Docker tag microsoft/nanoserver $Name | Out-Null
        $created.Add($Name)
        $Name
    }
    function Get-RepoDigest([string] $Name) {
        Invoke-Docker image inspect --format '{{json .RepoDigests}}' $Name | ConvertFrom-Json
    }
}

AfterAll {
    $env:DOCKER_CONFIG = $savedConfig
    Remove-TestImage $created
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Publish-ContainerImage' {
    BeforeEach {
        $null = Use-NewDockerConfig
    }

    It 'publishes username/containername after Connect-ContainerRegistry, as docker push does' {
        Add-TestTag $published | Out-Null
        Connect-ContainerRegistry $registry -Credential $credential | Out-Null
        $pushed = Publish-ContainerImage -Name $published
        $pushed.PSObject.TypeNames[0] | Should -Be 'ContainerImage.PushResult'
        $pushed.Name | Should -Be $published
        $pushed.Tag | Should -Be 'latest'
        $pushed.Registry | Should -Be $registry
        $pushed.Digest | Should -Match '^sha256:[0-9a-f]{64}$'
        Get-RepoDigest $published | Should -Contain "$published@$($pushed.Digest)"
        $pushed.Size | Should -Be (Get-ContainerImage -Name "${published}:latest").Size
        ($pushed | Format-Table | Out-String -Width 300) | Should -Match 'DIGEST\s+SIZE\s+NAME\s+TAG'
    }

    It 'pushes a -Tag, or every tag with -AllTags' {
        $name = New-TestName
        Add-TestTag "${name}:1.0" | Out-Null
        Add-TestTag "${name}:2.0" | Out-Null
        (Publish-ContainerImage -Name $name -Tag 1.0 -Credential $credential).Tag | Should -Be '1.0'
        $all = Publish-ContainerImage -Name $name -AllTags -Credential $credential
        $all.Tag | Sort-Object | Should -Be @('1.0', '2.0')
    }

    It 'publishes with -Credential for this push only, storing nothing' {
        $name = Add-TestTag (New-TestName)
        (Publish-ContainerImage -Name $name -Credential $credential).Name | Should -Be $name
        Test-NoLoginStored (Join-Path $env:DOCKER_CONFIG 'config.json') | Should -BeTrue
    }

    It 'publishes images piped from Get-ContainerImage, by their Repository and Tag' {
        $name = New-TestName
        Add-TestTag "${name}:a" | Out-Null
        Add-TestTag "${name}:b" | Out-Null
        $pushed = Get-ContainerImage -Name "${name}:*" | Publish-ContainerImage -Credential $credential
        $pushed | ForEach-Object { "$($_.Name):$($_.Tag)" } | Sort-Object | Should -Be @("${name}:a", "${name}:b")
        ($name | Publish-ContainerImage -AllTags -Credential $credential).Count | Should -Be 2
    }

    It 'says AuthenticationError, and to Connect-ContainerRegistry, when not logged in' {
        $name = Add-TestTag (New-TestName)
        $null = Publish-ContainerImage -Name $name -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $errors[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.Unauthorized,Publish-ContainerImage'
        $errors[0].Exception.Message | Should -BeLike "$registry refused the push of ${name}:latest*Connect-ContainerRegistry -Registry $registry*"
        $errors[0].ErrorDetails.RecommendedAction | Should -Be "Connect-ContainerRegistry -Registry $registry"
    }

    It 'says AuthenticationError for a wrong -Credential, without the password' {
        $name = Add-TestTag (New-TestName)
        $all = Publish-ContainerImage -Name $name -Credential $wrongCredential -ErrorVariable errors -ErrorAction SilentlyContinue -Verbose *>&1
        $errors[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $errors[0].Exception.Message | Should -BeLike '*Check the user name and password given with -Credential*'
        ($all | Out-String) + $errors[0].Exception.Message | Should -Not -BeLike '*not-the-password*'
    }

    It 'gives ObjectNotFound for an image that is not on the engine, without contacting the registry' {
        # The registry is down: had it been asked, the error would be a ConnectionError.
        $missing = "$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY/test/not-here:1.0"
        $null = Publish-ContainerImage -Name $missing -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.NotFound,Publish-ContainerImage'
        $errors[0].Exception.Message | Should -BeLike "*$missing*"
        $errors[0].TargetObject | Should -Be $missing
    }

    It 'gives ConnectionError naming a registry that is down' {
        $down = $env:CONTAINERIMAGE_TEST_DOWN_REGISTRY
        $name = Add-TestTag (New-TestName -Registry $down)
        $null = Publish-ContainerImage -Name $name -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $errors[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.RegistryUnavailable,Publish-ContainerImage'
        $errors[0].Exception.Message | Should -BeLike "The registry $down cannot be reached to push ${name}:latest*"
    }

    It 'gives InvalidArgument for a malformed name, and goes on with the next' {
        $name = Add-TestTag (New-TestName)
        $pushed = 'Bad Name', $name | Publish-ContainerImage -Credential $credential -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errors[0].Exception.Message | Should -BeLike "*'Bad Name'*"
        $pushed.Name | Should -Be $name
    }

    It 'gives InvalidArgument for a piped image without a tag' {
        $null = [pscustomobject]@{ Repository = "$registry/test/untagged"; Tag = $null } | Publish-ContainerImage -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errors[0].Exception.Message | Should -BeLike "*$registry/test/untagged has no tag*"
    }

    It 'shows progress per layer and completes every record' {
        $name = Add-TestTag (New-TestName)
        $ps = Invoke-InNewRunspace "Publish-ContainerImage -Name '$name' -Credential ([pscredential]::new(`$env:CONTAINERIMAGE_TEST_USER, (ConvertTo-SecureString `$env:CONTAINERIMAGE_TEST_PASSWORD -AsPlainText -Force)))"
        try {
            $pushed = $ps.Invoke()
            $ps.HadErrors | Should -BeFalse
            $pushed[0].Name | Should -Be $name
            $records = $ps.Streams.Progress
            $layers = $records | Where-Object ParentActivityId -eq 1
            $layers | Should -Not -BeNullOrEmpty
            $layers.Activity | Should -Match '^Layer [0-9a-f]{12}$'
            ($records | Where-Object ActivityId -eq 1 | Select-Object -First 1).Activity | Should -Be "Publishing $name"
            foreach ($id in ($records.ActivityId | Sort-Object -Unique)) {
                ($records | Where-Object ActivityId -eq $id | Select-Object -Last 1).RecordType | Should -Be 'Completed'
            }
        } finally {
            $ps.Dispose()
        }
    }

    It 'pushes nothing with -WhatIf' {
        $name = Add-TestTag (New-TestName)
        Publish-ContainerImage -Name $name -Credential $credential -WhatIf | Should -BeNullOrEmpty
        Get-RepoDigest $name | Where-Object { $_ -like "$name@*" } | Should -BeNullOrEmpty
    }

    It 'has help with examples' {
        $help = Get-Help Publish-ContainerImage -Full
        @($help.Examples.Example).Count | Should -BeGreaterThan 1
        $help.Parameters.Parameter.Name | Should -Contain 'InputObject'
        $help.Parameters.Parameter.Name | Should -Contain 'AllTags'
    }
}
