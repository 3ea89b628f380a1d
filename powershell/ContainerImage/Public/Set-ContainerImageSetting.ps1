function Set-ContainerImageSetting {
    <#
    .SYNOPSIS
    Changes the module's settings file: engine, Python, transport, progress, registries and image aliases.

    .DESCRIPTION
    Set-ContainerImageSetting changes only the settings given, in the settings file that
    Get-ContainerImageSetting reads ($env:CONTAINERIMAGE_CONFIG, else %APPDATA%\ContainerImage\config.yaml
    on Windows, else ~/.config/containerimage/config.yaml). The file and its folder are made when missing.
    The change applies to the next command at once: the backend reads the file again when it changes.

    The file is edited, not rewritten: only the lines of the keys being set are replaced (a missing key is
    added at the end, a reset key's lines are removed), so comments, blank lines and keys the module does
    not know stay as they are. Aliases are changed one by one in the same way. What is not kept: comments
    inside a replaced entry (a comment at the end of its first line is kept), and the layout of the value
    written (block style). A file written as one flow mapping ({Engine: ...}) is written anew, keys kept,
    comments lost.

    The write is atomic: the new text goes to a temporary file in the same folder, which then replaces the
    file, so a reader sees the old file or the new one, never half of one. The file's mode is kept; a new
    file is readable by its owner only.

    Every value is checked before anything is written: a bad one is an InvalidArgument error naming the
    setting, and nothing changes. A broken settings file is never overwritten: the command fails with the
    file's own error (InvalidData, with its line and column); fix the file by hand, or delete it.

    .PARAMETER Engine
    The Docker engine used when neither DOCKER_HOST nor DOCKER_CONTEXT is set (it comes before the docker
    CLI's current context), e.g. unix:///var/run/docker.sock, npipe:////./pipe/docker_engine,
    tcp://host:2376 or ssh://user@host. DOCKER_TLS_VERIFY and DOCKER_CERT_PATH apply to it.

    .PARAMETER Python
    The Python that runs the module's backend when CONTAINERIMAGE_PYTHON is not set: a path, or a command
    on PATH. It must exist and be executable. Used from the next Import-Module.

    .PARAMETER Transport
    How the module talks to its backend: Stdio (a Python process), InProcess (Python inside PowerShell), or
    Auto (the module's choice). Used from the next Import-Module.

    .PARAMETER Progress
    $false: no progress bars for pulls, pushes, saves... ($true, the default, shows them).

    .PARAMETER Registry
    The registries (host[:port]) that Find-ContainerImage searches besides Docker Hub when it is given no
    -Registry. Replaces the whole list; an empty list (@()) searches Docker Hub only.

    .PARAMETER Alias
    Image aliases to add or replace, as a hashtable of name -> @{ Repository = ...; Tag = ... } (a fixed
    tag) or name -> @{ Repository = ...; Tags = @{ 17763 = '1809'; 20348 = 'ltsc2022' } } (the tag by
    Windows build: the newest build the host can run). Names are letters, digits, '.', '_' and '-', matched
    case-insensitively; an alias named like a default one (NanoServer, WindowsServerCore, Server) replaces
    it. Other aliases in the file are kept.

    .PARAMETER RemoveAlias
    Names of your aliases to remove from the file. A default alias cannot be removed, only replaced.

    .PARAMETER Reset
    Settings to take out of the file, so their defaults apply again: Engine, Python, Transport, Progress,
    Registries, Aliases (all your aliases).

    .PARAMETER PassThru
    Output the settings after the change, as Get-ContainerImageSetting does.

    .EXAMPLE
    Set-ContainerImageSetting -Registry registry.example.com:5000, 127.0.0.1:5000 -Progress $false

    Makes Find-ContainerImage search two private registries besides Docker Hub, and turns progress bars off.

    .EXAMPLE
    Set-ContainerImageSetting -Alias @{ Tools = @{ Repository = 'registry.example.com:5000/tools/busybox'; Tag = 'latest' } } -PassThru | Select-Object -ExpandProperty Aliases

    Adds an alias: Install-ContainerImage Tools then installs registry.example.com:5000/tools/busybox:latest.

    .EXAMPLE
    Set-ContainerImageSetting -Engine tcp://build-host:2376 -WhatIf

    What if: Performing the operation "set Engine to 'tcp://build-host:2376'" on target "/home/me/.config/containerimage/config.yaml".

    Shows what would change, after checking the value, and changes nothing.

    .EXAMPLE
    Set-ContainerImageSetting -Reset Engine, Registries -RemoveAlias Tools

    Goes back to the default engine and to Docker Hub only, and removes the alias Tools.

    .INPUTS
    None.

    .OUTPUTS
    None, or ContainerImage.Setting with -PassThru (see Get-ContainerImageSetting).

    .LINK
    Get-ContainerImageSetting

    .LINK
    Find-ContainerImage

    .LINK
    Install-ContainerImage
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('ContainerImage.Setting')]
    param(
        [ValidateNotNullOrEmpty()]
        [string] $Engine,

        [ValidateNotNullOrEmpty()]
        [string] $Python,

        [ValidateSet('Auto', 'Stdio', 'InProcess')]
        [string] $Transport,

        [bool] $Progress,

        [AllowEmptyCollection()]
        [string[]] $Registry,

        [ValidateNotNull()]
        [hashtable] $Alias,

        [ValidateNotNullOrEmpty()]
        [string[]] $RemoveAlias,

        [ValidateSet('Engine', 'Python', 'Transport', 'Progress', 'Registries', 'Aliases')]
        [string[]] $Reset,

        [switch] $PassThru
    )
    Import-CallerPreference $PSCmdlet
    $params = @{}
    if ($PSBoundParameters.ContainsKey('Engine')) { $params.engine = $Engine }
    if ($PSBoundParameters.ContainsKey('Python')) { $params.python = $Python }
    if ($PSBoundParameters.ContainsKey('Transport')) { $params.transport = $Transport }
    if ($PSBoundParameters.ContainsKey('Progress')) { $params.progress = $Progress }
    if ($PSBoundParameters.ContainsKey('Registry')) { $params.registries = @($Registry) }
    if ($PSBoundParameters.ContainsKey('Alias')) { $params.aliases = ConvertTo-BackendAlias $Alias }
    if ($RemoveAlias) { $params.remove_aliases = @($RemoveAlias) }
    if ($Reset) { $params.reset = @($Reset) }
    if ($params.Count -eq 0) {
        # A call without anything to do is a parameter error, terminating as PowerShell's own binder's are.
        $PSCmdlet.ThrowTerminatingError((New-ContainerImageError -Kind InvalidParams -Target 'Set-ContainerImageSetting' `
            -Message 'Nothing to change: give a setting (-Engine, -Python, -Transport, -Progress, -Registry, -Alias), -RemoveAlias or -Reset.'))
    }

    # A dry run first: every value is checked (with -WhatIf too) and the changes come back in words.
    $plan = Invoke-Backend -Method settings.set -Params ($params + @{ dry_run = $true })
    if ($plan -is [System.Management.Automation.ErrorRecord]) {
        Write-ContainerImageError $PSCmdlet $plan
        return
    }
    $written = $null
    if ($plan.changes -and (Confirm-Change $PSCmdlet $plan.settings.Path ($plan.changes -join '; '))) {
        $written = Invoke-Backend -Method settings.set -Params $params
        if ($written -is [System.Management.Automation.ErrorRecord]) {
            Write-ContainerImageError $PSCmdlet $written
            return
        }
        Write-Verbose "Settings written to $($written.settings.Path): $($written.changes -join '; ')."
    }
    if ($PassThru) {
        # What is in effect now: unchanged after -WhatIf or a declined confirmation.
        $current = if ($written) { $written.settings } else { Invoke-Backend -Method settings.get -Params @{} }
        if ($current -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $current; return }
        $PSCmdlet.WriteObject((ConvertTo-SettingObject $current))
    }
}
