# Every cmdlet on one engine or many (-Engine): one request per engine at once, each object carrying the
# engine it came from and going back to it when piped, one error per engine that fails, views grouped by
# Engine when several answered. Against the real sandbox engine reached by several names: its address, a
# docker context made here, and tools/latency_proxy.py (another address, TCP); the sandbox fleet's TLS
# engine too when it is there (CONTAINERIMAGE_TEST_TLS_CONTEXT). Transport-dependent: the answers of several
# requests are read as they come on either transport.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $suffix = [guid]::NewGuid().ToString('n').Substring(0, 8)
    $image = "test/many-engines-$suffix"
    Invoke-Docker pull -q microsoft/nanoserver | Out-Null
    Invoke-Docker tag microsoft/nanoserver "${image}:1"

    function Start-LatencyProxy {
        # tools/latency_proxy.py in front of the sandbox engine; Address is its tcp:// address. Stop it by
        # closing its stdin.
        param([double] $LatencyMs = 0)
        $info = [System.Diagnostics.ProcessStartInfo]::new('/usr/bin/python3')
        foreach ($argument in (Join-Path $PSScriptRoot '../../tools/latency_proxy.py'), '--engine', $env:DOCKER_HOST, '--latency-ms', [string]$LatencyMs) {
            $info.ArgumentList.Add($argument)
        }
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardInput = $true
        $process = [System.Diagnostics.Process]::Start($info)
        $process | Add-Member -NotePropertyName Address -NotePropertyValue $process.StandardOutput.ReadLine() -PassThru
    }
    function Stop-LatencyProxy {
        param($Proxy)
        if (-not $Proxy) { return }
        $Proxy.StandardInput.Close()
        if (-not $Proxy.WaitForExit(10000)) { $Proxy.Kill() }
    }

    $address = $env:DOCKER_HOST
    $context = "many-engines-$suffix"
    Invoke-Docker context create $context --docker "host=$address" | Out-Null
    $proxy = Start-LatencyProxy
    $down = "unix://$(Join-Path $env:CONTAINERIMAGE_SANDBOX "nothing-listens-$suffix.sock")"
    $names = $address, $context, $proxy.Address
}

AfterAll {
    Remove-TestImage "${image}:1", "${image}:2", "${image}:3"
    & docker context rm -f $context 2>&1 | Out-Null
    Stop-LatencyProxy $proxy
    Remove-Module ContainerImage -Force -ErrorAction Ignore
}

