# Every ErrorRecord the module raises is made here, so categories mean the same everywhere, and every
# error a cmdlet reports goes out through Write-ContainerImageError, so that it obeys -ErrorAction and the
# caller's $ErrorActionPreference as the errors of any PowerShell command do.

$script:ErrorKinds = @{
    # backend kind       = category,                exception type (a name: resolved only when needed)
    NotFound             = 'ObjectNotFound',         'System.Management.Automation.ItemNotFoundException'
    Conflict             = 'ResourceBusy',           'System.InvalidOperationException'
    InvalidReference     = 'InvalidArgument',        'System.ArgumentException'
    InvalidParams        = 'InvalidArgument',        'System.ArgumentException'
    Unauthorized         = 'AuthenticationError',    'System.UnauthorizedAccessException'
    EngineUnavailable    = 'ConnectionError',        'System.IO.IOException'
    RegistryUnavailable  = 'ConnectionError',        'System.Net.WebException'
    AlreadyExists        = 'ResourceExists',         'System.IO.IOException'
    InvalidData          = 'InvalidData',            'System.IO.InvalidDataException'
    ConfirmationUnavailable = 'OperationStopped',    'System.Management.Automation.PSInvalidOperationException'
    PermissionDenied     = 'PermissionDenied',       'System.UnauthorizedAccessException'
    Incompatible         = 'InvalidOperation',       'System.PlatformNotSupportedException'  # the host cannot run the image
    Cancelled            = 'OperationStopped',       'System.OperationCanceledException'
    MethodNotFound       = 'NotImplemented',         'System.NotSupportedException'
    ParseError           = 'ProtocolError',          'System.FormatException'
    InvalidRequest       = 'ProtocolError',          'System.FormatException'
    BackendUnavailable   = 'ResourceUnavailable',    'System.InvalidOperationException'
    Internal             = 'NotSpecified',           'System.InvalidOperationException'
    SecurityError        = 'SecurityError',          'System.Security.Authentication.AuthenticationException'  # a certificate not trusted
}

function New-ContainerImageError {
    <#
    .SYNOPSIS
    An ErrorRecord for a backend error kind: its category, an exception of a fitting type, the target.
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorRecord])]
    param(
        [Parameter(Mandatory)] [string] $Kind,
        [Parameter(Mandatory)] [string] $Message,
        [object] $Target,
        [string] $RecommendedAction
    )
    $entry = $script:ErrorKinds[$Kind]
    if (-not $entry) { $Kind = 'Internal'; $entry = $script:ErrorKinds.Internal }
    $exception = New-Object -TypeName $entry[1] -ArgumentList $Message
    $record = [System.Management.Automation.ErrorRecord]::new($exception, "ContainerImage.$Kind", $entry[0], $Target)
    if ($RecommendedAction) {
        $record.ErrorDetails = [System.Management.Automation.ErrorDetails]::new($Message)
        $record.ErrorDetails.RecommendedAction = $RecommendedAction
    }
    $record
}

function ConvertFrom-BackendError {
    # A JSON-RPC error object from the backend, as an ErrorRecord.
    param([Parameter(Mandatory)] $ErrorObject)
    $kind = if ($ErrorObject.data -and $ErrorObject.data.kind) { [string]$ErrorObject.data.kind } else { 'Internal' }
    $target = if ($ErrorObject.data) { $ErrorObject.data.target } else { $null }
    New-ContainerImageError -Kind $kind -Message ([string]$ErrorObject.message) -Target $target
}

function Get-ErrorActionPreference {
    <#
    .SYNOPSIS
    What a cmdlet of this module does with its errors: its -ErrorAction, else the $ErrorActionPreference of
    the scope that called it.
    .DESCRIPTION
    A function of a script module sees the module's and the global variables, not its caller's: a runbook's
    `$ErrorActionPreference = 'Stop'` at the top of its script would not reach it, as it reaches compiled
    cmdlets. $Cmdlet.SessionState is the caller's session state, so its current scope is the caller's.
    #>
    param([Parameter(Mandatory)] [System.Management.Automation.PSCmdlet] $Cmdlet)
    $bound = $Cmdlet.MyInvocation.BoundParameters
    if ($bound.ContainsKey('ErrorAction')) { return [System.Management.Automation.ActionPreference]$bound['ErrorAction'] }
    $preference = $Cmdlet.SessionState.PSVariable.GetValue('ErrorActionPreference')
    if ($null -eq $preference) { return [System.Management.Automation.ActionPreference]::Continue }
    [System.Management.Automation.ActionPreference]$preference
}

function Write-ContainerImageError {
    <#
    .SYNOPSIS
    Reports an error of a cmdlet's call as a non-terminating error, under the caller's error action.
    .DESCRIPTION
    Every failure the module reports while working (the engine, the registry or the backend cannot be
    reached; a name that is malformed or names nothing; a refusal) goes out here: $Cmdlet.WriteError, with
    $ErrorActionPreference set in this scope to what the caller asked for (Get-ErrorActionPreference), which
    is what WriteError obeys. So -ErrorAction SilentlyContinue, Ignore, Stop and Continue, and the caller's
    $ErrorActionPreference, act as for any PowerShell command; under Stop the caller catches this record
    (FullyQualifiedErrorId ContainerImage.<Kind>,<the cmdlet called>). Never ThrowTerminatingError for
    these: a terminating error shows even under SilentlyContinue, and -ErrorVariable would hold a
    CmdletInvocationException (with a .NET stack trace) instead of the record.
    #>
    param(
        [Parameter(Mandatory)] [System.Management.Automation.PSCmdlet] $Cmdlet,
        [Parameter(Mandatory)] [System.Management.Automation.ErrorRecord] $ErrorRecord
    )
    # A bound -ErrorAction is obeyed by WriteError itself; else it reads this variable, found in this scope.
    if (-not $Cmdlet.MyInvocation.BoundParameters.ContainsKey('ErrorAction')) {
        $ErrorActionPreference = Get-ErrorActionPreference $Cmdlet
    }
    $Cmdlet.WriteError($ErrorRecord)
}

function Clear-CaughtError {
    <#
    .SYNOPSIS
    Takes an exception the module caught and handled back out of $Error and the cmdlet's -ErrorVariable.
    .DESCRIPTION
    PowerShell records an exception thrown under an advanced function in $Error and in the cmdlet's
    -ErrorVariable even when the function catches it: a handled exception would show up beside the error
    the cmdlet reports for it (with text such as 'Exception calling "ShouldProcess"').
    #>
    param(
        [Parameter(Mandatory)] [System.Management.Automation.PSCmdlet] $Cmdlet,
        [Parameter(Mandatory)] [System.Management.Automation.ErrorRecord] $ErrorRecord
    )
    $lists = @(, $global:Error)
    $name = $Cmdlet.MyInvocation.BoundParameters['ErrorVariable']
    if ($name) { $lists += , $Cmdlet.SessionState.PSVariable.GetValue(([string]$name).TrimStart('+')) }
    foreach ($list in $lists) {
        if ($list -isnot [System.Collections.IList] -or $list.IsReadOnly -or $list.IsFixedSize) { continue }
        for ($i = $list.Count - 1; $i -ge 0; $i--) {
            $item = $list[$i]
            $exception = if ($item -is [System.Management.Automation.ErrorRecord]) { $item.Exception } else { $item }
            if ([object]::ReferenceEquals($exception, $ErrorRecord.Exception)) { $list.RemoveAt($i) }
        }
    }
}
