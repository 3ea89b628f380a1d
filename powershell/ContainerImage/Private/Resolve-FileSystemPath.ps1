function Resolve-FileSystemPath {
    # Absolute file system paths for a path as the user typed it, resolved against PowerShell's current
    # location (not the backend's working directory), with ~ and PSDrives. Taken literally with -Literal or
    # when it has no wildcards (it need not exist: the backend says so, naming it); else expanded, and a
    # pattern that matches nothing gives nothing, as in Get-ChildItem. Returns strings, or an ErrorRecord
    # for a drive that does not exist or a path of another provider (Env:, Cert:...). Never throws: the
    # checks come first, since even a caught exception lands in the caller's -ErrorVariable.
    param(
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [System.Management.Automation.SessionState] $SessionState,
        [switch] $Literal
    )
    $driveName = $null
    if ($SessionState.Path.IsPSAbsolute($Path, [ref]$driveName) -and $driveName -and -not $Path.Contains('::')) {
        $known = $false
        foreach ($drive in $SessionState.Drive.GetAll()) { if ($drive.Name -eq $driveName) { $known = $true; break } }
        if (-not $known) {
            return New-ContainerImageError -Kind NotFound -Target $Path -Message "Cannot find the drive '$driveName' of the path '$Path'."
        }
    }
    $provider = $null
    try {
        if ($Literal -or -not [System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($Path)) {
            $psDrive = $null
            $resolved = @($SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path, [ref]$provider, [ref]$psDrive))
        } else {
            $resolved = @($SessionState.Path.GetResolvedProviderPathFromPSPath($Path, [ref]$provider))
        }
    } catch {  # an unknown provider, a malformed path: rare enough to accept the caught exception's trace
        return New-ContainerImageError -Kind InvalidParams -Target $Path -Message "'$Path' is not a usable path: $($_.Exception.GetBaseException().Message)"
    }
    if ($provider.Name -ne 'FileSystem') {
        return New-ContainerImageError -Kind InvalidParams -Target $Path -Message "'$Path' is not a file system path (it is on the $($provider.Name) provider)."
    }
    $resolved
}
