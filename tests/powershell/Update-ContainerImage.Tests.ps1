# Update-ContainerImage against the sandbox's real engine and mirror registry: tags moved by pushing a new
# image under the same name (tools/sandbox.py fresh-image), then updated, pruned, or only listed (-WhatIf).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $mirror = $env:CONTAINERIMAGE_TEST_MIRROR
    Invoke-Docker pull -q microsoft/nanoserver | Out-Null

    function Move-Tag {
        # Pushes a new image (one new layer) under the Hub name $Name into the mirror: the tag moves there.
        param([Parameter(Mandatory)] [string] $Name)
        $output = & /usr/bin/python3 (Join-Path $PSScriptRoot '../../tools/sandbox.py') fresh-image $Name --layers 1 2>&1
        if ($LASTEXITCODE -ne 0) { throw "sandbox.py fresh-image $Name failed: $output" }
    }

    function New-PulledImage {
        # A fresh image in the mirror, pulled: its local copy is what the registry serves.
        param([string] $Prefix)
        $name = New-FreshImage -Prefix $Prefix -Layers 1
        Invoke-Docker pull -q $name | Out-Null
        $name
    }

    function Get-ImageId { param([string] $Name) Invoke-Docker image inspect --format '{{.Id}}' $Name }
}

AfterAll {
    Remove-TestRepository 'upd/', '*/upd/'
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Update-ContainerImage' {
    It 'lists with -WhatIf what it would pull, and pulls nothing' {
        $name = New-PulledImage upd/whatif
        try {
            $old = Get-ImageId $name
            Move-Tag $name
            $digest = (Get-ContainerImageUpdate -Name $name).RemoteDigest
            Update-ContainerImage -Name $name -WhatIf | Should -BeNullOrEmpty
            Get-ImageId $name | Should -Be $old
            # What the user reads: the name and where the tag goes.
            $shown = & (Get-Command pwsh).Source -NoProfile -NonInteractive -Command "Import-Module '$ModulePath'; Update-ContainerImage -Name '$name' -WhatIf" | Out-String
            $shown | Should -BeLike "*What if: Performing the operation ""Update container image"" on target ""${name}:latest (sha256:*-> $digest)""*"
            Get-ImageId $name | Should -Be $old
        } finally {
            Remove-TestImage $name
        }
    }

    It 'pulls a moved tag, says what it was and is, and leaves the images that are current alone' {
        $moved = New-PulledImage upd/apply
        $still = New-PulledImage upd/current
        try {
            $old = Get-ImageId $moved
            $stillId = Get-ImageId $still
            $oldDigest = (Get-ContainerImageUpdate -Name $moved).LocalDigest
            Move-Tag $moved
            $remote = (Get-ContainerImageUpdate -Name $moved).RemoteDigest
            $results = @(Update-ContainerImage -Name $moved, $still -Confirm:$false -Verbose 4>&1)
            $updated = @($results | Where-Object { $_.PSObject.TypeNames[0] -eq 'ContainerImage.UpdateResult' })
            $updated.Count | Should -Be 1
            $updated[0].Name, $updated[0].Tag | Should -Be $moved, 'latest'
            $updated[0].OldId | Should -Be $old.Substring(7, 12)
            $updated[0].NewId | Should -Be (Get-ImageId $moved).Substring(7, 12)
            $updated[0].OldDigest, $updated[0].NewDigest | Should -Be $oldDigest, $remote
            $updated[0].Updated | Should -BeTrue
            $updated[0].Pruned | Should -BeFalse
            @($results | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like "${still}:latest: UpToDate*" }).Count | Should -Be 1
            Get-ImageId $still | Should -Be $stillId
            (Get-ContainerImageUpdate -Name $moved).Status | Should -Be 'UpToDate'
            Get-ImageId $old | Should -Be $old -Because 'without -Prune the replaced image stays'
            ($updated | Out-String -Width 80) | Should -Match "$($updated[0].OldId) +$($updated[0].NewId) +False"
        } finally {
            Remove-TestImage $moved, $still
        }
    }

    It 'takes the objects of Get-ContainerImageUpdate and Get-ContainerImage from the pipeline' {
        $first = New-PulledImage upd/pipe-a
        $second = New-PulledImage upd/pipe-b
        try {
            Move-Tag $first
            Move-Tag $second
            $result = Get-ContainerImageUpdate -Name $first | Update-ContainerImage -Confirm:$false
            $result.Name | Should -Be $first
            $result = Get-ContainerImage -Name $second | Update-ContainerImage -Confirm:$false
            $result.Name | Should -Be $second
            (Get-ContainerImageUpdate -Name $first, $second).Status | Should -Be 'UpToDate', 'UpToDate'
        } finally {
            Remove-TestImage $first, $second
        }
    }

    It 'with -Prune removes the replaced image, and keeps with a warning one that a container uses' {
        $free = New-PulledImage upd/prune-free
        $used = New-PulledImage upd/prune-used
        $container = Invoke-Docker create --network none $used none
        try {
            $oldFree = Get-ImageId $free
            $oldUsed = Get-ImageId $used
            Move-Tag $free
            Move-Tag $used
            $results = @(Update-ContainerImage -Name $free, $used -Prune -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue)
            ($results | Where-Object Name -eq $free).Pruned | Should -BeTrue
            & docker image inspect $oldFree 2>&1 | Out-Null
            $LASTEXITCODE | Should -Not -Be 0 -Because 'the replaced image is gone'
            ($results | Where-Object Name -eq $used).Pruned | Should -BeFalse
            Get-ImageId $oldUsed | Should -Be $oldUsed -Because 'a container uses it'
            $warnings.Count | Should -Be 1
            [string]$warnings[0] | Should -BeLike "*$($oldUsed.Substring(7, 12))*$($container.Substring(0, 12))*"
        } finally {
            & docker rm -f $container 2>&1 | Out-Null
            Remove-TestImage $free, $used
        }
    }

    It 'updates nothing of a registry that is down, with one error for all its images' -Skip:($env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess') {
        $info = [System.Diagnostics.ProcessStartInfo]::new('/usr/bin/python3')
        foreach ($argument in (Join-Path $PSScriptRoot '../../tools/cut_proxy.py'), '--registry', $mirror) { $info.ArgumentList.Add($argument) }
        $info.RedirectStandardOutput = $true
        $proxy = [System.Diagnostics.Process]::Start($info)
        $address = $proxy.StandardOutput.ReadLine()
        $names = 1..2 | ForEach-Object { "$address/upd/update-down-$([guid]::NewGuid().ToString('n').Substring(0, 8)):1" }
        try {
            foreach ($name in $names) { Invoke-Docker tag microsoft/nanoserver $name; Invoke-Docker push -q $name | Out-Null }
        } finally {
            $proxy.Kill(); $proxy.WaitForExit()
        }
        try {
            $output = Update-ContainerImage -Name $names -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue -WarningVariable warnings
            $output | Should -BeNullOrEmpty
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.RegistryUnavailable,Update-ContainerImage'
            $warnings.Count | Should -Be 0 -Because 'the error already says it, once'
        } finally {
            Remove-TestImage $names
        }
    }
}
