# The caller's preference variables reach every cmdlet, as they reach compiled cmdlets: a runbook function
# that sets $WhatIfPreference = $true must change nothing, one that sets $VerbosePreference sees the verbose
# lines, and so on. (A script module's functions would otherwise see only the module's and the global
# values.) Each test sets the preference inside a function, the scope a runbook's code runs in.
# Tagged StdioOnly: the module reads the preferences before any request, whichever the transport.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Cmdlets = @(foreach ($file in Get-ChildItem (Join-Path $ModulePath 'Public') -Filter *.ps1) { @{ Cmdlet = $file.BaseName; Path = $file.FullName } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    Invoke-Docker pull -q microsoft/nanoserver | Out-Null
}

AfterAll {
    Remove-TestImage test/preference:whatif, test/preference:confirm
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'The caller''s preferences' -Tag StdioOnly {
    It '<Cmdlet> takes them first, before anything else it does' -ForEach $Cmdlets {
        $function = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref]$null, [ref]$null).Find(
            { param($node) $node -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $false)
        $body = $function.Body
        $first = if ($body.BeginBlock) { $body.BeginBlock.Statements[0] } else { $body.EndBlock.Statements[0] }
        "$first" | Should -BeLike 'Import-CallerPreference $PSCmdlet*'
    }

    It '$WhatIfPreference = $true changes nothing; -WhatIf:$false in the same scope still changes' {
        function Invoke-Runbook {
            $WhatIfPreference = $true
            Add-ContainerImageTag -Name microsoft/nanoserver -Tag test/preference:whatif
            Test-Path -LiteralPath $TestDrive   # a compiled cmdlet in the same scope, for comparison
        }
        $null = Invoke-Runbook
        & docker image inspect test/preference:whatif 2>&1 | Out-Null
        $LASTEXITCODE | Should -Not -Be 0 -Because 'the caller asked for a preview only'

        function Invoke-RunbookForReal {
            $WhatIfPreference = $true
            Add-ContainerImageTag -Name microsoft/nanoserver -Tag test/preference:whatif -WhatIf:$false
        }
        (Invoke-RunbookForReal).Tag | Should -Be 'whatif'
        & docker image inspect test/preference:whatif 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
    }

    It '$ConfirmPreference = ''Low'' asks before a Medium change (where no one can answer: an error, nothing tagged)' {
        $ps = Invoke-InNewRunspace @'
function Invoke-Runbook {
    $ConfirmPreference = 'Low'
    Add-ContainerImageTag -Name microsoft/nanoserver -Tag test/preference:confirm
}
Invoke-Runbook
'@
        try {
            $null = $ps.Invoke()
            @($ps.Streams.Error).Count | Should -Be 1
            $ps.Streams.Error[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.ConfirmationUnavailable,Add-ContainerImageTag'
        } finally {
            $ps.Dispose()
        }
        & docker image inspect test/preference:confirm 2>&1 | Out-Null
        $LASTEXITCODE | Should -Not -Be 0
    }

    It '$VerbosePreference = ''Continue'' shows the requests; -Verbose:$false in the same scope does not' {
        function Invoke-Runbook { param([switch] $Quiet)
            $VerbosePreference = 'Continue'
            if ($Quiet) { Get-ContainerImage -Name microsoft/nanoserver -Verbose:$false 4>&1 } else { Get-ContainerImage -Name microsoft/nanoserver 4>&1 }
        }
        $verbose = @(Invoke-Runbook | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        @($verbose | Where-Object Message -like 'ContainerImage: request * image.list*').Count | Should -Be 1 -Because 'the caller asked for verbose output'
        @(Invoke-Runbook -Quiet | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Count | Should -Be 0
    }

    It '$ProgressPreference = ''SilentlyContinue'' shows no progress, as it does for Invoke-WebRequest' {
        $name = New-FreshImage -Prefix fresh/preference -Layers 1
        $ps = Invoke-InNewRunspace @"
function Invoke-Runbook {
    `$ProgressPreference = 'SilentlyContinue'
    Install-ContainerImage -Name '$name'
}
Invoke-Runbook
"@
        try {
            $installed = $ps.Invoke()
            $ps.HadErrors | Should -BeFalse
            $installed.Repository | Should -Be $name
            @($ps.Streams.Progress).Count | Should -Be 0
        } finally {
            $ps.Dispose()
            Remove-TestImage "${name}:latest"
        }
    }

    It '$WarningPreference = ''SilentlyContinue'' silences the module''s warnings' {
        $saved = $env:CONTAINERIMAGE_TRANSPORT
        $env:CONTAINERIMAGE_TRANSPORT = 'Carrier-Pigeon'   # warned about once per session, then Stdio
        try {
            foreach ($case in @{ Preference = 'SilentlyContinue'; Warnings = 0 }, @{ Preference = 'Continue'; Warnings = 1 }) {
                $ps = Invoke-InNewRunspace @"
function Invoke-Runbook {
    `$WarningPreference = '$($case.Preference)'
    Get-ContainerImage -Name microsoft/nanoserver
}
Invoke-Runbook
"@
                try {
                    @($ps.Invoke()).Count | Should -Be 1
                    @($ps.Streams.Warning).Count | Should -Be $case.Warnings -Because "`$WarningPreference is $($case.Preference)"
                } finally {
                    $ps.Dispose()
                }
            }
        } finally {
            $env:CONTAINERIMAGE_TRANSPORT = $saved
        }
    }
}
