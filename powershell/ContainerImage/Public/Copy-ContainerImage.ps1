function Copy-ContainerImage {
    <#
    .SYNOPSIS
    Copies container images from one registry to another, with every platform, without the Docker engine.

    .DESCRIPTION
    Copy-ContainerImage reads an image from its registry and writes it to another registry (or another
    repository of the same one) through the registry API: nothing is pulled onto the engine, and the engine
    need not run. It outputs a ContainerImage.CopyResult per image copied.

    A manifest list (OCI index) is copied whole by default: every image it names, then the list itself
    with its bytes as they are, so the destination's digest is the source's (pins by digest stay valid).
    With -Platform, only the images of those platforms are copied: for one platform the destination's tag
    names that image alone (its digest is the one the source's list gives that platform); for several, the
    tag names a new list of just those entries, whose digest differs from the source's.

    Layers the destination already has are not sent again (one HEAD each); a layer in another repository
    of the same registry is mounted there (the registry links it, nothing is sent); the rest is streamed
    from the source to the destination (never held whole in memory), several layers at once, with
    progress per layer. The manifests are written last, after every layer, so a copy that stops in the
    middle (Ctrl+C, a registry going away) leaves no manifest at the destination that names a missing
    layer, and running the same copy again sends only what is missing.

    Foreign layers (the Windows base layers Microsoft publishes as non-distributable: the registry holds
    a URL for them, not the layer) are not copied unless -IncludeForeignLayers is given, as docker and
    containerd do: the destination's manifest is the same and still names them, and who pulls the copy
    downloads them from those URLs (mcr.microsoft.com). With -IncludeForeignLayers the destination holds
    them too, for hosts that cannot reach those URLs and pull with a client that then reads them from the
    registry (containerd does). Either way the destination must take manifests that name foreign layers: a
    Distribution registry refuses them unless its validation.manifests.urls.allow lets their URLs in.

    Each failure names its side: a source image, tag or platform the registry does not have
    (ObjectNotFound), a login refused or missing at the source or at the destination (AuthenticationError,
    saying which), a registry that cannot be reached or stops answering (ConnectionError), a media type
    that cannot be copied (InvalidData, naming it). With several images, one failure does not stop the others.

    .PARAMETER Name
    The source: registry/repository[:tag|@digest] (default tag latest). Accepts pipeline input by value and
    by property name (Name, Repository), e.g. from Get-ContainerImageTag.

    .PARAMETER Tag
    The source's tag, when Name has none. Bound from the pipeline by property name.

    .PARAMETER Destination
    registry/repository[:tag]. Without a tag, the destination gets the source's tag (a source named by
    digest is copied by digest, without a tag).

    .PARAMETER Platform
    os[/architecture[/variant]], e.g. linux/amd64 or windows; several to copy several. Copies only those
    entries of a manifest list (see the description for the digest the destination gets then).

    .PARAMETER Credential
    Credentials for the source registry, for this copy only. Without it, the logins stored by docker login
    (or Connect-ContainerRegistry) are used.

    .PARAMETER DestinationCredential
    Credentials for the destination registry, for this copy only; otherwise its stored login.

    .PARAMETER IncludeForeignLayers
    Copy foreign (non-distributable) layers too, from the source registry.

    .EXAMPLE
    Copy-ContainerImage -Name mcr.microsoft.com/windows/nanoserver:ltsc2022 -Destination registry.example.com:5000/base/nanoserver

    DIGEST       PLATFORMS COPIED SOURCE                                      DESTINATION
    ------       --------- ------ ------                                      -----------
    3f1a52c0d7e2         1      2 mcr.microsoft.com/windows/nanoserver:ltsc2022 registry.example.com:5000/base/nanoserver:ltsc2022

    Mirrors a base image into an internal registry, with the same digest, without pulling it; its foreign
    layers stay at mcr.microsoft.com.

    .EXAMPLE
    Get-ContainerImageTag -Name build.example.com/team/app | Where-Object Tag -like '1.*' | Copy-ContainerImage -Destination prod.example.com/team/app

    Promotes every 1.* tag from the build registry to the production one; each keeps its tag.

    .EXAMPLE
    Copy-ContainerImage build.example.com/team/app:2.0 prod.example.com/team/app -Platform linux/amd64, linux/arm64 -WhatIf

    Says what would be copied: only the two Linux images of the list, as a new list.

    .EXAMPLE
    Copy-ContainerImage mcr.microsoft.com/windows/servercore:ltsc2022 offline.example.com/windows/servercore -IncludeForeignLayers -DestinationCredential (Get-Credential)

    Mirrors Server Core with its base layers, for hosts that cannot reach mcr.microsoft.com.

    .INPUTS
    System.String, or objects with Name/Repository and Tag properties (such as Get-ContainerImageTag output).

    .OUTPUTS
    ContainerImage.CopyResult: Source, Destination, Digest (the destination's), MediaType, Platforms (the
    platforms copied), Copied (blobs sent: layers and image configs), Mounted (blobs mounted from another
    repository of the same registry), Existing (blobs the destination had), ForeignLayers (foreign layers
    not copied), Size (bytes sent).

    .LINK
    Get-ContainerImageTag

    .LINK
    Publish-ContainerImage
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('ContainerImage.CopyResult')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('Repository')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Name,

        [Parameter(ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $Tag,

        [Parameter(Mandatory, Position = 1)]
        [ValidateNotNullOrEmpty()]
        [string] $Destination,

        [ValidateNotNullOrEmpty()]
        [string[]] $Platform,

        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $DestinationCredential = [System.Management.Automation.PSCredential]::Empty,

        [switch] $IncludeForeignLayers
    )
    begin { Import-CallerPreference $PSCmdlet }
    process {
        foreach ($item in $Name) {
            $shown = if ($Tag) { "${item}:$Tag" } else { $item }
            $what = if ($Platform) { "$shown ($($Platform -join ', '))" } else { $shown }
            if (-not (Confirm-Change $PSCmdlet "$what to $Destination" 'Copy container image')) { continue }
            $params = @{ name = $item; destination = $Destination; include_foreign_layers = [bool]$IncludeForeignLayers }
            if ($Tag) { $params.tag = $Tag }
            if ($Platform) { $params.platform = @($Platform) }
            $auth = ConvertTo-BackendAuth $Credential
            if ($auth) { $params.auth = $auth }
            $auth = ConvertTo-BackendAuth $DestinationCredential
            if ($auth) { $params.destination_auth = $auth }
            $result = Invoke-Backend -Method image.copy -Params $params -Activity "Copying $shown to $Destination"
            if ($result -is [System.Management.Automation.ErrorRecord]) {
                Write-ContainerImageError $PSCmdlet $result
                continue
            }
            Write-Verbose ("{0} -> {1} ({2}): {3} blobs sent, {4} mounted, {5} there already, {6} foreign layers left out" -f
                $result.Source, $result.Destination, $result.Digest, $result.Copied, $result.Mounted, $result.Existing, $result.ForeignLayers)
            Add-ContainerImageType $result -TypeName 'ContainerImage.CopyResult'
            $PSCmdlet.WriteObject($result)
        }
    }
}
