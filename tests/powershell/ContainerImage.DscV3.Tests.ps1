# The DSC v3 command resource ContainerImage/Image: its manifest checked against DSC's own schema
# (tests/dsc, a copy of the official one), and its commands run exactly as the manifest tells DSC to run
# them (executable + args, the instance as JSON on stdin), against the sandbox. The dsc CLI is not here.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:ManifestPath = Join-Path $ModulePath 'ContainerImage.dsc.resource.json'
    $script:Manifest = Get-Content -Raw $ManifestPath | ConvertFrom-Json
    $script:ManifestSchema = Get-Content -Raw (Join-Path $PSScriptRoot '../dsc/resource-manifest.schema.json')

    # The manifest names the command `pip install` gives (containerimage); here it runs the checkout's backend.
    $bin = New-Item -ItemType Directory (Join-Path $TestDrive 'bin')
    $shim = Join-Path $bin $Manifest.get.executable
    $backend = (Resolve-Path (Join-Path $PSScriptRoot '../../backend')).ProviderPath
    Set-Content $shim "#!/bin/sh`nPYTHONPATH='$backend' exec /usr/bin/python3 -m containerimage `"`$@`""
    chmod +x $shim
    $script:SavedPath = $env:PATH
    $env:PATH = "$bin$([System.IO.Path]::PathSeparator)$env:PATH"

    function Invoke-DscOperation {
        # What DSC does for one operation: the manifest's executable and args, the instance on stdin.
        # Returns the exit code, the stdout lines parsed as JSON, and stderr.
        param([Parameter(Mandatory)] [string] $Operation, [Parameter(Mandatory)] $Instance)
        $method = $Manifest.$Operation
        $method.input | Should -Be 'stdin'
        $json = if ($Instance -is [string]) { $Instance } else { $Instance | ConvertTo-Json -Compress }
        $errorFile = Join-Path $TestDrive 'stderr.txt'
        $lines = @($json | & $method.executable @($method.args) 2>$errorFile)
        [pscustomobject]@{
            ExitCode = $LASTEXITCODE
            Output   = @($lines | ForEach-Object { ConvertFrom-Json -InputObject $_ -NoEnumerate })
            Lines    = $lines
            Stderr   = (Get-Content -Raw $errorFile -ErrorAction Ignore)
        }
    }

    # The instance schema embedded in the manifest, with DSC's canonical property schemas ($ref to aka.ms,
    # which cannot be fetched here) taken from the bundled manifest schema, where they are inlined.
    $bundled = $ManifestSchema | ConvertFrom-Json -AsHashtable
    $embedded = ($Manifest.schema.embedded | ConvertTo-Json -Depth 20) | ConvertFrom-Json -AsHashtable
    foreach ($property in '_exist', '_inDesiredState') {
        $reference = $embedded.properties[$property]['$ref']
        $key = $bundled['$defs'].Keys | Where-Object { $_ -like "*/v3/resource/properties/$(Split-Path $reference -Leaf)" } | Select-Object -First 1
        $definition = $bundled['$defs'][$key].Clone()
        $definition.Remove('$id'); $definition.Remove('$schema')
        $embedded.properties[$property] = $definition
    }
    $script:InstanceSchema = $embedded | ConvertTo-Json -Depth 20

    function Test-Instance([string] $Json) {
        # Whether one line of output is a valid instance; an unusable schema is an error, not a pass.
        $valid = Test-Json -Json $Json -Schema $InstanceSchema -ErrorAction SilentlyContinue
        if ($null -eq $valid) { throw 'Test-Json gave no answer: the instance schema cannot be used.' }
        $valid
    }
}

AfterAll {
    $env:PATH = $SavedPath
}

