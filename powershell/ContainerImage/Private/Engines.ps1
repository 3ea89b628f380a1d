# One cmdlet, one engine or many: what -Engine means for every cmdlet that talks to an engine.
#
# -Engine <string[]> (alias -Context; a docker context name, an address, or 'default') is bound from the
# command line or, by property name, from piped objects: every object a cmdlet outputs for a named engine
# carries Engine (the name the user gave; the backend stamps it on each row, server.py), so it goes back to
# that engine when piped on. Without -Engine (and for objects whose Engine is $null: those of calls without
# it) no engine is named in the request: the backend's environment chooses, exactly as before.
#
# With several engines one request per engine is sent at once, and each answer is output as it comes
# (Receive-BackendReply with several ids): results stream in the order the engines answer, an engine that
# fails is one error naming it, and a stop (Ctrl+C, or -ErrorAction Stop at the first failure) cancels the
# requests not yet answered.

function Get-EngineList {
    # The engines of one call, each once, in the order given: a [string[]] of at least one, where $null
    # stands for the environment's engine (no -Engine; no engine named in the request). A blank name from
    # the command line is refused in Assert-EngineArgument; one from a piped object (an empty CSV cell)
    # means none, as $null does.
    param([string[]] $Engine)
    # The common cases without a set: no engine (every call without -Engine), and one.
    if ($null -eq $Engine -or $Engine.Count -eq 0) { return , $script:NoEngine }
    if ($Engine.Count -eq 1) {
        if ([string]::IsNullOrWhiteSpace($Engine[0])) { return , $script:NoEngine }
        return , [string[]]@($Engine[0].Trim())
    }
    $seen = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::Ordinal)
    $list = [System.Collections.Generic.List[string]]::new()
    foreach ($name in $Engine) {
        if ([string]::IsNullOrWhiteSpace($name)) { continue }
        $name = $name.Trim()
        if ($seen.Add($name)) { $list.Add($name) }
    }
    if (-not $list.Count) { return , $script:NoEngine }
    , $list.ToArray()
}
$script:NoEngine = [string[]]::new(1)   # one $null: the environment's engine (read only: shared by every call)

function Add-EngineWork {
    # In a cmdlet's process block: these items (names, requests) for each engine of this call, gathered in
    # Work (engine -> list; '' for the environment's), asked of each engine once in end{}.
    param([System.Collections.IDictionary] $Work, [string[]] $Engines, [object[]] $Items)
    foreach ($on in $Engines) {
        $key = [string]$on
        if (-not $Work.Contains($key)) { $Work[$key] = [System.Collections.Generic.List[object]]::new() }
        foreach ($item in $Items) { $Work[$key].Add($item) }
    }
}

function Assert-EngineArgument {
    # In a cmdlet's begin block: -Engine as given on the command line has no empty or blank name.
    # Else a terminating InvalidArgument error (ContainerImage.InvalidParams), before anything is done.
    param([Parameter(Mandatory)] [System.Management.Automation.PSCmdlet] $Cmdlet)
    $bound = $Cmdlet.MyInvocation.BoundParameters
    if (-not $bound.ContainsKey('Engine')) { return }
    $given = @($bound['Engine'])
    if ($given.Count -and -not @($given | Where-Object { [string]::IsNullOrWhiteSpace($_) }).Count) { return }
    $Cmdlet.ThrowTerminatingError((New-ContainerImageError -Kind InvalidParams -Target 'Engine' `
        -Message "-Engine needs the name of a docker context, an address (unix://, npipe://, tcp://host:port, ssh://[user@]host) or 'default'; an empty name names no engine." `
        -RecommendedAction 'Leave -Engine out to use the engine your environment names (DOCKER_HOST, DOCKER_CONTEXT), or name one: Get-ContainerEngine lists them.'))
}

