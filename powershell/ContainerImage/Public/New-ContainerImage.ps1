function New-ContainerImage {
    <#
    .SYNOPSIS
    Creates a container image from a container's changes (like docker commit).

    .DESCRIPTION
    New-ContainerImage makes a new image of a container: the container's image plus what changed in its
    file system, named repository:tag (tag latest when none is given), and outputs the new image as a
    ContainerImage.Image object, the same object Get-ContainerImage gives for it. A name the engine
    already has moves to the new image (the old image keeps its id and other names).

    The name is checked before the engine is asked: a malformed name is an InvalidArgument error and
    nothing is created. A container that does not exist is ObjectNotFound, naming it. A -Change
    instruction the engine refuses is InvalidArgument, with the engine's reason.

    A running container is paused while it is copied, so the image is consistent; -NoPause copies it
    while it runs.

    .PARAMETER Container
    The id (or unique id prefix) or name of the container. Accepts pipeline input by value and by
    property name (ContainerId, Id, Names), so objects from
    docker ps -a --format '{{json .}}' | ConvertFrom-Json can be piped.

    .PARAMETER Name
    The new image's repository, e.g. myapp or registry.example.com:5000/team/app, optionally with
    :tag. Repository names are lowercase; typed in capitals they are taken lowercase.

    .PARAMETER Tag
    The new image's tag (default: latest), when -Name carries none.

    .PARAMETER Message
    A commit message, kept as the image's top layer Comment (see Get-ContainerImageHistory).

    .PARAMETER Author
    The author recorded in the image, e.g. 'Jane Doe <jane@example.com>'.

    .PARAMETER Change
    Dockerfile instructions applied to the new image's configuration, one per string: CMD, ENTRYPOINT,
    ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR.

    .PARAMETER NoPause
    Do not pause a running container while its image is made.

    .PARAMETER Engine
    The engines to work on: docker context names (docker context ls, Get-ContainerEngine), addresses
    (unix://, npipe://, tcp://host:port, ssh://[user@]host) or 'default'; alias -Context. Several engines
    are worked on at once, and each output object carries Engine, the name given. Objects piped in with an
    Engine property go back to that engine. Without it: the engine your environment names (DOCKER_HOST,
    DOCKER_CONTEXT, the Engine setting, docker's current context), as before.

    .EXAMPLE
    docker create --network none --name web microsoft/aspnet
    New-ContainerImage -Container web -Name test/web -Tag v1 -Message 'IIS configured'

    IMAGE ID     CREATED               SIZE REPOSITORY           TAG
    --------     -------               ---- ----------           ---
    5c1b3a7d9e02 Less than a secon…  1.98MB test/web             v1

    Makes the image test/web:v1 of the container web (the seed guide's "Create new image").

    .EXAMPLE
    New-ContainerImage web -Name test/web:v2 -Change 'CMD ["/bin/sh"]', 'LABEL stage=test' -Author 'Jane Doe'

    Makes an image with a default command and a label set, and its author recorded.

    .EXAMPLE
    docker ps -a --filter 'ancestor=microsoft/aspnet' --format '{{json .}}' | ConvertFrom-Json |
        Select-Object -First 1 | New-ContainerImage -Name test/web:snapshot -NoPause

    Binds the container from docker's own output and commits it without pausing it.

    .INPUTS
    System.String, or objects with a ContainerId, Id or Names property.

    .OUTPUTS
    ContainerImage.Image. See Get-ContainerImage for the properties.

    .LINK
    Get-ContainerImageHistory

    .LINK
    Add-ContainerImageTag

    .LINK
    Get-ContainerImage
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType('ContainerImage.Image')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('ContainerId', 'Id', 'Names')]
        [ValidateNotNullOrEmpty()]
        [string] $Container,

        [Parameter(Mandatory, Position = 1)]
        [Alias('Repository')]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        [ValidateNotNullOrEmpty()]
        [string] $Tag,

        [string] $Message,

        [string] $Author,

        [ValidateNotNullOrEmpty()]
        [string[]] $Change,

        [switch] $NoPause,

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
        $shown = if ($Tag) { "${Name}:$Tag" } else { $Name }
        $params = @{ container = $Container; name = $Name; pause = -not $NoPause }
        if ($Tag) { $params.tag = $Tag }
        if ($PSBoundParameters.ContainsKey('Message')) { $params.message = $Message }
        if ($PSBoundParameters.ContainsKey('Author')) { $params.author = $Author }
        if ($Change) { $params.changes = $Change }
        $requests = foreach ($on in $engines) {
            if (Confirm-Change $PSCmdlet (Format-EngineTarget "container $Container" $on) "Create image $shown") { @{ Engine = $on; Params = $params } }
        }
        if (-not $requests) { return }
        Invoke-BackendEach -Method image.commit -Requests $requests | ForEach-Object {
            $result = $_.Result
            if ($result -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $result; return }
            Write-Verbose "$(Format-EngineTarget "Container $Container" $_.Engine) committed as $shown ($($result.id))"
            Add-ContainerImageType $result.images
            Add-EngineView $result.images 'ContainerImage.Image' $engines.Count
            $PSCmdlet.WriteObject($result.images, $true)
        }
    }
}
