function Disconnect-ContainerRegistry {
    <#
    .SYNOPSIS
    Removes the stored login for a container registry (like docker logout).

    .DESCRIPTION
    Disconnect-ContainerRegistry removes the login for a registry from where the docker CLI keeps it: the
    credential helper config.json names (credsStore, credHelpers) and config.json in $env:DOCKER_CONFIG
    (default ~/.docker). Like docker logout, it removes the entry under the registry's name and under the
    names older docker versions used (with http:// or https:// in front). Logins made with docker login are
    removed too: both share the same store. The engine is not asked, so it works while the engine is down.

    A registry with no stored login is a non-terminating ObjectNotFound error ("Not logged in to ...") and
    changes nothing. Every other setting in config.json is kept; the file is replaced atomically.

    .PARAMETER Registry
    The registry, host[:port]; default Docker Hub. Accepts pipeline input by value and by property name
    (Registry, ServerAddress), so the output of Connect-ContainerRegistry can be piped to it.

    .EXAMPLE
    Disconnect-ContainerRegistry -Registry registry.example.com:5000

    Removes the login for the registry; docker push to it asks for credentials again.

    .EXAMPLE
    Connect-ContainerRegistry $env:CONTAINERIMAGE_TEST_REGISTRY -Credential $credential | Disconnect-ContainerRegistry -Verbose

    VERBOSE: Removed the login for 127.0.0.1:5000 from config.json.

    Logs in and out again, the registry piped by property name.

    .INPUTS
    System.String, or objects with a Registry property (such as Connect-ContainerRegistry output).

    .OUTPUTS
    None.

    .LINK
    Connect-ContainerRegistry
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType([System.Void])]
    param(
        [Parameter(Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('ServerAddress')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Registry
    )
    begin { Import-CallerPreference $PSCmdlet }
    process {
        # No -Registry: Docker Hub, which the backend takes when it is given no registry ('').
        $targets = if ($Registry) { $Registry } else { '' }
        foreach ($item in $targets) {
            $shown = if ($item) { $item } else { 'Docker Hub' }
            if (-not (Confirm-Change $PSCmdlet $shown 'Remove the stored registry login')) { continue }
            $params = @{}
            if ($item) { $params.registry = $item }
            $result = Invoke-Backend -Method registry.logout -Params $params
            if ($result -is [System.Management.Automation.ErrorRecord]) {
                Write-ContainerImageError $PSCmdlet $result
                continue
            }
            Write-Verbose "Removed the login for $($result.Registry) from $($result.Store)."
        }
    }
}
