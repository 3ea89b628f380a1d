# The module's reader of the backend's messages (powershell/ContainerImage/CSharp/, compiled by build.ps1 into
# lib/ContainerImage.Messages.dll): the objects it makes must be the ones PowerShell's own parser (what
# ConvertFrom-Json uses, and the module's fallback where the assembly cannot load) makes from the same line.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    Install-ContainerImage -Name microsoft/nanoserver | Out-Null   # the backend up, the parser loaded

    function ConvertTo-Shape {
        # A value as text that tells every type apart: PSCustomObject properties in order, array items, .NET
        # types, dates with their kind.
        param($Value)
        if ($null -eq $Value) { return 'null' }
        if ($Value -is [psobject] -and $Value.PSObject.BaseObject -is [System.Management.Automation.PSCustomObject]) {
            $names = ($Value.pstypenames | Where-Object { $_ -notlike 'ContainerImage.*' }) -join '|'
            return "{$names " + (($Value.PSObject.Properties | ForEach-Object { "$($_.Name)=$(ConvertTo-Shape $_.Value)" }) -join ',') + '}'
        }
        $Value = $Value.PSObject.BaseObject
        if ($Value -is [System.Collections.Specialized.OrderedDictionary]) {
            return '{map ' + (($Value.Keys | ForEach-Object { "$_=$(ConvertTo-Shape $Value[$_])" }) -join ',') + '}'
        }
        if ($Value -is [object[]]) { return '[' + (($Value | ForEach-Object { ConvertTo-Shape $_ }) -join ',') + ']' }
        if ($Value -is [datetime]) { return "DateTime:$($Value.ToString('o')):$($Value.Kind)" }
        "$($Value.GetType().FullName):$Value"
    }

    function ConvertFrom-JsonAsPowerShell([string] $Line) {
        $failure = $null
        $value = [Microsoft.PowerShell.Commands.JsonObject]::ConvertFromJson($Line, [ref]$failure)
        if ($failure) { throw $failure }
        , $value
    }

    function ConvertFrom-JsonAsFallback([string] $Line) {
        # The module's own fallback where its assembly cannot load: PowerShell's parser, and for a line it
        # refuses, the same line read as hashtables (Private/Backend.ps1).
        & (Get-Module ContainerImage) {
            param($Line)
            $saved = $script:JsonMessage
            $script:JsonMessage = $false
            $script:JsonObject = Find-JsonParser
            try { , (ConvertFrom-BackendMessage $Line) } finally { $script:JsonMessage = $saved }
        } $Line
    }

    function ConvertFrom-JsonAsModule([string] $Line) {
        $failure = $null
        $value = [ContainerImage.JsonMessage]::Parse($Line, [ref]$failure)
        if ($failure) { throw $failure }
        , $value
    }
}

AfterAll { Remove-Module ContainerImage -ErrorAction Ignore }

