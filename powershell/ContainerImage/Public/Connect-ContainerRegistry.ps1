function Connect-ContainerRegistry {
    <#
    .SYNOPSIS
    Logs in to a container registry (like docker login), for Install-ContainerImage, Publish-ContainerImage and docker.

    .DESCRIPTION
    Connect-ContainerRegistry checks the credentials with the registry, through the Docker engine exactly
    as docker login does, and only then stores them where the docker CLI keeps its logins: config.json in
    $env:DOCKER_CONFIG (default ~/.docker), or the credential helper that file names (credsStore, or
    credHelpers for this registry). A config.json that holds no login yet gets the platform's default helper
    when it is installed, as with docker login (on Linux docker-credential-pass when pass is installed, else
    docker-credential-secretservice), and names it as credsStore. So docker and this module share logins
    both ways: a login made here is used by docker pull and docker push, and one made with docker login is
    used here.

    A wrong user name or password is an AuthenticationError and changes nothing on disk; a registry that
    cannot be reached is a ConnectionError naming it. The password is sent to the backend inside the
    protocol message: it never appears on a command line, in a log, in an error or in -Verbose output.
    Writes to config.json replace the file atomically and keep every other setting in it.

    .PARAMETER Registry
    The registry, host[:port] (e.g. registry.example.com:5000; a URL is taken by its host). Default:
    Docker Hub, stored under https://index.docker.io/v1/ as docker login stores it. Accepts pipeline input
    by value and by property name (Registry, ServerAddress).

    .PARAMETER Credential
    The user name and password (or access token). When not given, PowerShell asks for them.

    .PARAMETER Engine
    The engines to work on: docker context names (docker context ls, Get-ContainerEngine), addresses
    (unix://, npipe://, tcp://host:port, ssh://[user@]host) or 'default'; alias -Context. Several engines
    are worked on at once, and each output object carries Engine, the name given. Objects piped in with an
    Engine property go back to that engine. Without it: the engine your environment names (DOCKER_HOST,
    DOCKER_CONTEXT, the Engine setting, docker's current context), as before.

    .EXAMPLE
    Connect-ContainerRegistry -Registry registry.example.com:5000 -Credential (Get-Credential)

    STORE         REGISTRY                          USERNAME
    -----         --------                          --------
    config.json   registry.example.com:5000         jane

    Logs in to a private registry; docker push to it works too from now on.

    .EXAMPLE
    $credential = [pscredential]::new('ciuser', (Read-Host -AsSecureString 'Password'))
    Connect-ContainerRegistry $env:CONTAINERIMAGE_TEST_REGISTRY -Credential $credential -Verbose

    Logs in with a credential made in a script (the password read without echo).

    .EXAMPLE
    Connect-ContainerRegistry -Credential jane

    Logs in to Docker Hub as jane; PowerShell asks for the password.

    .INPUTS
    System.String, or objects with a Registry property (such as Connect-ContainerRegistry output).

    .OUTPUTS
    ContainerImage.RegistryLogin. Properties: Registry (the key in config.json), UserName, Store
    ('config.json', or the name of the credential helper that keeps the password).

    .LINK
    Disconnect-ContainerRegistry

    .LINK
    Publish-ContainerImage

    .LINK
    Install-ContainerImage
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType('ContainerImage.RegistryLogin')]
    param(
        [Parameter(Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('ServerAddress')]
        [ValidateNotNullOrEmpty()]
        [string] $Registry,

        [Parameter(Mandatory)]
        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential,

        # The engines to work on; from piped objects, the engine each came from (Private/Engines.ps1).
        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('Context')]
        [AllowNull()]
        [AllowEmptyCollection()]
        [AllowEmptyString()]
        [string[]] $Engine
    )
    begin { Import-CallerPreference $PSCmdlet; Assert-EngineArgument $PSCmdlet }
    process {
        $shown = if ($Registry) { $Registry } else { 'Docker Hub' }
        # The login is checked by each engine (it asks the registry) and kept in this machine's store: one
        # engine after the other, so that two never write the store at once.
        $engines = Get-EngineList $Engine
        foreach ($on in $engines) {
            if (-not (Confirm-Change $PSCmdlet (Format-EngineTarget $shown $on) "Log in as $($Credential.UserName)")) { continue }
            $params = @{ username = $Credential.UserName; password = $Credential.GetNetworkCredential().Password }
            if ($Registry) { $params.registry = $Registry }
            $result = Invoke-Backend -Method registry.login -Params $params -Engine $on
            if ($result -is [System.Management.Automation.ErrorRecord]) {
                if ($on) { $result = Add-EngineToError $result $on }
                Write-ContainerImageError $PSCmdlet $result
                continue
            }
            Write-Verbose "Logged in to $($result.Registry) as $($result.UserName)$(if ($on) { " through engine $on" }); the login is kept in $($result.Store)."
            Add-ContainerImageType $result -TypeName 'ContainerImage.RegistryLogin'
            $PSCmdlet.WriteObject($result)
        }
    }
}
