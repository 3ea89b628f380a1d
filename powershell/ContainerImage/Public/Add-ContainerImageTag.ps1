function Add-ContainerImageTag {
    <#
    .SYNOPSIS
    Gives an image another name, repository:tag (like docker tag).

    .DESCRIPTION
    Add-ContainerImageTag names an existing image (the source, by name or id) with each target
    reference, and outputs the image under its new name as a ContainerImage.Image object, the same
    object Get-ContainerImage gives for it. No image is copied: both names point to the same image id.

    -Tag is the whole target, repository[:tag], as docker tag takes it: "-Tag v2" names the image
    v2:latest, "-Tag myapp:v2" names it myapp:v2. The target's tag is latest when none is given.

    A target name the engine already has is moved to this image without asking, as docker tag does
    (so there is no -Force); the image it named before keeps its id and other names. Use -WhatIf to
    see what would be named.

    Errors: a source image that does not exist is ObjectNotFound, naming it; a malformed source or target
    is InvalidArgument and nothing is tagged.

    .PARAMETER Name
    The source image: repository[:tag] (tag latest when none), repository@digest, or an image id.
    Accepts pipeline input by value and by property name (FullId, ImageId, Id): piped
    Get-ContainerImage objects tag exactly that image, by its id. The source's own Tag property is
    never taken for the target.

    .PARAMETER Tag
    The target name(s), repository[:tag], e.g. myapp:1.0 or registry.example.com:5000/team/app:1.0.
    Repository names are lowercase; typed in capitals they are taken lowercase.

    .PARAMETER Engine
    The engines to work on: docker context names (docker context ls, Get-ContainerEngine), addresses
    (unix://, npipe://, tcp://host:port, ssh://[user@]host) or 'default'; alias -Context. Several engines
    are worked on at once, and each output object carries Engine, the name given. Objects piped in with an
    Engine property go back to that engine. Without it: the engine your environment names (DOCKER_HOST,
    DOCKER_CONTEXT, the Engine setting, docker's current context), as before.

    .EXAMPLE
    Add-ContainerImageTag -Name microsoft/nanoserver -Tag test/nano:base

    IMAGE ID     CREATED               SIZE REPOSITORY           TAG
    --------     -------               ---- ----------           ---
    3a2d8b1e9f04 2 hours ago         1.98MB test/nano            base

    Names the image microsoft/nanoserver:latest test/nano:base too.

    .EXAMPLE
    Get-ContainerImage microsoft/aspnet:nanoserver | Add-ContainerImageTag -Tag test/aspnet:stable, test/aspnet:latest

    Gives the piped image (by its id, not by its tag) two more names.

    .EXAMPLE
    Add-ContainerImageTag test/nano:base -Tag registry.example.com:5000/team/nano:1.0 -WhatIf

    What if: Performing the operation "Add tag registry.example.com:5000/team/nano:1.0" on target "test/nano:base".

    Shows what would be tagged, to name the image for a private registry before publishing it.

    .INPUTS
    System.String, or objects with a FullId, ImageId or Id property (such as Get-ContainerImage output).

    .OUTPUTS
    ContainerImage.Image. See Get-ContainerImage for the properties.

    .LINK
    New-ContainerImage

    .LINK
    Get-ContainerImage

    .LINK
    Publish-ContainerImage
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType('ContainerImage.Image')]
    param(
        # Aliases in this order: a piped image object binds FullId, never its Repository and Tag.
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('FullId', 'ImageId', 'Id')]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        # Not from the pipeline: a piped image's Tag is its own name, not the target.
        [Parameter(Mandatory, Position = 1)]
        [Alias('Target')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Tag,

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
        foreach ($target in $Tag) {
            $requests = foreach ($on in $engines) {
                if (Confirm-Change $PSCmdlet (Format-EngineTarget $Name $on) "Add tag $target") { @{ Engine = $on; Params = @{ name = $Name; target = $target } } }
            }
            if (-not $requests) { continue }
            Invoke-BackendEach -Method image.tag -Requests $requests | ForEach-Object {
                $result = $_.Result
                if ($result -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $result; return }
                Add-ContainerImageType $result.images
                Add-EngineView $result.images 'ContainerImage.Image' $engines.Count
                $PSCmdlet.WriteObject($result.images, $true)
            }
        }
    }
}
