BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $mirror = $env:CONTAINERIMAGE_TEST_MIRROR
    $target = $env:CONTAINERIMAGE_TEST_TARGET

    function New-CopyName([string] $Prefix = 'pester/copy') {
        "$Prefix-" + [guid]::NewGuid().ToString('n').Substring(0, 8)
    }
    function Push-TestList {
        # A list of linux/amd64, linux/arm64 and windows/amd64 (10.0.20348) with a foreign Windows base layer,
        # pushed into the mirror through the registry API (tools/registry_push.py). Returns what it prints.
        param([string] $Name, [string] $Tag = 'multi', [ValidateSet('oci', 'docker')] [string] $Format = 'oci',
              [string[]] $Platform = @('linux/amd64', 'linux/arm64', 'windows/amd64/10.0.20348.2227'))
        $arguments = @((Join-Path $PSScriptRoot '../../tools/registry_push.py'), '--registry', $mirror, '--name', $Name,
                       '--tag', $Tag, '--format', $Format, '--foreign-layer')
        foreach ($item in $Platform) { $arguments += '--platform', $item }
        $output = & /usr/bin/python3 @arguments 2>&1
        if ($LASTEXITCODE -ne 0) { throw "registry_push.py $Name failed: $output" }
        $output | ConvertFrom-Json
    }
    function Get-RawManifest([string] $Reference) {
        # skopeo, the outside oracle: the manifest's bytes as a hex string (compared byte for byte).
        $bytes = & skopeo inspect --tls-verify=false --raw "docker://$Reference" 2>&1
        if ($LASTEXITCODE -ne 0) { throw "skopeo inspect --raw $Reference failed: $bytes" }
        ($bytes -join "`n")
    }
    function Test-Blob([string] $Registry, [string] $Name, [string] $Digest) {
        try { $null = Invoke-WebRequest -Method Head "http://$Registry/v2/$Name/blobs/$Digest" -UseBasicParsing; $true } catch { $false }
    }
}

AfterAll {
    Remove-Module ContainerImage -ErrorAction Ignore
}

