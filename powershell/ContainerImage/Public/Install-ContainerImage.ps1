function Install-ContainerImage {
    <#
    .SYNOPSIS
    Installs (pulls) container images from a registry onto the Docker engine.

    .DESCRIPTION
    Install-ContainerImage pulls an image by repository and tag (or digest), showing progress per layer,
    and outputs the installed ContainerImage.Image objects. Like Install-Module, an image that is already
    on the engine is not downloaded again unless -Force is given; -Force asks the registry for a newer
    image under the same tag, as docker pull does.

    Each failure names its cause: a malformed name (InvalidArgument), a repository or tag the registry
    does not have (ObjectNotFound), wrong or missing credentials (AuthenticationError), an unreachable
    registry or engine (ConnectionError). With several names, one failure does not stop the others.
    Ctrl+C stops the download; nothing half-pulled is left tagged.

    Before pulling, the image's platform is read from its registry (the manifest, and for a single-platform
    image its config: no layer) and checked against the engine's host, as Test-ContainerImage does: an
    image the host cannot run (a Windows image on a Linux host, a Linux image on a Windows host, a Windows
    build the host cannot run with its isolation) is refused with InvalidOperation (error id
    ContainerImage.Incompatible) naming both versions, before any layer is downloaded. When the registry
    cannot be read from here (the engine may reach registries the module cannot), the pull goes on and
    -Verbose says the check was not made. With -Platform or -AllTags there is no check (the platform is
    then the caller's choice, or there are many). The check costs one or two small registry requests.

    A bare name without tag that is an alias of the settings (see Get-ContainerImageSetting; shipped:
    NanoServer, WindowsServerCore and Server for Microsoft's repositories) installs the alias's repository
    with its tag for this host: a fixed Tag, or by Windows build the newest build the host runs with
    process isolation (ltsc2019 or 1809 for 17763, ltsc2022 for 20348, ltsc2025 for 26100). An image whose
    name equals an alias is installed by giving a tag or a path (nanoserver:latest, library/nanoserver, or
    -Tag). -Verbose says what an alias became.

    .PARAMETER Name
    Repository, optionally with :tag or @digest, e.g. microsoft/nanoserver or myregistry:5000/team/app:1.2,
    or an alias (NanoServer). Accepts pipeline input by value and by property name (Name, Repository).

    .PARAMETER Tag
    The tag to install (default: latest). Also bound from the pipeline by property name.

    .PARAMETER AllTags
    Install every tag of the repository.

    .PARAMETER Platform
    os[/arch[/variant]], e.g. linux/arm64 or windows/amd64, for multi-platform images.

    .PARAMETER Credential
    Credentials for the registry, for this pull only. Without it, the logins stored by docker login (or
    Connect-ContainerRegistry) are used. The password is sent to the backend inside the protocol message,
    never on a command line.

    .PARAMETER Isolation
    Process or HyperV: the isolation the image will run with, for the compatibility check (default: the
    engine's). With HyperV, a Windows host accepts images of older Windows builds.

    .PARAMETER Force
    Pull even when the image is already installed, to get a newer image published under the same tag.

    .PARAMETER Engine
    The engines to work on: docker context names (docker context ls, Get-ContainerEngine), addresses
    (unix://, npipe://, tcp://host:port, ssh://[user@]host) or 'default'; alias -Context. Several engines
    are worked on at once, and each output object carries Engine, the name given. Objects piped in with an
    Engine property go back to that engine. Without it: the engine your environment names (DOCKER_HOST,
    DOCKER_CONTEXT, the Engine setting, docker's current context), as before.

    .EXAMPLE
    Install-ContainerImage -Name microsoft/nanoserver

    IMAGE ID     CREATED               SIZE REPOSITORY           TAG
    --------     -------               ---- ----------           ---
    3a2d8b1e9f04 2 minutes ago       1.46MB microsoft/nanoserver latest

    Installs the base image (the seed guide's "Install-ContainerImage -Name NanoServer").

    .EXAMPLE
    'microsoft/windowsservercore', 'microsoft/nanoserver' | Install-ContainerImage -Verbose

    Installs two images; one that fails does not stop the other.

    .EXAMPLE
    Install-ContainerImage -Name microsoft/aspnet -Tag windowsservercore -Force

    Pulls a specific tag even if it is already installed, to pick up a newer image.

    .EXAMPLE
    Install-ContainerImage -Name NanoServer -Verbose

    Installs the Nano Server base image that runs on this Windows host (mcr.microsoft.com/windows/nanoserver
    with the tag for the host's build); -Verbose says which tag and why.

    .EXAMPLE
    Install-ContainerImage -Name registry.example.com:5000/team/app -AllTags -Credential (Get-Credential)

    Pulls every tag of a private repository with credentials for this call only.

    .INPUTS
    System.String, or objects with Name/Repository and Tag properties (such as Get-ContainerImage output).

    .OUTPUTS
    ContainerImage.Image. See Get-ContainerImage for the properties.

    .LINK
    Get-ContainerImage

    .LINK
    Test-ContainerImage
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low', DefaultParameterSetName = 'Tag')]
    [OutputType('ContainerImage.Image')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('Repository')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Name,

        [Parameter(ParameterSetName = 'Tag', ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $Tag,

        [Parameter(ParameterSetName = 'AllTags', Mandatory)]
        [switch] $AllTags,

        [ValidateNotNullOrEmpty()]
        [string] $Platform,

        [ValidateSet('Process', 'HyperV')]
        [string] $Isolation,

        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [switch] $Force,

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
        foreach ($item in $Name) {
            $shown = if ($AllTags) { "$item (all tags)" } elseif ($Tag) { "${item}:$Tag" } else { $item }
            $params = @{ name = $item; all_tags = [bool]$AllTags; if_missing = -not $Force }
            if ($Tag) { $params.tag = $Tag }
            if ($Platform) { $params.platform = $Platform }
            if ($Isolation) { $params.isolation = $Isolation }
            $auth = ConvertTo-BackendAuth $Credential
            if ($auth) { $params.auth = $auth }
            $requests = foreach ($target in $engines) {
                if (Confirm-Change $PSCmdlet (Format-EngineTarget $shown $target) 'Install container image') { @{ Engine = $target; Params = $params } }
            }
            if (-not $requests) { continue }
            Invoke-BackendEach -Method image.pull -Requests $requests -Activity "Installing $shown" | ForEach-Object {
                $result = $_.Result
                if ($result -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $result; return }
                $on = Format-EngineTarget $shown $_.Engine
                foreach ($note in $result.notes) { Write-Verbose "${on}: $note" }
                Write-Verbose "${on}: $($result.status)"
                Add-ContainerImageType $result.images
                Add-EngineView $result.images 'ContainerImage.Image' $engines.Count
                $PSCmdlet.WriteObject($result.images, $true)
            }
        }
    }
}
