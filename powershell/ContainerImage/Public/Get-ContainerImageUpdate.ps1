function Get-ContainerImageUpdate {
    <#
    .SYNOPSIS
    Tells, for each local image, whether its registry has a newer version under the same tag, without
    pulling anything.

    .DESCRIPTION
    Get-ContainerImageUpdate outputs one ContainerImage.Update object per local repository:tag. Its Status:

    - UpToDate: the registry serves this very image under the tag.
    - UpdateAvailable: the tag has moved on in the registry; Install-ContainerImage -Force or
      Update-ContainerImage gets the new image. RemoteCreated says when it was built, and for Windows images
      RemoteOsVersion its full version (10.0.BUILD.REVISION: the revision is the monthly patch level) and
      RevisionsBehind how many revisions the local image is behind it (within one build).
    - LocalOnly: the image has no digest from a registry (committed, built, loaded or tagged here), so there
      is nothing to compare with. BaseName and BaseStatus still tell whether what it was built on is current.
    - Unknown: the registry could not say; Reason tells why. A registry that is down or refuses the login is
      one non-terminating error (ConnectionError or AuthenticationError) for all its images; a tag the
      registry no longer has (deleted) is Unknown with a reason that says so, and no error.

    Only the manifest is read (and, where the tag has moved, the manifest of the image this host would pull
    from a manifest list, and its small config blob): never a layer. Registries are asked as a pull asks
    them: the engine's registry mirrors first for Docker Hub names, with the logins stored by docker login or
    Connect-ContainerRegistry. Many images are checked concurrently.

    BaseName is the image an image was built on (its org.opencontainers.image.base.name label, else the local
    tagged image its layers extend, or its parent as docker commit and build record it: the relation
    Get-ContainerImage -ChildOf uses), and BaseStatus that image's status: UpdateAvailable means rebuild.
    A base whose tag has since moved to a newer pull (Update-ContainerImage, Install-ContainerImage -Force)
    is named by its repository@digest, with BaseStatus UpdateAvailable: it was replaced here.

    .PARAMETER Name
    Repositories or repository:tag, wildcards allowed (as Get-ContainerImage -Name); all local images when
    omitted. A name without wildcards that matches no image is a non-terminating ObjectNotFound error.

    .PARAMETER Tag
    The tag, when Name has none. Bound from the pipeline by property name.

    .PARAMETER InputObject
    Image objects from Get-ContainerImage.

    .PARAMETER Engine
    The engines to work on: docker context names (docker context ls, Get-ContainerEngine), addresses
    (unix://, npipe://, tcp://host:port, ssh://[user@]host) or 'default'; alias -Context. Several engines
    are worked on at once, and each output object carries Engine, the name given. Objects piped in with an
    Engine property go back to that engine. Without it: the engine your environment names.

    .EXAMPLE
    Get-ContainerImageUpdate

    STATUS          BEHIND BASE            NAME                                 TAG
    ------          ------ ----            ----                                 ---
    UpdateAvailable    114                 mcr.microsoft.com/windows/servercore ltsc2022
    LocalOnly              UpdateAvailable webapp                               1.2

    Which local images have a newer version in their registry (BEHIND: Windows patch levels), and which
    were built on one that has (BASE: the status of BaseName).

    .EXAMPLE
    Get-ContainerImage -Name 'mcr.microsoft.com/windows/*' | Get-ContainerImageUpdate | Where-Object Status -eq UpdateAvailable | Update-ContainerImage -Prune

    Updates the Windows base images that have a newer version, and removes the replaced ones.

    .EXAMPLE
    Get-ContainerImageUpdate | Where-Object BaseStatus -eq UpdateAvailable | Select-Object Name, Tag, BaseName

    The images to rebuild because their base image has been updated.

    .INPUTS
    System.String, objects with Name/Repository and Tag properties, or ContainerImage.Image objects.

    .OUTPUTS
    ContainerImage.Update. Properties: Name, Tag, Id, FullId, Status (UpToDate, UpdateAvailable, LocalOnly,
    Unknown), Reason, LocalDigest, RemoteDigest, LocalCreated, RemoteCreated ([datetime], UTC),
    LocalOsVersion, RemoteOsVersion, RevisionsBehind ([int], Windows images of the same build; else $null),
    Os, Registry (the one that answered), BaseName, BaseStatus, BaseReason.

    .LINK
    Update-ContainerImage

    .LINK
    Get-ContainerImage
    #>
    [CmdletBinding(DefaultParameterSetName = 'Name')]
    [OutputType('ContainerImage.Update')]
    param(
        [Parameter(ParameterSetName = 'Name', Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('Repository')]
        [SupportsWildcards()]
        [ValidateNotNullOrEmpty()]
        [string[]] $Name,

        [Parameter(ParameterSetName = 'Name', ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $Tag,

        # Typed, so that image objects bind here (as what they are) and strings bind to -Name.
        [Parameter(ParameterSetName = 'InputObject', Mandatory, ValueFromPipeline)]
        [PSTypeName('ContainerImage.Image')]
        [psobject[]] $InputObject,

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
        # Gather the whole pipeline, then check once per engine: the registries are asked concurrently.
        $names = if ($PSCmdlet.ParameterSetName -eq 'InputObject') {
            foreach ($image in $InputObject) { if ($image.Repository -and $image.Tag) { "$($image.Repository):$($image.Tag)" } }
        } else {
            foreach ($item in $Name) { if ($Tag) { "${item}:$Tag" } else { $item } }
        }
        Add-EngineWork $asked (Get-EngineList $Engine) @($names)
    }
    end {
        $requests = foreach ($key in $asked.Keys) {
            $params = @{}
            if ($asked[$key].Count) { $params.name = [string[]]$asked[$key].ToArray() }
            elseif ($PSCmdlet.ParameterSetName -eq 'InputObject' -or $MyInvocation.ExpectingInput) { continue }   # untagged objects only
            @{ Engine = $(if ($key) { $key }); Params = $params }
        }
        if (-not $requests) { return }
        $count = $asked.Count
        Invoke-BackendEach -Method image.update_check -Requests @($requests) | ForEach-Object {
            $result = $_.Result
            if ($result -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $result; return }
            Add-ContainerImageType $result.images -TypeName 'ContainerImage.Update'
            Add-EngineView $result.images 'ContainerImage.Update' $count
            $PSCmdlet.WriteObject($result.images, $true)
            foreach ($problem in $result.errors) { Write-ContainerImageError $PSCmdlet (Add-EngineToError (ConvertFrom-BackendError $problem) $_.Engine) }
        }
    }
}
