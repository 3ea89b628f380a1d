function Publish-ContainerImage {
    <#
    .SYNOPSIS
    Publishes (pushes) container images to their registry (like docker push).

    .DESCRIPTION
    Publish-ContainerImage pushes an image from the Docker engine to the registry its name says
    (registry.example.com:5000/team/app goes to registry.example.com:5000; a name without a registry goes
    to Docker Hub), showing progress per layer, and outputs what the registry now holds: a
    ContainerImage.PushResult with the pushed name, tag and digest. Name an image for a registry first
    with Add-ContainerImageTag.

    The login comes from Connect-ContainerRegistry (or docker login), or from -Credential for this push
    only. Each failure names its cause: an image that is not on the engine (ObjectNotFound; no registry is
    contacted), no or wrong credentials (AuthenticationError, saying to run Connect-ContainerRegistry), a
    registry that cannot be reached (ConnectionError naming it), a malformed name (InvalidArgument). With
    several images, one failure does not stop the others. Ctrl+C stops the push.

    .PARAMETER Name
    The image to push, [registry/]repository[:tag] (tag latest when none), as it is named on the engine.

    .PARAMETER Tag
    The tag to push, when -Name gives none.

    .PARAMETER InputObject
    Images to push, from the pipeline: ContainerImage.Image objects (such as Get-ContainerImage output,
    pushed by their Repository and Tag) or strings (names, as -Name).

    .PARAMETER AllTags
    Push every tag the engine has of the repository.

    .PARAMETER Credential
    Credentials for the registry, for this push only (nothing is stored). Without it, the login stored by
    Connect-ContainerRegistry or docker login is used. The password is sent to the backend inside the
    protocol message, never on a command line.

    .PARAMETER Engine
    The engines to work on: docker context names (docker context ls, Get-ContainerEngine), addresses
    (unix://, npipe://, tcp://host:port, ssh://[user@]host) or 'default'; alias -Context. Several engines
    are worked on at once, and each output object carries Engine, the name given. Objects piped in with an
    Engine property go back to that engine. Without it: the engine your environment names (DOCKER_HOST,
    DOCKER_CONTEXT, the Engine setting, docker's current context), as before.

    .EXAMPLE
    Add-ContainerImageTag -Name microsoft/aspnet -Tag "$env:CONTAINERIMAGE_TEST_REGISTRY/username/containername"
    Publish-ContainerImage -Name "$env:CONTAINERIMAGE_TEST_REGISTRY/username/containername"

    DIGEST                  SIZE NAME                      TAG
    ------                  ---- ----                      ---
    sha256:6f32af58e5bb…  1.98MB 127.0.0.1:5000/username/… latest

    The seed's "docker push username/containername", to a private registry.

    .EXAMPLE
    Get-ContainerImage -Name 'registry.example.com:5000/team/*' | Publish-ContainerImage -Credential (Get-Credential)

    Pushes every tagged image of the team's repositories, with credentials for this push only.

    .EXAMPLE
    Publish-ContainerImage registry.example.com:5000/team/app -AllTags -WhatIf

    Shows what would be pushed.

    .INPUTS
    ContainerImage.Image (Repository and Tag are pushed), or System.String (a name).

    .OUTPUTS
    ContainerImage.PushResult. Properties: Name (the repository, with its registry), Tag, Digest (the
    registry's manifest digest: "$($_.Name)@$($_.Digest)" pins exactly this image), Registry (host[:port],
    docker.io for Docker Hub), Size (the image's size in bytes, as Get-ContainerImage shows it).

    .LINK
    Connect-ContainerRegistry

    .LINK
    Add-ContainerImageTag

    .LINK
    Install-ContainerImage
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium', DefaultParameterSetName = 'Name')]
    [OutputType('ContainerImage.PushResult')]
    param(
        [Parameter(Mandatory, Position = 0, ParameterSetName = 'Name')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Name,

        [Parameter(ParameterSetName = 'Name')]
        [ValidateNotNullOrEmpty()]
        [string] $Tag,

        [Parameter(Mandatory, ValueFromPipeline, ParameterSetName = 'InputObject')]
        [ValidateNotNull()]
        [psobject[]] $InputObject,

        [switch] $AllTags,

        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

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
        $items = if ($PSCmdlet.ParameterSetName -eq 'Name') { $Name } else { $InputObject }
        foreach ($item in $items) {
            $target = Get-PublishName $item -AllTags:$AllTags
            if ($target -is [System.Management.Automation.ErrorRecord]) {
                Write-ContainerImageError $PSCmdlet $target
                continue
            }
            $shown = if ($AllTags) { "$target (all tags)" } elseif ($Tag) { "${target}:$Tag" } else { $target }
            $params = @{ name = $target; all_tags = [bool]$AllTags }
            if ($Tag) { $params.tag = $Tag }
            $auth = ConvertTo-BackendAuth $Credential
            if ($auth) { $params.auth = $auth }
            $requests = foreach ($on in $engines) {
                if (Confirm-Change $PSCmdlet (Format-EngineTarget $shown $on) 'Publish container image') { @{ Engine = $on; Params = $params } }
            }
            if (-not $requests) { continue }
            Invoke-BackendEach -Method image.push -Requests $requests -Activity "Publishing $shown" | ForEach-Object {
                $result = $_.Result
                if ($result -is [System.Management.Automation.ErrorRecord]) {
                    if ($result.CategoryInfo.Category -eq 'AuthenticationError') {
                        $result = Add-LoginAdvice $result -Name $target -CredentialGiven:($Credential -ne [System.Management.Automation.PSCredential]::Empty)
                    }
                    Write-ContainerImageError $PSCmdlet $result
                    return
                }
                foreach ($row in $result.pushed) { Write-Verbose "Pushed $($row.Name):$($row.Tag) as $($row.Digest)$(if ($_.Engine) { " from engine $($_.Engine)" })" }
                Add-ContainerImageType $result.pushed -TypeName 'ContainerImage.PushResult'
                Add-EngineView $result.pushed 'ContainerImage.PushResult' $engines.Count
                $PSCmdlet.WriteObject($result.pushed, $true)
            }
        }
    }
}
