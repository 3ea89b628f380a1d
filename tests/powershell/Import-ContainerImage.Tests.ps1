BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $images = 'test/archive-import-a:1', 'test/archive-import-b:1'

    function New-CommittedImage {
        # An image of our own (its own id) on top of a seed image: a stopped container committed with a label.
        param([string] $Name, [string] $Base)
        $container = Invoke-Docker create --network none $Base /bin/true
        Invoke-Docker commit --change "LABEL test.name=$Name" $container $Name | Out-Null
        Invoke-Docker rm $container | Out-Null
    }

    function Get-ImageId {
        # Every image id on the engine, intermediate ones too.
        @(& docker images -a -q --no-trunc) | Sort-Object -Unique
    }

    Remove-TestImage $images
    Invoke-Docker pull -q microsoft/nanoserver | Out-Null
    foreach ($image in $images) { New-CommittedImage -Name $image -Base microsoft/nanoserver }
    $ids = @{}
    foreach ($image in $images) { $ids[$image] = Invoke-Docker image inspect --format '{{.Id}}' $image }
    $archives = New-Item -ItemType Directory (Join-Path $TestDrive 'archives')
    $both = (Save-ContainerImage -Name $images -Path (Join-Path $archives 'both.tar')).FullName
}

AfterAll {
    Remove-TestImage $images
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Import-ContainerImage' {
    BeforeEach {
        Remove-TestImage $images
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid()))
    }

    It 'loads two saved and removed images back with the same ids, as ContainerImage.Image objects' {
        & docker image inspect $images[0] 2>&1 | Out-Null
        $LASTEXITCODE | Should -Not -Be 0   # really removed
        $loaded = Import-ContainerImage -Path $both
        $loaded | ForEach-Object { $_.PSObject.TypeNames[0] | Should -Be 'ContainerImage.Image' }
        $loaded | ForEach-Object { "$($_.Repository):$($_.Tag)" } | Sort-Object | Should -Be $images
        foreach ($image in $images) {
            ($loaded | Where-Object { "$($_.Repository):$($_.Tag)" -eq $image }).FullId | Should -Be $ids[$image]
            Invoke-Docker image inspect --format '{{.Id}}' $image | Should -Be $ids[$image]
        }
    }

    It 'takes FileInfo objects from Get-ChildItem and Save-ContainerImage through the pipeline' {
        (Get-ChildItem -LiteralPath $archives -Filter '*.tar' | Import-ContainerImage).Repository | Sort-Object |
            Should -Be ($images -replace ':.*')
        $saved = Save-ContainerImage -Name $images[0] -Path (Join-Path $folder 'one.tar')
        Remove-TestImage $images[0]
        ($saved | Import-ContainerImage).FullId | Should -Be $ids[$images[0]]
    }

    It 'expands wildcards in -Path but not in -LiteralPath' {
        $odd = Join-Path $folder 'set[1].tar'
        Copy-Item -LiteralPath $both -Destination $odd
        Import-ContainerImage -Path (Join-Path $folder 'set[1].tar') | Should -BeNullOrEmpty   # [1] matches "set1.tar" only
        (Import-ContainerImage -LiteralPath $odd).FullId | Sort-Object | Should -Be ($ids.Values | Sort-Object)
        Remove-TestImage $images
        (Import-ContainerImage -Path (Join-Path $folder '*.tar')).FullId | Sort-Object | Should -Be ($ids.Values | Sort-Object)
        Import-ContainerImage -Path (Join-Path $folder 'none*.tar') -ErrorVariable recorded | Should -BeNullOrEmpty
        $recorded.Count | Should -Be 0
    }

    It 'resolves a relative path against the PowerShell location' {
        Copy-Item -LiteralPath $both -Destination (Join-Path $folder 'relative.tar')
        Push-Location $folder
        try {
            $loaded = Import-ContainerImage relative.tar
        } finally {
            Pop-Location
        }
        $loaded.FullId | Sort-Object | Should -Be ($ids.Values | Sort-Object)
    }

    It 'gives InvalidData naming each corrupt archive, adds no image, and goes on with the next file' {
        $bytes = [System.IO.File]::ReadAllBytes($both)
        $random = [byte[]]::new(100000)
        [System.Random]::new(7).NextBytes($random)
        $corrupt = [ordered]@{
            'random.tar'    = $random
            'truncated.tar' = $bytes[0..($bytes.Length / 2)]
            'empty.tar'     = [byte[]]::new(0)
        }
        foreach ($name in $corrupt.Keys) { [System.IO.File]::WriteAllBytes((Join-Path $folder $name), [byte[]]$corrupt[$name]) }
        $before = Get-ImageId

        $paths = @($corrupt.Keys | ForEach-Object { Join-Path $folder $_ })
        $loaded = Import-ContainerImage -LiteralPath $paths -ErrorVariable recorded -ErrorAction SilentlyContinue
        $loaded | Should -BeNullOrEmpty
        Get-ImageId | Should -Be $before
        $recorded.Count | Should -Be 3
        for ($i = 0; $i -lt 3; $i++) {
            $recorded[$i].FullyQualifiedErrorId | Should -Be 'ContainerImage.InvalidData,Import-ContainerImage'
            $recorded[$i].CategoryInfo.Category | Should -Be 'InvalidData'
            $recorded[$i].Exception.Message | Should -BeLike "'$($paths[$i])' *"
            $recorded[$i].TargetObject | Should -Be $paths[$i]
        }

        # A bad file before a good one does not stop it.
        $loaded = (Join-Path $folder 'random.tar'), $both | Import-ContainerImage -ErrorVariable recorded -ErrorAction SilentlyContinue
        $recorded.Count | Should -Be 1
        $loaded.FullId | Sort-Object | Should -Be ($ids.Values | Sort-Object)
    }

    It 'gives ObjectNotFound naming a file that does not exist, and InvalidArgument for a folder' {
        $missing = Join-Path $folder 'missing.tar'
        Import-ContainerImage -Path $missing -ErrorVariable recorded -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $recorded.Count | Should -Be 1
        $recorded[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.NotFound,Import-ContainerImage'
        $recorded[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $recorded[0].Exception.Message | Should -BeLike "*'$missing'*"

        Import-ContainerImage -LiteralPath $folder -ErrorVariable recorded -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $recorded[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $recorded[0].Exception.Message | Should -BeLike "*'$folder' is a folder*"
    }

    It 'imports nothing with -WhatIf' {
        Import-ContainerImage -Path $both -WhatIf | Should -BeNullOrEmpty
        & docker image inspect $images[0] 2>&1 | Out-Null
        $LASTEXITCODE | Should -Not -Be 0
    }

    It 'outputs an image the archive holds without a tag with no Repository and Tag' {
        New-CommittedImage -Name $images[0] -Base microsoft/nanoserver
        $id = Invoke-Docker image inspect --format '{{.Id}}' $images[0]
        $path = (Save-ContainerImage -Name $id.Substring(7, 12) -Path (Join-Path $folder 'by-id.tar')).FullName
        Remove-TestImage $images[0]
        $loaded = Import-ContainerImage -Path $path
        $loaded.FullId | Should -Be $id
        $loaded.Repository | Should -BeNullOrEmpty
        $loaded.Tag | Should -BeNullOrEmpty
        Invoke-Docker rmi $id | Out-Null
    }

    It 'shows the bytes read as progress, and completes it' {
        $ps = Invoke-InNewRunspace "Import-ContainerImage -LiteralPath '$both'"
        try {
            $ps.Invoke() | Should -Not -BeNullOrEmpty
            $ps.HadErrors | Should -BeFalse
            $records = $ps.Streams.Progress
            $reading = $records | Where-Object Activity -eq 'Reading both.tar'
            ($reading | Select-Object -Last 1).PercentComplete | Should -Be 100
            foreach ($id in ($records.ActivityId | Sort-Object -Unique)) {
                ($records | Where-Object ActivityId -eq $id | Select-Object -Last 1).RecordType | Should -Be 'Completed'
            }
        } finally {
            $ps.Dispose()
        }
    }

    It 'has help with examples' {
        $help = Get-Help Import-ContainerImage -Full
        @($help.Examples.Example).Count | Should -BeGreaterThan 1
        $help.Parameters.Parameter.Name | Should -Contain 'LiteralPath'
    }
}
