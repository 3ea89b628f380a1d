BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    Invoke-Docker pull -q microsoft/aspnet:latest | Out-Null
    Invoke-Docker pull -q microsoft/aspnet:nanoserver | Out-Null
    $latestId = Invoke-Docker image inspect --format '{{.Id}}' microsoft/aspnet:latest
    $nanoId = Invoke-Docker image inspect --format '{{.Id}}' microsoft/aspnet:nanoserver

    function Get-TagList {
        (& docker images --format '{{.Repository}}:{{.Tag}}' | Sort-Object) -join ','
    }
}

AfterAll {
    Remove-TestImage test/tag-copy:stable, test/tag-copy:latest, test/tag-copy:piped, test/tag-copy:a, test/tag-copy:b,
        test/tag-copy:byvalue, test/tag-copy:moved, test/tag-copy:whatif
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Add-ContainerImageTag' {
    It 'names the source image with the target and outputs it as Get-ContainerImage does' {
        $image = Add-ContainerImageTag -Name microsoft/aspnet:nanoserver -Tag test/tag-copy:stable
        $image.PSObject.TypeNames[0] | Should -Be 'ContainerImage.Image'
        "$($image.Repository):$($image.Tag)" | Should -Be 'test/tag-copy:stable'
        $image.FullId | Should -Be $nanoId
        Invoke-Docker image inspect --format '{{.Id}}' test/tag-copy:stable | Should -Be $nanoId
        ($image | ConvertTo-Json -Compress) | Should -Be (Get-ContainerImage test/tag-copy:stable | ConvertTo-Json -Compress)
    }

    It 'takes the target''s tag as latest when it has none, and the source''s as latest too' {
        $image = Add-ContainerImageTag microsoft/aspnet test/tag-copy
        "$($image.Repository):$($image.Tag)" | Should -Be 'test/tag-copy:latest'
        $image.FullId | Should -Be $latestId
    }

    It 'tags exactly the piped image, by its id, not by its Repository and Tag' {
        # The piped object's Tag is 'nanoserver': it must neither pick the source (aspnet:latest is
        # another image) nor become the target.
        $image = Get-ContainerImage microsoft/aspnet:nanoserver | Add-ContainerImageTag -Tag test/tag-copy:piped
        "$($image.Repository):$($image.Tag)" | Should -Be 'test/tag-copy:piped'
        $image.FullId | Should -Be $nanoId
        Invoke-Docker image inspect --format '{{.Id}}' test/tag-copy:piped | Should -Be $nanoId
    }

    It 'gives several targets at once' {
        $images = Add-ContainerImageTag microsoft/aspnet:nanoserver -Tag test/tag-copy:a, test/tag-copy:b
        $images.Tag | Should -Be @('a', 'b')
        $images.FullId | Sort-Object -Unique | Should -Be $nanoId
    }

    It 'takes the source by value from the pipeline, as a name or an id' {
        ('microsoft/aspnet:nanoserver' | Add-ContainerImageTag -Tag test/tag-copy:byvalue).FullId | Should -Be $nanoId
        ($latestId | Add-ContainerImageTag -Tag test/tag-copy:byvalue).FullId | Should -Be $latestId
    }

    It 'moves a name that another image had' {
        Add-ContainerImageTag microsoft/aspnet:latest -Tag test/tag-copy:moved | Out-Null
        (Add-ContainerImageTag microsoft/aspnet:nanoserver -Tag test/tag-copy:moved).FullId | Should -Be $nanoId
        Invoke-Docker image inspect --format '{{.Id}}' test/tag-copy:moved | Should -Be $nanoId
    }

    It 'tags nothing with -WhatIf' {
        $before = Get-TagList
        Add-ContainerImageTag microsoft/aspnet -Tag test/tag-copy:whatif -WhatIf | Should -BeNullOrEmpty
        Get-TagList | Should -Be $before
    }

    It 'gives ObjectNotFound naming a source image that does not exist' {
        $before = Get-TagList
        $null = Add-ContainerImageTag -Name no/such:image -Tag test/tag-copy:whatif -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.NotFound,Add-ContainerImageTag'
        $errors[0].Exception.Message | Should -Be "No image 'no/such:image' on this engine."
        $errors[0].TargetObject | Should -Be 'no/such:image'
        Get-TagList | Should -Be $before
    }

    It 'gives InvalidArgument for a malformed <What>, and tags nothing' -TestCases @(
        @{ What = 'target name'; Source = 'microsoft/aspnet'; Target = 'Bad Name'; Mentioned = "'Bad Name' is not a valid reference" }
        @{ What = 'target tag'; Source = 'microsoft/aspnet'; Target = 'repo:bad tag'; Mentioned = "'bad tag' is not a valid tag" }
        @{ What = 'source'; Source = 'Bad Name'; Target = 'test/tag-copy:whatif'; Mentioned = "'Bad Name' is not a valid reference" }
    ) {
        param($Source, $Target, $Mentioned)
        $before = Get-TagList
        $null = Add-ContainerImageTag -Name $Source -Tag $Target -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errors[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.InvalidReference,Add-ContainerImageTag'
        $errors[0].Exception.Message | Should -BeLike "*$Mentioned*"
        Get-TagList | Should -Be $before
    }

    It 'goes on with the next target after one fails' {
        $images = Add-ContainerImageTag microsoft/aspnet:nanoserver -Tag 'Bad Name', test/tag-copy:b -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $images.Tag | Should -Be 'b'
    }

    It 'has help with examples' {
        $help = Get-Help Add-ContainerImageTag -Full
        @($help.Examples.Example).Count | Should -BeGreaterThan 1
        ($help.Parameters.Parameter | Where-Object Name -eq 'Tag').Description | Should -Not -BeNullOrEmpty
        ($help.Description | Out-String) | Should -BeLike '*no -Force*'
    }
}
