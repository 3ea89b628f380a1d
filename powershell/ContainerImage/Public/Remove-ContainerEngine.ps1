function Remove-ContainerEngine {
    <#
    .SYNOPSIS
    Removes docker contexts (and their TLS files) from docker's context store.

    .DESCRIPTION
    Remove-ContainerEngine removes a context as `docker context rm` does: its entry and its copies of the
    TLS files. The engine itself is not touched. The current context (the one DOCKER_CONTEXT names, or
    `docker context use` chose) is refused with an error (ResourceBusy) saying how to switch first; so is
    'default', which is no stored context.

    .PARAMETER Name
    Names of contexts to remove. Accepts pipeline input by property name, e.g. from Get-ContainerEngine.

    .EXAMPLE
    Remove-ContainerEngine -Name web1

    Asks, then removes the context web1.

    .EXAMPLE
    Get-ContainerEngine -Name 'lab-*' | Remove-ContainerEngine -Confirm:$false

    Removes every context whose name starts with lab-, without asking.

    .EXAMPLE
    Remove-ContainerEngine -Name web1 -WhatIf

    Says what would be removed, and removes nothing.

    .OUTPUTS
    None.

    .LINK
    Get-ContainerEngine

    .LINK
    New-ContainerEngine
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType([void])]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string[]] $Name
    )
    begin { Import-CallerPreference $PSCmdlet }
    process {
        foreach ($item in $Name) {
            if (-not (Confirm-Change $PSCmdlet -Target $item -Action 'Remove docker context')) { continue }
            $result = Invoke-Backend -Method engine.remove -Params @{ name = $item }
            if ($result -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $result }
        }
    }
}