function Invoke-BackendEach {
    <#
    .SYNOPSIS
    Sends one request per engine at once, and outputs each answer as it comes:
    [pscustomobject]@{ Engine (the name, or $null: the environment's engine); Result (or an ErrorRecord) }.
    .PARAMETER Requests
    Hashtables @{ Engine = name or $null; Params = @{...} }: one request each (several for one engine are
    fine: e.g. one per image).
    .DESCRIPTION
    An error of a request for a named engine names that engine. A backend that cannot start or dies is one
    answer with Engine $null. Stopping the pipeline cancels every request not yet answered.
    #>
    param([string] $Method, [object[]] $Requests, [string] $Activity)
    $backend = Get-ReadyBackend
    if ($backend -is [System.Management.Automation.ErrorRecord]) { return [pscustomobject]@{ Engine = $null; Result = $backend } }
    $ids = [System.Collections.Generic.List[int]]::new()
    $engines = [System.Collections.Generic.List[string]]::new()
    $first = $backend.NextId + 1
    $done = $false
    try {
        $lines = [System.Collections.Generic.List[string]]::new()
        foreach ($request in $Requests) {
            $params = if ($null -ne $request.Params) { $request.Params } else { @{} }
            $sent = New-BackendRequest $backend $Method $params $request.Engine
            $ids.Add($sent.Id)
            $lines.Add($sent.Line)
            $engines.Add([string]$request.Engine)
        }
        # All at once. To a process, one write: the backend reads them together and starts every engine's work
        # at once (written one by one, the last of four requests started 10-25 ms after the first, behind the
        # first answers' work in Python). In-process, a hand-over that waits for a message back would wait for
        # each engine in turn: only the last one waits (Receive-BackendReply reads the rest).
        if ($backend.Transport -ne 'InProcess') {
            $written = Write-BackendLine $backend ($lines -join "`n")
        } else {
            $written = $true
            $last = $lines.Count - 1
            for ($index = 0; $written -and $index -le $last; $index++) {
                $written = Write-BackendLine $backend $lines[$index] -WaitMs $(if ($index -eq $last) { 200 } else { 0 })
            }
        }
        if (-not $written) {
            # The backend is gone: what was sent is lost with it; one error says so.
            return [pscustomobject]@{ Engine = $null; Result = (New-BackendStoppedError $backend) }
        }
        $titles = if ($engines | Where-Object { $_ }) { foreach ($name in $engines) { if ($name) { "engine $name" } else { 'the current engine' } } }
        Receive-BackendReply -Backend $backend -Id $ids.ToArray() -Activity $Activity -Title $titles -Stream | ForEach-Object {
            if ($_.Index -lt 0) { return [pscustomobject]@{ Engine = $null; Result = $_.Result } }
            $name = $Requests[$_.Index].Engine
            $result = $_.Result
            if ($name -and $result -is [System.Management.Automation.ErrorRecord]) { $result = Add-EngineToError $result $name }
            [pscustomobject]@{ Engine = $(if ($name) { [string]$name } else { $null }); Result = $result }
        }
        $done = $true
    } finally {
        if (-not $done) { Stop-OrphanedRequest $backend $first }   # a Ctrl+C between the sends and the wait
    }
}

function Add-EngineToError {
    # The error of a request for a named engine, with that engine named in its message (unless it is).
    param([System.Management.Automation.ErrorRecord] $ErrorRecord, [string] $Engine)
    $message = $ErrorRecord.Exception.Message
    if ($message.Contains($Engine)) { return $ErrorRecord }
    $kind = ($ErrorRecord.FullyQualifiedErrorId -split ',')[0] -replace '^ContainerImage\.'
    $record = New-ContainerImageError -Kind $kind -Target $ErrorRecord.TargetObject -Message "Engine '$Engine': $message" `
        -RecommendedAction $(if ($ErrorRecord.ErrorDetails) { $ErrorRecord.ErrorDetails.RecommendedAction })
    $record
}

function Add-EngineView {
    # Objects of a call that named more than one engine: the type name "<type>#Engines" first, whose table
    # view groups them by Engine (as Get-ChildItem groups by folder). Calls with one engine keep their view:
    # nothing is added to them. Several engines are known before any answer comes (results stream), so it
    # is the number of engines asked, not of those that answered, that decides.
    param([object[]] $Rows, [string] $TypeName, [int] $EngineCount)
    if ($EngineCount -lt 2) { return }
    foreach ($row in $Rows) { if ($null -ne $row) { $row.pstypenames.Insert(0, "$TypeName#Engines") } }
}

function Format-EngineTarget {
    # A -WhatIf / -Confirm target with its engine: "microsoft/nanoserver on engine web1".
    param([string] $Target, [string] $Engine)
    if ($Engine) { "$Target on engine $Engine" } else { $Target }
}

function Get-DockerContextName {
    # The names of docker's contexts (DOCKER_CONFIG/contexts/meta/*/meta.json), read directly: completion
    # must be quick. 'default' is always one.
    'default'
    $folder = if ($env:DOCKER_CONFIG) { $env:DOCKER_CONFIG } else { [System.IO.Path]::Combine($HOME, '.docker') }
    $meta = [System.IO.Path]::Combine($folder, 'contexts', 'meta')
    if (-not [System.IO.Directory]::Exists($meta)) { return }
    foreach ($file in [System.IO.Directory]::GetFiles($meta, 'meta.json', [System.IO.SearchOption]::AllDirectories)) {
        try { $name = ([System.IO.File]::ReadAllText($file) | ConvertFrom-Json).Name } catch { continue }
        if ($name) { [string]$name }
    }
}

function Register-EngineCompleter {
    # -Engine of every cmdlet that has one: docker's context names. The list is written out, not found by
    # looking at the commands: the installed module has no Public/ folder (one merged .psm1), and looking
    # every function up at import costs time (ManyEngines.Tests.ps1 checks the list is whole).
    $completer = {
        param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
        New-CompletionResult -Text (Get-DockerContextName) -WordToComplete $wordToComplete
    }
    Register-ArgumentCompleter -CommandName $script:EngineCommands -ParameterName Engine -ScriptBlock $completer
}
$script:EngineCommands = 'Add-ContainerImageTag', 'Connect-ContainerRegistry', 'Find-ContainerImage', 'Get-ContainerImage',
    'Get-ContainerImageDiskUsage', 'Get-ContainerImageHistory', 'Get-ContainerImageUpdate', 'Import-ContainerImage',
    'Install-ContainerImage', 'New-ContainerImage', 'Publish-ContainerImage', 'Remove-ContainerImage', 'Save-ContainerImage',
    'Sync-ContainerImage', 'Test-ContainerImage', 'Update-ContainerImage'

# The types the module outputs. Each carries Engine: the backend stamps it on the objects of a call that
# named an engine; for the others this type-level $null stands (no cost per object): they came from the
# engine the environment named, and piped on they go where a call without -Engine goes.
$script:OutputTypes = 'ContainerImage.Image', 'ContainerImage.HistoryEntry', 'ContainerImage.SearchResult',
    'ContainerImage.RemovalResult', 'ContainerImage.RegistryLogin', 'ContainerImage.PushResult',
    'ContainerImage.SyncChange', 'ContainerImage.Compatibility', 'ContainerImage.Update', 'ContainerImage.UpdateResult',
    'ContainerImage.DiskUsage'
