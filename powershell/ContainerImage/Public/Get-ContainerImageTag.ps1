function Get-ContainerImageTag {
    <#
    .SYNOPSIS
    Lists the tags of a repository in its registry, without the engine.

    .DESCRIPTION
    Get-ContainerImageTag reads the tags of a repository from its registry through the registry API
    (every page), sorted by name, and outputs one ContainerImage.RemoteTag object per tag. With -Digest,
    each tag's manifest digest is read too (one HEAD request per tag, several at once).

    A name without a registry is Docker Hub's (busybox, microsoft/nanoserver). The login is the one
    Connect-ContainerRegistry or docker login stored for the registry, or -Credential for this call. A
    registry is spoken to over https; over plain http only when it is on this machine (127.0.0.1,
    localhost) or the engine lists it as an insecure registry.

    Errors: a repository that does not exist (ObjectNotFound), a login missing or refused
    (AuthenticationError), a registry that cannot be reached (ConnectionError).

    .PARAMETER Name
    The repository: registry/repo, e.g. registry.example.com:5000/team/app, or a Docker Hub name. No tag
    or digest. Accepts pipeline input, also by property name (Name, Repository).

    .PARAMETER Credential
    A login for the registry, for this call only. Without it, the stored login is used.

    .PARAMETER Digest
    Fill each tag's Digest (the digest of the manifest or manifest list it names).

    .EXAMPLE
    Get-ContainerImageTag -Name 127.0.0.1:5000/team/app

    NAME                    TAG
    ----                    ---
    127.0.0.1:5000/team/app 1.0
    127.0.0.1:5000/team/app 1.1

    .EXAMPLE
    Get-ContainerImageTag -Name 127.0.0.1:5000/team/app -Digest | Group-Object Digest

    Tags that name the same image, grouped. The table shows digests short (sha256: and 12 digits, as docker
    shows ids); the Digest property holds the whole digest.

    .EXAMPLE
    Get-ContainerImageTag -Name 127.0.0.1:5000/team/app | Where-Object Tag -like '1.*' | Unpublish-ContainerImage -WhatIf

    Which tags 1.* would be removed from the registry.

    .INPUTS
    System.String, or objects with a Name or Repository property.

    .OUTPUTS
    ContainerImage.RemoteTag. Properties: Name (the repository, with its registry unless Docker Hub), Tag,
    Digest (with -Digest, else $null), Registry (docker.io or host[:port]).

    .LINK
    Get-ContainerImageManifest

    .LINK
    Unpublish-ContainerImage

    .LINK
    Connect-ContainerRegistry
    #>
    [CmdletBinding()]
    [OutputType('ContainerImage.RemoteTag')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('Repository')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Name,

        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [switch] $Digest
    )
    begin { Import-CallerPreference $PSCmdlet }
    process {
        foreach ($item in $Name) {
            $params = @{ name = $item; digest = [bool]$Digest }
            $auth = ConvertTo-BackendAuth $Credential
            if ($auth) { $params.auth = $auth }
            $result = Invoke-Backend -Method registry.tags -Params $params
            if ($result -is [System.Management.Automation.ErrorRecord]) {
                Write-ContainerImageError $PSCmdlet $result
                continue
            }
            Add-ContainerImageType $result.results -TypeName 'ContainerImage.RemoteTag'
            if ($Digest) { Add-ContainerImageType $result.results -TypeName 'ContainerImage.RemoteTag#Digest' }
            $PSCmdlet.WriteObject($result.results, $true)
        }
    }
}
