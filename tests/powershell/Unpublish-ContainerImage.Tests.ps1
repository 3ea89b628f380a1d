BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $target = $env:CONTAINERIMAGE_TEST_TARGET
    $push = Join-Path $PSScriptRoot '../../tools/registry_push.py'

    function New-TestRepository {
        # A repository in the target registry (deletion on): an image tagged 1.0, 1.1, 2.0 and a list 'multi'
        # whose first entry is that image. Returns @{ Name; Image (digest); List (digest) }.
        $name = "unpublish-test/ps-" + [guid]::NewGuid().ToString('n').Substring(0, 8)
        $list = & /usr/bin/python3 $push --registry $target --name $name --tag multi --platform linux/amd64 --platform linux/arm64 | ConvertFrom-Json
        $image = $list.images[0].digest
        foreach ($tag in '1.0', '1.1', '2.0') {
            & skopeo copy --quiet --src-tls-verify=false --dest-tls-verify=false "docker://$target/$name@$image" "docker://$target/${name}:$tag"
        }
        @{ Name = "$target/$name"; Image = $image; List = $list.digest }
    }

    function Get-TagDigest {
        param([string] $Name)
        $result = @{}
        foreach ($tag in Get-ContainerImageTag -Name $Name -Digest) { $result[$tag.Tag] = $tag.Digest }
        $result
    }
}

AfterAll {
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Unpublish-ContainerImage' {
    It 'removes only the tags piped to it; the image stays with its other tag and the list that names it' {
        $repo = New-TestRepository
        $removed = Get-ContainerImageTag -Name $repo.Name | Where-Object Tag -like '1.*' | Unpublish-ContainerImage -Confirm:$false
        $removed.Tag | Should -Be '1.0', '1.1'
        $removed[0].PSObject.TypeNames[0] | Should -Be 'ContainerImage.RemoteRemoval'
        $removed[0].Deleted | Should -Be 'tag'
        $removed[0].Digest | Should -Be $repo.Image
        $tags = Get-TagDigest $repo.Name
        $tags.Keys | Sort-Object | Should -Be '2.0', 'multi'
        $tags['2.0'] | Should -Be $repo.Image
        $tags['multi'] | Should -Be $repo.List
        $raw = & skopeo inspect --raw --tls-verify=false "docker://$($repo.Name):multi" | ConvertFrom-Json
        $raw.manifests[0].digest | Should -Be $repo.Image
    }

    It 'removes an image by digest and says which tags went with it' {
        $repo = New-TestRepository
        & skopeo copy --quiet --src-tls-verify=false --dest-tls-verify=false "docker://$($repo.Name)@$($repo.Image)" "docker://$($repo.Name):latest"
        $removed = Unpublish-ContainerImage -Name "$($repo.Name)@$($repo.Image)" -Confirm:$false
        $removed.Deleted | Should -Be 'manifest'
        $removed.Tags | Should -Be '1.0', '1.1', '2.0', 'latest'
        (Get-TagDigest $repo.Name).Keys | Should -Be 'multi'
        ($removed | Out-String -Width 200) | Should -Match 'manifest\s+sha256:\S+\s+\S+\s+1\.0, 1\.1, 2\.0, latest'
    }

    # A child pwsh of its own: the transport of this run does not matter (Stdio pass only).
    It 'asks first (ConfirmImpact High) and changes nothing with -WhatIf, saying what it would remove' -Skip:($env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess') {
        $repo = New-TestRepository
        (Get-Command Unpublish-ContainerImage).ScriptBlock.Attributes.Where({ $_ -is [System.Management.Automation.CmdletBindingAttribute] }).ConfirmImpact | Should -Be 'High'
        # What -WhatIf prints goes to the host, not to a stream; and where no one can answer the question
        # (-NonInteractive), the removal is an error: one child pwsh for both.
        $script = "Import-Module '$ModulePath'; Unpublish-ContainerImage -Name '$($repo.Name):1.0' -WhatIf; Unpublish-ContainerImage -Name '$($repo.Name):1.1'"
        $said = & pwsh -NoProfile -NonInteractive -Command $script 2>&1 | Out-String
        $said | Should -BeLike "*What if: *Remove the tag from its registry*$($repo.Name):1.0*"
        $said | Should -BeLike "*$($repo.Name):1.1*needs a confirmation*"
        (Get-TagDigest $repo.Name).Keys | Sort-Object | Should -Be '1.0', '1.1', '2.0', 'multi'
    }

    It 'names a tag that does not exist' {
        $repo = New-TestRepository
        Unpublish-ContainerImage -Name "$($repo.Name):9.9" -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.NotFound,Unpublish-ContainerImage'
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $problems[0].Exception.Message | Should -BeLike "*:9.9*"
    }
}
