# A function of a script module sees the preference variables of its module and of the global scope, not
# those of its caller: a runbook function that sets `$WhatIfPreference = $true` or `$VerbosePreference =
# 'Continue'` reaches compiled cmdlets (New-Item honours it) but would not reach this module's, which would
# then change what the runbook meant only to preview. So every cmdlet of the module starts with
# Import-CallerPreference. ($ErrorActionPreference is read where errors are written: Get-ErrorActionPreference.)

# Each preference variable, and the common parameter that overrides it for one call.
$script:CallerPreferences = @(
    @('WhatIfPreference', 'WhatIf'), @('ConfirmPreference', 'Confirm'), @('VerbosePreference', 'Verbose'),
    @('DebugPreference', 'Debug'), @('WarningPreference', 'WarningAction'),
    @('InformationPreference', 'InformationAction'),
    @('ProgressPreference', 'ProgressAction')   # a common parameter since PowerShell 7.4
)

function Import-CallerPreference {
    # Gives the calling cmdlet's scope the preference values of the scope that called the cmdlet, unless
    # the cmdlet's own common parameter set that preference. $Cmdlet.SessionState is the caller's session
    # state; $ExecutionContext here is the module's. Only a value that differs from the module's view is
    # set (one Set-Variable, in the cmdlet's scope), so the common case costs a few .NET calls. A plain
    # function (no [Parameter()]): every cmdlet call runs it, and the advanced binder costs more than it.
    param([System.Management.Automation.PSCmdlet] $Cmdlet)
    $bound = $Cmdlet.MyInvocation.BoundParameters
    $callers = $Cmdlet.SessionState.PSVariable
    $ours = $ExecutionContext.SessionState.PSVariable
    foreach ($preference in $script:CallerPreferences) {
        $value = $callers.GetValue($preference[0])
        if ($null -eq $value -or $value -eq $ours.GetValue($preference[0]) -or $bound.ContainsKey($preference[1])) { continue }
        Set-Variable -Scope 1 -Name $preference[0] -Value $value -WhatIf:$false -Confirm:$false
    }
}
