# Get-ContainerImageUpdate against the sandbox's real engine and mirror registry: tags moved by pushing a new
# image under the same name (tools/sandbox.py fresh-image), the mirror's own request log as the witness that
# no layer is read, a registry that goes down (tools/cut_proxy.py), Windows patch levels through
# tools/windows_engine.py. The backend's decisions that no transport changes (a deleted tag, Windows patch
# levels) run in the Stdio pass only.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $mirror = $env:CONTAINERIMAGE_TEST_MIRROR
    $savedHost = $env:DOCKER_HOST
    $savedCache = $env:CONTAINERIMAGE_CACHE_DIR
    Invoke-Docker pull -q microsoft/nanoserver | Out-Null

    function Move-Tag {
        # Pushes a new image (one new layer) under the Hub name $Name into the mirror: the tag moves there.
        param([Parameter(Mandatory)] [string] $Name)
        $output = & /usr/bin/python3 (Join-Path $PSScriptRoot '../../tools/sandbox.py') fresh-image $Name --layers 1 2>&1
        if ($LASTEXITCODE -ne 0) { throw "sandbox.py fresh-image $Name failed: $output" }
    }

    function Get-MirrorManifest {
        # What the mirror serves under path:tag: its digest, config and layers.
        param([string] $Path, [string] $Tag = 'latest')
        $response = Invoke-WebRequest "http://$mirror/v2/$Path/manifests/$Tag" -Headers @{ Accept = 'application/vnd.docker.distribution.manifest.v2+json' }
        $manifest = [System.Text.Encoding]::UTF8.GetString($response.Content) | ConvertFrom-Json
        [pscustomobject]@{ Digest = [string]$response.Headers['Docker-Content-Digest']; Config = $manifest.config.digest; Layers = @($manifest.layers.digest) }
    }
}

