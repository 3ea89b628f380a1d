function Get-ContainerImageDiskUsage {
    <#
    .SYNOPSIS
    The disk the engine's images take, in total, and how much of it is reclaimable (like docker system df).

    .DESCRIPTION
    Get-ContainerImageDiskUsage returns one ContainerImage.DiskUsage object with the totals docker system
    df shows for images, from the engine's own accounting (/system/df): TotalCount (the images, not
    counting intermediate ones), Active (those a container, running or not, was created from), Size (the
    bytes of all their layers, each layer once) and Reclaimable (Size less what the active images hold
    alone, by docker's rule) with ReclaimablePercent.

    Reclaimable is docker's figure: layers that active images share with other images count as
    reclaimable. For what removing given images would really free, use Remove-ContainerImage -WhatIf,
    which works it out over the batch; for each image's share, Get-ContainerImage -DiskUsage.

    .PARAMETER Engine
    The engines to work on: docker context names (docker context ls, Get-ContainerEngine), addresses
    (unix://, npipe://, tcp://host:port, ssh://[user@]host) or 'default'; alias -Context. Several engines
    are worked on at once, and each output object carries Engine, the name given. Objects piped in with an
    Engine property go back to that engine. Without it: the engine your environment names.

    .EXAMPLE
    Get-ContainerImageDiskUsage

    TYPE   TOTAL ACTIVE      SIZE        RECLAIMABLE
    ----   ----- ------      ----        -----------
    Images     4      1    3.97MB     3.97MB (100%)

    The totals, as docker system df shows them.

    .EXAMPLE
    (Get-ContainerImageDiskUsage).Reclaimable / 1GB

    The reclaimable space in gigabytes, for a runbook's threshold.

    .OUTPUTS
    ContainerImage.DiskUsage. Properties: Type (Images), TotalCount, Active, Size ([long], bytes),
    Reclaimable ([long], bytes), ReclaimablePercent ([int]).

    .LINK
    Get-ContainerImage

    .LINK
    Remove-ContainerImage
    #>
    [CmdletBinding()]
    [OutputType('ContainerImage.DiskUsage')]
    param(
        # The engines to work on (Private/Engines.ps1).
        [Parameter(Position = 0)]
        [Alias('Context')]
        [AllowNull()]
        [AllowEmptyCollection()]
        [AllowEmptyString()]
        [string[]] $Engine
    )
    Import-CallerPreference $PSCmdlet
    Assert-EngineArgument $PSCmdlet
    $engines = Get-EngineList $Engine
    Invoke-BackendEach -Method image.disk_usage -Requests @(foreach ($on in $engines) { @{ Engine = $on; Params = @{} } }) | ForEach-Object {
        $result = $_.Result
        if ($result -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $result; return }
        Add-ContainerImageType $result -TypeName 'ContainerImage.DiskUsage'
        Add-EngineView $result 'ContainerImage.DiskUsage' $engines.Count
        $PSCmdlet.WriteObject($result)
    }
}
