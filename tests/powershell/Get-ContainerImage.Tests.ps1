BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    Install-ContainerImage -Name microsoft/nanoserver, microsoft/windowsservercore, microsoft/aspnet:nanoserver | Out-Null
}

AfterAll {
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Get-ContainerImage' {
    It 'returns typed ContainerImage.Image objects with the docker images columns and more' {
        $image = Get-ContainerImage -Name microsoft/nanoserver:latest
        $image.PSObject.TypeNames[0] | Should -Be 'ContainerImage.Image'
        $image.Repository | Should -Be 'microsoft/nanoserver'
        $image.Tag | Should -Be 'latest'
        $image.Id | Should -Match '^[0-9a-f]{12}$'
        $image.FullId | Should -Be "sha256:$(Invoke-Docker image inspect --format '{{.Id}}' microsoft/nanoserver:latest | ForEach-Object { $_ -replace '^sha256:' })"
        $image.FullId | Should -BeLike "sha256:$($image.Id)*"
        $image.Digest | Should -Match '^sha256:[0-9a-f]{64}$'
        $image.Created | Should -BeOfType [datetime]
        $image.Size | Should -BeOfType [long]
        $image.Size | Should -BeGreaterThan 100KB
        $image.Os | Should -Be 'linux'
        $image.Architecture | Should -Not -BeNullOrEmpty
        $image.Containers | Should -Be 0
    }

    It 'lists every installed repository:tag like docker images' {
        $expected = Invoke-Docker images --format '{{.Repository}}:{{.Tag}}' | Where-Object { $_ -notlike '<none>*' } | Sort-Object
        $actual = Get-ContainerImage | Where-Object Repository | ForEach-Object { "$($_.Repository):$($_.Tag)" } | Sort-Object
        $actual | Should -Be $expected
        $actual | Should -Contain 'microsoft/aspnet:nanoserver'
    }

    It 'matches names case-insensitively and with wildcards' {
        (Get-ContainerImage -Name 'Microsoft/NanoServer').Repository | Should -Be 'microsoft/nanoserver'
        $names = (Get-ContainerImage -Name 'microsoft/*server*').Repository | Sort-Object -Unique
        $names | Should -Be @('microsoft/nanoserver', 'microsoft/windowsservercore')
        (Get-ContainerImage -Name 'microsoft/aspnet:nano*').Tag | Should -Be 'nanoserver'
    }

    It 'accepts the docker.io long form of a Hub name' {
        (Get-ContainerImage -Name 'docker.io/microsoft/nanoserver:latest').Repository | Should -Be 'microsoft/nanoserver'
    }

    It 'writes a non-terminating ObjectNotFound for a name without wildcards that matches nothing, and goes on' {
        $images = Get-ContainerImage -Name microsoft/nosuchimage, microsoft/nanoserver -ErrorVariable errors -ErrorAction SilentlyContinue
        $images.Repository | Should -Be 'microsoft/nanoserver'
        $errors.Count | Should -Be 1
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].TargetObject | Should -Be 'microsoft/nosuchimage'
        $errors[0].Exception | Should -BeOfType [System.Management.Automation.ItemNotFoundException]
    }

    It 'returns nothing and no error for a wildcard that matches nothing' {
        $images = Get-ContainerImage -Name 'nothing/like/this*' -ErrorVariable errors
        $images | Should -BeNullOrEmpty
        $errors | Should -BeNullOrEmpty
    }

    It 'gives InvalidArgument for a malformed name' {
        $null = Get-ContainerImage -Name 'bad//name' -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errors[0].Exception.Message | Should -BeLike "*bad//name*"
    }

    It 'finds images by id prefix, with or without sha256:' {
        $image = Get-ContainerImage -Name microsoft/windowsservercore
        # Other names may share the id (tags made by other tests): every row found is that image.
        (Get-ContainerImage -Id $image.Id.Substring(0, 6)).FullId | Select-Object -Unique | Should -Be $image.FullId
        (Get-ContainerImage -Id "sha256:$($image.Id)").Repository | Should -Contain 'microsoft/windowsservercore'
    }

    It 'binds Name from the pipeline by value and by property name' {
        ('microsoft/nanoserver' | Get-ContainerImage).Repository | Should -Be 'microsoft/nanoserver'
        ([pscustomobject]@{ Repository = 'microsoft/windowsservercore' } | Get-ContainerImage).Repository |
            Should -Be 'microsoft/windowsservercore'
        ([pscustomobject]@{ Name = 'microsoft/aspnet:nanoserver' } | Get-ContainerImage).Tag | Should -Be 'nanoserver'
    }

    Context 'with containers and untagged images' {
        BeforeAll {
            $container = Invoke-Docker create --network none microsoft/nanoserver /bin/true
            $dangling = (Invoke-Docker commit --change 'LABEL containerimage.test=dangling' $container) -replace '^sha256:'
        }
        AfterAll {
            & docker rm -f $container 2>&1 | Out-Null
            & docker rmi -f $dangling 2>&1 | Out-Null
        }

        It 'counts the containers, stopped ones too, that use an image' {
            (Get-ContainerImage -Name microsoft/nanoserver).Containers | Should -Be 1
        }

        It 'lists untagged images with -Dangling, with no repository or tag' {
            $images = Get-ContainerImage -Dangling
            $images.FullId | Should -Contain "sha256:$dangling"
            ($images | Where-Object FullId -eq "sha256:$dangling").Repository | Should -BeNullOrEmpty
            Get-ContainerImage -Dangling | Where-Object Repository | Should -BeNullOrEmpty
        }

        It 'filters by label' {
            (Get-ContainerImage -Label 'containerimage.test=dangling').FullId | Should -Be "sha256:$dangling"
            (Get-ContainerImage -Label 'containerimage.test').FullId | Should -Be "sha256:$dangling"
            Get-ContainerImage -Label 'containerimage.test=other' | Should -BeNullOrEmpty
        }
    }

    Context 'built on an image, and used by containers' {
        BeforeAll {
            $box = Invoke-Docker create --network none microsoft/windowsservercore /bin/true
            $committed = Invoke-Docker commit --change 'LABEL containerimage.test=childof' $box test/getimage-child:1
            & docker rm -f $box 2>&1 | Out-Null
            $user = Invoke-Docker create --network none --name getimage-user test/getimage-child:1 /bin/true
        }
        AfterAll {
            & docker rm -f $user 2>&1 | Out-Null
            & docker rmi -f $committed 2>&1 | Out-Null
        }

        It 'lists with -ChildOf the images built on an image: pulled on its layers, or committed from it' {
            $children = Get-ContainerImage -ChildOf microsoft/windowsservercore | ForEach-Object { "$($_.Repository):$($_.Tag)" }
            $children | Should -Contain 'microsoft/aspnet:nanoserver'
            $children | Should -Contain 'test/getimage-child:1'
            $children | Should -Not -Contain 'microsoft/windowsservercore:latest'
            $children | Should -Not -Contain 'microsoft/nanoserver:latest'
            Get-ContainerImage -ChildOf microsoft/aspnet:nanoserver | Should -BeNullOrEmpty
            (Get-ContainerImage -Name 'test/*' -ChildOf microsoft/windowsservercore).FullId | Should -Be $committed
        }

        It 'gives ObjectNotFound for a -ChildOf image that does not exist, and InvalidArgument for a malformed one' {
            Get-ContainerImage -ChildOf test/getimage-nosuch -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $errors[0].TargetObject | Should -Be 'test/getimage-nosuch'
            $errors[0].Exception.Message | Should -BeLike "*test/getimage-nosuch*"
            Get-ContainerImage -ChildOf 'Bad//Name' -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        }

        It 'tells for each image which containers use it' {
            $image = Get-ContainerImage -Name test/getimage-child:1
            $image.Containers | Should -Be 1
            @($image.UsedBy).Count | Should -Be 1
            $image.UsedBy[0].Id | Should -Be $user.Substring(0, 12)
            $image.UsedBy[0].Name | Should -Be 'getimage-user'
            $image.UsedBy[0].State | Should -Be 'created'
            @((Get-ContainerImage -Name microsoft/aspnet:nanoserver).UsedBy).Count | Should -Be 0
        }
    }

    It 'shows the docker images table by default' {
        $table = Get-ContainerImage -Name microsoft/nanoserver | Out-String -Width 200
        $table | Should -Match 'IMAGE ID\s+CREATED\s+SIZE\s+REPOSITORY\s+TAG'
        $table | Should -Match '[0-9a-f]{12}\s+.*ago\s+[0-9.]+(kB|MB)\s+microsoft/nanoserver\s+latest'
    }

    It 'completes local image names' {
        $line = 'Get-ContainerImage -Name microsoft/nan'
        $completion = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $completion.CompletionMatches.CompletionText | Should -Contain 'microsoft/nanoserver'
        $completion.CompletionMatches.CompletionText | Should -Contain 'microsoft/nanoserver:latest'
        $completion.CompletionMatches.CompletionText | Should -Not -Contain 'microsoft/windowsservercore'
    }

    It 'has help with examples' {
        $help = Get-Help Get-ContainerImage -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        @($help.Examples.Example).Count | Should -BeGreaterThan 1
    }
}

Describe 'Get-ContainerImage: RunsOnHost' {
    BeforeAll { $savedHost = $env:DOCKER_HOST }
    AfterEach { $env:DOCKER_HOST = $savedHost }

    It 'says whether each image runs on this host' {
        Install-ContainerImage -Name microsoft/nanoserver | Out-Null
        (Get-ContainerImage microsoft/nanoserver).RunsOnHost | Should -BeTrue   # a Linux image on this Linux host
        $engine = Start-WindowsEngine -Build 20348
        try {
            $env:DOCKER_HOST = $engine.Host
            $image = Get-ContainerImage microsoft/nanoserver
            $image.RunsOnHost | Should -BeFalse   # the same image, seen from a Windows host
            (Test-ContainerImage -InputObject $image).Reason | Should -BeLike '*Linux*Windows 10.0.20348*'
        } finally {
            $env:DOCKER_HOST = $savedHost
            Stop-WindowsEngine $engine
        }
    }
}
