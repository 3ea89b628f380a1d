function Get-ContainerImage {
    <#
    .SYNOPSIS
    Lists the container images on the Docker engine, one object per repository:tag (like docker images).

    .DESCRIPTION
    Get-ContainerImage returns ContainerImage.Image objects for the images on the engine the docker CLI
    would use (DOCKER_HOST, DOCKER_CONTEXT, or the default). The default view is the docker images table;
    every property is a real typed value to filter and sort on: Size is bytes, Created a [datetime] (UTC).

    Names are references or wildcard patterns. A name given without wildcards that matches no image is a
    non-terminating ObjectNotFound error; a wildcard pattern that matches nothing returns nothing.

    .PARAMETER Name
    Repository, repository:tag or repository@digest; wildcards (*, ?, [ ]) allowed. Accepts pipeline
    input by property name (Name, Repository).

    .PARAMETER Id
    Image id prefixes (with or without "sha256:").

    .PARAMETER All
    Include intermediate images (docker images --all).

    .PARAMETER Dangling
    Only untagged images that no tagged image is built on.

    .PARAMETER Label
    Only images with these labels: "key" or "key=value". All must match.

    .PARAMETER ChildOf
    Only the images built on this image, at any depth. The image is a name, or an id (12 digits or more,
    or sha256:<prefix>). Images built on it are those whose layers extend its layers (pulled images, such
    as microsoft/aspnet on microsoft/windowsservercore), and those with it among their parents (made by
    docker commit or build). A name that matches no image is a non-terminating ObjectNotFound error.

    .PARAMETER DiskUsage
    Add SharedSize and UniqueSize (bytes) to each image, as the engine's /system/df counts them (docker
    system df -v's SHARED SIZE and UNIQUE SIZE): SharedSize is the weight of the image's layers that other
    images hold too, UniqueSize (Size - SharedSize) what the image holds alone. $null for intermediate
    images (with -All), which the engine does not weigh. Without it the listing does not ask for them.
    .PARAMETER Engine
    The engines to work on: docker context names (docker context ls, Get-ContainerEngine), addresses
    (unix://, npipe://, tcp://host:port, ssh://[user@]host) or 'default'; alias -Context. Several engines
    are worked on at once, and each output object carries Engine, the name given. Objects piped in with an
    Engine property go back to that engine. Without it: the engine your environment names (DOCKER_HOST,
    DOCKER_CONTEXT, the Engine setting, docker's current context), as before.

    .EXAMPLE
    Get-ContainerImage

    IMAGE ID     CREATED               SIZE REPOSITORY           TAG
    --------     -------               ---- ----------           ---
    6c4f5e3ab4f2 2 hours ago         1.46MB microsoft/windowsse… latest

    Lists every tagged image, like docker images.

    .EXAMPLE
    Get-ContainerImage -Name 'microsoft/*' | Where-Object Size -gt 1GB | Sort-Object Created

    Images of Microsoft's repositories larger than 1 GB, oldest first.

    .EXAMPLE
    Get-ContainerImage microsoft/nanoserver:latest | Select-Object Repository, Tag, Os, Architecture, Containers

    The platform of one image and how many containers use it.

    .EXAMPLE
    Get-ContainerImage -ChildOf microsoft/windowsservercore | Select-Object Repository, Tag, UsedBy

    The images built on windowsservercore, and the containers that use each of them.

    .EXAMPLE
    Get-ContainerImage -DiskUsage | Sort-Object UniqueSize -Descending | Select-Object -First 5 Repository, Tag, Size, SharedSize, UniqueSize

    The five images that hold the most disk alone: what removing each one by itself would free.

    .EXAMPLE
    Get-ContainerImage | Where-Object RunsOnHost -eq $false | Test-ContainerImage | Select-Object Name, Reason

    The images this host cannot run, and why.

    .EXAMPLE
    Get-ContainerImage -Dangling -Label stage=build

    Untagged images left over from builds labelled stage=build.

    .INPUTS
    System.String. Names, or objects with a Name or Repository property.

    .OUTPUTS
    ContainerImage.Image. Properties: Repository, Tag, Id (12 characters), FullId, Digest, Created
    ([datetime], UTC), Size ([long], bytes), Os, OsVersion, Architecture, Variant, Labels (one property
    per label: $image.Labels.'com.example.key'; where two label names differ only in case, as Version and
    version, or one is a name PowerShell reserves, as psobject, an ordered case-sensitive dictionary:
    $image.Labels['version']), Containers (the number of containers, running or not, that use the image),
    UsedBy (those containers, each with Id, Name and State), ParentId, RunsOnHost ($true when the engine's host can run the image with its
    default isolation, $false when it cannot, $null when the image does not say its platform; see
    Test-ContainerImage for the reason); with -DiskUsage, SharedSize and UniqueSize ([long], bytes). Export-Csv writes Labels as key=value;key=value and UsedBy as the
    containers' names, ;-separated. The table shows the short columns first, and REPOSITORY and TAG share the
    rest of the console's width, cut with an ellipsis (…) when it is narrow.

    .LINK
    Install-ContainerImage

    .LINK
    Get-ContainerImageDiskUsage
    #>
    [CmdletBinding(DefaultParameterSetName = 'Name')]
    [OutputType('ContainerImage.Image')]
    param(
        [Parameter(ParameterSetName = 'Name', Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('Repository')]
        [SupportsWildcards()]
        [ValidateNotNullOrEmpty()]
        [string[]] $Name,

        [Parameter(ParameterSetName = 'Id', Mandatory, ValueFromPipelineByPropertyName)]
        [Alias('ImageId')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Id,

        [switch] $All,

        [switch] $Dangling,

        [ValidateNotNullOrEmpty()]
        [string[]] $Label,

        [ValidateNotNullOrEmpty()]
        [string] $ChildOf,

        [switch] $DiskUsage,

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
        # engine ('' for the environment's) -> the names and ids asked of it
        $asked = [ordered]@{}
    }
    process {
        # Gather the whole pipeline, then ask once per engine: one listing however many names come in.
        $engines = Get-EngineList $Engine
        foreach ($target in $engines) {
            $key = [string]$target
            if (-not $asked.Contains($key)) {
                $asked[$key] = @{ names = [System.Collections.Generic.List[string]]::new(); ids = [System.Collections.Generic.List[string]]::new() }
            }
            if ($Name) { $asked[$key].names.AddRange($Name) }
            if ($Id) { $asked[$key].ids.AddRange($Id) }
        }
    }
    end {
        if (-not $asked.Count) { $asked[''] = @{ names = @(); ids = @() } }   # nothing bound: the environment's engine
        $requests = foreach ($key in $asked.Keys) {
            $params = @{ all = [bool]$All }
            if ($asked[$key].names.Count) { $params.name = $asked[$key].names.ToArray() }
            if ($asked[$key].ids.Count) { $params.id = $asked[$key].ids.ToArray() }
            if ($Dangling) { $params.dangling = $true }
            if ($Label) { $params.label = $Label }
            if ($ChildOf) { $params.child_of = $ChildOf }
            if ($DiskUsage) { $params.disk_usage = $true }
            @{ Engine = $(if ($key) { $key }); Params = $params }
        }
        if ($asked.Count -eq 1 -and -not $requests.Engine) {
            # The environment's engine alone: one request, as always.
            $result = Invoke-Backend -Method image.list -Params $requests.Params
            if ($result -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $result; return }
            Add-ContainerImageType $result.images
            $PSCmdlet.WriteObject($result.images, $true)
            foreach ($problem in $result.errors) { Write-ContainerImageError $PSCmdlet (ConvertFrom-BackendError $problem) }
            return
        }
        $count = $asked.Count
        Invoke-BackendEach -Method image.list -Requests $requests | ForEach-Object {
            $result = $_.Result
            if ($result -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $result; return }
            Add-ContainerImageType $result.images
            Add-EngineView $result.images 'ContainerImage.Image' $count
            $PSCmdlet.WriteObject($result.images, $true)
            foreach ($problem in $result.errors) { Write-ContainerImageError $PSCmdlet (Add-EngineToError (ConvertFrom-BackendError $problem) $_.Engine) }
        }
    }
}
