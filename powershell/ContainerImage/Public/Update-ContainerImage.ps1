function Update-ContainerImage {
    <#
    .SYNOPSIS
    Pulls the newer version of local images whose registry has one under the same tag.

    .DESCRIPTION
    Update-ContainerImage checks the images as Get-ContainerImageUpdate does (the registry's manifest only)
    and pulls those whose Status is UpdateAvailable, with progress per layer as Install-ContainerImage shows
    it. It outputs one ContainerImage.UpdateResult per image it updated, with the old and new Id, Digest and
    OsVersion (for Windows images, the patch level before and after).

    Images that are UpToDate or LocalOnly are left alone (-Verbose says so). An image whose registry cannot
    be asked is not updated: a registry that is down or refuses the login is one error for all its images;
    a tag the registry no longer has is a warning.

    With -Prune, the image the tag named before is removed once nothing needs it any more. A replaced image
    that a container still uses is kept, and a warning names it and the containers; so is one that still has
    another tag, or that other images are built on. -WhatIf lists what would be pulled, and pulls nothing.

    .PARAMETER Name
    Repositories or repository:tag, wildcards allowed; every local image when omitted. Bound from the
    pipeline by value and by property name (Name, Repository), so the objects of Get-ContainerImageUpdate
    and Get-ContainerImage can be piped in.

    .PARAMETER Tag
    The tag, when Name has none. Bound from the pipeline by property name.

    .PARAMETER Prune
    Remove each replaced image that no container uses.

    .PARAMETER Engine
    The engines to work on: docker context names (docker context ls, Get-ContainerEngine), addresses
    (unix://, npipe://, tcp://host:port, ssh://[user@]host) or 'default'; alias -Context. Several engines
    are worked on at once, and each output object carries Engine, the name given. Objects piped in with an
    Engine property go back to that engine. Without it: the engine your environment names.

    .EXAMPLE
    Update-ContainerImage -Name microsoft/nanoserver -Prune

    OLD ID       NEW ID       PRUNED NAME                 TAG
    ------       ------       ------ ----                 ---
    3a2d8b1e9f04 9c1f0e2d7b36   True microsoft/nanoserver latest

    Pulls the newer nanoserver and removes the one it replaces.

    .EXAMPLE
    Update-ContainerImage -WhatIf

    What if: Performing the operation "Update container image" on target "microsoft/nanoserver:latest (sha256:4f5c… -> sha256:9e2b…)".

    Which local images would be updated, without pulling them.

    .EXAMPLE
    Get-ContainerImageUpdate | Where-Object { $_.RevisionsBehind -ge 1 } | Update-ContainerImage

    Updates the Windows images that are at least one patch level behind.

    .INPUTS
    System.String, or objects with Name/Repository and Tag properties (ContainerImage.Update,
    ContainerImage.Image).

    .OUTPUTS
    ContainerImage.UpdateResult. Properties: Name, Tag, OldId, NewId, OldDigest, NewDigest, OldOsVersion,
    NewOsVersion, Updated ($false when the pull brought the same image, e.g. a tag moved back meanwhile),
    Pruned, Kept (why the replaced image was not removed).

    .LINK
    Get-ContainerImageUpdate

    .LINK
    Install-ContainerImage
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('ContainerImage.UpdateResult')]
    param(
        [Parameter(Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('Repository')]
        [SupportsWildcards()]
        [ValidateNotNullOrEmpty()]
        [string[]] $Name,

        [Parameter(ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $Tag,

        [switch] $Prune,

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
        $asked = [ordered]@{}   # engine ('' for the environment's) -> the names asked of it
    }
    process {
        Add-EngineWork $asked (Get-EngineList $Engine) @(foreach ($item in $Name) { if ($Tag) { "${item}:$Tag" } else { $item } })
    }
    end {
        $requests = foreach ($key in $asked.Keys) {
            $params = @{}
            if ($asked[$key].Count) { $params.name = [string[]]$asked[$key].ToArray() }
            elseif ($MyInvocation.ExpectingInput) { continue }   # an empty pipeline: nothing to update, not everything
            @{ Engine = $(if ($key) { $key }); Params = $params }
        }
        if (-not $requests) { return }
        $count = $asked.Count
        # Every engine's check at once; then each engine's updates, one image after another.
        $checks = @(Invoke-BackendEach -Method image.update_check -Requests @($requests))
        foreach ($answer in $checks) {
            $check = $answer.Result
            $on = $answer.Engine
            if ($check -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $check; continue }
            $registryErrors = @(foreach ($problem in $check.errors) {
                    Write-ContainerImageError $PSCmdlet (Add-EngineToError (ConvertFrom-BackendError $problem) $on)
                    [string]$problem.message
                })
            foreach ($image in $check.images) {
                $shown = "$($image.Name):$($image.Tag)"
                if ($image.Status -ne 'UpdateAvailable') {
                    if ($image.Status -eq 'Unknown' -and $registryErrors -notcontains [string]$image.Reason) {
                        Write-Warning "$(Format-EngineTarget $shown $on) was not updated: $($image.Reason)"
                    } else {
                        Write-Verbose "$(Format-EngineTarget $shown $on): $($image.Status), not updated."
                    }
                    continue
                }
                $target = Format-EngineTarget "$shown ($($image.LocalDigest) -> $($image.RemoteDigest))" $on
                if (-not (Confirm-Change $PSCmdlet $target 'Update container image')) { continue }
                $result = Invoke-Backend -Method image.update -Params @{ name = [string]$image.Name; tag = [string]$image.Tag; prune = [bool]$Prune } -Activity "Updating $(Format-EngineTarget $shown $on)" -Engine $on
                if ($result -is [System.Management.Automation.ErrorRecord]) {
                    Write-ContainerImageError $PSCmdlet (Add-EngineToError $result $on)
                    continue
                }
                foreach ($note in $result.notes) { Write-Verbose "$(Format-EngineTarget $shown $on): $note" }
                if ($result.Kept) { Write-Warning $result.Kept }
                $result.PSObject.Properties.Remove('notes')
                Add-ContainerImageType $result -TypeName 'ContainerImage.UpdateResult'
                Add-EngineView $result 'ContainerImage.UpdateResult' $count
                $PSCmdlet.WriteObject($result)
            }
        }
    }
}
