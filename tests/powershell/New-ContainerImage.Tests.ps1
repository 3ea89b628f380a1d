BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $base = 'microsoft/aspnet:latest'
    Invoke-Docker pull -q $base | Out-Null
    $baseId = Invoke-Docker image inspect --format '{{.Id}}' $base
    $script:containers = [System.Collections.Generic.List[string]]::new()

    function New-TestContainer {
        # A container of the base image (created, or running with -Running), removed in AfterAll.
        param([switch] $Running, [string[]] $Command = @())
        $name = "test-commit-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
        [string[]] $verb = if ($Running) { 'run', '-d' } else { 'create' }
        Invoke-Docker @verb --network none --name $name $base @Command | Out-Null
        $script:containers.Add($name)
        $name
    }

    function Get-ImageIdSet {
        (& docker images -aq --no-trunc | Sort-Object) -join ','
    }

    $container = New-TestContainer -Command '/bin/sh', '-c', 'echo committed'
}

AfterAll {
    foreach ($name in $script:containers) { & docker rm -f $name 2>&1 | Out-Null }
    Remove-TestImage test/commit-web:v1, test/commit-web:v2, test/commit-web:latest, test/commit-web:piped,
        test/commit-web:names, test/commit-web:running, test/commit-web:whatif, test/commit-web:bad
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'New-ContainerImage' {
    It 'makes an image of a container and outputs it as Get-ContainerImage does' {
        $image = New-ContainerImage -Container $container -Name test/commit-web -Tag v1 -Message 'IIS configured' -Author 'Jane Doe <jane@example.com>'
        $image.PSObject.TypeNames[0] | Should -Be 'ContainerImage.Image'
        "$($image.Repository):$($image.Tag)" | Should -Be 'test/commit-web:v1'
        $inspected = Invoke-Docker image inspect test/commit-web:v1 | ConvertFrom-Json
        $image.FullId | Should -Be $inspected.Id
        $inspected.Comment | Should -Be 'IIS configured'
        $inspected.Author | Should -Be 'Jane Doe <jane@example.com>'
        $image.ParentId | Should -Be $baseId
        $listed = Get-ContainerImage -Name test/commit-web:v1
        ($image | ConvertTo-Json -Compress) | Should -Be ($listed | ConvertTo-Json -Compress)
    }

    It 'takes the tag in -Name, latest by default, and a name in capitals as lowercase' {
        (New-ContainerImage $container -Name test/commit-web:v2).Tag | Should -Be 'v2'
        $latest = New-ContainerImage $container -Name Test/Commit-Web
        "$($latest.Repository):$($latest.Tag)" | Should -Be 'test/commit-web:latest'
    }

    It 'applies -Change instructions to the image configuration' {
        $image = New-ContainerImage $container -Name test/commit-web:v2 -Change 'LABEL stage=test', 'ENV GREETING=hello', 'CMD ["/bin/sh"]'
        $image.Labels.stage | Should -Be 'test'
        $config = (Invoke-Docker image inspect test/commit-web:v2 | ConvertFrom-Json).Config
        $config.Env | Should -Contain 'GREETING=hello'
        $config.Cmd | Should -Be @('/bin/sh')
    }

    It 'binds the container from docker ps objects by ID, and by Names' {
        $row = Invoke-Docker ps -a --filter "name=^$container$" --format '{{json .}}' | ConvertFrom-Json
        $row.ID | Should -Not -BeNullOrEmpty
        ($row | New-ContainerImage -Name test/commit-web:piped).ParentId | Should -Be $baseId
        ([pscustomobject]@{ Names = $container } | New-ContainerImage -Name test/commit-web:names).Tag | Should -Be 'names'
        ($container | New-ContainerImage -Name test/commit-web:names).ParentId | Should -Be $baseId
    }

    It 'pauses a running container while committing it, unless -NoPause' {
        $running = New-TestContainer -Running -Command 'sleep', '300'
        $since = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds() - 1
        New-ContainerImage $running -Name test/commit-web:running | Out-Null
        New-ContainerImage $running -Name test/commit-web:running -NoPause | Out-Null
        $until = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds() + 2
        Start-Sleep -Milliseconds 2100   # every event up to $until has happened
        $actions = Invoke-Docker events --since $since --until $until --filter "container=$running" --filter event=pause `
            --filter event=unpause --filter event=commit --format '{{.Action}}'
        $actions | Should -Be @('pause', 'commit', 'unpause', 'commit')   # the second commit: no pause
    }

    It 'creates nothing with -WhatIf' {
        $before = Get-ImageIdSet
        New-ContainerImage $container -Name test/commit-web:whatif -WhatIf | Should -BeNullOrEmpty
        Get-ImageIdSet | Should -Be $before
    }

    It 'gives ObjectNotFound naming a container that does not exist' {
        $null = New-ContainerImage -Container no-such-container -Name test/commit-web:bad -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.NotFound,New-ContainerImage'
        $errors[0].Exception.Message | Should -Be "No container 'no-such-container' on this engine."
        $errors[0].TargetObject | Should -Be 'no-such-container'
    }

    It 'gives InvalidArgument for a malformed name <Name> (tag <Tag>), and creates nothing' -TestCases @(
        @{ Name = 'Bad Name'; Tag = $null; Mentioned = "'Bad Name' is not a valid reference" }
        @{ Name = 'repo:bad tag'; Tag = $null; Mentioned = "'bad tag' is not a valid tag" }
        @{ Name = 'test/commit-web'; Tag = 'bad tag'; Mentioned = "'bad tag' is not a valid tag" }
    ) {
        param($Name, $Tag, $Mentioned)
        $before = Get-ImageIdSet
        $arguments = @{ Container = $container; Name = $Name }
        if ($Tag) { $arguments.Tag = $Tag }
        $null = New-ContainerImage @arguments -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errors[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.InvalidReference,New-ContainerImage'
        $errors[0].Exception.Message | Should -BeLike "*$Mentioned*"
        Get-ImageIdSet | Should -Be $before
    }

    It 'gives InvalidArgument with the engine''s reason for a -Change it refuses' {
        $before = Get-ImageIdSet
        $null = New-ContainerImage $container -Name test/commit-web:bad -Change 'FOO bar' -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errors[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.InvalidParams,New-ContainerImage'
        $errors[0].Exception.Message | Should -BeLike "*'FOO bar'*foo is not a valid change command*WORKDIR*"
        Get-ImageIdSet | Should -Be $before
    }

    It 'goes on with the next piped container after one fails' {
        $images = 'no-such-container', $container | New-ContainerImage -Name test/commit-web:v2 -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $images.ParentId | Should -Be $baseId
    }

    It 'has help with examples and every parameter' {
        $help = Get-Help New-ContainerImage -Full
        @($help.Examples.Example).Count | Should -BeGreaterThan 1
        foreach ($name in 'Container', 'Name', 'Tag', 'Message', 'Author', 'Change', 'NoPause') {
            ($help.Parameters.Parameter | Where-Object Name -eq $name).Description | Should -Not -BeNullOrEmpty -Because $name
        }
        (Get-Command New-ContainerImage).Parameters.Container.Aliases | Should -Be @('ContainerId', 'Id', 'Names')
    }
}