AfterAll {
    Remove-TestRepository 'upd/', '*/upd/'
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Get-ContainerImageUpdate' {
    AfterEach {
        $env:DOCKER_HOST = $savedHost
        $env:CONTAINERIMAGE_CACHE_DIR = $savedCache
    }

    It 'finds a moved tag without reading a layer, leaves an untouched image UpToDate, and says what a committed image was built on' {
        $moved = New-FreshImage -Prefix upd/moved -Layers 1
        $still = New-FreshImage -Prefix upd/still -Layers 1
        Invoke-Docker pull -q $moved | Out-Null
        Invoke-Docker pull -q $still | Out-Null
        $committed = "upd/committed-$([guid]::NewGuid().ToString('n').Substring(0, 8)):1"
        $container = Invoke-Docker create --network none $moved none
        try {
            Invoke-Docker commit $container $committed | Out-Null
            $before = Get-ContainerImageUpdate -Name $moved, $still, $committed
            foreach ($row in $before) { $row.PSObject.TypeNames[0] | Should -Be 'ContainerImage.Update' }
            ($before | Sort-Object Name).Status | Should -Be 'LocalOnly', 'UpToDate', 'UpToDate'
            $local = $before | Where-Object Status -eq LocalOnly
            $local.BaseName, $local.BaseStatus | Should -Be "${moved}:latest", 'UpToDate'

            Move-Tag $moved
            $remote = Get-MirrorManifest $moved
            $after = Get-ContainerImageUpdate -Name $moved, $still, $committed
            $update = $after | Where-Object Name -eq $moved
            $update.Status | Should -Be 'UpdateAvailable'
            $update.RemoteDigest | Should -Be $remote.Digest
            $update.LocalDigest | Should -Be ($before | Where-Object Name -eq $moved).LocalDigest
            $update.RemoteCreated | Should -BeOfType [datetime]
            $update.RemoteCreated | Should -BeGreaterOrEqual $update.LocalCreated
            ($after | Where-Object Name -eq $still).Status | Should -Be 'UpToDate'
            ($after | Where-Object Status -eq LocalOnly).BaseStatus | Should -Be 'UpdateAvailable'
            # The mirror's own log: the new config blob was read (a few hundred bytes), its layer never.
            Get-MirrorBlobFetch $remote.Config | Should -Be 1
            foreach ($layer in $remote.Layers) { Get-MirrorBlobFetch $layer | Should -Be 0 }
            ($after | Out-String -Width 120) | Should -Match "UpdateAvailable +$([regex]::Escape($moved)) +latest"
        } finally {
            & docker rm -f $container 2>&1 | Out-Null
            Remove-TestImage $committed, $moved, $still
        }
    }

    It 'takes image objects, names and Repository/Tag objects from the pipeline' {
        $name = New-FreshImage -Prefix upd/pipe -Layers 1
        Invoke-Docker pull -q $name | Out-Null
        try {
            (Get-ContainerImage -Name $name | Get-ContainerImageUpdate).Status | Should -Be 'UpToDate'
            ([pscustomobject]@{ Repository = $name; Tag = 'latest' } | Get-ContainerImageUpdate).Name | Should -Be $name
            ("${name}:latest" | Get-ContainerImageUpdate).Tag | Should -Be 'latest'
            @(Get-ContainerImage -Name 'upd/none-such-*' | Get-ContainerImageUpdate).Count | Should -Be 0 -Because 'an empty pipeline is no request for every image'
        } finally {
            Remove-TestImage $name
        }
    }

    It 'reports a registry that is down as one error for all its images, which are Unknown' {
        $info = [System.Diagnostics.ProcessStartInfo]::new('/usr/bin/python3')
        foreach ($argument in (Join-Path $PSScriptRoot '../../tools/cut_proxy.py'), '--registry', $mirror) { $info.ArgumentList.Add($argument) }
        $info.RedirectStandardOutput = $true
        $proxy = [System.Diagnostics.Process]::Start($info)
        $address = $proxy.StandardOutput.ReadLine()
        $names = 1..3 | ForEach-Object { "$address/upd/down-$([guid]::NewGuid().ToString('n').Substring(0, 8)):1" }
        try {
            foreach ($name in $names) { Invoke-Docker tag microsoft/nanoserver $name; Invoke-Docker push -q $name | Out-Null }
        } finally {
            $proxy.Kill(); $proxy.WaitForExit()   # the registry is gone: its address refuses connections
        }
        try {
            $rows = Get-ContainerImageUpdate -Name $names -ErrorVariable failures -ErrorAction SilentlyContinue
            $rows.Status | Should -Be 'Unknown', 'Unknown', 'Unknown'
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.RegistryUnavailable,Get-ContainerImageUpdate'
            $failures[0].CategoryInfo.Category | Should -Be 'ConnectionError'
            $failures[0].Exception.Message | Should -BeLike "*$address*"
            foreach ($row in $rows) { $row.Reason | Should -Be $failures[0].Exception.Message }
        } finally {
            Remove-TestImage $names
        }
    }

    It 'says Unknown, and why, for a tag deleted from the registry, without an error' -Skip:($env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess') {
        $path = "upd/deleted-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
        $name = "$mirror/${path}:1"
        Invoke-Docker tag microsoft/nanoserver $name
        Invoke-Docker push -q $name | Out-Null
        try {
            Invoke-WebRequest -Method Delete "http://$mirror/v2/$path/manifests/$((Get-MirrorManifest $path 1).Digest)" | Out-Null
            $row = Get-ContainerImageUpdate -Name $name -ErrorVariable failures
            $failures.Count | Should -Be 0
            $row.Status | Should -Be 'Unknown'
            $row.Reason | Should -BeLike "*${path}:1*deleted*"
        } finally {
            Remove-TestImage $name
        }
    }

    It 'on a Windows host, tells the patch level of a local Windows image and of the registry''s' -Skip:($env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess') {
        $path = "upd/servercore-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
        $name = "$mirror/${path}:ltsc2022"
        $container = Invoke-Docker create --network none microsoft/nanoserver none
        $engine = Start-WindowsEngine -Build 20348
        try {
            # The local copy of a Windows Server 2022 image at revision 2113 (the Windows engine answers its
            # inspect as a Windows engine would: tools/windows_engine.py), as its registry serves it.
            Invoke-Docker commit --change 'LABEL com.containerimage.test.os.version=10.0.20348.2113' $container $name | Out-Null
            Invoke-Docker push -q $name | Out-Null
            $env:DOCKER_HOST = $engine.Host
            $env:CONTAINERIMAGE_CACHE_DIR = (New-Item -ItemType Directory (Join-Path $TestDrive 'windows-cache')).FullName
            $same = Get-ContainerImageUpdate -Name $name
            $same.Status, $same.LocalOsVersion, $same.RevisionsBehind | Should -Be 'UpToDate', '10.0.20348.2113', 0
            Push-PlatformImage -Name $path -Tag ltsc2022 -Platform 'windows/amd64/10.0.20348.2227' | Out-Null
            $newer = Get-ContainerImageUpdate -Name $name
            $newer.Status | Should -Be 'UpdateAvailable'
            $newer.LocalOsVersion, $newer.RemoteOsVersion, $newer.RevisionsBehind | Should -Be '10.0.20348.2113', '10.0.20348.2227', 114
            ($newer | Out-String -Width 120) | Should -Match 'UpdateAvailable +114 '
            $listed = Push-PlatformImage -Name $path -Tag ltsc2022 -Platform 'windows/amd64/10.0.17763.5329', 'windows/amd64/10.0.20348.2300', 'linux/amd64'
            $chosen = Get-ContainerImageUpdate -Name $name
            $chosen.RemoteDigest, $chosen.RemoteOsVersion, $chosen.RevisionsBehind | Should -Be $listed.digest, '10.0.20348.2300', 187
            (Get-WindowsEngineRequest $engine) -like 'POST /*images/create*' | Should -BeNullOrEmpty
        } finally {
            Stop-WindowsEngine $engine
            $env:DOCKER_HOST = $savedHost
            & docker rm -f $container 2>&1 | Out-Null
            Remove-TestImage $name
        }
    }
}
