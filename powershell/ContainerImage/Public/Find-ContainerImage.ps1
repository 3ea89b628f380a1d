function Find-ContainerImage {
    <#
    .SYNOPSIS
    Searches Docker Hub, or the catalog of a private registry, for container images.

    .DESCRIPTION
    Find-ContainerImage searches Docker Hub the way docker search does (through the engine) and outputs
    ContainerImage.SearchResult objects, most stars first. With -Registry it searches private registries
    instead: a registry has no search API, so its catalog is read (every page) and -Term is matched
    against the repository names, case-insensitively, as part of the name or as a wildcard pattern
    (for the whole path, or its last part). Those results come by name, each with its description (the
    image's org.opencontainers.image.description label) read from the registry.

    A result's Name is what Install-ContainerImage takes, with the registry host for a private registry
    (127.0.0.1:5000/team/app), so results pipe straight into it. Stars, Official and Automated are Docker
    Hub's; for a private registry they are $null.

    Credentials for a private registry are the ones Connect-ContainerRegistry or docker login stored.
    Each registry that fails is reported as a non-terminating error naming it, and the others are still
    searched: a registry that cannot be reached or Docker Hub unreachable (ConnectionError), a login that
    is missing or refused (AuthenticationError), a malformed registry address (InvalidArgument). A term
    that matches nothing returns nothing, without an error.

    .PARAMETER Term
    Part of a repository name, or a wildcard pattern (*, ?, [ ]). Required for Docker Hub; optional for a
    private registry, where no term lists every repository. Accepts pipeline input.

    .PARAMETER Registry
    host[:port] of one or more registries to search instead of Docker Hub and the Registries setting, e.g.
    127.0.0.1:5000 or registry.example.com. Without -Registry, Docker Hub is searched and then each
    registry of the Registries setting (Set-ContainerImageSetting -Registry); with no -Term, those
    registries only (a warning says Docker Hub was left out), and with -MinimumStars, -Official or
    -Automated, Docker Hub only. docker.io means Docker Hub. http:// or https:// may be given; otherwise https
    is used, and for a loopback registry (127.0.0.1, localhost) plain http too, as the engine does.

    .PARAMETER Limit
    At most this many results from each registry (default 25, as docker search). Docker Hub gives at
    most 100.

    .PARAMETER MinimumStars
    Only Docker Hub repositories with at least this many stars. Private registries have no stars, so
    they are not searched when this is given (a warning says so); the same holds for -Official and
    -Automated.

    .PARAMETER Official
    Only Docker Hub's official images.

    .PARAMETER Automated
    Only Docker Hub's automated builds.

    .PARAMETER ListTags
    Fill each result's Tags with the repository's tags (one more request per result).

    .PARAMETER Engine
    The engines to work on: docker context names (docker context ls, Get-ContainerEngine), addresses
    (unix://, npipe://, tcp://host:port, ssh://[user@]host) or 'default'; alias -Context. Several engines
    are worked on at once, and each output object carries Engine, the name given. Objects piped in with an
    Engine property go back to that engine. Without it: the engine your environment names (DOCKER_HOST,
    DOCKER_CONTEXT, the Engine setting, docker's current context), as before.

    .EXAMPLE
    Find-ContainerImage -Term nanoserver -Limit 5

    STARS OFFICIAL AUTOMATED NAME                        DESCRIPTION
    ----- -------- --------- ----                        -----------
      620                    microsoft/nanoserver        The Nano Server base image

    Searches Docker Hub, like docker search nanoserver --limit 5.

    .EXAMPLE
    Find-ContainerImage -Registry 127.0.0.1:5000 -Term 'team/*' -ListTags

    Lists the repositories of a private registry under team/, with their tags.

    .EXAMPLE
    Find-ContainerImage -Registry registry.example.com busybox | Install-ContainerImage

    Finds a repository in a private registry and installs it (its latest tag).

    .EXAMPLE
    Find-ContainerImage -Term dotnet -Official -MinimumStars 100

    Official images about dotnet with at least 100 stars.

    .INPUTS
    System.String. Search terms.

    .OUTPUTS
    ContainerImage.SearchResult. Properties: Name (what Install-ContainerImage takes), Description, Stars
    ([int], $null for a private registry), Official, Automated ([bool], $null for a private registry),
    Registry (docker.io or host[:port]), Tags ([string[]] with -ListTags, else $null).

    .LINK
    Install-ContainerImage

    .LINK
    Connect-ContainerRegistry

    .LINK
    Set-ContainerImageSetting
    #>
    [CmdletBinding()]
    [OutputType('ContainerImage.SearchResult')]
    param(
        [Parameter(Position = 0, ValueFromPipeline)]
        [SupportsWildcards()]
        [ValidateNotNullOrEmpty()]
        [string[]] $Term,

        [ValidateNotNullOrEmpty()]
        [string[]] $Registry,

        [ValidateRange(1, [int]::MaxValue)]
        [int] $Limit = 25,

        [ValidateRange(0, [int]::MaxValue)]
        [int] $MinimumStars,

        [switch] $Official,

        [switch] $Automated,

        [switch] $ListTags,

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
        $engines = Get-EngineList $Engine
        # No term: one search (a private registry's whole catalog; for Docker Hub, an error saying to give one).
        $terms = if ($Term) { $Term } else { '' }
        foreach ($item in $terms) {
            $params = @{ limit = $Limit; stars = $MinimumStars; official = [bool]$Official; automated = [bool]$Automated; list_tags = [bool]$ListTags }
            if ($item) { $params.term = $item }
            if ($Registry) { $params.registry = $Registry }
            Invoke-BackendEach -Method registry.search -Requests @(foreach ($on in $engines) { @{ Engine = $on; Params = $params } }) | ForEach-Object {
                $result = $_.Result
                if ($result -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $result; return }
                foreach ($warning in $result.warnings) { $PSCmdlet.WriteWarning($warning) }
                Add-ContainerImageType $result.results -TypeName 'ContainerImage.SearchResult'
                # A type name of its own selects the format view with the TAGS column.
                if ($ListTags) { Add-ContainerImageType $result.results -TypeName 'ContainerImage.SearchResult#Tags' }
                $PSCmdlet.WriteObject($result.results, $true)
                $on = $_.Engine
                foreach ($problem in $result.errors) { Write-ContainerImageError $PSCmdlet (Add-EngineToError (ConvertFrom-BackendError $problem) $on) }
            }
        }
    }
}