Describe 'One request per engine' {
    It 'lists each engine named, once, every object carrying the name it was asked by' {
        $images = @(Get-ContainerImage -Name $image -Engine ($names + $address))
        $images.Count | Should -Be 3
        @($images.Engine | Sort-Object) | Should -Be @($names | Sort-Object)
        @($images.FullId | Sort-Object -Unique).Count | Should -Be 1   # one engine behind the three names
    }

    It 'sends no engine without -Engine, and its objects carry Engine $null' {
        $verbose = @(Get-ContainerImage -Name $image -Verbose 4>&1)
        $lines = @($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $lines | Where-Object { $_ -like '*request * image.list*' } | Should -Not -BeNullOrEmpty
        $lines | Where-Object { $_ -like '*on engine*' } | Should -BeNullOrEmpty
        $found = @($verbose | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        $found.Count | Should -Be 1
        $found[0].PSObject.Properties['Engine'] | Should -Not -BeNullOrEmpty
        $found[0].Engine | Should -BeNullOrEmpty
    }

    It 'accepts -Context as another name of -Engine, and a context made by docker context create' {
        $images = @(Get-ContainerImage -Name $image -Context $context)
        $images.Count | Should -Be 1
        $images[0].Engine | Should -Be $context
    }

    It 'completes -Engine with docker''s context names' {
        $line = "Get-ContainerImage -Engine $($context.Substring(0, 12))"
        (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText | Should -Contain $context
        $line = 'Remove-ContainerImage -Context def'
        (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText | Should -Contain 'default'
    }

    It 'completes -Engine on every command that has one' {
        # The engines to work on (-Engine, alias -Context); not Set-ContainerImageSetting's -Engine, a setting's value.
        $withEngine = @(Get-Command -Module ContainerImage | Where-Object { $_.Parameters.ContainsKey('Engine') -and $_.Parameters['Engine'].Aliases -contains 'Context' } |
            ForEach-Object Name | Sort-Object)
        $withEngine.Count | Should -BeGreaterThan 10
        foreach ($command in $withEngine) {
            $line = "$command -Engine def"
            (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText | Should -Contain 'default' -Because $command
        }
    }

    It 'refuses an empty engine name as an InvalidArgument error, asking nothing' {
        $failure = $null
        try { Get-ContainerImage -Name $image -Engine $address, '' -ErrorAction Stop } catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -Be 'ContainerImage.InvalidParams,Get-ContainerImage'
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failure.Exception.Message | Should -BeLike '*-Engine needs the name of a docker context*'
        { Remove-ContainerImage -Name "${image}:1" -Engine '' -Confirm:$false } | Should -Throw -ErrorId 'ContainerImage.InvalidParams,Remove-ContainerImage'
        Get-ContainerImage -Name "${image}:1" | Should -Not -BeNullOrEmpty   # nothing removed
    }

    It 'streams each engine''s answer as it comes, and a stop cancels the engines not yet answered' {
        # The slow engine waits a minute before each request: the fast one answers first, Select-Object
        # stops the pipeline, and the request to the slow one is cancelled rather than waited for.
        $slow = Start-LatencyProxy -LatencyMs 60000
        try {
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $output = @(Get-ContainerImage -Name $image -Engine $slow.Address, $address -Verbose 4>&1 | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] -or $_.Message -like '*cancelling*' } | Select-Object -First 1)
            $watch.Stop()
            $output[0].Engine | Should -Be $address
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 55
            # The backend goes on serving.
            @(Get-ContainerImage -Name $image -Engine $address).Count | Should -Be 1
        } finally { Stop-LatencyProxy $slow }
    }

    It 'shows one progress parent record per engine, each engine''s layers under its own' {
        $fresh = New-FreshImage -Prefix fresh/many-engines -Layers 2
        $ps = Invoke-InNewRunspace "Install-ContainerImage -Name '$fresh' -Engine '$address', '$context'"
        try {
            $installed = @($ps.Invoke())
            $ps.Streams.Error | Should -BeNullOrEmpty
            @($installed.Engine | Sort-Object) | Should -Be @(@($address, $context) | Sort-Object)
            $records = @($ps.Streams.Progress)
        } finally { $ps.Dispose(); Remove-TestImage "${fresh}:latest" }
        $parents = @($records | Where-Object { $_.ParentActivityId -lt 0 -and $_.Activity -like "Installing $fresh on engine *" })
        $byEngine = @($parents | Group-Object { $_.Activity -replace '^.* on engine ' })
        # Both names reach one daemon: the pull that comes second may find every layer there and report no
        # progress at all. So: every engine that reports has one parent record of its own, none other.
        $byEngine.Count | Should -BeGreaterThan 0
        foreach ($group in $byEngine) {
            $group.Name | Should -BeIn @($address, $context)
            @($group.Group.ActivityId | Sort-Object -Unique).Count | Should -Be 1
        }
        $parentIds = @($byEngine | ForEach-Object { $_.Group[0].ActivityId })
        @($parentIds | Sort-Object -Unique).Count | Should -Be $byEngine.Count
        $layers = @($records | Where-Object ParentActivityId -ge 0)
        $layers | Should -Not -BeNullOrEmpty
        foreach ($layer in $layers) { $parentIds | Should -Contain $layer.ParentActivityId }
    }

    It 'works through the fleet''s TLS engine beside the first one' -Skip:(-not $env:CONTAINERIMAGE_TEST_TLS_CONTEXT) {
        Invoke-Docker --context $env:CONTAINERIMAGE_TEST_TLS_CONTEXT pull -q microsoft/nanoserver | Out-Null
        $images = @(Get-ContainerImage -Name microsoft/nanoserver -Engine $address, $env:CONTAINERIMAGE_TEST_TLS_CONTEXT)
        @($images.Engine | Sort-Object) | Should -Be @(@($address, $env:CONTAINERIMAGE_TEST_TLS_CONTEXT) | Sort-Object)
    }
}

Describe 'An engine that fails' {
    It 'is one non-terminating error naming it, and the other engines'' objects still come (default action)' {
        # Continue is the default; Pester's own preference is Stop, so it is given.
        $images = @(Get-ContainerImage -Name $image -Engine $address, $down, $proxy.Address -ErrorAction Continue -ErrorVariable failures 2>$null)
        @($images.Engine | Sort-Object) | Should -Be @(@($address, $proxy.Address) | Sort-Object)
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.EngineUnavailable,Get-ContainerImage'
        $failures[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $failures[0].Exception.Message | Should -BeLike "*$down*"
    }

    It 'is silent under -ErrorAction SilentlyContinue, still in -ErrorVariable, the others'' objects still come' {
        $before = $Error.Count
        $images = @(Get-ContainerImage -Name $image -Engine $down, $address -ErrorAction SilentlyContinue -ErrorVariable failures)
        $images.Count | Should -Be 1
        $failures.Count | Should -Be 1
        $Error.Count | Should -Be ($before + 1)
    }

    It 'stops the call under -ErrorAction Stop, as one ErrorRecord naming the engine' {
        $failure = $null
        try { Get-ContainerImage -Name $image -Engine $down -ErrorAction Stop | Out-Null } catch { $failure = $_ }
        $failure | Should -Not -BeNullOrEmpty
        $failure.FullyQualifiedErrorId | Should -Be 'ContainerImage.EngineUnavailable,Get-ContainerImage'
        $failure.Exception.Message | Should -BeLike "*$down*"
    }

    It 'names the engine in an error of the engine''s own (an image it does not hold)' {
        $null = Get-ContainerImage -Name "${image}:9" -Engine $context -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.NotFound,Get-ContainerImage'
        $failures[0].Exception.Message | Should -BeLike "*$context*"
    }
}

Describe 'Objects go back to their engine' {
    It 'removes a piped image on the engine it came from, whatever the environment names now' {
        Invoke-Docker tag microsoft/nanoserver "${image}:2"
        $listed = @(Get-ContainerImage -Name "${image}:2" -Engine $proxy.Address)
        $saved = $env:DOCKER_HOST
        try {
            $env:DOCKER_HOST = $down   # the environment's engine is down: only a routed removal can succeed
            $removed = @($listed | Remove-ContainerImage -Confirm:$false -PassThru -ErrorVariable failures)
        } finally { $env:DOCKER_HOST = $saved }
        $failures | Should -BeNullOrEmpty
        $removed.Count | Should -Be 1
        $removed[0].Engine | Should -Be $proxy.Address
        & docker image inspect "${image}:2" 2>&1 | Out-Null
        $LASTEXITCODE | Should -Not -Be 0
    }

    It 'names each engine in -WhatIf, for piped objects and for a bare name with -Engine a,b' {
        $script = "Import-Module '$ModulePath'; Get-ContainerImage -Name '${image}:1' -Engine '$address', '$context' | Remove-ContainerImage -WhatIf; '${image}:1' | Remove-ContainerImage -Engine '$context', '$($proxy.Address)' -WhatIf"
        $output = @(& (Get-Command pwsh).Source -NoProfile -NonInteractive -Command $script 2>&1)
        $whatIf = @($output | Where-Object { $_ -like 'What if:*' })
        $whatIf.Count | Should -Be 4 -Because ($output -join "`n")
        foreach ($name in $address, $context, $context, $proxy.Address) {
            # "... on target "<image> on engine <name>; this batch deletes 1 image and frees ...""
            @($whatIf | Where-Object { $_ -like "*${image}:1*on engine $name[;`"]*" }).Count | Should -BeGreaterThan 0 -Because ($whatIf -join "`n")
        }
        Get-ContainerImage -Name "${image}:1" | Should -Not -BeNullOrEmpty   # -WhatIf changed nothing
    }

    It 'applies a bare name piped with -Engine a,b to each engine' {
        $tagged = @("${image}:1" | Add-ContainerImageTag -Tag "${image}:3" -Engine $context, $proxy.Address -Confirm:$false)
        @($tagged.Engine | Sort-Object) | Should -Be @(@($context, $proxy.Address) | Sort-Object)
        Invoke-Docker image inspect "${image}:3" | Should -Not -BeNullOrEmpty
    }

    It 'reads the history of piped images on their own engines' {
        $rows = @(Get-ContainerImage -Name "${image}:1" -Engine $address, $context | Get-ContainerImageHistory)
        @($rows.Engine | Sort-Object -Unique) | Should -Be @(@($address, $context) | Sort-Object)
        Test-ContainerImage -Name "${image}:1" -Engine $context | ForEach-Object Engine | Should -Be $context
    }
}

Describe 'Tables of several engines' {
    It 'groups by Engine when several engines were asked, and looks as before with one' {
        $many = (Get-ContainerImage -Name $image -Engine $address, $context | Out-String -Width 120) -split '\r?\n'
        @($many | Where-Object { $_ -match '^\s+Engine: ' }).Count | Should -Be 2
        $many | Where-Object { $_ -match "^\s+Engine: $([regex]::Escape($context))$" } | Should -Not -BeNullOrEmpty
        @($many | Where-Object { $_ -match '^IMAGE ID +CREATED +SIZE REPOSITORY +TAG$' }).Count | Should -Be 2
        $one = Get-ContainerImage -Name $image -Engine $address | Out-String -Width 120
        $none = Get-ContainerImage -Name $image | Out-String -Width 120
        $one | Should -Be $none
        $one | Should -Not -Match 'Engine:'
    }

    It 'keeps the one-engine path as cheap as before: no type name or property added per object' {
        $image1 = @(Get-ContainerImage -Name $image)[0]
        $image1.pstypenames[0] | Should -Be 'ContainerImage.Image'
        # The type-level one (ContainerImage.Types.ps1xml: a script property giving $null), none per object.
        $image1.PSObject.Properties.Match('Engine', 'ScriptProperty').Count | Should -Be 1
        $image1.PSObject.Properties.Match('Engine', 'NoteProperty').Count | Should -Be 0
        $image1.Engine | Should -BeNullOrEmpty
        @(Get-ContainerImage -Name $image -Engine $address)[0].pstypenames[0] | Should -Be 'ContainerImage.Image'
    }
}

Describe 'The Engine key of an image list' {
    It 'syncs the list on the engine it names, and -Engine wins over it' {
        $list = Join-Path $TestDrive 'images.yaml'
        Set-Content $list "Engine: $context`nImages:`n  - Name: microsoft/nanoserver`n"
        $verbose = @(Sync-ContainerImage -Path $list -Confirm:$false -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $verbose | Where-Object { $_ -like "*request * image.sync on engine $context" } | Should -Not -BeNullOrEmpty
        $verbose | Where-Object { $_ -like "*microsoft/nanoserver:latest*on engine $context is in its desired state" } | Should -Not -BeNullOrEmpty
        $verbose = @(Sync-ContainerImage -Path $list -Engine $address -WhatIf -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $verbose | Where-Object { $_ -like "*image.sync on engine $address" } | Should -Not -BeNullOrEmpty
        $verbose | Where-Object { $_ -like "*on engine $context" } | Should -BeNullOrEmpty
    }

    It 'refuses an Engine key that names nothing, naming the file and line' {
        $list = Join-Path $TestDrive 'bad.yaml'
        Set-Content $list "Images:`n  - microsoft/nanoserver`nEngine: ''`n"
        $null = Sync-ContainerImage -Path $list -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.InvalidData,Sync-ContainerImage'
        $failures[0].Exception.Message | Should -BeLike '*bad.yaml, line 3*Engine*'
    }
}

Describe 'The update and disk cmdlets on several engines' {
    It 'Get-ContainerImageDiskUsage gives each engine its totals, grouped by Engine in the table' {
        $totals = @(Get-ContainerImageDiskUsage -Engine $address, $context)
        $totals.Count | Should -Be 2
        @($totals.Engine | Sort-Object) | Should -Be @(@($address, $context) | Sort-Object)
        $totals[0].Size | Should -Be $totals[1].Size   # one engine behind both names
        $totals[0].pstypenames[0] | Should -Be 'ContainerImage.DiskUsage#Engines'
        @(($totals | Out-String -Width 80) -split "`n" | Where-Object { $_ -match '^\s*Engine: ' }).Count | Should -Be 2
    }

    It 'Get-ContainerImageUpdate checks on each engine named, and piped images go back to theirs' {
        $checked = @(Get-ContainerImageUpdate -Name "${image}:1" -Engine $address, $context)
        $checked.Count | Should -Be 2
        @($checked.Engine | Sort-Object) | Should -Be @(@($address, $context) | Sort-Object)
        $piped = @(Get-ContainerImage -Name "${image}:1" -Engine $context | Get-ContainerImageUpdate)
        $piped.Count | Should -Be 1
        $piped[0].Engine | Should -Be $context
        $piped[0].Status | Should -Be 'LocalOnly'   # tagged here, never pulled under this name
    }

    It 'Update-ContainerImage names the engine of an image it leaves, and one engine down is its own error' {
        $warnings = @(); $problems = @()
        $updated = @(Update-ContainerImage -Name "${image}:1" -Engine $context, $down -Verbose -ErrorVariable problems -ErrorAction SilentlyContinue 4>&1)
        @($updated | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and "$_" -like "*${image}:1 on engine ${context}: LocalOnly*" }).Count | Should -Be 1
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.EngineUnavailable,Update-ContainerImage'
        "$($problems[0])" | Should -BeLike "*$down*"
    }
}
