# Every ErrorRecord the module raises is made here, so categories mean the same everywhere.

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
