BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    Install-ContainerImage -Name microsoft/nanoserver | Out-Null

    # Every image and container these tests make carries this label (containers inherit it from the image).
    $label = 'containerimage.test=remove-ps'

    function New-TestImage {
        # A new image (a commit of a container of -Base), optionally with a file of -FileSize bytes; its full id.
        param([string] $Name, [int] $FileSize, [string] $Base = 'microsoft/nanoserver', [string] $Label = $label)
        $box = Invoke-Docker create --network none $Base /bin/true
        try {
            if ($FileSize) {
                $file = Join-Path $TestDrive 'data.bin'
                [System.IO.File]::WriteAllBytes($file, [byte[]]::new($FileSize))
                Invoke-Docker cp $file "${box}:/data.bin" | Out-Null
            }
            $arguments = @('commit', '--change', "LABEL $Label", $box) + @($Name | Where-Object { $_ })
            Invoke-Docker @arguments
        } finally {
            Invoke-Docker rm -f $box | Out-Null
        }
    }

    function Clear-TestImage {
        # Removes what the tests made: containers first, then images (children before parents, so twice).
        # Arrays, always: splatting a single string to a program passes its characters, each one an id prefix.
        param([string] $Label = $label)
        $boxes = @(& docker ps -aq --filter "label=$Label")
        if ($boxes) { & docker rm -f @boxes 2>&1 | Out-Null }
        foreach ($pass in 1, 2) {
            $ids = @(& docker images -aq --no-trunc --filter "label=$Label" | Sort-Object -Unique)
            if ($ids) { & docker rmi -f @ids 2>&1 | Out-Null }
        }
    }

    function Test-Image {
        param([string] $Name)
        & docker image inspect $Name 2>&1 | Out-Null
        $LASTEXITCODE -eq 0
    }

    function Get-ImageSize {
        param([string] $Name)
        [long](Invoke-Docker image inspect --format '{{.Size}}' $Name)
    }

    function ConvertTo-TestHumanSize {
        # docker's HumanSizeWithPrecision(size, 3), written again here (not the module's) as the oracle.
        param([double] $Size)
        $units = 'B', 'kB', 'MB', 'GB', 'TB'
        $unit = 0
        while ($Size -ge 1000 -and $unit -lt $units.Count - 1) { $Size /= 1000; $unit++ }
        $Size.ToString('G3', [System.Globalization.CultureInfo]::InvariantCulture) + $units[$unit]
    }

    function Get-WhatIfLine {
        # What -WhatIf prints goes to the host, not to a stream: run the command in a child pwsh and read it.
        param([string] $Command)
        $script = "Import-Module '$ModulePath'; $Command"
        & (Get-Command pwsh).Source -NoProfile -NonInteractive -Command $script | Where-Object { $_ -like 'What if:*' }
    }
}

