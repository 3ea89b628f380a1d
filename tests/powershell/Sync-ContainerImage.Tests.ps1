BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force

    function New-ImageList {
        # An image list file under $TestDrive with these lines; returns its path.
        param([Parameter(Mandatory)] [string[]] $Line, [string] $Name = "images-$([guid]::NewGuid().ToString('n').Substring(0, 6)).yaml")
        $path = Join-Path $TestDrive $Name
        Set-Content -Path $path -Value $Line
        $path
    }

    function Get-ImageId([string] $Name) {
        $id = & docker image inspect --format '{{.Id}}' $Name 2>$null
        if ($LASTEXITCODE -eq 0) { $id }
    }

    function Get-EngineTag {
        # Every repository:tag on the engine now: what a -Prune test lists so that it removes only its own.
        @(& docker images --format '{{.Repository}}:{{.Tag}}' | Where-Object { $_ -notlike '*<none>*' })
    }

    function Get-MirrorDigest([string] $Name) {
        $response = Invoke-WebRequest -Method Head "http://$env:CONTAINERIMAGE_TEST_MIRROR/v2/$Name/manifests/latest" `
            -Headers @{ Accept = 'application/vnd.docker.distribution.manifest.v2+json' }
        [string]$response.Headers['Docker-Content-Digest']
    }
}

AfterAll {
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Sync-ContainerImage' {
    BeforeAll {
        $script:first = New-FreshImage -Prefix fresh/sync -Layers 1
        $script:second = New-FreshImage -Prefix fresh/sync -Layers 1
    }
    AfterAll { Remove-TestImage "${first}:latest", "${second}:latest", "${second}:extra" }

    It '-WhatIf shows the whole plan, with the file and line of each image, and changes nothing' {
        $path = New-ImageList '# what this host holds', 'Images:', "  - Name: $first", "  - ${second}:latest" -Name 'whatif.yaml'
        $output = & (Get-Command pwsh).Source -NoProfile -NonInteractive -Command "Import-Module '$ModulePath'; Sync-ContainerImage -Path '$path' -WhatIf" 2>&1 | Out-String
        $output | Should -Match ([regex]::Escape("What if: Performing the operation `"Install container image`" on target `"${first}:latest (whatif.yaml line 3)`"."))
        $output | Should -Match ([regex]::Escape("on target `"${second}:latest (whatif.yaml line 4)`""))
        Get-ImageId "${first}:latest" | Should -BeNullOrEmpty
        Get-ImageId "${second}:latest" | Should -BeNullOrEmpty
    }

    It 'installs what is missing and outputs one SyncChange per change' {
        $path = New-ImageList 'Images:', "  - Name: $first", "  - Name: $second"
        $changes = Sync-ContainerImage -Path $path -Confirm:$false
        $changes.Count | Should -Be 2
        $changes[0].PSObject.TypeNames[0] | Should -Be 'ContainerImage.SyncChange'
        $changes.Action | Should -Be @('Install', 'Install')
        $changes[0].Name | Should -Be $first
        $changes[0].Line | Should -Be 2
        Get-ImageId "${first}:latest" | Should -BeLike "sha256:$($changes[0].NewId)*" -Because 'the short id is the new image'
        ($changes | Format-Table | Out-String) | Should -Match 'ACTION\s+OLD ID\s+NEW ID\s+NAME\s+TAG\s+REASON'
    }

    It 'changes nothing when the engine already holds the list, and says so with -Verbose' {
        $path = New-ImageList 'Images:', "  - Name: $first", "  - Name: $second"
        $before = Get-ImageId "${first}:latest"
        $output = Sync-ContainerImage -Path $path -Confirm:$false -Verbose 4>&1
        @($output | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }) | Should -BeNullOrEmpty
        ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Contain "${first}:latest ($($before.Substring(7, 12))) is in its desired state"
        Get-ImageId "${first}:latest" | Should -Be $before
    }

    It 're-pulls an image whose pinned digest moved (Update), and takes the path from the pipeline' {
        $before = Get-ImageId "${first}:latest"
        $output = & /usr/bin/python3 (Join-Path $PSScriptRoot '../../tools/sandbox.py') fresh-image $first --layers 1 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "$output"
        $moved = Get-MirrorDigest $first
        $path = New-ImageList 'Images:', "  - Name: $first", "    Digest: $moved"
        $changes = Get-Item $path | Sync-ContainerImage -Confirm:$false
        $changes.Action | Should -Be 'Update'
        $changes.Digest | Should -Be $moved
        $changes.OldId | Should -Be $before.Substring(7, 12)
        Get-ImageId "${first}:latest" | Should -Not -Be $before
        & docker rmi $before 2>&1 | Out-Null
    }

    It 'updates an image with Latest: true whose tag moved in the registry, and leaves it alone when current' {
        $path = New-ImageList 'Images:', "  - Name: $second", '    Latest: true'
        Sync-ContainerImage -Path $path -Confirm:$false | Out-Null   # installed, or already there
        $before = Get-ImageId "${second}:latest"
        Sync-ContainerImage -Path $path -Confirm:$false | Should -BeNullOrEmpty -Because 'the registry serves this very image'
        $output = & /usr/bin/python3 (Join-Path $PSScriptRoot '../../tools/sandbox.py') fresh-image $second --layers 1 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "$output"
        $moved = Get-MirrorDigest $second
        Sync-ContainerImage -Path $path -WhatIf | Out-Null
        Get-ImageId "${second}:latest" | Should -Be $before -Because '-WhatIf changes nothing'
        $change = Sync-ContainerImage -Path $path -Confirm:$false
        $change.Action | Should -Be 'Update'
        $change.Reason | Should -BeLike "*not the latest*$moved*"
        $change.Digest | Should -Be $moved
        $change.OldId | Should -Be $before.Substring(7, 12)
        Get-ImageId "${second}:latest" | Should -Not -Be $before
        & docker rmi $before 2>&1 | Out-Null
    }

    It '-Prune removes unlisted images, untags unlisted tags, and keeps (with a warning) one a container uses' {
        Invoke-Docker tag "${second}:latest" "${second}:extra" | Out-Null
        $doomed = New-FreshImage -Prefix fresh/sync-doomed -Layers 1
        Install-ContainerImage $doomed | Out-Null
        $kept = New-FreshImage -Prefix fresh/sync-kept -Layers 1
        Install-ContainerImage $kept | Out-Null
        $box = Invoke-Docker create --network none "${kept}:latest" /bin/true
        try {
            $listed = Get-EngineTag | Where-Object { $_ -notin "${second}:extra", "${doomed}:latest", "${kept}:latest" }
            $path = New-ImageList (@('Images:') + ($listed | ForEach-Object { "  - '$_'" }))
            $changes = Sync-ContainerImage -Path $path -Prune -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue
            # Untagged images other tests left on the shared engine are unlisted too: removed, as they should be.
            $changes | Where-Object { -not $_.Tag } | ForEach-Object { $_.Action | Should -Be 'Remove' }
            ($changes | Where-Object Tag | ForEach-Object { "$($_.Action) $($_.Name):$($_.Tag)" } | Sort-Object) |
                Should -Be (@("Keep ${kept}:latest", "Remove ${doomed}:latest", "Untag ${second}:extra") | Sort-Object)
            Get-ImageId "${doomed}:latest" | Should -BeNullOrEmpty
            Get-ImageId "${second}:extra" | Should -BeNullOrEmpty
            Get-ImageId "${second}:latest" | Should -Not -BeNullOrEmpty
            Get-ImageId "${kept}:latest" | Should -Not -BeNullOrEmpty
            ($changes | Where-Object Action -eq 'Keep').Containers[0].Id | Should -Be $box.Substring(0, 12)
            $warnings.Message | Should -BeLike "*${kept}:latest*$($box.Substring(0, 12))*"
            foreach ($tag in $listed) { Get-ImageId $tag | Should -Not -BeNullOrEmpty -Because "$tag is listed" }
        } finally {
            Remove-TestImage "${kept}:latest", "${doomed}:latest"
        }
    }

    It 'reports a failing image as a non-terminating error and installs the others' {
        Remove-TestImage "${second}:latest"
        $path = New-ImageList 'Images:', "  - Name: $env:CONTAINERIMAGE_TEST_REGISTRY/private/nosuchrepo", "  - Name: $second"
        $changes = Sync-ContainerImage -Path $path -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
        $changes.Name | Should -Be $second
        $failures.Count | Should -Be 1
        $failures[0].Exception.Message | Should -BeLike '*private/nosuchrepo*'
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'ContainerImage.*,Sync-ContainerImage'
    }

    It 'shows progress across the images' {
        Remove-TestImage "${second}:latest"
        $path = New-ImageList 'Images:', "  - Name: $second"
        $ps = Invoke-InNewRunspace "Sync-ContainerImage -Path '$path' -Confirm:`$false"
        try {
            $null = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $ps.Streams.Progress.Activity | Should -Contain "Image 1 of 1: Install ${second}:latest"
        } finally {
            $ps.Dispose()
        }
    }
}

