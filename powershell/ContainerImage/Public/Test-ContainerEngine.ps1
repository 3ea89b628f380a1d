function Test-ContainerEngine {
    <#
    .SYNOPSIS
    Reaches Docker engines, all at once, and says which answer: their OS, API version and image count.

    .DESCRIPTION
    Test-ContainerEngine connects to each engine named (a docker context, 'default', or an address) as every
    command of the module would, concurrently, and outputs one ContainerImage.EngineStatus object per engine
    once all have answered or failed: Reachable, and the engine's Os, OsVersion, ApiVersion and ImageCount,
    or Error saying why it cannot be reached (down, a certificate it or we do not trust, an ssh login that
    failed).

    An engine that cannot be reached is an object with Reachable $false, not an error. A name that names no
    engine (an unknown context, a malformed address, an empty name) is an error (ObjectNotFound or
    InvalidArgument), and the other engines are still tested.

    ssh:// engines are reached through the system ssh client (its keys, agent and ~/.ssh/config), which runs
    `docker system dial-stdio` on the far side, as the docker CLI does; ssh never asks for a password here.

    .PARAMETER Name
    Engines to test: names of docker contexts, 'default', wildcards of those names, or addresses
    (unix://, npipe://, tcp://host:port, ssh://[user@]host[:port]). Without it, the engine in use.
    Accepts pipeline input, e.g. from Get-ContainerEngine.

    .EXAMPLE
    Get-ContainerEngine | Test-ContainerEngine

    NAME    REACHABLE API  IMAGES OS/ERROR
    ----    --------- ---  ------ --------
    default True      1.41     12 linux 12
    web1    True      1.44      7 windows 10.0 20348
    build   False                 Cannot reach the Docker engine at ssh://admin@build.example.org: ssh…

    Every engine you can name, reached at once.

    .EXAMPLE
    Test-ContainerEngine -Name tcp://web2.example.org:2376

    An engine by its address; TLS comes from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, as for the docker CLI.

    .EXAMPLE
    Test-ContainerEngine web* | Where-Object -Not Reachable | Select-Object Name, Error

    Which web hosts do not answer, and why.

    .INPUTS
    System.String, or objects with a Name property (ContainerImage.Engine).

    .OUTPUTS
    ContainerImage.EngineStatus. Properties: Name, Host, Reachable, Os, OsVersion, ApiVersion, ImageCount,
    Error (a message, when not reachable).

    .LINK
    Get-ContainerEngine
    #>
    [CmdletBinding()]
    [OutputType('ContainerImage.EngineStatus')]
    param(
        [Parameter(Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [AllowEmptyString()]
        [SupportsWildcards()]
        [string[]] $Name
    )
    begin {
        Import-CallerPreference $PSCmdlet
        $names = [System.Collections.Generic.List[string]]::new()
        $known = $null
    }
    process {
        foreach ($item in $Name) {
            if ($item -notmatch '://' -and [System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($item)) {
                # Wildcards match the names Get-ContainerEngine lists, without regard to case (as -Name does there).
                if ($null -eq $known) {
                    $list = Invoke-Backend -Method engine.list
                    if ($list -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $list; return }
                    $known = @($list.engines | ForEach-Object Name)
                }
                $pattern = [System.Management.Automation.WildcardPattern]::new($item, 'IgnoreCase')
                foreach ($engine in $known) { if ($pattern.IsMatch($engine)) { $names.Add($engine) } }
            } else {
                $names.Add($item)
            }
        }
    }
    end {
        if (-not $PSBoundParameters.ContainsKey('Name') -and $names.Count -eq 0 -and -not $MyInvocation.ExpectingInput) {
            $params = @{}  # the engine in use
        } elseif ($names.Count -eq 0) {
            return
        } else {
            $params = @{ name = [string[]]$names }
        }
        $result = Invoke-Backend -Method engine.test -Params $params
        if ($result -is [System.Management.Automation.ErrorRecord]) {
            Write-ContainerImageError $PSCmdlet $result
            return
        }
        foreach ($status in $result.results) {
            if (-not $status.Resolved) {
                Write-ContainerImageError $PSCmdlet (ConvertFrom-BackendError $status.Error)
                continue
            }
            $message = if ($status.Error) { [string]$status.Error.message } else { $null }
            $status.PSObject.Properties.Remove('Resolved')
            $status.Error = $message
            Add-ContainerImageType $status -TypeName 'ContainerImage.EngineStatus'
            $PSCmdlet.WriteObject($status)
        }
    }
}
