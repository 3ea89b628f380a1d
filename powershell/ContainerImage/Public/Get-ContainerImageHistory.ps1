function Get-ContainerImageHistory {
    <#
    .SYNOPSIS
    Lists the layers an image is made of, newest first, with the command that made each (like docker history).

    .DESCRIPTION
    Get-ContainerImageHistory returns one ContainerImage.HistoryEntry object per layer of an image, the
    newest (the image itself) first and its base image's layers after it. The default view is the
    docker history table; the objects keep the raw values: Created is a [datetime] (UTC), Size is bytes,
    CreatedBy is never cut short.

    A layer the engine keeps no image for (the layers of pulled images, below the top one) has no id:
    Id and FullId are $null, shown as <missing> as docker does.

    An image that does not exist is a non-terminating ObjectNotFound error naming it; with several
    images, the others are still listed.

    .PARAMETER Name
    The image: repository[:tag] (tag latest when none), repository@digest, or an image id. Accepts
    pipeline input by value and by property name (FullId, ImageId, Id): piped Get-ContainerImage
    objects give the history of exactly that image, by its id.

    .PARAMETER NoTrunc
    Show whole ids and whole CreatedBy commands in the table (it cuts CreatedBy at 45 characters and
    shows 12-character ids otherwise). The objects are the same either way.

    .PARAMETER Engine
    The engines to work on: docker context names (docker context ls, Get-ContainerEngine), addresses
    (unix://, npipe://, tcp://host:port, ssh://[user@]host) or 'default'; alias -Context. Several engines
    are worked on at once, and each output object carries Engine, the name given. Objects piped in with an
    Engine property go back to that engine. Without it: the engine your environment names (DOCKER_HOST,
    DOCKER_CONTEXT, the Engine setting, docker's current context), as before.

    .EXAMPLE
    Get-ContainerImageHistory -Name microsoft/aspnet

    IMAGE         CREATED      CREATED BY  SIZE    COMMENT
    cb1cdfeecddf  2 hours ago  /bin/sh     24B
    <missing>     2 hours ago              1.98MB  Imported from -

    The layers of an image, as docker history shows them (the seed guide's "Image dependency").

    .EXAMPLE
    Get-ContainerImage microsoft/aspnet:nanoserver | Get-ContainerImageHistory -NoTrunc

    The history of the piped image, with whole ids and commands.

    .EXAMPLE
    Get-ContainerImageHistory microsoft/aspnet | Measure-Object -Property Size -Sum

    The number of layers and their total size in bytes.

    .INPUTS
    System.String, or objects with a FullId, ImageId or Id property (such as Get-ContainerImage output).

    .OUTPUTS
    ContainerImage.HistoryEntry. Properties: Id (12 characters, or $null), FullId (or $null), Created
    ([datetime], UTC), CreatedBy, Size ([long], bytes), Comment, Tags ([string[]], the names that point
    to this layer's image).

    .LINK
    Get-ContainerImage

    .LINK
    New-ContainerImage
    #>
    [CmdletBinding()]
    [OutputType('ContainerImage.HistoryEntry')]
    param(
        # Aliases in this order: a piped image object binds FullId, the one id that names exactly it.
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('FullId', 'ImageId', 'Id')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Name,

        [switch] $NoTrunc,

        # The engines to work on; from piped objects, the engine each came from (Private/Engines.ps1).
        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('Context')]
        [AllowNull()]
        [AllowEmptyCollection()]
        [AllowEmptyString()]
        [string[]] $Engine
    )
    begin { Import-CallerPreference $PSCmdlet; Assert-EngineArgument $PSCmdlet }
    process {
        $engines = Get-EngineList $Engine
        foreach ($item in $Name) {
          Invoke-BackendEach -Method image.history -Requests @(foreach ($on in $engines) { @{ Engine = $on; Params = @{ name = $item } } }) | ForEach-Object {
            $result = $_.Result
            if ($result -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $result; return }
            $rows = $result.history
            foreach ($row in $rows) { $row.Tags = [string[]]$row.Tags }   # JSON arrays arrive as object[]
            Add-ContainerImageType $rows -TypeName 'ContainerImage.HistoryEntry'
            # A type name of its own selects the format view that shows whole values.
            if ($NoTrunc) { Add-ContainerImageType $rows -TypeName 'ContainerImage.HistoryEntry#NoTrunc' }
            else { Add-EngineView $rows 'ContainerImage.HistoryEntry' $engines.Count }
            $PSCmdlet.WriteObject($rows, $true)
          }
        }
    }
}
