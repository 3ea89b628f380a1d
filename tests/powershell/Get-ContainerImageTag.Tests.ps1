BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $target = $env:CONTAINERIMAGE_TEST_TARGET
    $registry = $env:CONTAINERIMAGE_TEST_REGISTRY
    # A repository of our own in the target registry: one image under four tags, and a list under one more.
    $repo = "tags-test/ps-" + [guid]::NewGuid().ToString('n').Substring(0, 8)
    $push = Join-Path $PSScriptRoot '../../tools/registry_push.py'
    $image = & /usr/bin/python3 $push --registry $target --name $repo --tag 1.0 --platform linux/amd64 | ConvertFrom-Json
    $list = & /usr/bin/python3 $push --registry $target --name $repo --tag multi --platform linux/amd64 --platform windows/amd64/10.0.20348.2227 | ConvertFrom-Json
    foreach ($tag in '1.1', '2.0', 'latest') {
        & skopeo copy --quiet --src-tls-verify=false --dest-tls-verify=false "docker://$target/${repo}:1.0" "docker://$target/${repo}:$tag"
    }
}

AfterAll {
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Get-ContainerImageTag' {
    It 'lists the tags of a repository, sorted, as skopeo list-tags does' {
        $tags = Get-ContainerImageTag -Name "$target/$repo"
        $tags.Tag | Should -Be '1.0', '1.1', '2.0', 'latest', 'multi'
        $oracle = & skopeo list-tags --tls-verify=false "docker://$target/$repo" | ConvertFrom-Json
        $tags.Tag | Should -Be @($oracle.Tags | Sort-Object { $_ } -Culture ([cultureinfo]::InvariantCulture))
        $tags[0].PSObject.TypeNames[0] | Should -Be 'ContainerImage.RemoteTag'
        $tags[0].Name | Should -Be "$target/$repo"
        $tags[0].Registry | Should -Be $target
        $tags[0].Digest | Should -BeNullOrEmpty
    }

    It 'adds each tag''s digest with -Digest, and shows it in its table' {
        $tags = Get-ContainerImageTag -Name "$target/$repo" -Digest
        ($tags | Where-Object Tag -like '[12].*').Digest | Sort-Object -Unique | Should -Be $image.digest
        ($tags | Where-Object Tag -eq 'multi').Digest | Should -Be $list.digest
        $table = ($tags | Out-String -Width 200) -split "`n"
        $table[1] | Should -Match '^DIGEST\s+NAME\s+TAG'
        $table -match "^$($list.digest.Substring(0, 19))\s+$([regex]::Escape("$target/$repo"))\s+multi\s*$" | Should -HaveCount 1 -Because 'the view shows the digest as docker shows ids, short'
    }

    It 'takes names from the pipeline and a -Credential for one call' {
        $tags = "$registry/private/busybox" | Get-ContainerImageTag -Credential (New-TestCredential)
        $tags.Tag | Should -Contain '1.0'
    }

    It 'says what is wrong: <Case>' -ForEach @(
        @{ Case = 'no such repository'; Name = "$env:CONTAINERIMAGE_TEST_TARGET/tags-test/none-such"; Id = 'ContainerImage.NotFound,Get-ContainerImageTag'; Category = 'ObjectNotFound'; Like = '*tags-test/none-such*' }
        @{ Case = 'no login'; Name = "$env:CONTAINERIMAGE_TEST_REGISTRY/private/busybox"; Id = 'ContainerImage.Unauthorized,Get-ContainerImageTag'; Category = 'AuthenticationError'; Like = '*requires a login*' }
        @{ Case = 'registry down'; Name = "$env:CONTAINERIMAGE_TEST_DOWN_REGISTRY/a"; Id = 'ContainerImage.RegistryUnavailable,Get-ContainerImageTag'; Category = 'ConnectionError'; Like = '*cannot be reached*' }
        @{ Case = 'a tag given'; Name = "$env:CONTAINERIMAGE_TEST_TARGET/a:1"; Id = 'ContainerImage.InvalidParams,Get-ContainerImageTag'; Category = 'InvalidArgument'; Like = '*repository only*' }
    ) {
        $tags = Get-ContainerImageTag -Name $Name -ErrorVariable problems -ErrorAction SilentlyContinue
        $tags | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be $Id
        $problems[0].CategoryInfo.Category | Should -Be $Category
        $problems[0].Exception.Message | Should -BeLike $Like
    }
}
