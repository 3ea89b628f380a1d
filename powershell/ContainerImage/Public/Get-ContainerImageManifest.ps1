function Get-ContainerImageManifest {
    <#
    .SYNOPSIS
    Shows what an image in a registry holds, without pulling it.

    .DESCRIPTION
    Get-ContainerImageManifest reads the manifest of registry/repo[:tag|@digest] (tag latest when none is
    given) through the registry API, and for an image its config, and outputs a
    ContainerImage.RemoteManifest: its Digest and MediaType; for a manifest list or OCI index, Platforms
    (one entry per platform: Os, OsVersion, Architecture, Variant, Digest, Size); for an image, its
    compressed Size (the sum of its layers), Created, Labels, Os, OsVersion, Architecture, Variant and
    Layers (Digest, Size, MediaType, and Foreign for a non-distributable layer, such as a Windows base
    layer, which the registry does not hold itself). Nothing is downloaded but the manifest and the
    config (a few KB).

    Logins, http and errors as for Get-ContainerImageTag; a tag or digest that does not exist is
    ObjectNotFound naming it, and a manifest of a media type that is not an image (a Helm chart, a
    signature) is InvalidData naming the type.

    .PARAMETER Name
    The image: registry/repo[:tag|@digest], or a Docker Hub name. Accepts pipeline input, also by property
    name (Name, Repository), e.g. from Find-ContainerImage or Get-ContainerImageTag.

    .PARAMETER Tag
    The tag, when Name has none (the property of Get-ContainerImageTag's objects).

    .PARAMETER Credential
    A login for the registry, for this call only. Without it, the stored login is used.

    .EXAMPLE
    Get-ContainerImageManifest -Name 127.0.0.1:5000/win/app:1

    DIGEST                  SIZE NAME                   TAG PLATFORMS
    ------                  ---- ----                   --- ---------
    sha256:4b1c0c2a7c5e          127.0.0.1:5000/win/app 1   linux/amd64, windows/amd64 10.0.20348.2227

    A manifest list and its platforms.

    .EXAMPLE
    (Get-ContainerImageManifest mcr.microsoft.com/windows/nanoserver:ltsc2022).Platforms | Format-Table

    The platforms of Microsoft's Nano Server, with their OS versions.

    .EXAMPLE
    Find-ContainerImage -Registry 127.0.0.1:5000 team | Get-ContainerImageManifest | Select-Object Name, Size, Created

    The latest image of each repository a search finds, its size and age.

    .INPUTS
    System.String, or objects with Name (or Repository) and Tag properties.

    .OUTPUTS
    ContainerImage.RemoteManifest. Properties: Name, Tag ($null when asked by digest), Digest, MediaType,
    Registry, Platforms (a list or index, else $null), Size, Created, Labels, Os, OsVersion, Architecture,
    Variant, Config (the config's digest), Layers (an image, else $null).

    .LINK
    Get-ContainerImageTag

    .LINK
    Test-ContainerImage
    #>
    [CmdletBinding()]
    [OutputType('ContainerImage.RemoteManifest')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('Repository')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Name,

        [Parameter(ValueFromPipelineByPropertyName)]
        [AllowNull()]
        [AllowEmptyString()]
        [string] $Tag,

        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty
    )
    begin { Import-CallerPreference $PSCmdlet }
    process {
        foreach ($item in $Name) {
            $params = @{ name = (Join-ContainerImageTag $item $Tag) }
            $auth = ConvertTo-BackendAuth $Credential
            if ($auth) { $params.auth = $auth }
            $result = Invoke-Backend -Method registry.manifest -Params $params
            if ($result -is [System.Management.Automation.ErrorRecord]) {
                Write-ContainerImageError $PSCmdlet $result
                continue
            }
            Add-ContainerImageType $result -TypeName 'ContainerImage.RemoteManifest'
            $PSCmdlet.WriteObject($result)
        }
    }
}
