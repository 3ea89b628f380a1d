function ConvertTo-BackendAuth {
    # A -Credential as the backend's `auth` param ({username, password}), or $null for none. The password
    # leaves its SecureString only here, to travel inside the protocol message (never a command line).
    param([System.Management.Automation.PSCredential] $Credential)
    if ($Credential -and $Credential -ne [System.Management.Automation.PSCredential]::Empty) {
        @{ username = $Credential.UserName; password = $Credential.GetNetworkCredential().Password }
    }
}