Describe "The module's parser of the backend's messages" {
    It 'is the one the module uses, on a thread of its own under the stdio transport' {
        $module = Get-Module ContainerImage
        $parser = & $module { $script:JsonMessage }
        $parser.FullName | Should -Be 'ContainerImage.JsonMessage'
        $parser.Assembly.Location | Should -Be (Join-Path $ModulePath 'lib/ContainerImage.Messages.dll')
        $backend = & $module { $script:Backend }
        if ($backend.Transport -eq 'Stdio') { $backend.Reader.GetType().FullName | Should -Be 'ContainerImage.MessageReader' }
    }

    It 'has the handshake written at import and answered before the first command' {
        $ps = Invoke-InNewRunspace -Script @'
$backend = & (Get-Module ContainerImage) { $script:Backend }
$watch = [System.Diagnostics.Stopwatch]::StartNew()
while ($watch.Elapsed.TotalSeconds -lt 20 -and -not ($backend.Starting.IsCompleted -and $backend.Starting.Result.Reader.Count -ge 1)) { Start-Sleep -Milliseconds 50 }
[pscustomobject]@{ Waiting = $backend.Starting.Result.Reader.Count; Listed = @(Get-ContainerImage).Count -ge 1; Handshake = $backend.Handshake.protocolVersion }
'@
        try { $result = $ps.Invoke() | Select-Object -Last 1 } finally { $ps.Dispose() }
        $result.Waiting | Should -Be 1 -Because 'the answer to the handshake came before any command asked for it'
        $result.Listed | Should -BeTrue
        $result.Handshake | Should -Be 1
    }

    It 'makes the objects ConvertFrom-Json makes, for <Name>' -ForEach @(
        @{ Name = 'numbers'; Line = '{"zero":0,"minus":-0,"int":42,"neg":-7,"max":9223372036854775807,"over":9223372036854775808,"under":-9223372036854775809,"huge":123456789012345678901234567890,"fraction":1.5,"tiny":1e-5,"exp":1E+2,"one":1.0}' }
        @{ Name = 'dates and strings like dates'; Line = '{"utc":"2026-12-07T15:27:58Z","fraction":"2026-12-07T15:27:58.1234567Z","offset":"2026-12-07T15:27:58+02:00","offset4":"2026-12-07T15:27:58-0530","offset2":"2026-12-07T15:27:58+01","none":"2026-12-07T15:27:58","nanos":"2026-12-07T15:27:58.123456789Z","date":"2026-12-07","minutes":"2026-12-07T15:27Z","invalid":"2026-13-45T25:61:61Z","space":"2026-12-07 15:27:58","lower":"2026-12-07t15:27:58z"}' }
        @{ Name = 'escapes and text'; Line = '{"quote":"say \"hi\"","slash":"a\\b\/c","control":"tab\there\nline\u0001","bmp":"\u00e9\u4e2d","pair":"\ud83d\ude00","raw":"héllo 中"}' }
        @{ Name = 'nesting'; Line = '{"empty":{},"list":[],"nested":[[1,[2,[]]],{"a":{"b":{"c":[null,true,false]}}}],"mixed":[1,"a",null,1.5,{"x":1}]}' }
        @{ Name = 'an array at the top'; Line = '[1,{"a":"b"},[]]' }
    ) {
        ConvertTo-Shape (ConvertFrom-JsonAsModule $Line) | Should -BeExactly (ConvertTo-Shape (ConvertFrom-JsonAsPowerShell $Line))
    }

    It "makes the objects ConvertFrom-Json makes from the backend's own answers" {
        Invoke-Docker tag microsoft/nanoserver messages/parser:one | Out-Null
        try {
            # The raw lines, from a backend of its own read line by line (no reader thread).
            $lines = & (Get-Module ContainerImage) {
                $saved = $script:JsonMessage
                $script:JsonMessage = $false
                try { $backend = Start-BackendProcess } finally { $script:JsonMessage = $saved }
                try {
                    $raw = [System.Collections.Generic.List[string]]::new()
                    $raw.Add($backend.Process.StandardOutput.ReadLine())   # the handshake's answer
                    $id = 100
                    foreach ($request in @(@{ method = 'image.list'; params = @{ all = $true } }, @{ method = 'image.history'; params = @{ name = 'microsoft/nanoserver' } },
                            @{ method = 'engine.list'; params = @{} }, @{ method = 'image.list'; params = @{ name = @('no/such:image') } })) {
                        $id++
                        $null = Write-BackendLine $backend (ConvertTo-BackendJson ([ordered]@{ jsonrpc = '2.0'; id = $id; method = $request.method; params = $request.params }))
                        do { $line = $backend.Process.StandardOutput.ReadLine(); $raw.Add($line) } until ($line -like "*`"id`":$id*" -or $null -eq $line)
                    }
                    $raw
                } finally { Stop-Backend -Backend $backend }
            }
            $lines.Count | Should -BeGreaterOrEqual 5
            ($lines -join "`n") | Should -BeLike '*messages/parser*'
            foreach ($line in $lines) {
                ConvertTo-Shape (ConvertFrom-JsonAsModule $line) | Should -BeExactly (ConvertTo-Shape (ConvertFrom-JsonAsPowerShell $line))
                # The fallback's second reading (as hashtables) makes them too.
                $hashtables = & (Get-Module ContainerImage) { param($Line) $script:JsonObject = Find-JsonParser; , (ConvertFrom-MessageHashtable $Line) } $line
                ConvertTo-Shape $hashtables | Should -BeExactly (ConvertTo-Shape (ConvertFrom-JsonAsPowerShell $line))
            }
        } finally {
            Remove-TestImage messages/parser:one
        }
    }

    It 'makes an object whose names a PSCustomObject cannot hold (<Name>) the ordered, case-sensitive dictionary ConvertFrom-Json -AsHashtable makes' -ForEach @(
        @{ Name = 'names differing in case'; Line = '{"Labels":{"a.first":"0","Version":"1","version":"2","VERSION":[1,"2"]}}'; Keys = 'a.first', 'Version', 'version', 'VERSION' }
        @{ Name = 'names PowerShell reserves'; Line = '{"Labels":{"maintainer":"me","psobject":"x","PSBase":"y","pstypenames":"z","psadapted":"1","psextended":"2"}}'; Keys = 'maintainer', 'psobject', 'PSBase', 'pstypenames', 'psadapted', 'psextended' }
    ) {
        # ConvertFrom-Json refuses the whole line ("keys with different casing", "reserved"): one image's labels
        # would fail a whole listing.
        { ConvertFrom-JsonAsPowerShell $Line } | Should -Throw
        $errors = $Error.Count
        $labels = (ConvertFrom-JsonAsModule $Line).Labels
        $Error.Count | Should -Be $errors
        $labels | Should -BeOfType System.Collections.Specialized.OrderedDictionary
        @($labels.Keys) | Should -Be $Keys   # every name, in order
        $failure = $null
        $expected = [Microsoft.PowerShell.Commands.JsonObject]::ConvertFromJson($Line, $true, $null, [ref]$failure)
        $failure | Should -BeNullOrEmpty
        foreach ($key in $Keys) { ConvertTo-Shape $labels[$key] | Should -BeExactly (ConvertTo-Shape $expected.Labels[$key]) }
        # The module's fallback parser (where its assembly cannot load) makes the same.
        ConvertTo-Shape (ConvertFrom-JsonAsFallback $Line) | Should -BeExactly (ConvertTo-Shape (ConvertFrom-JsonAsModule $Line))
        if ($Keys -ccontains 'version') {
            $labels.version | Should -Be '2'
            $labels.Version | Should -Be '1'
            $labels['VERSION'] | Should -Be 1, '2'
        }
    }

    It 'keeps an object whose names a PSCustomObject can hold a PSCustomObject, beside one that is a dictionary' {
        $message = ConvertFrom-JsonAsModule '{"images":[{"Id":"1","Labels":{"a":"1","A":"2"}},{"Id":"2","Labels":{"a":"1","b":"2"}}]}'
        $message.images[0].Labels | Should -BeOfType System.Collections.Specialized.OrderedDictionary
        $message.images[1].Labels.PSObject.BaseObject | Should -BeOfType System.Management.Automation.PSCustomObject
        $message.images[1].Labels.b | Should -Be '2'
    }

    It 'gives the reason a line is not JSON (<Name>), and no exception to $Error' -ForEach @(
        @{ Name = 'a name twice'; Line = '{"a":1,"b":2,"a":3}'; Says = "*'a' twice*" }
        @{ Name = 'a name twice in an object with names differing in case'; Line = '{"a":1,"A":2,"a":3}'; Says = "*'a' twice*" }
        @{ Name = 'more after the value'; Line = '{"a":1} x'; Says = '*' }
        @{ Name = 'cut off'; Line = '{"id": 1, "result": [1,'; Says = '*' }
        @{ Name = 'empty'; Line = ''; Says = '*empty*' }
        @{ Name = 'blank'; Line = '   '; Says = '*empty*' }
        @{ Name = 'an empty name'; Line = '{"":1}'; Says = '*' }
        @{ Name = 'not JSON at all'; Line = 'Traceback (most recent call last):'; Says = '*' }
    ) {
        $errors = $Error.Count
        $failure = $null
        [ContainerImage.JsonMessage]::Parse($Line, [ref]$failure) | Should -BeNullOrEmpty
        $failure | Should -Not -BeNullOrEmpty
        $failure | Should -BeLike $Says
        $Error.Count | Should -Be $errors
    }

    It 'hands over, from its thread, a line that is not JSON as a ParseError and the next message as it is' {
        $answers = & (Get-Module ContainerImage) {
            $reader = [ContainerImage.MessageReader]::new([System.IO.StringReader]::new("not json`n{`"jsonrpc`":`"2.0`",`"id`":7,`"result`":{`"ok`":true}}`n"))
            $fake = @{ Transport = 'Stdio'; Reader = $reader }
            Read-BackendMessage $fake
            Read-BackendMessage $fake
        }
        $answers[0] | Should -BeOfType System.Management.Automation.ErrorRecord
        $answers[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.ParseError'
        $answers[0].Exception.Message | Should -Be 'The backend sent a message that is not JSON: not json'
        $answers[1].id | Should -Be 7
        $answers[1].result.ok | Should -BeTrue
    }

    It 'writes a request as System.Text.Json writes the plain value of it, for <Name>' -ForEach @(
        @{ Name = 'a request'; Value = { [ordered]@{ jsonrpc = '2.0'; id = 3; method = 'image.list'; params = @{ all = $true; name = @('a/b:c', 'd*') }; environment = @{ DOCKER_HOST = 'unix:///run/x.sock' } } } }
        @{ Name = 'text to escape'; Value = { @{ s = "quote `" back \ tab`t new`n é 中 😀 <html> & 'x' `u{1}" } } }
        @{ Name = 'numbers'; Value = { [ordered]@{ int = 42; long = [long]9007199254740993; neg = -1; double = 1.5; tiny = 1e-7; big = 1e300; zero = 0.0 } } }
        @{ Name = 'nesting, empty and null'; Value = { [ordered]@{ a = @(); b = @{}; c = $null; d = @(@(1, @()), [ordered]@{ e = @{ f = $false } }); g = [System.Collections.Generic.List[string]]@('x', 'y') } } }
        @{ Name = 'a PSCustomObject, a switch and wrapped values'; Value = { [ordered]@{ o = [pscustomobject]@{ Name = 'n'; Tags = @('t1'); Inner = [pscustomobject]@{ x = 1 } }; force = [switch]$true; wrapped = [psobject]'text'; number = (Write-Output 5) } } }
        @{ Name = 'keys that are not strings, and other values'; Value = { @{ 1 = 'one'; when = [datetime]::new(2026, 12, 7, 15, 0, 0, [DateTimeKind]::Utc); kind = [System.DateTimeKind]::Utc; guid = [guid]'5f0b7c1e-3d7a-4a59-9a55-6c2f1e8b4d21' } } }
        @{ Name = 'an array at the top'; Value = { , [object[]]@('a', 1, $null) } }
    ) {
        $value = & $Value
        $expected = & (Get-Module ContainerImage) { param($v) [System.Text.Json.JsonSerializer]::Serialize((ConvertTo-PlainValue $v), [object]) } $value
        [ContainerImage.JsonMessage]::Write($value) | Should -BeExactly $expected
    }

    It "lists the same images with PowerShell's parser, the module's fallback where the assembly cannot load" {
        $ours = @(Get-ContainerImage -All | ForEach-Object { ConvertTo-Shape $_ })
        $ps = Invoke-InNewRunspace -Script @'
& (Get-Module ContainerImage) { $script:JsonMessage = $false; Stop-Backend }   # the one started at import reads with ours
$rows = Get-ContainerImage -All
[pscustomobject]@{ Rows = $rows; Reader = & (Get-Module ContainerImage) { $null -ne $script:Backend.Reader } }
'@
        try { $result = $ps.Invoke() | Select-Object -Last 1 } finally { $ps.Dispose() }
        $result.Reader | Should -BeFalse
        $fallback = @($result.Rows | ForEach-Object { ConvertTo-Shape $_ })
        $fallback.Count | Should -BeGreaterThan 0
        ($fallback -join "`n") | Should -BeExactly ($ours -join "`n")
    }
}