# What does not depend on the transport (the copy itself is the backend's) runs in the Stdio pass only.
Describe 'Copy-ContainerImage' {
    It 'copies a whole <Format> list with its bytes, so the destination digest is the source digest' -ForEach @(
        @{ Format = 'oci'; Skip = $false }, @{ Format = 'docker'; Skip = $env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess' }) {
        if ($Skip) { Set-ItResult -Skipped -Because 'the Docker list is the OCI index''s twin; the Stdio pass copies it'; return }
        $name = New-CopyName
        $pushed = Push-TestList -Name $name -Format $Format
        $copied = Copy-ContainerImage -Name "$mirror/${name}:multi" -Destination "$target/$name"
        $copied.PSObject.TypeNames[0] | Should -Be 'ContainerImage.CopyResult'
        $copied.Digest | Should -Be $pushed.digest
        $copied.Destination | Should -Be "$target/${name}:multi"
        $copied.Platforms | Should -Be @('linux/amd64', 'linux/arm64', 'windows/amd64 (10.0.20348.2227)')
        Get-RawManifest "$target/${name}:multi" | Should -BeExactly (Get-RawManifest "$mirror/${name}:multi")
        # the foreign layer is named, not copied; every other blob is there
        $copied.ForeignLayers | Should -Be 1
        Test-Blob $target $name $pushed.images[2].foreign | Should -BeFalse
        Test-Blob $target $name $pushed.images[2].layer | Should -BeTrue
        ($copied | Format-Table | Out-String -Width 300) | Should -Match 'DIGEST\s+PLATFORMS\s+COPIED\s+SOURCE\s+DESTINATION'
        $copied.Platforms.ToString() | Should -Be 'linux/amd64;linux/arm64;windows/amd64 (10.0.20348.2227)'   # as Export-Csv writes it
    }

    It 'copies one platform as that image alone, and foreign layers when asked' -Skip:($env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess') {
        $name = New-CopyName
        $pushed = Push-TestList -Name $name
        $copied = Copy-ContainerImage "$mirror/${name}:multi" "$target/${name}:win" -Platform windows/amd64 -IncludeForeignLayers
        $copied.Digest | Should -Be $pushed.images[2].digest
        $copied.ForeignLayers | Should -Be 0
        Test-Blob $target $name $pushed.images[2].foreign | Should -BeTrue
        Get-RawManifest "$target/${name}:win" | Should -BeExactly (Get-RawManifest "$mirror/$name@$($pushed.images[2].digest)")
    }

    It 'takes Name and Tag from the pipeline by property; each tag keeps its name' -Skip:($env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess') {
        $name = New-CopyName
        $one = Push-TestList -Name $name -Tag '1.0' -Platform linux/amd64
        $two = Push-TestList -Name $name -Tag '2.0' -Platform linux/amd64
        $rows = [pscustomobject]@{ Name = "$mirror/$name"; Tag = '1.0' }, [pscustomobject]@{ Name = "$mirror/$name"; Tag = '2.0' }
        $copied = $rows | Copy-ContainerImage -Destination "$target/$name-promoted"
        $copied.Destination | Should -Be @("$target/$name-promoted:1.0", "$target/$name-promoted:2.0")
        $copied.Digest | Should -Be @($one.digest, $two.digest)
    }

    It 'promotes the tags Get-ContainerImageTag lists: Get-ContainerImageTag | Where-Object | Copy-ContainerImage' -Skip:($env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess') {
        if (-not (Get-Command Get-ContainerImageTag -Module ContainerImage -ErrorAction Ignore)) {
            Set-ItResult -Skipped -Because 'Get-ContainerImageTag (h-registry) is not in this branch yet'
            return
        }
        $name = New-CopyName
        $one = Push-TestList -Name $name -Tag '1.0' -Platform linux/amd64
        $null = Push-TestList -Name $name -Tag '2.0' -Platform linux/amd64
        $copied = Get-ContainerImageTag -Name "$mirror/$name" | Where-Object Tag -like '1.*' | Copy-ContainerImage -Destination "$target/$name-promoted"
        $copied.Destination | Should -Be "$target/$name-promoted:1.0"
        $copied.Digest | Should -Be $one.digest
    }

    It 'copies nothing with -WhatIf' -Skip:($env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess') {
        $name = New-CopyName
        $null = Push-TestList -Name $name -Platform linux/amd64
        Copy-ContainerImage "$mirror/${name}:multi" "$target/$name" -WhatIf | Should -BeNullOrEmpty
        { Get-RawManifest "$target/${name}:multi" } | Should -Throw
    }

    It 'names what is missing, which side refused, and a registry that is down' -Skip:($env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess') {
        $null = Copy-ContainerImage "$mirror/pester/none:1" "$target/x" -ErrorVariable missing -ErrorAction SilentlyContinue
        $missing[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.NotFound,Copy-ContainerImage'
        $missing[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $missing[0].Exception.Message | Should -BeLike "The source $mirror/pester/none:1 was not found*"

        $name = New-CopyName
        $null = Push-TestList -Name $name -Platform linux/amd64
        $auth = $env:CONTAINERIMAGE_TEST_REGISTRY
        $null = Copy-ContainerImage "$mirror/${name}:multi" "$auth/$name" -ErrorVariable refused -ErrorAction SilentlyContinue
        $refused[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $refused[0].Exception.Message | Should -BeLike "The destination $auth/${name}:multi*"
        $copied = Copy-ContainerImage "$mirror/${name}:multi" "$auth/$name" -DestinationCredential (New-TestCredential)
        $copied.Copied | Should -Be 2

        $down = $env:CONTAINERIMAGE_TEST_DOWN_REGISTRY
        $null = Copy-ContainerImage "$down/any/image:1" "$target/x" -ErrorVariable unreachable -ErrorAction SilentlyContinue
        $unreachable[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $unreachable[0].Exception.Message | Should -BeLike "The source $down/any/image:1*"
    }

    It 'shows progress per blob and completes every record' {
        $name = New-CopyName
        $null = Push-TestList -Name $name -Platform linux/amd64, linux/arm64
        $ps = Invoke-InNewRunspace "Copy-ContainerImage -Name '$mirror/${name}:multi' -Destination '$target/$name'"
        try {
            $copied = $ps.Invoke()
            $ps.HadErrors | Should -BeFalse
            $copied[0].Copied | Should -Be 4
            $records = $ps.Streams.Progress
            $blobs = $records | Where-Object ParentActivityId -eq 1
            ($blobs.ActivityId | Sort-Object -Unique).Count | Should -Be 4
            $blobs.Activity | Should -Match '^Layer [0-9a-f]{12}$'
            $blobs.StatusDescription | Should -Contain 'Copied'
            foreach ($id in ($records.ActivityId | Sort-Object -Unique)) {
                ($records | Where-Object ActivityId -eq $id | Select-Object -Last 1).RecordType | Should -Be 'Completed'
            }
        } finally {
            $ps.Dispose()
        }
    }

    It 'stops when the caller stops it: the download is dropped and the destination gets no manifest' {
        # The source behind tools/stall_registry.py: its layer downloads start and never finish.
        $name = New-CopyName
        $null = Push-TestList -Name $name -Platform linux/amd64
        $stall = Start-StallRegistry
        $ps = Invoke-InNewRunspace "Copy-ContainerImage -Name '$($stall.Address)/${name}:multi' -Destination '$target/$name'"
        try {
            $running = $ps.BeginInvoke()
            $deadline = [datetime]::UtcNow.AddSeconds(90)
            while ((Get-StalledDownload $stall) -lt 1 -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            Get-StalledDownload $stall | Should -Be 1
            $ps.Stop()
            $deadline = [datetime]::UtcNow.AddSeconds(30)
            while ((Get-StalledDownload $stall) -gt 0 -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            Get-StalledDownload $stall | Should -Be 0 -Because 'the backend hung up on the source'
            $running.IsCompleted | Should -BeTrue
            { Get-RawManifest "$target/${name}:multi" } | Should -Throw
        } finally {
            $ps.Dispose()
            $stall.Kill()
        }
    }

    It 'has help with examples' -Skip:($env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess') {
        $help = Get-Help Copy-ContainerImage -Full
        @($help.Examples.Example).Count | Should -BeGreaterThan 1
        $help.Parameters.Parameter.Name | Should -Contain 'IncludeForeignLayers'
        $help.Description.Text | Should -Match 'digest'
    }
}