Describe 'The DSC v3 resource manifest' {
    It 'is valid against DSC''s resource manifest schema' {
        $valid = Test-Json -Json (Get-Content -Raw $ManifestPath) -Schema $ManifestSchema -ErrorAction Stop
        $valid | Should -BeTrue
    }

    It 'would be refused by that schema if it were wrong (the check can fail)' {
        $broken = Get-Content -Raw $ManifestPath | ConvertFrom-Json -AsHashtable
        $broken.type = 'Container Image'
        $valid = Test-Json -Json ($broken | ConvertTo-Json -Depth 20) -Schema $ManifestSchema -ErrorAction SilentlyContinue
        $valid | Should -BeFalse
        $broken = Get-Content -Raw $ManifestPath | ConvertFrom-Json -AsHashtable
        $broken.test.return = 'everything'
        $valid = Test-Json -Json ($broken | ConvertTo-Json -Depth 20) -Schema $ManifestSchema -ErrorAction SilentlyContinue
        $valid | Should -BeFalse
    }

    It 'has the module''s version, stdin input, stateAndDiff for test and set, and documents the exit codes' {
        $Manifest.version | Should -Be (Import-PowerShellDataFile (Join-Path $ModulePath 'ContainerImage.psd1')).ModuleVersion
        $Manifest.type | Should -Be 'ContainerImage/Image'
        $Manifest.test.return | Should -Be 'stateAndDiff'
        $Manifest.set.return | Should -Be 'stateAndDiff'
        $Manifest.set.handlesExist | Should -BeTrue
        foreach ($code in 0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 130) { $Manifest.exitCodes.PSObject.Properties.Name | Should -Contain "$code" }
    }
}

Describe 'containerimage dsc, run as the manifest says' {
    BeforeAll { $script:name = New-FreshImage -Prefix fresh/dscv3 -Layers 1 }
    AfterAll { Remove-TestImage "${name}:latest" }

    It 'the instance schema refuses what is not an instance (the check can fail)' {
        Test-Instance '{"name": "x", "colour": "red"}' | Should -BeFalse
        Test-Instance '{"name": "x", "digest": "sha256:1"}' | Should -BeFalse
        Test-Instance '{"name": "x", "_exist": false}' | Should -BeTrue
    }

    It 'get of a missing image: _exist false, valid against the instance schema' {
        $result = Invoke-DscOperation get @{ name = $name }
        $result.ExitCode | Should -Be 0
        $result.Output.Count | Should -Be 1
        $result.Output[0]._exist | Should -BeFalse
        $result.Output[0].tag | Should -Be 'latest'
        Test-Instance $result.Lines[0] | Should -BeTrue
    }

    It 'test: the state with _inDesiredState, then the differing properties' {
        $result = Invoke-DscOperation test @{ name = $name; _exist = $true }
        $result.ExitCode | Should -Be 0
        $result.Output.Count | Should -Be 2
        $result.Output[0]._inDesiredState | Should -BeFalse
        @($result.Output[1]) | Should -Be @('_exist')
        Test-Instance $result.Lines[0] | Should -BeTrue
    }

    It 'set pulls it: the state after, then the changed properties; a second set changes nothing' {
        $result = Invoke-DscOperation set @{ name = $name }
        $result.ExitCode | Should -Be 0
        $result.Output[0]._exist | Should -BeTrue
        $result.Output[0].id | Should -Be (Invoke-Docker image inspect --format '{{.Id}}' "${name}:latest")
        $result.Output[0].digest | Should -Match '^sha256:[0-9a-f]{64}$'
        @($result.Output[1]) | Should -Be @('_exist')
        Test-Instance $result.Lines[0] | Should -BeTrue

        $again = Invoke-DscOperation set @{ name = $name }
        $again.Output[0].id | Should -Be $result.Output[0].id
        @($again.Output[1]).Count | Should -Be 0
        (Invoke-DscOperation test @{ name = $name; digest = $result.Output[0].digest }).Output[0]._inDesiredState | Should -BeTrue
    }

    It 'latest: test is false when the registry has a newer version, naming latest; set pulls it' {
        (Invoke-DscOperation set @{ name = $name }).ExitCode | Should -Be 0
        $current = Invoke-DscOperation test @{ name = $name; latest = $true }
        $current.Output[0]._inDesiredState | Should -BeTrue
        $current.Output[0].latest | Should -BeTrue
        $old = Invoke-Docker image inspect --format '{{.Id}}' "${name}:latest"
        $output = & /usr/bin/python3 (Join-Path $PSScriptRoot '../../tools/sandbox.py') fresh-image $name --layers 1 2>&1
        if ($LASTEXITCODE -ne 0) { throw "sandbox.py fresh-image $name failed: $output" }
        $stale = Invoke-DscOperation test @{ name = $name; latest = $true }
        $stale.ExitCode | Should -Be 0
        $stale.Output[0]._inDesiredState | Should -BeFalse
        $stale.Output[0].latest | Should -BeFalse
        @($stale.Output[1]) | Should -Be @('latest')
        Test-Instance $stale.Lines[0] | Should -BeTrue
        $set = Invoke-DscOperation set @{ name = $name; latest = $true }
        $set.ExitCode | Should -Be 0
        @($set.Output[1]) | Should -Be @('latest')
        $set.Output[0].id | Should -Not -Be $old
        $set.Output[0].latest | Should -BeTrue
        & docker rmi $old 2>&1 | Out-Null
    }

    It 'set with _exist false while a container depends on it: exit code 7, the error names the container' {
        $box = Invoke-Docker create --network none "${name}:latest" /bin/true
        try {
            $result = Invoke-DscOperation set @{ name = $name; _exist = $false }
            $result.ExitCode | Should -Be 7
            $Manifest.exitCodes.'7' | Should -BeLike '*containers depend*'
            ($result.Stderr | ConvertFrom-Json).error | Should -BeLike "*$($box.Substring(0, 12))*"
        } finally {
            Invoke-Docker rm $box | Out-Null
        }
        $removed = Invoke-DscOperation set @{ name = $name; _exist = $false }
        $removed.ExitCode | Should -Be 0
        $removed.Output[0]._exist | Should -BeFalse
        & docker image inspect "${name}:latest" 2>&1 | Out-Null
        $LASTEXITCODE | Should -Not -Be 0
    }

    It 'bad input is exit code 2 with a JSON error line naming the problem' {
        foreach ($case in @(
                @{ Instance = 'not json'; Says = '*not JSON*' },
                @{ Instance = @{ name = 'Bad Name' }; Says = "*'Bad Name' is not a valid reference*" },
                @{ Instance = @{ name = $name; digest = 'sha256:1' }; Says = "*'sha256:1' is not an image digest*" },
                @{ Instance = @{ name = $name; colour = 'red' }; Says = "*Unknown property 'colour'*" })) {
            $result = Invoke-DscOperation get $case.Instance
            $result.ExitCode | Should -Be 2
            $result.Lines | Should -BeNullOrEmpty
            ($result.Stderr | ConvertFrom-Json).error | Should -BeLike $case.Says
        }
        $Manifest.exitCodes.'2' | Should -BeLike 'Invalid input*'
    }
}

