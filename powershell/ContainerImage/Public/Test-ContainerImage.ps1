function Test-ContainerImage {
    <#
    .SYNOPSIS
    Tests whether the Docker engine's host can run a container image: a local one, or one in a registry
    without pulling it.

    .DESCRIPTION
    Test-ContainerImage compares the image's platform (OS, OS version, CPU architecture) with the engine's
    host (from the engine's /info and /version) and outputs a ContainerImage.Compatibility object saying
    whether it runs, and why, in a sentence that names both versions.

    For Windows, the rule is Microsoft's (as hcsshim and containerd implement it): the major and minor
    versions must match and the image must not be newer than the host; with Hyper-V isolation any older
    build runs; with process isolation a host before Windows Server 2022 (build 20348) runs only its own
    build, and a newer host runs images from the previous LTSC build (20348) up to its own build (so
    Windows 11 and Windows Server 2025 hosts run Windows Server 2022 images). Linux images need a Linux
    host of the same CPU architecture (amd64 hosts also run 386 images, arm64 hosts arm ones).

    A name of an image on the engine is inspected there. Any other name (or with -Remote) is looked up in
    its registry: the manifest, and for a single-platform image its small config blob, are read through
    the registry API with the logins stored by docker login or Connect-ContainerRegistry (or -Credential);
    no layer is downloaded. For a manifest list, the platform this host would pull is the one tested, and
    Platforms lists them all. Docker Hub names are read from the engine's registry mirrors first, as the
    engine reads them.

    A bare name without tag that is an alias of the settings (Get-ContainerImageSetting; shipped:
    NanoServer, WindowsServerCore, Server) is its repository with the tag for this host's Windows build.
    An image that happens to have an alias's name is tested when it is given with a tag
    (nanoserver:latest) or a path (library/nanoserver).

    .PARAMETER Name
    A local image (repository[:tag], repository@digest, or an image id), a remote reference such as
    mcr.microsoft.com/windows/nanoserver:ltsc2022, or an alias. Accepts pipeline input by value and by
    property name (Name, Repository).

    .PARAMETER Tag
    The tag, when Name has none. Bound from the pipeline by property name.

    .PARAMETER InputObject
    Image objects from Get-ContainerImage: each is tested as the local image it is.

    .PARAMETER Isolation
    Process or HyperV: the isolation the container would run with. Default: the engine's default
    isolation (Windows Server: Process; Windows 10 and 11: HyperV). Linux hosts have only the kernel's
    own (process) isolation.

    .PARAMETER Platform
    os[/arch[/variant]], e.g. windows/amd64: for a manifest list, test this platform instead of the one the
    host would pull.

    .PARAMETER Remote
    Look the name up in its registry even when an image of that name is on the engine (to test what a
    pull would bring now).

    .PARAMETER Credential
    Credentials for the registry, for this test only. Without it, the stored logins are used.

    .PARAMETER Engine
    The engines to work on: docker context names (docker context ls, Get-ContainerEngine), addresses
    (unix://, npipe://, tcp://host:port, ssh://[user@]host) or 'default'; alias -Context. Several engines
    are worked on at once, and each output object carries Engine, the name given. Objects piped in with an
    Engine property go back to that engine. Without it: the engine your environment names (DOCKER_HOST,
    DOCKER_CONTEXT, the Engine setting, docker's current context), as before.

    .EXAMPLE
    Test-ContainerImage -Name microsoft/nanoserver

    COMPATIBLE ISOLATION NAME           IMAGE          HOST           REASON
    ---------- --------- ----           -----          ----           ------
    True                 microsoft/nan… linux amd64    linux 6.1.0-1… The image is …

    Tests a local image (or, when it is not on the engine, the one its registry has).

    .EXAMPLE
    Test-ContainerImage mcr.microsoft.com/windows/servercore:ltsc2019 -Isolation HyperV | Format-List

    Whether a Windows Server 2019 image runs on this host with Hyper-V isolation, read from the registry
    without pulling it.

    .EXAMPLE
    Get-ContainerImage | Test-ContainerImage | Where-Object Compatible -eq $false

    The local images this host cannot run.

    .EXAMPLE
    Test-ContainerImage -Name NanoServer | Select-Object Reference, Compatible, Reason

    Which Nano Server image (the NanoServer alias) this host would install, and whether it runs.

    .INPUTS
    System.String, objects with Name/Repository and Tag properties, or ContainerImage.Image objects.

    .OUTPUTS
    ContainerImage.Compatibility. Properties: Name (as given), Reference (what was tested: an alias
    resolved), Alias, Source (Local or Registry), Compatible ($true, $false, or $null when the image or
    the host does not say its version), Reason, HostOs, HostOsVersion, HostArchitecture, ImageOs,
    ImageOsVersion, Architecture, Variant, Isolation, Id (local), Digest, Platforms (of a manifest list),
    Registry.

    .LINK
    Install-ContainerImage

    .LINK
    Get-ContainerImage

    .LINK
    https://learn.microsoft.com/virtualization/windowscontainers/deploy-containers/version-compatibility
    #>
    [CmdletBinding(DefaultParameterSetName = 'Name')]
    [OutputType('ContainerImage.Compatibility')]
    param(
        [Parameter(ParameterSetName = 'Name', Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('Repository')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Name,

        [Parameter(ParameterSetName = 'Name', ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $Tag,

        # Typed, so that image objects bind here (as what they are) and strings bind to -Name.
        [Parameter(ParameterSetName = 'InputObject', Mandatory, ValueFromPipeline)]
        [PSTypeName('ContainerImage.Image')]
        [psobject[]] $InputObject,

        [ValidateSet('Process', 'HyperV')]
        [string] $Isolation,

        [ValidateNotNullOrEmpty()]
        [string] $Platform,

        [switch] $Remote,

        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

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
        $requests = if ($PSCmdlet.ParameterSetName -eq 'InputObject') {
            # A tagged image by its name (what the output shows), an untagged one by its id.
            foreach ($image in $InputObject) {
                if ($image.Repository -and $image.Tag) { @{ name = "$($image.Repository):$($image.Tag)" } }
                else { @{ name = $image.FullId } }
            }
        } else {
            foreach ($item in $Name) { if ($Tag) { @{ name = $item; tag = $Tag } } else { @{ name = $item } } }
        }
        foreach ($params in $requests) {
            if ($Isolation) { $params.isolation = $Isolation }
            if ($Platform) { $params.platform = $Platform }
            if ($Remote) { $params.remote = $true }
            $auth = ConvertTo-BackendAuth $Credential
            if ($auth) { $params.auth = $auth }
            Invoke-BackendEach -Method image.test -Requests @(foreach ($on in $engines) { @{ Engine = $on; Params = $params } }) | ForEach-Object {
                $result = $_.Result
                if ($result -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $result; return }
                if ($null -ne $result.Platforms) { $result.Platforms = [string[]]$result.Platforms }  # JSON arrays arrive as object[]
                Add-ContainerImageType $result -TypeName 'ContainerImage.Compatibility'
                Add-EngineView $result 'ContainerImage.Compatibility' $engines.Count
                $PSCmdlet.WriteObject($result)
            }
        }
    }
}
