BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $mirror = $env:CONTAINERIMAGE_TEST_MIRROR
    $registry = $env:CONTAINERIMAGE_TEST_REGISTRY
    $down = $env:CONTAINERIMAGE_TEST_DOWN_REGISTRY

    # Repositories of our own in the auth-less mirror, pushed with the docker CLI; each image carries the
    # description label that Find-ContainerImage shows. The local copies go again at once.
    $pushed = "$mirror/search-test/ps-one", "$mirror/search-test/ps-three", "$mirror/search-test/ps-two"
    $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'image')
    Set-Content (Join-Path $folder 'search-test.txt') 'Find-ContainerImage tests'
    $archive = Join-Path $TestDrive 'image.tar'
    & tar -C $folder -cf $archive .
    foreach ($name in $pushed) {
        $short = $name.Substring($mirror.Length + 1)
        Invoke-Docker import --change "LABEL org.opencontainers.image.description=`"$short for Pester`"" $archive "${name}:latest" | Out-Null
        Invoke-Docker push "${name}:latest" | Out-Null
    }
    Invoke-Docker tag "$($pushed[0]):latest" "$($pushed[0]):1.0"
    Invoke-Docker push "$($pushed[0]):1.0" | Out-Null
    Remove-TestImage -Name (@($pushed | ForEach-Object { "${_}:latest" }) + "$($pushed[0]):1.0")
}

AfterAll {
    Remove-TestImage -Name (@($pushed | ForEach-Object { "${_}:latest" }) + "$registry/private/busybox:1.0")
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Find-ContainerImage in a private registry' {
    It 'finds repositories by part of their name, as full names with descriptions, sorted by name' {
        $found = Find-ContainerImage -Registry $mirror -Term 'SEARCH-TEST/PS-'
        $found.Name | Should -Be $pushed
        $found[0].PSObject.TypeNames[0] | Should -Be 'ContainerImage.SearchResult'
        $found[0].Description | Should -Be 'search-test/ps-one for Pester'
        $found[0].Registry | Should -Be $mirror
        $found[0].Stars | Should -BeNullOrEmpty
        $found[0].Official | Should -BeNullOrEmpty
        $found[0].Tags | Should -BeNullOrEmpty
    }

    It 'lists tags with -ListTags' {
        (Find-ContainerImage -Registry $mirror -Term 'search-test/ps-one' -ListTags).Tags | Should -Be @('1.0', 'latest')
    }

    It 'matches a wildcard pattern, and takes terms from the pipeline' {
        (Find-ContainerImage -Registry $mirror -Term 'search-test/ps-t*').Name | Should -Be $pushed[1], $pushed[2]
        ('ps-one', 'ps-two' | Find-ContainerImage -Registry $mirror).Name | Should -Be $pushed[0], $pushed[2]
    }

    It 'gives at most -Limit results' {
        (Find-ContainerImage -Registry $mirror -Term 'search-test/ps-' -Limit 1).Name | Should -Be $pushed[0]
    }

    It 'gives nothing, and no error, for a term that matches nothing' {
        $found = Find-ContainerImage -Registry $mirror -Term 'no-such-repository-anywhere' -ErrorVariable problems
        $found | Should -BeNullOrEmpty
        $problems | Should -BeNullOrEmpty
    }

    It 'reads the whole catalog, page by page' {
        $catalog = (Invoke-RestMethod "http://$mirror/v2/_catalog?n=1000").repositories
        $catalog.Count | Should -BeGreaterThan 4
        $paged = & (Get-Module ContainerImage) {
            param($Registry)
            Invoke-Backend -Method registry.search -Params @{ registry = @($Registry); page_size = 2; limit = 100000 }
        } $mirror
        $paged.results.Name | Should -Be ($catalog | Sort-Object | ForEach-Object { "$mirror/$_" })
    }

    It 'shows a table like docker search' {
        $text = Find-ContainerImage -Registry $mirror -Term 'search-test/ps-one' -ListTags | Out-String -Width 250
        $text | Should -Match 'STARS +OFFICIAL +AUTOMATED +NAME +DESCRIPTION +TAGS'
        $text | Should -Match ([regex]::Escape("$($pushed[0]) ") + ' *search-test/ps-one for Pester +1\.0, latest')
    }

    It 'pipes straight into Install-ContainerImage, which installs the found image' {
        Remove-TestImage "$($pushed[2]):latest"
        $installed = Find-ContainerImage -Registry $mirror -Term 'search-test/ps-two' | Install-ContainerImage
        $installed.Repository | Should -Be $pushed[2]
        $installed.Tag | Should -Be 'latest'
        Invoke-Docker image inspect --format '{{.Id}}' "$($pushed[2]):latest" | Should -Be $installed.FullId
        Remove-TestImage "$($pushed[2]):latest"
    }
}

Describe 'Find-ContainerImage with a registry that needs a login' {
    It 'says AuthenticationError, and how to log in, when no login is stored' {
        $found = Find-ContainerImage -Registry $registry -ErrorVariable problems -ErrorAction SilentlyContinue
        $found | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $problems[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.Unauthorized,Find-ContainerImage'
        $problems[0].TargetObject | Should -Be $registry
        $problems[0].Exception.Message | Should -BeLike "*Connect-ContainerRegistry -Registry $registry (or docker login $registry)*"
    }

    It 'searches with the login docker login stored, and installs what it found' {
        $saved = $env:DOCKER_CONFIG
        $null = Use-NewDockerConfig
        try {
            $env:CONTAINERIMAGE_TEST_PASSWORD | & docker login --username $env:CONTAINERIMAGE_TEST_USER --password-stdin $registry 2>&1 | Out-Null
            $LASTEXITCODE | Should -Be 0
            $all = Find-ContainerImage -Registry $registry -Term busybox -ListTags -Verbose *>&1
            $found = $all | Where-Object { $_.PSObject.TypeNames -contains 'ContainerImage.SearchResult' }
            $found.Name | Should -Be "$registry/private/busybox"
            $found.Description | Should -Be 'private/busybox:1.0 seed: busybox in the auth registry'
            $found.Tags | Should -Be '1.0'
            ($all | Out-String) | Should -Not -BeLike "*$env:CONTAINERIMAGE_TEST_PASSWORD*"

            $installed = $found | Install-ContainerImage -Tag $found.Tags[-1]
            $installed.Repository | Should -Be "$registry/private/busybox"
            $installed.Tag | Should -Be '1.0'
        } finally {
            $env:DOCKER_CONFIG = $saved
            Remove-TestImage "$registry/private/busybox:1.0"
        }
    }
}

Describe 'Find-ContainerImage errors' {
    It 'says ConnectionError, naming it, for a registry that is down, and still searches the others' {
        $found = Find-ContainerImage -Registry $down, $mirror -Term 'search-test/ps-one' -ErrorVariable problems -ErrorAction SilentlyContinue
        $found.Name | Should -Be $pushed[0]
        $problems.Count | Should -Be 1
        $problems[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $problems[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.RegistryUnavailable,Find-ContainerImage'
        $problems[0].TargetObject | Should -Be $down
        $problems[0].Exception.Message | Should -Be "The registry $down cannot be reached: the connection was refused; nothing listens there."
    }

    It 'says ConnectionError, naming Docker Hub, when Docker Hub cannot be reached' {
        $found = Find-ContainerImage -Term nanoserver -ErrorVariable problems -ErrorAction SilentlyContinue
        $found | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $problems[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.RegistryUnavailable,Find-ContainerImage'
        $problems[0].Exception.Message | Should -BeLike "Docker Hub cannot be reached to search for 'nanoserver': *"
        $problems[0].TargetObject | Should -Be 'docker.io'
    }

    It 'says InvalidArgument, naming it, for a malformed -Registry <Text>' -TestCases @(
        @{ Text = 'not a registry' }, @{ Text = '127.0.0.1:99999' }, @{ Text = "$env:CONTAINERIMAGE_TEST_MIRROR/search-test" }, @{ Text = 'ftp://127.0.0.1' }
    ) {
        $null = Find-ContainerImage -Registry $Text -Term x -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.Count | Should -Be 1
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $problems[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.InvalidParams,Find-ContainerImage'
        $problems[0].TargetObject | Should -Be $Text
        $problems[0].Exception.Message | Should -BeLike "'$Text' is not a registry*"
    }

    It 'says InvalidArgument when Docker Hub is searched without a term' {
        $null = Find-ContainerImage -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $problems[0].Exception.Message | Should -BeLike '*give a search term*'
    }

    It 'refuses a -Limit below 1 and negative -MinimumStars before searching' {
        { Find-ContainerImage -Registry $mirror -Term x -Limit 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Find-ContainerImage'
        { Find-ContainerImage -Term x -MinimumStars -1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Find-ContainerImage'
    }

    It 'warns that Docker Hub''s filters leave a private registry out' {
        $all = Find-ContainerImage -Registry $mirror -Term 'search-test' -Official -WarningVariable warnings -WarningAction SilentlyContinue
        $all | Should -BeNullOrEmpty
        $warnings.Count | Should -Be 1
        "$($warnings[0])" | Should -BeLike "*no repository of $mirror has them*"
    }
}

Describe 'Find-ContainerImage help' {
    It 'has help with examples and every parameter' {
        $help = Get-Help Find-ContainerImage -Full
        @($help.Examples.Example).Count | Should -BeGreaterThan 1
        foreach ($name in 'Term', 'Registry', 'Limit', 'MinimumStars', 'Official', 'Automated', 'ListTags') {
            ($help.Parameters.Parameter | Where-Object Name -eq $name).Description | Should -Not -BeNullOrEmpty -Because $name
        }
    }
}