Describe 'containerimage dsc on a named engine' {
    It 'gets the image on the engine the instance names, saying which; an engine down is exit code 4 naming it' {
        Invoke-Docker pull -q microsoft/nanoserver | Out-Null
        $result = Invoke-DscOperation get @{ name = 'microsoft/nanoserver'; engine = $env:DOCKER_HOST }
        $result.ExitCode | Should -Be 0
        $result.Output[0]._exist | Should -BeTrue
        $result.Output[0].engine | Should -Be $env:DOCKER_HOST
        Test-Instance (@{ name = 'microsoft/nanoserver'; engine = $env:DOCKER_HOST } | ConvertTo-Json) | Should -BeTrue
        $down = "unix://$(Join-Path $env:CONTAINERIMAGE_SANDBOX 'dscv3-nothing.sock')"
        $result = Invoke-DscOperation test @{ name = 'microsoft/nanoserver'; engine = $down }
        $result.ExitCode | Should -Be 4
        ($result.Stderr | ConvertFrom-Json).error | Should -BeLike "*$down*"
        $result = Invoke-DscOperation get @{ name = 'microsoft/nanoserver'; engine = ' ' }
        $result.ExitCode | Should -Be 2
        ($result.Stderr | ConvertFrom-Json).error | Should -BeLike "*'engine' must name an engine*"
    }
}