AfterAll {
    Clear-TestImage
    Clear-TestImage 'containerimage.test=remove-ps-prune'
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Remove-ContainerImage' {
    AfterEach {
        Clear-TestImage
    }

    It 'removes an image no container depends on, and outputs nothing without -PassThru' {
        $id = New-TestImage test/remove-ps:free
        Remove-ContainerImage -Name test/remove-ps:free -Confirm:$false | Should -BeNullOrEmpty
        Test-Image $id | Should -BeFalse
    }

    It 'outputs with -PassThru what was untagged and deleted and the space reclaimed, as a table' {
        $id = New-TestImage test/remove-ps:space -FileSize 200000
        $own = (Get-ImageSize $id) - (Get-ImageSize microsoft/nanoserver)
        $result = Remove-ContainerImage test/remove-ps:space -PassThru -Confirm:$false
        $result.PSObject.TypeNames[0] | Should -Be 'ContainerImage.RemovalResult'
        $result.Image | Should -Be 'test/remove-ps:space'
        $result.Id | Should -Be $id.Substring(7, 12)
        @($result.Untagged) | Should -Be @('test/remove-ps:space')
        @($result.Deleted) | Should -Be @($id)
        $result.SpaceReclaimed | Should -BeOfType [long]
        $result.SpaceReclaimed | Should -Be $own
        $own | Should -BeGreaterOrEqual 200000
        $table = $result | Out-String -Width 200
        $table | Should -Match 'IMAGE ID\s+RECLAIMED\s+IMAGE\s+UNTAGGED\s+DELETED'
        $table | Should -Match "$($id.Substring(7, 12))\s+2\d\d(\.\d+)?kB\s+test/remove-ps:space\s+test/remove-ps:space\s+$($id.Substring(7, 12))"
    }

    It 'refuses with ResourceBusy naming every dependent container (stopped, running, of an image built on it) and the image' {
        $id = New-TestImage test/remove-ps:busy
        $stopped = Invoke-Docker create --network none --name remove-ps-stopped test/remove-ps:busy /bin/true
        $running = Invoke-Docker run -d --network none --name remove-ps-running test/remove-ps:busy sleep 300
        New-TestImage test/remove-ps:busy-child -Base test/remove-ps:busy | Out-Null
        $onChild = Invoke-Docker create --network none --name remove-ps-on-child test/remove-ps:busy-child /bin/true

        foreach ($arguments in @{ Name = 'test/remove-ps:busy' }, @{ Id = $id.Substring(7, 8) }) {
            Remove-ContainerImage @arguments -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errors.Count | Should -Be 1
            $errors[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
            $errors[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.Conflict,Remove-ContainerImage'
            $errors[0].TargetObject | Should -Be @($arguments.Values)[0]
            $message = $errors[0].Exception.Message
            $message | Should -BeLike "The image '$(@($arguments.Values)[0])' ($($id.Substring(7, 12))) cannot be removed: 3 containers depend on it*"
            $message | Should -BeLike "*$($stopped.Substring(0, 12)) 'remove-ps-stopped' (created)*"
            $message | Should -BeLike "*$($running.Substring(0, 12)) 'remove-ps-running' (running)*"
            $message | Should -BeLike "*$($onChild.Substring(0, 12)) 'remove-ps-on-child' (created, of the image test/remove-ps:busy-child built on it)*"
        }
        Test-Image test/remove-ps:busy | Should -BeTrue
    }

    It 'goes on with the next image in the pipeline after a refused one' {
        New-TestImage test/remove-ps:busy | Out-Null
        $free = New-TestImage test/remove-ps:free
        Invoke-Docker create --network none test/remove-ps:busy /bin/true | Out-Null
        $results = 'test/remove-ps:busy', 'test/remove-ps:free' |
            Remove-ContainerImage -Confirm:$false -PassThru -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].TargetObject | Should -Be 'test/remove-ps:busy'
        $results.Deleted | Should -Be @($free)
        Test-Image test/remove-ps:busy | Should -BeTrue
    }

    It 'stops at the first failure under -ErrorAction Stop, leaving the images after it' {
        New-TestImage test/remove-ps:busy | Out-Null
        New-TestImage test/remove-ps:free | Out-Null
        Invoke-Docker create --network none test/remove-ps:busy /bin/true | Out-Null
        { 'test/remove-ps:busy', 'test/remove-ps:free' | Remove-ContainerImage -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*'test/remove-ps:busy'*cannot be removed*"
        Test-Image test/remove-ps:free | Should -BeTrue -Because 'the pipeline stopped at the refusal'
    }

    It 'removes with -Force -Confirm:$false although a stopped container depends on the image' {
        $id = New-TestImage test/remove-ps:forced
        $box = Invoke-Docker create --network none test/remove-ps:forced /bin/true
        $result = Remove-ContainerImage test/remove-ps:forced -Force -Confirm:$false -PassThru
        @($result.Deleted) | Should -Be @($id)
        Test-Image $id | Should -BeFalse
        Invoke-Docker container inspect --format '{{.Id}}' $box | Should -Be $box   # the container is left alone
    }

    It 'still asks for confirmation with -Force' {
        New-TestImage test/remove-ps:asked | Out-Null
        $ps = Invoke-InNewRunspace 'Remove-ContainerImage test/remove-ps:asked -Force'   # a host that cannot answer
        try {
            $ps.Invoke() | Should -BeNullOrEmpty
            $ps.Streams.Error[0].Exception.Message | Should -BeLike '*prompts the user*Remove container image*test/remove-ps:asked*'
            Test-Image test/remove-ps:asked | Should -BeTrue
            $ps.Commands.Clear()
            $ps.Streams.ClearStreams()
            $null = $ps.AddScript('Remove-ContainerImage test/remove-ps:asked -Force -Confirm:$false')
            $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            Test-Image test/remove-ps:asked | Should -BeFalse
        } finally {
            $ps.Dispose()
        }
    }

    It 'only untags one tag of several, even while a container uses the image' {
        $id = New-TestImage test/remove-ps:one
        Invoke-Docker tag $id test/remove-ps:two | Out-Null
        Invoke-Docker create --network none test/remove-ps:one /bin/true | Out-Null
        $result = Remove-ContainerImage test/remove-ps:two -Confirm:$false -PassThru
        @($result.Untagged) | Should -Be @('test/remove-ps:two')
        @($result.Deleted).Count | Should -Be 0
        $result.SpaceReclaimed | Should -Be 0
        Test-Image test/remove-ps:two | Should -BeFalse
        (Get-ContainerImage -Id $id).Tag | Should -Be 'one'
    }

    It 'removes nothing with -WhatIf, and says whether it would untag or remove' {
        $id = New-TestImage test/remove-ps:whatif
        Invoke-Docker tag $id test/remove-ps:whatif-too | Out-Null
        $lines = Get-WhatIfLine 'Remove-ContainerImage test/remove-ps:whatif-too, test/remove-ps:nosuch -WhatIf -ErrorAction SilentlyContinue'
        $lines | Should -Be @("What if: Performing the operation `"Untag container image`" on target `"test/remove-ps:whatif-too ($($id.Substring(7, 12))); this batch deletes no image and frees 0B (0 bytes)`".")
        Remove-ContainerImage test/remove-ps:whatif-too -WhatIf | Should -BeNullOrEmpty
        Test-Image test/remove-ps:whatif-too | Should -BeTrue
        Invoke-Docker rmi test/remove-ps:whatif-too | Out-Null
        $lines = Get-WhatIfLine 'Remove-ContainerImage test/remove-ps:whatif -WhatIf'
        # It frees its own layer, the one its commit added on nanoserver, as the engine weighs them.
        $own = (Get-ImageSize $id) - (Get-ImageSize microsoft/nanoserver)
        $lines | Should -Be @("What if: Performing the operation `"Remove container image`" on target `"test/remove-ps:whatif ($($id.Substring(7, 12))); this batch deletes 1 image and frees $(ConvertTo-TestHumanSize $own) ($own bytes)`".")
        Test-Image test/remove-ps:whatif | Should -BeTrue
    }

    It 'refuses under -WhatIf too when containers depend on the image, and -WhatIf -Force names them' {
        New-TestImage test/remove-ps:busy | Out-Null
        $box = Invoke-Docker create --network none --name remove-ps-whatif-box test/remove-ps:busy /bin/true
        Remove-ContainerImage test/remove-ps:busy -WhatIf -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
        $line = Get-WhatIfLine 'Remove-ContainerImage test/remove-ps:busy -Force -WhatIf'
        $line | Should -BeLike "*which containers depend on: $($box.Substring(0, 12)) 'remove-ps-whatif-box' (created)*"
        Test-Image test/remove-ps:busy | Should -BeTrue
    }

    It 'gives <Category> (<Kind>) for <Case>, naming what was given' -ForEach @(
        @{ Case = 'a name that does not exist'; Arguments = @{ Name = 'test/remove-ps:nosuch' }; Category = 'ObjectNotFound'; Kind = 'NotFound'; Named = 'test/remove-ps:nosuch' }
        @{ Case = 'a malformed reference'; Arguments = @{ Name = 'Test//Remove PS' }; Category = 'InvalidArgument'; Kind = 'InvalidReference'; Named = 'Test//Remove PS' }
        @{ Case = 'an id that does not exist'; Arguments = @{ Id = '0123456789ab' }; Category = 'ObjectNotFound'; Kind = 'NotFound'; Named = '0123456789ab' }
        @{ Case = 'a malformed id'; Arguments = @{ Id = 'not-an-id' }; Category = 'InvalidArgument'; Kind = 'InvalidParams'; Named = 'not-an-id' }
    ) {
        Remove-ContainerImage @Arguments -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors.Count | Should -Be 1
        $errors[0].CategoryInfo.Category | Should -Be $Category
        $errors[0].FullyQualifiedErrorId | Should -Be "ContainerImage.$Kind,Remove-ContainerImage"
        $errors[0].TargetObject | Should -Be $Named
        $errors[0].Exception.Message | Should -BeLike "*$Named*"
    }

    It 'removes the images Get-ContainerImage pipes in, each by its own tag, or by id when it has none' {
        $tagged = New-TestImage test/remove-ps-x:1
        Invoke-Docker tag $tagged test/remove-ps-x:2 | Out-Null
        $other = New-TestImage test/remove-ps-xy:1
        $results = Get-ContainerImage -Name 'test/remove-ps-x*' | Remove-ContainerImage -Confirm:$false -PassThru
        ($results.Image | Sort-Object) | Should -Be @('test/remove-ps-x:1', 'test/remove-ps-x:2', 'test/remove-ps-xy:1')
        ($results.Deleted | Sort-Object) | Should -Be (@($tagged, $other) | Sort-Object)
        Get-ContainerImage -Name 'test/remove-ps-x*' | Should -BeNullOrEmpty

        $untagged = New-TestImage
        $result = Get-ContainerImage -Dangling -Label $label | Remove-ContainerImage -Confirm:$false -PassThru
        $result.Image | Should -Be $untagged
        Test-Image $untagged | Should -BeFalse
    }

    It 'binds names by value, Repository and Tag or Id by property name' {
        $first = New-TestImage test/remove-ps:by-value
        $second = New-TestImage test/remove-ps:by-property
        $third = New-TestImage
        'test/remove-ps:by-value' | Remove-ContainerImage -Confirm:$false
        [pscustomobject]@{ Repository = 'test/remove-ps'; Tag = 'by-property' } | Remove-ContainerImage -Confirm:$false
        [pscustomobject]@{ Id = $third.Substring(7, 12) } | Remove-ContainerImage -Confirm:$false
        foreach ($id in $first, $second, $third) { Test-Image $id | Should -BeFalse }
    }

    It 'lists with -WhatIf exactly the images a prune removes, and removes exactly those' {
        $pruneLabel = 'containerimage.test=remove-ps-prune'
        try {
            $loose = @((New-TestImage -Label $pruneLabel), (New-TestImage -Label $pruneLabel))
            $used = New-TestImage -Label $pruneLabel
            Invoke-Docker create --network none $used /bin/true | Out-Null
            $tagged = New-TestImage test/remove-ps-prune:1 -Label $pruneLabel

            # Each line ends with what the whole plan frees, the same on every line (checked to the byte in
            # Get-ContainerImageDiskUsage.Tests.ps1): compared here without it.
            $batchPattern = '; this batch deletes (\d+) images? and frees \S+ \((\d+) bytes\)(?=".$)'
            $dangling = Get-WhatIfLine "Remove-ContainerImage -Dangling -Label '$pruneLabel' -WhatIf"
            @($dangling | ForEach-Object { [regex]::Match($_, $batchPattern).Groups[1].Value } | Sort-Object -Unique) | Should -Be @('2')
            $dangling = $dangling -replace $batchPattern
            $expected = foreach ($id in $loose) { "What if: Performing the operation `"Remove dangling container image`" on target `"<none> ($($id.Substring(7, 12)))`"." }
            ($dangling | Sort-Object) | Should -Be ($expected | Sort-Object)

            $unused = Get-WhatIfLine "Remove-ContainerImage -Unused -Label '$pruneLabel' -WhatIf"
            @($unused | ForEach-Object { [regex]::Match($_, $batchPattern).Groups[1].Value } | Sort-Object -Unique) | Should -Be @('3')
            $unused = $unused -replace $batchPattern
            $expected = @(foreach ($id in $loose) { "What if: Performing the operation `"Remove unused container image`" on target `"<none> ($($id.Substring(7, 12)))`"." }) +
                "What if: Performing the operation `"Remove unused container image`" on target `"test/remove-ps-prune:1 ($($tagged.Substring(7, 12)))`"."
            ($unused | Sort-Object) | Should -Be ($expected | Sort-Object)
            foreach ($id in $loose + $used + $tagged) { Test-Image $id | Should -BeTrue }

            $results = Remove-ContainerImage -Unused -Label $pruneLabel -Confirm:$false -PassThru
            ($results.FullId | Sort-Object) | Should -Be (@($loose + $tagged) | Sort-Object)
            $results[0].PSObject.TypeNames[0] | Should -Be 'ContainerImage.RemovalResult'
            foreach ($id in $loose + $tagged) { Test-Image $id | Should -BeFalse }
            Test-Image $used | Should -BeTrue
        } finally {
            Clear-TestImage $pruneLabel
        }
    }

    It 'has help with examples and the parameter sets of the issue' {
        $help = Get-Help Remove-ContainerImage -Full
        @($help.Examples.Example).Count | Should -BeGreaterThan 1
        $command = Get-Command Remove-ContainerImage
        ($command.ParameterSets.Name | Sort-Object) | Should -Be @('Dangling', 'Id', 'InputObject', 'Name', 'Unused')
        $command.Parameters['Name'].Aliases | Should -Contain 'Repository'
        $command.ScriptBlock.Attributes.Where({ $_ -is [System.Management.Automation.CmdletBindingAttribute] }).ConfirmImpact | Should -Be 'High'
    }
}