Describe 'Sync-ContainerImage with a bad file' {
    BeforeAll { $script:name = New-FreshImage -Prefix fresh/sync-bad -Layers 1 }
    AfterAll { Remove-TestImage "${name}:latest" }

    It 'is one non-terminating InvalidData error naming the file and line, before anything changes: <Case>' -ForEach @(
        @{ Case = 'not YAML'; Lines = @('Images:', '  - Name: NAME', '  - Name: [unclosed'); Line = 4; Says = 'not valid YAML' }
        @{ Case = 'no Name'; Lines = @('Images:', '  - Name: NAME', '  - Tag: 1'); Line = 3; Says = 'has no Name' }
        @{ Case = 'malformed name'; Lines = @('Images:', '  - Name: NAME', '  - Name: Not A Name'); Line = 3; Says = "'Not A Name' is not a valid reference" }
        @{ Case = 'bad digest'; Lines = @('Images:', '  - Name: NAME', '    Digest: sha256:beef'); Line = 3; Says = "'sha256:beef' is not an image digest" }
        @{ Case = 'unknown key'; Lines = @('Images:', '  - Name: NAME', '    Tga: x'); Line = 3; Says = "unknown key 'Tga'" }
    ) {
        $path = New-ImageList ($Lines -creplace 'NAME', $name)
        $output = Sync-ContainerImage -Path $path -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
        $output | Should -BeNullOrEmpty
        $failures.Count | Should -Be 1
        $failure = $failures[0]
        $failure.CategoryInfo.Category | Should -Be 'InvalidData'
        $failure.FullyQualifiedErrorId | Should -Be 'ContainerImage.InvalidData,Sync-ContainerImage'
        $failure.Exception.Message | Should -BeLike "$path, line $Line, column *"
        $failure.Exception.Message | Should -BeLike "*$Says*"
        Get-ImageId "${name}:latest" | Should -BeNullOrEmpty -Because 'the image before the bad line is not installed either'
    }

    It 'a file that does not exist is ObjectNotFound naming it' {
        $output = Sync-ContainerImage -Path (Join-Path $TestDrive 'none.yaml') -ErrorVariable failures -ErrorAction SilentlyContinue
        $output | Should -BeNullOrEmpty
        $failures.Count | Should -Be 1
        $failure = $failures[0]
        $failure.FullyQualifiedErrorId | Should -Be 'ContainerImage.NotFound,Sync-ContainerImage'
        $failure.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failure.Exception.Message | Should -BeLike '*none.yaml*'
    }
}
