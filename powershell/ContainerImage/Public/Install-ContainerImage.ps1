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

    .PARAMETER Name
    Repository, optionally with :tag or @digest, e.g. microsoft/nanoserver or myregistry:5000/team/app:1.2.
    Accepts pipeline input by value and by property name (Name, Repository).

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

    .PARAMETER Force
    Pull even when the image is already installed, to get a newer image published under the same tag.

    .EXAMPLE
    Install-ContainerImage -Name microsoft/nanoserver

    REPOSITORY           TAG     IMAGE ID      CREATED        SIZE
    microsoft/nanoserver latest  3a2d8b1e9f04  2 minutes ago  1.46 MB

    Installs the base image (the seed guide's "Install-ContainerImage -Name NanoServer").

    .EXAMPLE
    'microsoft/windowsservercore', 'microsoft/nanoserver' | Install-ContainerImage -Verbose

    Installs two images; one that fails does not stop the other.

    .EXAMPLE
    Install-ContainerImage -Name microsoft/aspnet -Tag windowsservercore -Force

    Pulls a specific tag even if it is already installed, to pick up a newer image.

    .EXAMPLE
    Install-ContainerImage -Name registry.example.com:5000/team/app -AllTags -Credential (Get-Credential)

    Pulls every tag of a private repository with credentials for this call only.

    .INPUTS
    System.String, or objects with Name/Repository and Tag properties (such as Get-ContainerImage output).

    .OUTPUTS
    ContainerImage.Image. See Get-ContainerImage for the properties.

    .LINK
    Get-ContainerImage
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

        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [switch] $Force
    )
    process {
        foreach ($item in $Name) {
            $shown = if ($AllTags) { "$item (all tags)" } elseif ($Tag) { "${item}:$Tag" } else { $item }
            if (-not (Confirm-Change $PSCmdlet $shown 'Install container image')) { continue }
            $params = @{ name = $item; all_tags = [bool]$AllTags; if_missing = -not $Force }
            if ($Tag) { $params.tag = $Tag }
            if ($Platform) { $params.platform = $Platform }
            $auth = ConvertTo-BackendAuth $Credential
            if ($auth) { $params.auth = $auth }
            $result = Invoke-Backend -Method image.pull -Params $params -Activity "Installing $shown"
            if ($result -is [System.Management.Automation.ErrorRecord]) {
                $PSCmdlet.WriteError($result)
                continue
            }
            Write-Verbose "${shown}: $($result.status)"
            Add-ContainerImageType $result.images
            $PSCmdlet.WriteObject($result.images, $true)
        }
    }
}
