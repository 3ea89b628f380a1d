function Confirm-Change {
    # $Cmdlet.ShouldProcess($Target, $Action), safe where no one can answer a prompt. In a host without
    # prompts (pwsh -NonInteractive, a runbook) ShouldProcess throws when it must ask; in
    # `if (-not $PSCmdlet.ShouldProcess(...)) { continue }` that throw only ends the `if` statement and the
    # change would go ahead. Here it is an error and the answer is no.
    param([Parameter(Mandatory)] [System.Management.Automation.PSCmdlet] $Cmdlet, [string] $Target, [string] $Action)
    try {
        $Cmdlet.ShouldProcess($Target, $Action)
    } catch {
        Clear-CaughtError $Cmdlet $_
        $reason = if ($_.Exception.InnerException) { $_.Exception.InnerException.Message } else { $_.Exception.Message }
        Write-ContainerImageError $Cmdlet (New-ContainerImageError -Kind ConfirmationUnavailable -Target $Target `
            -Message "'$Action' on '$Target' needs a confirmation that cannot be asked here: $reason Nothing was changed." `
            -RecommendedAction 'Give -Confirm:$false to go ahead without asking, or -WhatIf to see what would change.')
        $false
    }
}
