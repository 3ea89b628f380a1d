BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $target = $env:CONTAINERIMAGE_TEST_TARGET
    $repo = "manifest-test/ps-" + [guid]::NewGuid().ToString('n').Substring(0, 8)
    $push = Join-Path $PSScriptRoot '../../tools/registry_push.py'
    $list = & /usr/bin/python3 $push --registry $target --name $repo --tag 1 --format oci --foreign-layer --platform linux/amd64 --platform linux/arm64 --platform windows/amd64/10.0.20348.2227 | ConvertFrom-Json
    $single = & /usr/bin/python3 $push --registry $target --name $repo --tag single --platform linux/amd64 | ConvertFrom-Json
}

AfterAll {
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Get-ContainerImageManifest' {
    It 'shows an OCI index with its platforms, as skopeo inspect --raw has them' {
        $manifest = Get-ContainerImageManifest -Name "$target/${repo}:1"
        $raw = & skopeo inspect --raw --tls-verify=false "docker://$target/${repo}:1" | ConvertFrom-Json
        $manifest.PSObject.TypeNames[0] | Should -Be 'ContainerImage.RemoteManifest'
        $manifest.Digest | Should -Be $list.digest
        $manifest.MediaType | Should -Be 'application/vnd.oci.image.index.v1+json'
        $manifest.Platforms.Digest | Should -Be $raw.manifests.digest
        $manifest.Platforms.Size | Should -Be $raw.manifests.size
        $manifest.Platforms.Os | Should -Be 'linux', 'linux', 'windows'
        $manifest.Platforms[2].OsVersion | Should -Be '10.0.20348.2227'
        $manifest.Layers | Should -BeNullOrEmpty
        ($manifest | Out-String -Width 200) | Should -Match 'linux/amd64, linux/arm64, windows/amd64 10\.0\.20348\.2227'
    }

    It 'shows an image by digest: size, created, labels, layers with the foreign one marked, as skopeo inspect has them' {
        $windows = $list.images[2].digest
        $manifest = Get-ContainerImageManifest -Name "$target/$repo@$windows"
        $oracle = & skopeo inspect --tls-verify=false "docker://$target/$repo@$windows" | ConvertFrom-Json
        $raw = & skopeo inspect --raw --tls-verify=false "docker://$target/$repo@$windows" | ConvertFrom-Json
        $manifest.Digest | Should -Be $oracle.Digest
        $manifest.Tag | Should -BeNullOrEmpty
        $manifest.Os | Should -Be $oracle.Os
        $manifest.Architecture | Should -Be $oracle.Architecture
        $manifest.OsVersion | Should -Be '10.0.20348.2227'
        $manifest.Labels.'com.containerimage.test' | Should -Be $oracle.Labels.'com.containerimage.test'
        $manifest.Layers.Digest | Should -Be $oracle.Layers
        $manifest.Layers.Size | Should -Be $raw.layers.size
        $manifest.Size | Should -Be (($raw.layers.size | Measure-Object -Sum).Sum)
        $manifest.Layers[0].Foreign | Should -BeTrue
        $manifest.Layers[0].MediaType | Should -Be 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip'
        $manifest.Layers[1].Foreign | Should -BeFalse
    }

    It 'takes Name and Tag from Get-ContainerImageTag, and names from Find-ContainerImage' {
        $manifests = Get-ContainerImageTag -Name "$target/$repo" | Get-ContainerImageManifest
        $manifests.Tag | Should -Be '1', 'single'
        $manifests[1].Digest | Should -Be $single.digest
        $manifests[1].Platforms | Should -BeNullOrEmpty
        & skopeo copy --quiet --src-tls-verify=false --dest-tls-verify=false "docker://$target/${repo}:single" "docker://$target/${repo}:latest"
        $found = Find-ContainerImage -Registry $target -Term $repo | Get-ContainerImageManifest
        $found.Digest | Should -Be $single.digest
    }

    It 'names a tag that does not exist' {
        $manifest = Get-ContainerImageManifest -Name "$target/${repo}:nope" -ErrorVariable problems -ErrorAction SilentlyContinue
        $manifest | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.NotFound,Get-ContainerImageManifest'
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $problems[0].Exception.Message | Should -BeLike "*${repo}:nope*"
    }
}
