function Unpublish-ContainerImage {
    <#
    .SYNOPSIS
    Removes a tag, or an image by its digest, from a registry.

    .DESCRIPTION
    Unpublish-ContainerImage removes from a registry, without the engine:

    - registry/repo:tag: that tag only. The image it named stays, with its other tags and the manifest
      lists that name it. (The registry API deletes manifests by digest, which would take every tag
      naming the image with it; so, as regctl's tag rm does, the tag is first pointed at a throwaway
      image of its own, which is then deleted. A registry that deletes tags itself, by the OCI API, is
      asked to.)
    - registry/repo@digest: the manifest, and with it every tag that named it; the result says which.

    Each removal is confirmed first (ConfirmImpact High); -WhatIf says what would be removed. A registry
    whose deletion is disabled is an error naming its setting (storage.delete.enabled), and nothing is
    changed. Space is freed by the registry's garbage collection, which it runs on its own terms.

    Logins, http and errors as for Get-ContainerImageTag; a tag or digest that does not exist is
    ObjectNotFound naming it.

    .PARAMETER Name
    registry/repo:tag or registry/repo@digest. Accepts pipeline input, also by property name (Name,
    Repository), with Tag, e.g. from Get-ContainerImageTag.

    .PARAMETER Tag
    The tag, when Name has none (the property of Get-ContainerImageTag's objects).

    .PARAMETER Credential
    A login for the registry, for this call only. Without it, the stored login is used.

    .EXAMPLE
    Unpublish-ContainerImage -Name 127.0.0.1:5000/team/app:1.0

    Removes the tag 1.0; an image that other tags name stays.

    .EXAMPLE
    Get-ContainerImageTag -Name 127.0.0.1:5000/team/app | Where-Object Tag -like '1.*' | Unpublish-ContainerImage -Confirm:$false

    Removes every tag 1.*, without asking.

    .EXAMPLE
    Unpublish-ContainerImage -Name 127.0.0.1:5000/team/app@sha256:4b1c... -WhatIf

    Says which image would be removed, with every tag naming it.

    .INPUTS
    System.String, or objects with Name (or Repository) and Tag properties.

    .OUTPUTS
    ContainerImage.RemoteRemoval. Properties: Name, Tag (removing a tag), Digest (the manifest the tag
    named, or the one removed), Deleted ('tag' or 'manifest'), Tags (the tags that went), Registry.

    .LINK
    Get-ContainerImageTag

    .LINK
    Remove-ContainerImage
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType('ContainerImage.RemoteRemoval')]
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
            $target = Join-ContainerImageTag $item $Tag
            $action = if ($target -match '@') { 'Remove the image (and every tag naming it) from its registry' } else { 'Remove the tag from its registry' }
            if (-not (Confirm-Change $PSCmdlet $target $action)) { continue }
            $params = @{ name = $target }
            $auth = ConvertTo-BackendAuth $Credential
            if ($auth) { $params.auth = $auth }
            $result = Invoke-Backend -Method registry.delete -Params $params
            if ($result -is [System.Management.Automation.ErrorRecord]) {
                Write-ContainerImageError $PSCmdlet $result
                continue
            }
            Add-ContainerImageType $result -TypeName 'ContainerImage.RemoteRemoval'
            $PSCmdlet.WriteObject($result)
        }
    }
}
