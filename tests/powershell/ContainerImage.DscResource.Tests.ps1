# The class-based DSC resource ContainerImage (module ContainerImageDsc), created and called directly, then
# loaded as PSDesiredStateConfiguration's Invoke-DscResource loads it and run through DSC v3's PowerShell
# adapter: Get/Test/Set against the sandbox engine and its mirror registry.
BeforeDiscovery {
    # Tagged StdioOnly (build.ps1 runs those in the Stdio pass only): the resource called directly, as it
    # calls the module's cmdlets, which every cmdlet's own tests run under both transports; and through DSC
    # v3's adapter (a new pwsh per operation, over a minute). Loaded as Invoke-DscResource loads it, it
    # runs in both passes.
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    # DSC v3's adapter is on no package registry reached here: a copy of PowerShell/DSC must be on the machine.
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $DscModulePath -Force
    $script:DscModule = Get-Module ContainerImageDsc

    function New-Resource {
        param([string] $Name, [string] $Tag = 'latest', [string] $Ensure = 'Present', [string] $Digest)
        $resource = & $script:DscModule { [ContainerImage]::new() }
        $resource.Name = $Name
        $resource.Tag = $Tag
        $resource.Ensure = $Ensure
        if ($Digest) { $resource.Digest = $Digest }
        $resource
    }

    function Get-ImageFacts([string] $Name) {
        # Id and Created of a local image, or $null when there is none.
        $text = & docker image inspect --format '{{.Id}} {{.Created}}' $Name 2>$null
        if ($LASTEXITCODE -ne 0) { return $null }
        $id, $created = "$text".Split(' ')
        [pscustomobject]@{ Id = $id; Created = $created }
    }

    function Get-ImageEvent([datetime] $Since, [string] $Name) {
        # The engine's pull and tag events for the repository since then (proof of what Set did).
        $until = [datetime]::UtcNow.AddSeconds(1).ToString('yyyy-MM-ddTHH:mm:ss.fffZ')
        @(& docker events --since $Since.ToString('yyyy-MM-ddTHH:mm:ss.fffZ') --until $until --filter type=image `
            --format '{{.Action}} {{.Actor.ID}}' | Where-Object { $_ -match '^(pull|tag|delete|untag) ' -and $_ -like "*$Name*" })
    }

    function Get-MirrorDigest([string] $Name, [string] $Tag = 'latest') {
        # What the mirror registry serves under the tag now (its manifest digest).
        $response = Invoke-WebRequest -Method Head "http://$env:CONTAINERIMAGE_TEST_MIRROR/v2/$Name/manifests/$Tag" `
            -Headers @{ Accept = 'application/vnd.docker.distribution.manifest.v2+json' }
        [string]$response.Headers['Docker-Content-Digest']
    }

    function Push-NewContent([string] $Name) {
        # Pushes other content to the mirror under the same name (the tag moves there).
        $output = & /usr/bin/python3 (Join-Path $PSScriptRoot '../../tools/sandbox.py') fresh-image $Name --layers 1 2>&1
        if ($LASTEXITCODE -ne 0) { throw "sandbox.py fresh-image $Name failed: $output" }
    }
}

AfterAll {
    Remove-Module ContainerImageDsc, ContainerImage -ErrorAction Ignore
}

Describe 'The ContainerImage DSC resource' {
    It 'is the root module of ContainerImageDsc, which exports it and requires ContainerImage; ContainerImage has no class' {
        $manifest = Import-PowerShellDataFile (Join-Path $DscModulePath 'ContainerImageDsc.psd1')
        $manifest.RootModule | Should -Be 'ContainerImageDsc.psm1'
        $manifest.DscResourcesToExport | Should -Be @('ContainerImage')
        $manifest.RequiredModules | Should -Be @('ContainerImage')
        $ast = [System.Management.Automation.Language.Parser]::ParseFile((Join-Path $DscModulePath 'ContainerImageDsc.psm1'), [ref]$null, [ref]$null)
        $class = $ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.TypeDefinitionAst] -and $node.Name -eq 'ContainerImage' }, $false)
        @($class).Count | Should -Be 1
        $class[0].Attributes.TypeName.Name | Should -Contain 'DscResource'
        $keys = $class[0].Members | Where-Object { $_.Attributes | Where-Object { $_.TypeName.Name -eq 'DscProperty' -and $_.Extent.Text -match 'Key' } }
        $keys.Name | Should -Be @('Name', 'Tag')
        # Importing ContainerImage compiles no class: no type definition in any of its files.
        $main = Import-PowerShellDataFile (Join-Path $ModulePath 'ContainerImage.psd1')
        $main.Keys | Should -Not -Contain 'DscResourcesToExport'
        $main.Keys | Should -Not -Contain 'NestedModules'
        foreach ($file in Get-ChildItem $ModulePath -Recurse -Include *.ps1, *.psm1) {
            $tree = [System.Management.Automation.Language.Parser]::ParseFile($file.FullName, [ref]$null, [ref]$null)
            @($tree.FindAll({ param($node) $node -is [System.Management.Automation.Language.TypeDefinitionAst] }, $true)).Count | Should -Be 0 -Because $file.Name
        }
    }

    Context 'Present, then Absent' -Tag StdioOnly {
        BeforeAll { $script:name = New-FreshImage -Prefix fresh/dsc -Layers 1 }
        AfterAll { Remove-TestImage "${name}:latest" }

        It 'Get() of a missing image says Absent, with the reason' {
            $state = (New-Resource $name).Get()
            $state.Ensure | Should -Be 'Absent'
            $state.Id | Should -BeNullOrEmpty
            $state.Reasons.Count | Should -Be 1
            $state.Reasons[0].GetType().Name | Should -Be 'Reason'
            $state.Reasons[0].Code | Should -Be 'ContainerImage:ContainerImage:Ensure'
            $state.Reasons[0].Phrase | Should -BeLike "*${name}:latest is not on this engine*"
            (New-Resource $name).Test() | Should -BeFalse
        }

        It 'Get() on a named engine asks that engine, and says which; an engine down throws naming it' {
            Invoke-Docker pull -q microsoft/nanoserver | Out-Null
            $resource = New-Resource microsoft/nanoserver
            $resource.Engine = $env:DOCKER_HOST
            $state = $resource.Get()
            $state.Ensure | Should -Be 'Present'
            $state.Engine | Should -Be $env:DOCKER_HOST
            $resource.Engine = "unix://$(Join-Path $env:CONTAINERIMAGE_SANDBOX 'dsc-nothing.sock')"
            { $resource.Get() } | Should -Throw "*dsc-nothing.sock*"
        }

        It 'Set() pulls it, then Test() passes and Get() has its id and digest' {
            $since = [datetime]::UtcNow
            (New-Resource $name).Set()
            $facts = Get-ImageFacts "${name}:latest"
            $facts | Should -Not -BeNullOrEmpty
            Get-ImageEvent $since $name | Where-Object { $_ -like 'pull *' } | Should -Not -BeNullOrEmpty
            (New-Resource $name).Test() | Should -BeTrue
            $state = (New-Resource $name).Get()
            $state.Ensure | Should -Be 'Present'
            $state.Id | Should -Be $facts.Id
            $state.Digest | Should -Be (Get-MirrorDigest $name)
            $state.Reasons | Should -BeNullOrEmpty
        }

        It 'a second Set() changes nothing: same id and Created, no pull, no tag' {
            $before = Get-ImageFacts "${name}:latest"
            $since = [datetime]::UtcNow
            (New-Resource $name).Set()
            $after = Get-ImageFacts "${name}:latest"
            $after.Id | Should -Be $before.Id
            $after.Created | Should -Be $before.Created
            Get-ImageEvent $since $name | Should -BeNullOrEmpty
        }

        It 'Absent: Test() fails, Set() removes it, then Test() passes' {
            $absent = New-Resource $name -Ensure Absent
            $absent.Test() | Should -BeFalse
            $absent.Get().Reasons[0].Phrase | Should -BeLike '*should be absent*'
            $absent.Set()
            Get-ImageFacts "${name}:latest" | Should -BeNullOrEmpty
            $absent.Test() | Should -BeTrue
        }
    }

    Context 'A digest pin' -Tag StdioOnly {
        BeforeAll { $script:name = New-FreshImage -Prefix fresh/dscpin -Layers 1 }
        AfterAll {
            Remove-TestImage "${name}:latest"
            if ($script:oldId) { & docker rmi $script:oldId 2>&1 | Out-Null }   # the content the pin replaced
        }

        It 're-pulls when the tag moved in the registry, and moves the local tag to the pinned content' {
            (New-Resource $name).Set()
            $first = Get-ImageFacts "${name}:latest"
            $script:oldId = $first.Id
            Push-NewContent $name
            $moved = Get-MirrorDigest $name
            $pinned = New-Resource $name -Digest $moved
            $pinned.Test() | Should -BeFalse -Because 'the local image is the old content'
            $reason = $pinned.Get().Reasons
            $reason.Code | Should -Be 'ContainerImage:ContainerImage:Digest'
            $reason.Phrase | Should -BeLike "*$moved*"
            (New-Resource $name).Test() | Should -BeTrue -Because 'without a pin the tag on the engine is enough'

            $pinned.Set()
            $second = Get-ImageFacts "${name}:latest"
            $second.Id | Should -Not -Be $first.Id
            $pinned.Test() | Should -BeTrue
            $pinned.Get().Digest | Should -Be $moved
            & docker image inspect --format '{{join .RepoDigests ","}}' "${name}:latest" | Should -BeLike "*$name@$moved*"
        }

        It 'a pin the registry does not have fails naming it, and changes nothing' {
            $before = Get-ImageFacts "${name}:latest"
            $missing = 'sha256:' + ('0' * 64)
            $failure = $null
            try { (New-Resource $name -Digest $missing).Set() } catch { $failure = $_ }
            $failure | Should -Not -BeNullOrEmpty
            $failure.Exception.Message | Should -BeLike "*$missing*"
            (Get-ImageFacts "${name}:latest").Id | Should -Be $before.Id
        }
    }


    Context 'Latest: the version the registry serves now' -Tag StdioOnly {
        BeforeAll { $script:name = New-FreshImage -Prefix fresh/dsclatest -Layers 1 }
        AfterAll {
            Remove-TestImage "${name}:latest"
            if ($script:replacedId) { & docker rmi $script:replacedId 2>&1 | Out-Null }
        }

        It 'Test() fails once the registry has a newer version, saying which; Set() pulls it, then Test() passes' {
            $latest = New-Resource $name
            $latest.Latest = $true
            $latest.Set()
            $latest.Test() | Should -BeTrue
            $latest.Get().Latest | Should -BeTrue
            $script:replacedId = (Get-ImageFacts "${name}:latest").Id
            Push-NewContent $name
            $moved = Get-MirrorDigest $name
            (New-Resource $name).Test() | Should -BeTrue -Because 'without Latest the tag on the engine is enough'
            $latest.Test() | Should -BeFalse
            $state = $latest.Get()
            $state.Latest | Should -BeFalse
            $state.Reasons.Code | Should -Be 'ContainerImage:ContainerImage:Latest'
            $state.Reasons.Phrase | Should -BeLike "*${name}:latest*not the latest*$moved*"
            $latest.Set()
            (Get-ImageFacts "${name}:latest").Id | Should -Not -Be $script:replacedId
            $latest.Test() | Should -BeTrue
            $latest.Get().Digest | Should -Be $moved
        }

        It 'Latest with a Digest pin is InvalidArgument saying they contradict' {
            $both = New-Resource $name -Digest ('sha256:' + ('0' * 64))
            $both.Latest = $true
            $failure = $null
            try { $both.Test() } catch { $failure = $_ }
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failure.Exception.Message | Should -BeLike '*contradict*'
        }
    }
    Context 'Absent while a container depends on the image' -Tag StdioOnly {
        BeforeAll {
            $script:name = New-FreshImage -Prefix fresh/dscbusy -Layers 1
            (New-Resource $name).Set()
            $script:box = Invoke-Docker create --network none --name "dsc-busy-$(Get-Random)" "${name}:latest" /bin/true
        }
        AfterAll { Remove-TestImage "${name}:latest" }

        It 'Set() throws the dependency error (ResourceBusy) naming the container, and removes nothing' {
            $failure = $null
            try { (New-Resource $name -Ensure Absent).Set() } catch { $failure = $_ }
            $failure | Should -Not -BeNullOrEmpty
            $failure.CategoryInfo.Category | Should -Be 'ResourceBusy'
            $failure.FullyQualifiedErrorId | Should -BeLike 'ContainerImage.Conflict*'
            $failure.Exception.Message | Should -BeLike "*${name}:latest*cannot be removed*$($box.Substring(0, 12))*"
            Get-ImageFacts "${name}:latest" | Should -Not -BeNullOrEmpty
        }
    }

    Context 'Bad input' -Tag StdioOnly {
        It 'a malformed name is InvalidArgument naming it, for Get, Test and Set alike' {
            foreach ($method in 'Get', 'Test', 'Set') {
                $failure = $null
                try { (New-Resource 'Not A/Name')."$method"() } catch { $failure = $_ }
                $failure.CategoryInfo.Category | Should -Be 'InvalidArgument' -Because $method
                $failure.FullyQualifiedErrorId | Should -BeLike 'ContainerImage.InvalidReference*'
                $failure.Exception.Message | Should -BeLike "*'Not A/Name' is not a valid reference*"
            }
        }

        It 'a malformed tag or digest is InvalidArgument naming it' {
            $failure = $null
            try { (New-Resource microsoft/nanoserver -Tag 'bad tag').Get() } catch { $failure = $_ }
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failure.Exception.Message | Should -BeLike "*'bad tag' is not a valid tag*"
            $failure = $null
            try { (New-Resource microsoft/nanoserver -Digest 'sha256:12').Test() } catch { $failure = $_ }
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failure.Exception.Message | Should -BeLike "*'sha256:12' is not an image digest*"
        }
    }

    Context 'Loaded as DSC loads it' {
        BeforeAll {
            $script:name = New-FreshImage -Prefix fresh/dscload -Layers 1
            $script:adapter = Get-DscV3Adapter
            $script:type = 'ContainerImageDsc/ContainerImage'
        }
        AfterAll { Remove-TestImage "${name}:latest" }

        It 'Invoke-DscResource''s way (using module of the exporting module''s Path, [ContainerImage]::new()): Get, Set, Test in new processes' {
            $get = Invoke-AsDscResource Get @{ Name = $name }
            $get.ExitCode | Should -Be 0 -Because $get.Error
            $state = $get.Output | ConvertFrom-Json
            $state.Ensure | Should -Be 'Absent'
            $state.Reasons[0].Code | Should -Be 'ContainerImage:ContainerImage:Ensure'
            $state.Path | Should -Be (Join-Path $DscModulePath 'ContainerImageDsc.psd1')
            ((Invoke-AsDscResource Test @{ Name = $name }).Output | ConvertFrom-Json).InDesiredState | Should -BeFalse
            $set = Invoke-AsDscResource Set @{ Name = $name; Ensure = 'Present' }
            $set.ExitCode | Should -Be 0 -Because $set.Error
            Get-ImageFacts "${name}:latest" | Should -Not -BeNullOrEmpty
            ((Invoke-AsDscResource Test @{ Name = $name }).Output | ConvertFrom-Json).InDesiredState | Should -BeTrue
        }

        It 'Invoke-DscResource''s way reports a bad name as the resource''s error, not a .NET one' {
            $get = Invoke-AsDscResource Get @{ Name = 'Not A/Name' }
            $get.ExitCode | Should -Not -Be 0
            $get.Error | Should -BeLike "*'Not A/Name' is not a valid reference*"
        }

        It 'DSC v3''s PowerShell adapter lists it as ContainerImageDsc/ContainerImage, from the root module file' {
            $list = Invoke-DscV3Adapter -Adapter $adapter -Operation List
            $list.ExitCode | Should -Be 0 -Because $list.Error
            $found = @($list.Output | Where-Object type -eq $type)
            $found.Count | Should -Be 1
            $found[0].path | Should -Be (Join-Path $DscModulePath 'ContainerImageDsc.psm1')
            # 'ClassBased', or its number once the adapter answers from its cache (~/.dsc/PSAdapterCache.json).
            $found[0].implementedAs | Should -BeIn @('ClassBased', '1')
            $found[0].capabilities | Should -Be @('get', 'test', 'set')
            $found[0].properties | Should -Be @('Name', 'Tag', 'Ensure', 'Digest', 'Latest', 'Engine', 'Id', 'Reasons')
            @($list.Output | Where-Object type -like 'ContainerImage/*').Count | Should -Be 0 -Because 'ContainerImage exports no DSC resource now'
        }

        It 'DSC v3''s PowerShell adapter runs Set, Get and Test on it, Present then Absent' -Tag StdioOnly {
            $path = Join-Path $DscModulePath 'ContainerImageDsc.psm1'
            foreach ($ensure in 'Present', 'Absent') {
                $instance = @{ Name = $name; Ensure = $ensure } | ConvertTo-Json -Compress
                $set = Invoke-DscV3Adapter -Adapter $adapter -Operation Set -ResourceType $type -ResourcePath $path -Json $instance
                $set.ExitCode | Should -Be 0 -Because $set.Error
                $set.Output[0].Ensure | Should -Be $ensure -Because 'Set returns the state after'
                $facts = Get-ImageFacts "${name}:latest"
                if ($ensure -eq 'Present') { $facts | Should -Not -BeNullOrEmpty } else { $facts | Should -BeNullOrEmpty }
                $get = Invoke-DscV3Adapter -Adapter $adapter -Operation Get -ResourceType $type -ResourcePath $path -Json $instance
                $get.ExitCode | Should -Be 0 -Because $get.Error
                $get.Output[0].Ensure | Should -Be $ensure
                if ($facts) { $get.Output[0].Id | Should -Be $facts.Id }
                $test = Invoke-DscV3Adapter -Adapter $adapter -Operation Test -ResourceType $type -ResourcePath $path -Json $instance
                $test.ExitCode | Should -Be 0 -Because $test.Error
                $test.Output[0]._inDesiredState | Should -BeTrue
            }
            $other = @{ Name = $name; Ensure = 'Present' } | ConvertTo-Json -Compress
            $test = Invoke-DscV3Adapter -Adapter $adapter -Operation Test -ResourceType $type -ResourcePath $path -Json $other
            $test.Output[0]._inDesiredState | Should -BeFalse -Because 'the image is absent now'
            $test.Output[0].Reasons[0].Code | Should -Be 'ContainerImage:ContainerImage:Ensure'
        }
    }
}
