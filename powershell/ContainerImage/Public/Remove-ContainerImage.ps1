function Remove-ContainerImage {
    <#
    .SYNOPSIS
    Removes container images from the Docker engine, never one a container depends on unless forced;
    or prunes the dangling or unused images.

    .DESCRIPTION
    Remove-ContainerImage removes images by name, by id, or as piped from Get-ContainerImage.

    An image cannot be removed while any container, even a stopped one, depends on it: a container of the
    image itself, or of an image built on it (by docker commit or build). The refusal is a non-terminating
    ResourceBusy error that names every dependent container (id, name, state) and the image, and the next
    image in the pipeline is removed as usual. -Force removes anyway, as docker rmi -f does (the engine
    never deletes the image of a running container: it then only loses its name).

    As with docker rmi, naming one tag of an image that has other tags only untags it, even if containers
    use the image; the image goes with its last name. An image removed by id loses all its names, which
    needs -Force when they are in several repositories.

    -Dangling removes the untagged images that no image is built on; -Unused removes every image no
    container depends on (docker image prune, and prune -a). Untagged parent images left with no child go
    with them. Each image is confirmed (or listed by -WhatIf) before anything is removed, and exactly the
    images listed are removed.

    Every removal asks for confirmation (ConfirmImpact is High), -Force too, unless -Confirm:$false.

    The question (and each -WhatIf line, and -Verbose) says how many bytes the whole batch frees: the
    images the removals delete, taken together, layer by layer as the engine stores them. A layer shared
    only among removed images counts once; a layer an image that stays still holds counts nothing. The
    figure is the engine's own accounting (the LayersSize of docker system df drops by it); -PassThru then
    reports what each removal freed (SpaceReclaimed).

    Cleanup by policy: -Unused with -OlderThan and/or -KeepLatest removes, of the images no container
    depends on, those created (Created: when the image was built, not pulled) longer ago than -OlderThan,
    and in each repository all but the -KeepLatest newest (by Created, counting the images in use). An image
    that another image which stays is built on stays too (the relation Get-ContainerImage -ChildOf shows),
    as does every image a container depends on. -WhatIf lists the plan, each image with why it goes.

    .PARAMETER Name
    repository[:tag] (tag latest when none), repository@digest, or an image id. Accepts pipeline input by
    value and by property name (Name, Repository).

    .PARAMETER Tag
    The tag to remove from the repository given by -Name. Also bound from the pipeline by property name.

    .PARAMETER Id
    Image id prefixes (with or without "sha256:"). A prefix that matches several images is an error.

    .PARAMETER InputObject
    Images from Get-ContainerImage: the exact repository:tag of each object is removed (an image listed
    under several tags goes when its last tag is removed), or the image by id when the object has no
    repository.

    .PARAMETER Dangling
    Remove the dangling images: untagged, no image built on them, no container depending on them.

    .PARAMETER Unused
    Remove every image no container depends on, tagged or not.

    .PARAMETER Label
    With -Dangling or -Unused: only images with these labels, "key" or "key=value"; all must match.

    .PARAMETER OlderThan
    With -Unused: only images created longer ago than this. A [timespan], or text: a number with a unit
    (30d, 12h, 90m, 45s, 2w) or d.hh:mm:ss. Zero, negative and unreadable spans are InvalidArgument errors
    and nothing is removed.

    .PARAMETER KeepLatest
    With -Unused: in each repository, keep the newest this many images (by Created). 1 or more: 0 is an
    InvalidArgument error, not "keep none" (that is -Unused alone), so that a count computed by mistake
    never removes every unused image.

    .PARAMETER Force
    Remove images containers depend on, and images with names in several repositories by id.
    Still asks for confirmation unless -Confirm:$false.

    .PARAMETER NoPrune
    Keep the untagged parent images that removing an image would otherwise remove too.

    .PARAMETER PassThru
    Output a ContainerImage.RemovalResult for each image: what was untagged, what was deleted, and the
    space reclaimed.

    .PARAMETER Engine
    The engines to work on: docker context names (docker context ls, Get-ContainerEngine), addresses
    (unix://, npipe://, tcp://host:port, ssh://[user@]host) or 'default'; alias -Context. Several engines
    are worked on at once, and each output object carries Engine, the name given. Objects piped in with an
    Engine property go back to that engine. Without it: the engine your environment names (DOCKER_HOST,
    DOCKER_CONTEXT, the Engine setting, docker's current context), as before.

    .EXAMPLE
    Remove-ContainerImage -Name microsoft/aspnet:nanoserver -Confirm:$false

    Removes an image no container uses, without asking.

    .EXAMPLE
    Get-ContainerImage -Name 'test/*' | Remove-ContainerImage -PassThru -Confirm:$false

    IMAGE ID     RECLAIMED IMAGE               UNTAGGED           DELETED
    --------     --------- -----               --------           -------
    3a2d8b1e9f04        0B test/app:1          test/app:1
    3a2d8b1e9f04    1.98MB test/app:2          test/app:2         3a2d8b1e9f04

    Removes every tag of the test repositories; the image goes with its last tag.

    .EXAMPLE
    Remove-ContainerImage -Name microsoft/windowsservercore -ErrorVariable busy -ErrorAction SilentlyContinue
    $busy[0].Exception.Message

    The image 'microsoft/windowsservercore' (aaaae40783d5) cannot be removed: 1 container depends on it: 3c6ee3e2e141 'web' (exited). Remove it first, or force the removal.

    Shows which containers keep an image.

    .EXAMPLE
    Remove-ContainerImage -Unused -WhatIf

    What if: Performing the operation "Remove unused container image" on target "microsoft/aspnet:latest (4cb059f550fe)".

    Lists the images a prune of every unused image would remove, removing nothing.

    .EXAMPLE
    Get-ContainerImage -Name 'test/*' | Remove-ContainerImage -WhatIf

    What if: Performing the operation "Remove container image" on target "test/app:1 (3a2d8b1e9f04); this batch deletes 2 images and frees 5.23MB (5234567 bytes)".

    Says what removing the batch would free, removing nothing.

    .EXAMPLE
    Remove-ContainerImage -Unused -OlderThan 30d -KeepLatest 3 -WhatIf

    What if: Performing the operation "Remove unused container image" on target "test/app:1 (3a2d8b1e9f04), created 45 days ago; not among the 3 newest of test/app; this batch deletes 4 images and frees 1.2GB (1203456789 bytes)".

    The plan of a retention policy: unused images older than 30 days, keeping the 3 newest of each
    repository. Run it again without -WhatIf (and with -Confirm:$false in a runbook) to remove them.

    .INPUTS
    System.String; objects with Name/Repository and Tag, or Id properties; ContainerImage.Image objects.

    .OUTPUTS
    ContainerImage.RemovalResult, with -PassThru. Properties: Image (as asked), Id, FullId, Untagged
    ([string[]], the names removed), Deleted ([string[]], the ids of the images deleted), SpaceReclaimed
    ([long], bytes of layers freed).

    .LINK
    Get-ContainerImage

    .LINK
    Install-ContainerImage
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High', DefaultParameterSetName = 'Name')]
    [OutputType('ContainerImage.RemovalResult')]
    param(
        [Parameter(ParameterSetName = 'Name', Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('Repository')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Name,

        [Parameter(ParameterSetName = 'Name', ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $Tag,

        [Parameter(ParameterSetName = 'Id', Mandatory, ValueFromPipelineByPropertyName)]
        [Alias('ImageId')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Id,

        # Typed, so that image objects bind here (as what they are) and strings bind to -Name.
        [Parameter(ParameterSetName = 'InputObject', Mandatory, ValueFromPipeline)]
        [PSTypeName('ContainerImage.Image')]
        [psobject[]] $InputObject,

        [Parameter(ParameterSetName = 'Dangling', Mandatory)]
        [switch] $Dangling,

        [Parameter(ParameterSetName = 'Unused', Mandatory)]
        [switch] $Unused,

        [Parameter(ParameterSetName = 'Dangling')]
        [Parameter(ParameterSetName = 'Unused')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Label,

        # A [timespan] or text such as 30d (checked by ConvertTo-RetentionSpan, which says what is wrong).
        [Parameter(ParameterSetName = 'Unused')]
        [object] $OlderThan,

        [Parameter(ParameterSetName = 'Unused')]
        [int] $KeepLatest,

        [Parameter(ParameterSetName = 'Name')]
        [Parameter(ParameterSetName = 'Id')]
        [Parameter(ParameterSetName = 'InputObject')]
        [switch] $Force,

        [Parameter(ParameterSetName = 'Name')]
        [Parameter(ParameterSetName = 'Id')]
        [Parameter(ParameterSetName = 'InputObject')]
        [switch] $NoPrune,

        [switch] $PassThru,

        # The engines to work on; from piped objects, the engine each came from (Private/Engines.ps1).
        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('Context')]
        [AllowNull()]
        [AllowEmptyCollection()]
        [AllowEmptyString()]
        [string[]] $Engine
    )
    begin {
        Import-CallerPreference $PSCmdlet
        Assert-EngineArgument $PSCmdlet
        $pending = [ordered]@{}   # engine ('' for the environment's) -> the removals asked of it
    }
    process {
        $engines = Get-EngineList $Engine
        if ($PSCmdlet.ParameterSetName -in 'Dangling', 'Unused') {
            $params = @{ unused = [bool]$Unused; dry_run = $true }
            if ($Label) { $params.label = $Label }
            $action = if ($Unused) { 'Remove unused container image' } else { 'Remove dangling container image' }
            # The retention policy: checked here, before any engine is asked, so that a bad one removes nothing.
            if ($PSBoundParameters.ContainsKey('OlderThan')) {
                $span = ConvertTo-RetentionSpan $OlderThan
                if ($span -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $span; return }
                $params.older_than = [long][math]::Ceiling($span.TotalSeconds)
            }
            if ($PSBoundParameters.ContainsKey('KeepLatest')) {
                $problem = Test-KeepLatest $KeepLatest
                if ($problem) { Write-ContainerImageError $PSCmdlet $problem; return }
                $params.keep_latest = $KeepLatest
            }
            # The plans of every engine at once; each image of a plan is confirmed (or listed by -WhatIf), and
            # exactly those confirmed are removed, on every engine at once. Each question says what the batch
            # frees on its engine: the plan's images (its parents among them) as one batch, worked out again,
            # without it, when one is declined.
            $shown = $WhatIfPreference -or $ConfirmPreference -ne 'None' -or $VerbosePreference -ne 'SilentlyContinue'
            $prunes = [System.Collections.Generic.List[hashtable]]::new()
            Invoke-BackendEach -Method image.prune -Requests @(foreach ($on in $engines) { @{ Engine = $on; Params = $params } }) | ForEach-Object {
                $plan = $_.Result
                if ($plan -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $plan; return }
                $on = $_.Engine
                $planned = @($plan.images | ForEach-Object { $_.FullId })
                $space = if ($shown) { Get-BatchSpaceFreed $PSCmdlet $planned $false $on }
                $batch = $planned.Count
                if ($shown) { Write-Verbose "$(if ($on) { "Engine ${on}: " })The batch deletes $batch images and frees $space bytes" }
                $chosen = [System.Collections.Generic.List[string]]::new()
                for ($index = 0; $index -lt $planned.Count; $index++) {
                    $image = $plan.images[$index]
                    $suffix = if ($shown) { Format-SpaceFreed $space $batch } else { '' }
                    if (Confirm-Change $PSCmdlet ((Format-EngineTarget (Format-PruneTarget $image) $on) + $suffix) $action) {
                        $chosen.Add($image.FullId)
                    } elseif ($shown -and -not $WhatIfPreference -and $index + 1 -lt $planned.Count) {
                        # Declined: the questions after it say what the batch frees without it. (-WhatIf declines
                        # each one only to list it: its lines all say what the whole batch frees.)
                        $rest = @($chosen) + @($planned[($index + 1)..($planned.Count - 1)])
                        $space = Get-BatchSpaceFreed $PSCmdlet $rest $false $on
                        $batch = $rest.Count
                    }
                }
                if ($chosen.Count) {
                    $run = $params.Clone()
                    $run.dry_run = $false
                    $run.ids = $chosen.ToArray()
                    $prunes.Add(@{ Engine = $on; Params = $run })
                }
            }
            if (-not $prunes.Count) { return }
            Invoke-BackendEach -Method image.prune -Requests $prunes.ToArray() | ForEach-Object {
                $result = $_.Result
                if ($result -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $result; return }
                $on = $_.Engine
                foreach ($problem in $result.errors) { Write-ContainerImageError $PSCmdlet (Add-EngineToError (ConvertFrom-BackendError $problem) $on) }
                Write-Verbose "$(if ($on) { "Engine ${on}: " })Pruned $(@($result.results).Count) images, $($result.SpaceReclaimed) bytes reclaimed"
                if ($PassThru -and $result.results) {
                    Add-ContainerImageType $result.results -TypeName 'ContainerImage.RemovalResult'
                    Add-EngineView $result.results 'ContainerImage.RemovalResult' $engines.Count
                    $PSCmdlet.WriteObject($result.results, $true)
                }
            }
            return
        }
        $requests = switch ($PSCmdlet.ParameterSetName) {
            'Name' { foreach ($item in $Name) { $request = @{ name = $item }; if ($Tag) { $request.tag = $Tag }; $request } }
            'Id' { foreach ($item in $Id) { @{ id = $item } } }
            'InputObject' { foreach ($image in $InputObject) { ConvertTo-RemovalRequest $image } }
        }
        # Gathered, then removed in end{} with one backend call per engine: one engine call per image, as
        # docker rmi. Each object goes to its own engine (its Engine property), or to each one -Engine names.
        foreach ($on in $engines) {
            $key = [string]$on
            if (-not $pending.Contains($key)) { $pending[$key] = [System.Collections.Generic.List[hashtable]]::new() }
            foreach ($request in $requests) {
                $request = $request.Clone()
                $request.force = [bool]$Force
                $request.no_prune = [bool]$NoPrune
                $pending[$key].Add($request)
            }
        }
    }
    end {
        if (-not $pending.Count) { return }
        $engineCount = $pending.Count
        # First what each removal would do, so that the question (or -WhatIf, or the -Verbose line) says it,
        # and a refusal comes before any question. When nobody sees it (-Confirm:$false, no -WhatIf or
        # -Verbose), that dry run is left out: the removal itself checks the same things and refuses alike.
        $chosenOf = [ordered]@{}   # engine -> the removals confirmed on it
        if ($WhatIfPreference -or $ConfirmPreference -ne 'None' -or $VerbosePreference -ne 'SilentlyContinue') {
            $firstPlans = @{}
            Invoke-BackendEach -Method image.remove_many -Requests @(foreach ($key in $pending.Keys) {
                    @{ Engine = $(if ($key) { $key }); Params = @{ items = $pending[$key].ToArray(); dry_run = $true } } }) | ForEach-Object {
                $firstPlans[[string]$_.Engine] = $_.Result
            }
            $pruneParents = -not $NoPrune
            foreach ($key in $pending.Keys) {
                $on = $(if ($key) { $key })
                $items = $pending[$key]
                $chosen = [System.Collections.Generic.List[hashtable]]::new()
                $chosenOf[$key] = $chosen
                $plans = $firstPlans[$key]
                if ($plans -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $plans; continue }
                $plans = $plans.results
                # What the whole batch frees on this engine: the images its plans delete, as one batch (again
                # after a "no").
                $deleting = @(Get-PlannedDeletion $plans)
                $space = Get-BatchSpaceFreed $PSCmdlet $deleting $pruneParents $on
                Write-Verbose "$(if ($on) { "Engine ${on}: " })The batch deletes $($deleting.Count) images and frees $space bytes"
                $first = 0   # the index in $plans of $items[0]'s plan (they move when the rest is planned again)
                for ($index = 0; $index -lt $items.Count; $index++) {
                    $answer = $plans[$index - $first]
                    if ($answer.PSObject.Properties['error']) { Write-ContainerImageError $PSCmdlet (Add-EngineToError (ConvertFrom-BackendError $answer.error) $on); continue }
                    $plan = $answer.result
                    $action = if ($plan.Action -eq 'Untag') { 'Untag container image' } else { 'Remove container image' }
                    if (Confirm-Change $PSCmdlet ((Format-EngineTarget (Format-RemovalTarget $plan) $on) + (Format-SpaceFreed $space $deleting.Count)) $action) {
                        $chosen.Add($items[$index])
                    } elseif ($index + 1 -lt $items.Count) {
                        # The ones after it were planned as though it went (a second tag then deletes the image):
                        # plan them again, after the chosen ones only.
                        $rest = $items.GetRange($index + 1, $items.Count - $index - 1)
                        $again = Invoke-Backend -Method image.remove_many -Params @{ items = @($chosen) + @($rest); dry_run = $true } -Engine $on
                        if ($again -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet (Add-EngineToError $again $on); break }
                        $plans = $again.results
                        $first = $index + 1 - $chosen.Count
                        if (-not $WhatIfPreference) {
                            # Declined: the questions after it say what the batch frees without it. (-WhatIf
                            # declines each one only to list it: its lines all say what the whole batch frees.)
                            $deleting = @(Get-PlannedDeletion $plans)
                            $space = Get-BatchSpaceFreed $PSCmdlet $deleting $pruneParents $on
                        }
                    }
                }
            }
        } else {
            foreach ($key in $pending.Keys) {
                $chosen = [System.Collections.Generic.List[hashtable]]::new()
                $chosenOf[$key] = $chosen
                foreach ($request in $pending[$key]) {
                    $shown = if ($request.name) { $request.name } else { $request.id }
                    if (Confirm-Change $PSCmdlet (Format-EngineTarget $shown $key) 'Remove container image') { $chosen.Add($request) }
                }
            }
        }
        # The space reclaimed costs two engine calls per image: asked for only when shown.
        $sizes = $PassThru -or $VerbosePreference -ne 'SilentlyContinue'
        # One request per engine, all at once. Under -ErrorAction Stop the backend goes one by one and stops
        # at the first failure, as a pipeline of single removals would.
        $stop = (Get-ErrorActionPreference $PSCmdlet) -eq 'Stop'
        $requests = foreach ($key in $chosenOf.Keys) {
            if ($chosenOf[$key].Count) {
                @{ Engine = $(if ($key) { $key }); Params = @{ items = $chosenOf[$key].ToArray(); sizes = [bool]$sizes; stop_on_error = $stop } }
            }
        }
        if (-not $requests) { return }
        Invoke-BackendEach -Method image.remove_many -Requests @($requests) | ForEach-Object {
            $done = $_.Result
            if ($done -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $done; return }
            $on = $_.Engine
            foreach ($answer in $done.results) {
                if ($null -eq $answer) { continue }   # not tried: an earlier one failed under -ErrorAction Stop
                if ($answer.PSObject.Properties['error']) { Write-ContainerImageError $PSCmdlet (Add-EngineToError (ConvertFrom-BackendError $answer.error) $on); continue }
                $result = $answer.result
                Write-Verbose "$(if ($on) { "Engine ${on}: " })$($result.Image): untagged $(@($result.Untagged).Count), deleted $(@($result.Deleted).Count), $($result.SpaceReclaimed) bytes reclaimed"
                if ($PassThru) {
                    Add-ContainerImageType $result -TypeName 'ContainerImage.RemovalResult'
                    Add-EngineView $result 'ContainerImage.RemovalResult' $engineCount
                    $PSCmdlet.WriteObject($result)
                }
            }
        }
    }
}
