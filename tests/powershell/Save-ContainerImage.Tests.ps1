BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $images = 'test/archive-save-a:1', 'test/archive-save-b:1'

    function New-CommittedImage {
        # An image of our own (its own id) on top of a seed image: a stopped container committed with a label.
        param([string] $Name, [string] $Base)
        $container = Invoke-Docker create --network none $Base /bin/true
        Invoke-Docker commit --change "LABEL test.name=$Name" $container $Name | Out-Null
        Invoke-Docker rm $container | Out-Null
    }

    function Get-ArchiveTag {
        # The repository:tag names an archive holds, from its manifest.json.
        param([string] $Path)
        (& tar -xOf $Path manifest.json | ConvertFrom-Json).RepoTags | Sort-Object
    }

    function Get-PartialFile {
        param([string] $Folder)
        Get-ChildItem -LiteralPath $Folder -Force -Filter '*.partial'
    }

    Remove-TestImage $images
    Invoke-Docker pull -q microsoft/nanoserver | Out-Null
    foreach ($image in $images) { New-CommittedImage -Name $image -Base microsoft/nanoserver }
}

AfterAll {
    Remove-TestImage $images
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Save-ContainerImage' {
    BeforeEach {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid()))
    }

    It 'saves two images into one archive and outputs its FileInfo' {
        $file = Save-ContainerImage -Name $images -Path (Join-Path $folder 'two.tar')
        $file | Should -BeOfType System.IO.FileInfo
        $file.FullName | Should -Be (Join-Path $folder 'two.tar')
        $file.Length | Should -BeGreaterThan 0
        Get-ArchiveTag $file.FullName | Should -Be $images
        Get-PartialFile $folder | Should -BeNullOrEmpty
    }

    It 'resolves a relative path against the PowerShell location, not the process directory' {
        Push-Location $folder
        try {
            $file = Save-ContainerImage $images[0] relative.tar
        } finally {
            Pop-Location
        }
        [System.Environment]::CurrentDirectory | Should -Not -Be $folder.FullName
        $file.FullName | Should -Be (Join-Path $folder 'relative.tar')
        Get-ArchiveTag $file.FullName | Should -Be $images[0]
    }

    It 'takes Get-ContainerImage objects from the pipeline into one archive' {
        $file = Get-ContainerImage -Name 'test/archive-save-*' | Save-ContainerImage -Path (Join-Path $folder 'piped.tar')
        @($file).Count | Should -Be 1
        Get-ArchiveTag $file.FullName | Should -Be $images
    }

    It 'does not overwrite an existing file without -Force (ResourceExists), and replaces it with -Force' {
        $path = Join-Path $folder 'existing.tar'
        Set-Content -LiteralPath $path -Value 'precious' -NoNewline
        $output = Save-ContainerImage -Name $images[0] -Path $path -ErrorVariable failures -ErrorAction SilentlyContinue
        $output | Should -BeNullOrEmpty
        $failures.Count | Should -Be 1 -Because 'a failure of the archive is one non-terminating error'
        $failure = $failures[0]
        $failure.FullyQualifiedErrorId | Should -Be 'ContainerImage.AlreadyExists,Save-ContainerImage'
        $failure.CategoryInfo.Category | Should -Be 'ResourceExists'
        $failure.Exception.Message | Should -BeLike "*'$path' already exists*"
        $failure.ErrorDetails.RecommendedAction | Should -BeLike '*-Force*'
        Get-Content -LiteralPath $path -Raw | Should -Be 'precious'
        Get-PartialFile $folder | Should -BeNullOrEmpty

        Save-ContainerImage -Name $images[0] -Path $path -Force | Out-Null
        Get-ArchiveTag $path | Should -Be $images[0]
    }

    It 'gives ObjectNotFound naming a folder that does not exist' {
        $missing = Join-Path $folder 'no/such'
        $output = Save-ContainerImage -Name $images[0] -Path (Join-Path $missing 'x.tar') -ErrorVariable failures -ErrorAction SilentlyContinue
        $output | Should -BeNullOrEmpty
        $failures.Count | Should -Be 1 -Because 'a failure of the archive is one non-terminating error'
        $failure = $failures[0]
        $failure.FullyQualifiedErrorId | Should -Be 'ContainerImage.NotFound,Save-ContainerImage'
        $failure.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failure.Exception.Message | Should -BeLike "*'$missing'*"
        Join-Path $folder 'no' | Should -Not -Exist
    }

    It 'gives InvalidArgument for a path that is a folder' {
        $output = Save-ContainerImage -Name $images[0] -Path $folder -Force -ErrorVariable failures -ErrorAction SilentlyContinue
        $output | Should -BeNullOrEmpty
        $failures.Count | Should -Be 1 -Because 'a failure of the archive is one non-terminating error'
        $failure = $failures[0]
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failure.Exception.Message | Should -BeLike "*'$folder' is a folder*"
    }

    It 'gives ObjectNotFound naming an image that does not exist, and writes no file' {
        $output = Save-ContainerImage -Name $images[0], 'test/archive-save-nosuch:1' -Path (Join-Path $folder 'x.tar') -ErrorVariable failures -ErrorAction SilentlyContinue
        $output | Should -BeNullOrEmpty
        $failures.Count | Should -Be 1 -Because 'a failure of the archive is one non-terminating error'
        $failure = $failures[0]
        $failure.FullyQualifiedErrorId | Should -Be 'ContainerImage.NotFound,Save-ContainerImage'
        $failure.Exception.Message | Should -BeLike "*'test/archive-save-nosuch:1'*"
        $failure.TargetObject | Should -Be 'test/archive-save-nosuch:1'
        Get-ChildItem -LiteralPath $folder -Force | Should -BeNullOrEmpty
    }

    It 'gives InvalidArgument for a malformed name' {
        $output = Save-ContainerImage -Name 'test/Archive Save' -Path (Join-Path $folder 'x.tar') -ErrorVariable failures -ErrorAction SilentlyContinue
        $output | Should -BeNullOrEmpty
        $failures.Count | Should -Be 1 -Because 'a failure of the archive is one non-terminating error'
        $failure = $failures[0]
        $failure.FullyQualifiedErrorId | Should -Be 'ContainerImage.InvalidReference,Save-ContainerImage'
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failure.TargetObject | Should -Be 'test/Archive Save'
        Get-ChildItem -LiteralPath $folder -Force | Should -BeNullOrEmpty
    }

    It 'gives one error for a path outside the file system or on a drive that does not exist' {
        foreach ($case in @{ Path = 'Env:/archive.tar'; Category = 'InvalidArgument'; Message = '*not a file system path*' },
                          @{ Path = 'NoSuchDrive:/archive.tar'; Category = 'ObjectNotFound'; Message = "*drive 'NoSuchDrive'*" }) {
            $caught = $null
            try { Save-ContainerImage -Name $images[0] -Path $case.Path -ErrorVariable recorded -ErrorAction Stop } catch { $caught = $_ }
            $caught.FullyQualifiedErrorId | Should -BeLike 'ContainerImage.*,Save-ContainerImage'
            $caught.CategoryInfo.Category | Should -Be $case.Category
            $caught.Exception.Message | Should -BeLike $case.Message
            $recorded.Count | Should -Be 1   # no trace of a caught exception besides it
        }
    }

    It 'writes nothing with -WhatIf' {
        Save-ContainerImage -Name $images -Path (Join-Path $folder 'x.tar') -WhatIf | Should -BeNullOrEmpty
        Get-ChildItem -LiteralPath $folder -Force | Should -BeNullOrEmpty
    }

    It 'shows the bytes written as progress, and completes it' {
        $path = Join-Path $folder 'progress.tar'
        $ps = Invoke-InNewRunspace "Save-ContainerImage -Name '$($images[0])' -Path '$path'"
        try {
            $ps.Invoke() | Should -Not -BeNullOrEmpty
            $ps.HadErrors | Should -BeFalse
            $records = $ps.Streams.Progress
            $writing = $records | Where-Object Activity -eq 'Writing progress.tar'
            $writing | Should -Not -BeNullOrEmpty
            $writing[0].StatusDescription | Should -Match ' written$'
            foreach ($id in ($records.ActivityId | Sort-Object -Unique)) {
                ($records | Where-Object ActivityId -eq $id | Select-Object -Last 1).RecordType | Should -Be 'Completed'
            }
        } finally {
            $ps.Dispose()
        }
    }

    It 'leaves no file when stopped (Ctrl+C) in the middle of a save' {
        # The stalling engine passes the start of the archive and then nothing: once the first bytes are
        # written (progress shows), the save is certainly under way and cannot finish by itself.
        $stall = Start-StallEngine
        $saved = $env:DOCKER_HOST
        $path = Join-Path $folder 'stopped.tar'
        $ps = $null
        try {
            $env:DOCKER_HOST = $stall.DockerHost   # the new runspace's backend starts with it
            $ps = Invoke-InNewRunspace "Save-ContainerImage -Name '$($images[0])', '$($images[1])' -Path '$path'"
            $null = $ps.BeginInvoke()
            $deadline = [datetime]::UtcNow.AddSeconds(60)
            while (-not ($ps.Streams.Progress | Where-Object Activity -eq 'Writing stopped.tar') -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            $ps.Streams.Progress | Where-Object Activity -eq 'Writing stopped.tar' | Should -Not -BeNullOrEmpty
            Get-PartialFile $folder | Should -Not -BeNullOrEmpty   # being written

            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            # The backend, told to cancel, removes its temporary file.
            while ((Get-PartialFile $folder) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            Get-ChildItem -LiteralPath $folder -Force | Should -BeNullOrEmpty
        } finally {
            $env:DOCKER_HOST = $saved
            if ($ps) { $ps.Dispose() }
            Stop-StallEngine $stall
        }
    }

    It 'has help with examples' {
        $help = Get-Help Save-ContainerImage -Full
        @($help.Examples.Example).Count | Should -BeGreaterThan 1
        $help.Parameters.Parameter.Name | Should -Contain 'Force'
    }
}
