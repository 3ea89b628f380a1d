# Disk: Get-ContainerImageDiskUsage and Get-ContainerImage -DiskUsage against docker system df (-v) and the
# engine's /system/df; what Remove-ContainerImage says a batch frees, against what the engine's LayersSize
# then really drops by; cleanup by policy (-Unused -OlderThan -KeepLatest, and a Sync list's Prune: section);
# the bad inputs of the policy. On the sandbox's real engine.

BeforeDiscovery {
    # The listing and the totals go through the transport under test; the rest (the batch's figure, the policy,
    # Sync, the checks of the parameters) is the same JSON either way: the Stdio pass only.
    $script:stdioOnly = $env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    Install-ContainerImage -Name microsoft/nanoserver | Out-Null

    # Every image and container these tests make carries this label (containers inherit it from the image).
    $label = 'containerimage.test=disk-ps'
    $socket = [System.Net.Sockets.UnixDomainSocketEndPoint]::new($env:DOCKER_HOST.Substring('unix://'.Length))

    function New-DiskImage {
        # A commit of a container of -Base with a file of -FileSize random bytes (a layer of its own); its full id.
        param([string] $Name, [int] $FileSize, [string] $Base = 'microsoft/nanoserver')
        $box = Invoke-Docker create --network none $Base /bin/true
        try {
            $file = Join-Path $TestDrive "data-$FileSize.bin"
            $bytes = [byte[]]::new($FileSize)
            [System.Random]::new().NextBytes($bytes)
            [System.IO.File]::WriteAllBytes($file, $bytes)
            Invoke-Docker cp $file "${box}:/data-$FileSize.bin" | Out-Null
            Invoke-Docker commit --change "LABEL $label" $box $Name
        } finally {
            Invoke-Docker rm -f $box | Out-Null
        }
    }

    function Wait-NextSecond {
        # Image creation times have whole seconds: wait until the clock is past the given image's, so that the
        # next image is newer (a condition, not a guess at how long anything takes).
        param([string] $Id, [double] $Seconds = 1.1)
        $created = @(Get-ContainerImage -Id $Id)[0].Created.ToUniversalTime()
        $deadline = [datetime]::UtcNow.AddSeconds(60)
        while ([datetime]::UtcNow -lt $created.AddSeconds($Seconds) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
    }

    function Clear-DiskImage {
        $boxes = @(& docker ps -aq --filter "label=$label")
        if ($boxes) { & docker rm -f @boxes 2>&1 | Out-Null }
        foreach ($pass in 1, 2, 3) {
            $ids = @(& docker images -aq --no-trunc --filter "label=$label" | Sort-Object -Unique)
            if ($ids) { & docker rmi -f @ids 2>&1 | Out-Null }
        }
    }

    function Get-EngineDf {
        # The engine's own accounting: GET /system/df.
        Invoke-RestMethod -UnixSocket $socket -Uri 'http://localhost/system/df'
    }

    function ConvertTo-DockerSize {
        # docker/go-units HumanSize (precision 4), as docker system df prints sizes; the oracle's format.
        param([double] $Size)
        $units = 'B', 'kB', 'MB', 'GB', 'TB'
        $unit = 0
        while ($Size -ge 1000 -and $unit -lt $units.Count - 1) { $Size /= 1000; $unit++ }
        $Size.ToString('G4', [System.Globalization.CultureInfo]::InvariantCulture) + $units[$unit]
    }

    function Invoke-InChild {
        # A command in a new, non-interactive pwsh (what -WhatIf prints goes to the host, and a confirmation
        # that cannot be asked is an error there): its output, as text lines.
        param([string] $Command)
        $script = "Import-Module '$ModulePath'; $Command"
        & (Get-Command pwsh).Source -NoProfile -NonInteractive -Command $script 2>&1 | ForEach-Object { "$_" }
    }

    function Invoke-InChildEach {
        # Several commands in one new pwsh (a new pwsh costs seconds here): the output lines of each.
        param([string[]] $Command)
        $marker = '--- next command ---'
        $lines = Invoke-InChild (($Command | ForEach-Object { $_ }) -join "; '$marker'; ")
        $parts = [System.Collections.Generic.List[object]]::new()
        $current = [System.Collections.Generic.List[string]]::new()
        foreach ($line in $lines) {
            if ($line -eq $marker) { $parts.Add($current.ToArray()); $current.Clear() } else { $current.Add($line) }
        }
        $parts.Add($current.ToArray())
        $parts.ToArray()   # each command's lines, one array each
    }

    function Get-FreedBytes {
        # The bytes a What-if line or a confirmation message says the batch frees.
        param([string[]] $Lines)
        @($Lines | ForEach-Object { [regex]::Match($_, 'frees \S+ \((\d+) bytes\)') } | Where-Object Success |
            ForEach-Object { [long]$_.Groups[1].Value } | Sort-Object -Unique)
    }

    Clear-DiskImage
    # base:1 and base:2 on nanoserver; app:1 and app:2 on base:1; used:1 (a container uses it) and used:2.
    $script:base1 = New-DiskImage test/disk-base:1 -FileSize 300000
    Wait-NextSecond $base1
    $script:base2 = New-DiskImage test/disk-base:2 -FileSize 50000
    $script:app1 = New-DiskImage test/disk-app:1 -FileSize 200000 -Base test/disk-base:1
    Wait-NextSecond $app1
    $script:app2 = New-DiskImage test/disk-app:2 -FileSize 100000 -Base test/disk-base:1
    $script:used1 = New-DiskImage test/disk-used:1 -FileSize 20000
    Wait-NextSecond $used1
    $script:used2 = New-DiskImage test/disk-used:2 -FileSize 10000
    $script:usedBox = Invoke-Docker create --network none --name disk-ps-box test/disk-used:1 /bin/true
}

AfterAll {
    Clear-DiskImage
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Get-ContainerImageDiskUsage' {
    It 'gives the images row of docker system df, to the byte as the engine counts it, in a table of 80 columns' {
        $usage = Get-ContainerImageDiskUsage
        $usage.PSObject.TypeNames[0] | Should -Be 'ContainerImage.DiskUsage'
        $docker = Invoke-Docker system df --format '{{json .}}' | ConvertFrom-Json | Where-Object Type -eq 'Images'
        $usage.TotalCount | Should -Be ([int]$docker.TotalCount)
        $usage.Active | Should -Be ([int]$docker.Active)
        $usage.Active | Should -BeGreaterOrEqual 1   # the container of test/disk-used:1
        ConvertTo-DockerSize $usage.Size | Should -Be $docker.Size
        "$(ConvertTo-DockerSize $usage.Reclaimable) ($($usage.ReclaimablePercent)%)" | Should -Be $docker.Reclaimable
        $usage.Size | Should -Be (Get-EngineDf).LayersSize
        $table = ($usage | Out-String -Width 80) -split "`n" | Where-Object { $_.Trim() }
        $table[0] | Should -Match '^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$'
        $table[2] | Should -Match "^Images\s+$($usage.TotalCount)\s+$($usage.Active)\s+\S+B\s+\S+B \(\d+%\)$"
        foreach ($line in $table) { $line.TrimEnd().Length | Should -BeLessOrEqual 80 }
    }

    It 'has help with examples' {
        $help = Get-Help Get-ContainerImageDiskUsage -Full
        @($help.Examples.Example).Count | Should -BeGreaterThan 1
    }
}

Describe 'Get-ContainerImage -DiskUsage' {
    It 'adds SharedSize and UniqueSize as docker system df -v shows them and the engine counts them' {
        $images = @(Get-ContainerImage -Name 'test/disk-*' -DiskUsage)
        $images.Count | Should -Be 6
        $engine = @{}
        foreach ($image in (Get-EngineDf).Images) { $engine[$image.Id] = $image }
        $verbose = @{}
        foreach ($image in (Invoke-Docker system df -v --format '{{json .}}' | ConvertFrom-Json).Images) { $verbose[$image.ID] = $image }
        foreach ($image in $images) {
            $image.SharedSize | Should -BeOfType [long]
            $image.SharedSize | Should -Be $engine[$image.FullId].SharedSize
            $image.UniqueSize | Should -Be ($engine[$image.FullId].Size - $engine[$image.FullId].SharedSize)
            ConvertTo-DockerSize $image.SharedSize | Should -Be $verbose[$image.FullId].SharedSize
            ConvertTo-DockerSize $image.UniqueSize | Should -Be $verbose[$image.FullId].UniqueSize
        }
        # The layers each holds alone: its own file's layer (the two apps share base:1's layers).
        $app1 = $images | Where-Object Tag -eq '1' | Where-Object Repository -eq 'test/disk-app'
        $app1.UniqueSize | Should -BeGreaterOrEqual 200000
        $app1.SharedSize | Should -BeGreaterThan 300000
    }

    It 'leaves them out of the default listing' {
        $image = Get-ContainerImage -Name test/disk-app:1
        $image.PSObject.Properties.Name | Should -Not -Contain 'SharedSize'
        $image.PSObject.Properties.Name | Should -Not -Contain 'UniqueSize'
    }
}

Describe 'Remove-ContainerImage: what a batch frees' -Skip:$stdioOnly {
    It 'says in -WhatIf what the batch frees: shared layers once, layers a kept image holds not at all' {
        $sizes = @{}
        foreach ($image in Get-ContainerImage -Name 'test/disk-*' -DiskUsage) { $sizes["$($image.Repository):$($image.Tag)"] = $image }
        # The two apps: their own layers; base:1's stays (base:1 is kept).
        $both, $withBase, $asked = Invoke-InChildEach "Remove-ContainerImage test/disk-app:1, test/disk-app:2 -WhatIf",
            "Remove-ContainerImage test/disk-app:1, test/disk-app:2, test/disk-base:1 -WhatIf",
            "Remove-ContainerImage test/disk-used:2 -ErrorAction Continue"
        $lines = @($both)
        @($lines | Where-Object { $_ -like 'What if:*' }).Count | Should -Be 2
        $apps = $sizes['test/disk-app:1'].UniqueSize + $sizes['test/disk-app:2'].UniqueSize
        Get-FreedBytes $lines | Should -Be @($apps)
        $lines[0] | Should -BeLike '*; this batch deletes 2 images and frees *'
        # With base:1 in the batch, its layer (shared by the three, so in none's UniqueSize) is freed, once.
        $freed = Get-FreedBytes $withBase
        $ownBase = (Get-ContainerImage test/disk-base:1).Size - (Get-ContainerImage microsoft/nanoserver).Size
        $freed | Should -Be @($apps + $ownBase)
        $freed | Should -BeGreaterThan ($apps + $sizes['test/disk-base:1'].UniqueSize)   # more than the unique sizes added up
        # The confirmation question (which a non-interactive pwsh cannot ask: its error quotes it).
        ($asked -join ' ') | Should -Match 'needs a confirmation that cannot be asked here'
        $own = (Get-ContainerImage test/disk-used:2).Size - (Get-ContainerImage microsoft/nanoserver).Size
        Get-FreedBytes $asked | Should -Be @($own)
        foreach ($name in 'test/disk-app:1', 'test/disk-app:2', 'test/disk-base:1', 'test/disk-used:2') { Get-ContainerImage $name | Should -Not -BeNullOrEmpty }
    }

    It 'frees what it said: the engine''s LayersSize drops by it, and -PassThru reports it' {
        $name = New-DiskImage test/disk-gone:1 -FileSize 150000
        $second = New-DiskImage test/disk-gone:2 -FileSize 70000 -Base test/disk-gone:1
        # What -WhatIf says, as -Verbose says it too (in this session: what -WhatIf prints goes to the host).
        $verbose = Remove-ContainerImage test/disk-gone:2, test/disk-gone:1 -WhatIf -Verbose 4>&1 | ForEach-Object { "$_" }
        $said = @($verbose | ForEach-Object { [regex]::Match($_, 'The batch deletes 2 images and frees (\d+) bytes') } | Where-Object Success |
            ForEach-Object { [long]$_.Groups[1].Value })
        $said | Should -HaveCount 1
        $before = (Get-EngineDf).LayersSize
        $results = @(Remove-ContainerImage test/disk-gone:2, test/disk-gone:1 -PassThru -Confirm:$false)
        $after = (Get-EngineDf).LayersSize
        ($before - $after) | Should -Be $said[0]
        ($results | Measure-Object SpaceReclaimed -Sum).Sum | Should -Be $said[0]
        $said[0] | Should -BeGreaterOrEqual 220000
        foreach ($id in $name, $second) { & docker image inspect $id 2>&1 | Out-Null; $LASTEXITCODE | Should -Not -Be 0 }
    }
}

Describe 'Remove-ContainerImage -Unused -OlderThan -KeepLatest' -Skip:$stdioOnly {
    It 'plans with -WhatIf, per repository, never an image in use nor the base of a kept image, and removes that' {
        # KeepLatest 1: app:2, base:2 and used:2 are the newest of theirs; base:1 is what app:2 is built on;
        # used:1 has a container. Only app:1 goes.
        Wait-NextSecond $used2 -Seconds 2.1   # every image older than a second, for -OlderThan 1s below
        $latest, $aged, $both = Invoke-InChildEach "Remove-ContainerImage -Unused -Label '$label' -KeepLatest 1 -WhatIf",
            "Remove-ContainerImage -Unused -Label '$label' -OlderThan 1s -WhatIf",
            "Remove-ContainerImage -Unused -Label '$label' -OlderThan 1s -KeepLatest 1 -WhatIf"
        $lines = @($latest | Where-Object { $_ -like 'What if:*' })
        $lines | Should -HaveCount 1
        $lines[0] | Should -BeLike "*test/disk-app:1 ($($app1.Substring(7, 12))), not among the 1 newest of test/disk-app; this batch deletes 1 image and frees *"
        Get-FreedBytes $lines | Should -Be @((Get-ContainerImage test/disk-app:1 -DiskUsage).UniqueSize)
        # Age alone: every image is older than a second, so all but used:1 (in use) go, base:1 with what is
        # built on it.
        $lines = @($aged | Where-Object { $_ -like 'What if:*' })
        $targets = @($lines | ForEach-Object { [regex]::Match($_, 'target "(\S+)').Groups[1].Value } | Sort-Object)
        $targets | Should -Be @('test/disk-app:1', 'test/disk-app:2', 'test/disk-base:1', 'test/disk-base:2', 'test/disk-used:2')
        @($both | Where-Object { $_ -like 'What if:*' }) | Should -HaveCount 1

        $results = @(Remove-ContainerImage -Unused -Label $label -KeepLatest 1 -Confirm:$false -PassThru)
        $results.FullId | Should -Be @($app1)
        $results[0].SpaceReclaimed | Should -BeGreaterOrEqual 200000
        foreach ($id in $base1, $base2, $app2, $used1, $used2) { & docker image inspect $id 2>&1 | Out-Null; $LASTEXITCODE | Should -Be 0 }
        # For the tests after: app:1 again, now the newest of test/disk-app.
        Wait-NextSecond $app2
        $script:app1 = New-DiskImage test/disk-app:1 -FileSize 200000 -Base test/disk-base:1
    }

    It 'refuses <Case> with an InvalidArgument error naming it, removing nothing, under -ErrorAction <Action>' -ForEach @(
        @{ Case = 'a negative span typed bare (-5d: a [decimal] to PowerShell)'; Arguments = @{ OlderThan = -5d }; Says = "'-5d' is not a positive span"; Target = 'OlderThan'; Action = 'SilentlyContinue' }
        @{ Case = 'a negative span as text'; Arguments = @{ OlderThan = '-12h' }; Says = 'not a positive span'; Target = 'OlderThan'; Action = 'Stop' }
        @{ Case = 'a zero span'; Arguments = @{ OlderThan = [timespan]::Zero }; Says = 'not a positive span'; Target = 'OlderThan'; Action = 'Stop' }
        @{ Case = 'a negative [timespan]'; Arguments = @{ OlderThan = [timespan]::FromDays(-5) }; Says = 'not a positive span'; Target = 'OlderThan'; Action = 'Continue' }
        @{ Case = 'a span without a unit'; Arguments = @{ OlderThan = 5 }; Says = 'has no unit'; Target = 'OlderThan'; Action = 'SilentlyContinue' }
        @{ Case = 'text that is no span'; Arguments = @{ OlderThan = 'last week' }; Says = 'is not a time span'; Target = 'OlderThan'; Action = 'Stop' }
        @{ Case = 'KeepLatest 0'; Arguments = @{ KeepLatest = 0 }; Says = 'keeps no image of a repository'; Target = 'KeepLatest'; Action = 'SilentlyContinue' }
        @{ Case = 'a negative KeepLatest'; Arguments = @{ KeepLatest = -2 }; Says = 'keeps no image of a repository'; Target = 'KeepLatest'; Action = 'Continue' }
    ) {
        $before = @(& docker images -aq --no-trunc | Sort-Object)
        $errors = $null
        $thrown = $null
        $output = $null
        try {
            $output = Remove-ContainerImage -Unused -Label $label @Arguments -Confirm:$false -ErrorAction $Action -ErrorVariable errors 2>$null
        } catch {
            $thrown = $_
        }
        $output | Should -BeNullOrEmpty
        if ($Action -eq 'Stop') { $thrown | Should -Not -BeNullOrEmpty; $record = $thrown } else { $thrown | Should -BeNullOrEmpty; $record = $errors[0] }
        @($errors).Count | Should -Be 1
        $record.FullyQualifiedErrorId | Should -Be 'ContainerImage.InvalidParams,Remove-ContainerImage'
        $record.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $record.TargetObject | Should -Be $Target
        $record.Exception.Message | Should -BeLike "*$Says*Nothing was removed."
        @(& docker images -aq --no-trunc | Sort-Object) | Should -Be $before
    }

    It 'has the parameters in the Unused set, with help' {
        $command = Get-Command Remove-ContainerImage
        foreach ($name in 'OlderThan', 'KeepLatest') {
            $command.Parameters[$name].ParameterSets.Keys | Should -Be @('Unused')
            (Get-Help Remove-ContainerImage -Parameter $name).Description.Text | Should -Not -BeNullOrEmpty
        }
    }
}

Describe 'Sync-ContainerImage with a Prune: section' -Skip:$stdioOnly {
    It 'removes the unlisted images the policy lets go, never a listed one, one in use, or the base of a kept one' {
        $list = Join-Path $TestDrive 'prune.yaml'
        # Both apps listed: nothing of these goes (base:1 is under them, base:2 and used:2 the newest of theirs).
        $list2 = Join-Path $TestDrive 'prune2.yaml'
        Set-Content -Path $list2 -Value "Images:`n  - test/disk-app:1`n  - test/disk-app:2`nPrune:`n  KeepLatest: 1`n"
        # Only app:1 (the newest of test/disk-app) listed: app:2 goes.
        Set-Content -Path $list -Value "Images:`n  - test/disk-app:1`nPrune:`n  KeepLatest: 1`n"
        $whatIf2, $whatIf = Invoke-InChildEach "Sync-ContainerImage -Path '$list2' -WhatIf", "Sync-ContainerImage -Path '$list' -WhatIf"
        @($whatIf2 | Where-Object { $_ -like 'What if:*test/disk-*' }) | Should -BeNullOrEmpty
        $whatIf = @($whatIf | Where-Object { $_ -like 'What if:*test/disk-*' })
        $whatIf | Should -HaveCount 1
        $whatIf[0] | Should -BeLike "*`"Remove container image`" on target `"test/disk-app:2 ($($app2.Substring(7, 12))): test/disk-app:2 is not listed, no container depends on it, and the Prune policy lets it go: not among the 1 newest of test/disk-app.`"*"

        $changes = @(Sync-ContainerImage -Path $list -Confirm:$false | Where-Object { $_.Name -like 'test/disk-*' })
        $changes.Action | Should -Be @('Remove')
        & docker image inspect $app2 2>&1 | Out-Null; $LASTEXITCODE | Should -Not -Be 0
        foreach ($id in $base1, $base2, $app1, $used1, $used2) { & docker image inspect $id 2>&1 | Out-Null; $LASTEXITCODE | Should -Be 0 }
    }

    It 'refuses a Prune section with KeepLatest 0 or a negative OlderThan, naming the line, changing nothing' {
        $list = Join-Path $TestDrive 'bad-prune.yaml'
        foreach ($section in "Prune:`n  KeepLatest: 0`n", "Prune:`n  OlderThan: -5d`n") {
            Set-Content -Path $list -Value "Images:`n  - test/disk-app:2`n$section"
            $before = @(& docker images -aq --no-trunc | Sort-Object)
            Sync-ContainerImage -Path $list -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errors[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.InvalidData,Sync-ContainerImage'
            $errors[0].Exception.Message | Should -BeLike "*bad-prune.yaml, line 4, column *"
            @(& docker images -aq --no-trunc | Sort-Object) | Should -Be $before
        }
    }
}
