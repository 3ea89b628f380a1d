BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    Invoke-Docker pull -q microsoft/aspnet:latest | Out-Null
    Invoke-Docker pull -q microsoft/aspnet:nanoserver | Out-Null
    $latestId = Invoke-Docker image inspect --format '{{.Id}}' microsoft/aspnet:latest
    $nanoId = Invoke-Docker image inspect --format '{{.Id}}' microsoft/aspnet:nanoserver

    # An image with a layer of its own on top of aspnet, made by a command longer than docker's 45 characters.
    $longCommand = 'echo a command much longer than the forty-five characters docker shows'
    $container = "test-history-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
    Invoke-Docker create --network none --name $container microsoft/aspnet:latest /bin/sh -c $longCommand | Out-Null
    Invoke-Docker commit -m 'one more layer' $container test/history-long:v1 | Out-Null
}

AfterAll {
    & docker rm -f $container 2>&1 | Out-Null
    Remove-TestImage test/history-long:v1
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Get-ContainerImageHistory' {
    It 'lists both layers of microsoft/aspnet, typed, as docker history does' {
        $entries = Get-ContainerImageHistory -Name microsoft/aspnet
        $entries.Count | Should -Be 2
        $entries[0].PSObject.TypeNames[0] | Should -Be 'ContainerImage.HistoryEntry'
        $docker = Invoke-Docker history --no-trunc --human=false --format '{{.ID}}|{{.Size}}|{{.Comment}}|{{.CreatedBy}}' microsoft/aspnet
        $ours = $entries | ForEach-Object { '{0}|{1}|{2}|{3}' -f $(if ($_.FullId) { $_.FullId } else { '<missing>' }), $_.Size, $_.Comment, $_.CreatedBy }
        $ours | Should -Be $docker
        $entries[0].FullId | Should -Be $latestId
        $entries[0].Id | Should -Be $latestId.Substring(7, 12)
        $entries[1].Id | Should -BeNullOrEmpty
        $entries[0].Created | Should -BeOfType [datetime]
        $entries[0].Size | Should -BeOfType [long]
        , $entries[0].Tags | Should -BeOfType [string[]]
        $entries[0].Tags | Should -Contain 'microsoft/aspnet:latest'
        , $entries[1].Tags | Should -BeOfType [string[]]
        $entries[1].Tags.Count | Should -Be 0
    }

    It 'shows docker history''s table, ids "missing" where the engine has none' {
        $table = Get-ContainerImageHistory microsoft/aspnet | Out-String -Width 200
        $lines = $table.Trim() -split '\r?\n'
        $lines[0] | Should -Match '^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$'
        $docker = Invoke-Docker history --format '{{.ID}}|{{.Size}}|{{.Comment}}' microsoft/aspnet
        $docker.Count | Should -Be 2
        foreach ($i in 0, 1) {
            $id, $size, $comment = $docker[$i].Split('|')
            $lines[2 + $i] | Should -Match "^$([regex]::Escape($id)) .* $([regex]::Escape($size)) ?$([regex]::Escape($comment))$"
        }
        $lines[3] | Should -BeLike '<missing> *'
    }

    It 'cuts CreatedBy at 45 characters in the table unless -NoTrunc, and keeps it whole in the object' {
        $entries = Get-ContainerImageHistory test/history-long:v1
        $entries.Count | Should -Be 3
        $entries[0].CreatedBy | Should -Be "/bin/sh -c $longCommand"
        $entries[0].Comment | Should -Be 'one more layer'
        $cut = "/bin/sh -c $longCommand".Substring(0, 44) + [char]0x2026
        ($entries | Out-String -Width 250) | Should -BeLike "*$cut *"
        $whole = Get-ContainerImageHistory test/history-long:v1 -NoTrunc | Out-String -Width 250
        $whole | Should -BeLike "*/bin/sh -c $longCommand*"
        $whole | Should -BeLike "*$latestId*"   # whole ids too
    }

    It 'gives the history of exactly the piped image, by its id' {
        # aspnet:nanoserver and aspnet:latest are different images of one repository.
        $entries = Get-ContainerImage microsoft/aspnet:nanoserver | Get-ContainerImageHistory
        $entries[0].FullId | Should -Be $nanoId
        $entries[0].FullId | Should -Not -Be $latestId
    }

    It 'takes names and ids by value, and lists the others when one is missing' {
        $entries = 'microsoft/aspnet:nanoserver', 'no/such:image', $latestId | Get-ContainerImageHistory -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        ($entries | Where-Object FullId).FullId | Should -Be @($nanoId, $latestId)
    }

    It 'gives ObjectNotFound naming an image that does not exist' {
        $null = Get-ContainerImageHistory -Name no/such:image -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.NotFound,Get-ContainerImageHistory'
        $errors[0].Exception.Message | Should -Be "No image 'no/such:image' on this engine."
        $errors[0].TargetObject | Should -Be 'no/such:image'
    }

    It 'gives InvalidArgument for a malformed name' {
        $null = Get-ContainerImageHistory -Name 'repo:bad tag' -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errors[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.InvalidReference,Get-ContainerImageHistory'
        $errors[0].Exception.Message | Should -BeLike "*'bad tag' is not a valid tag*"
    }

    It 'has help with examples' {
        $help = Get-Help Get-ContainerImageHistory -Full
        @($help.Examples.Example).Count | Should -BeGreaterThan 1
        ($help.Parameters.Parameter | Where-Object Name -eq 'NoTrunc').Description | Should -Not -BeNullOrEmpty
    }
}
