function Save-ContainerImage {
    <#
    .SYNOPSIS
    Saves container images into one tar archive (like docker save), to copy them to an engine without a registry.

    .DESCRIPTION
    Save-ContainerImage writes the images named by -Name, with their layers, tags and history, into one
    tar archive at -Path, the format docker save writes and Import-ContainerImage (or docker load) reads.
    Images from the pipeline (names, or Get-ContainerImage objects) all go into the one archive. It
    outputs the archive as a System.IO.FileInfo.

    Everything is checked before any file is created: a malformed name (InvalidArgument), an image that
    is not on the engine (ObjectNotFound, naming it), a folder that does not exist (ObjectNotFound,
    naming it), a path that is a folder (InvalidArgument), an existing file without -Force
    (ResourceExists; the file is left as it is). The archive is written to a temporary file beside the
    target and renamed into place only once complete, so a failure or Ctrl+C leaves no file, and a file
    replaced with -Force is never half-overwritten. Each of these errors is one non-terminating error of
    the call (there is one archive: nothing is written and nothing is output), so -ErrorAction decides
    whether it stops the script.

    .PARAMETER Name
    Images to save: repository:tag, repository@digest, or an image id. A repository without a tag saves
    every tag of it, as docker save does. Accepts pipeline input by value and by property name (Name,
    Repository), so Get-ContainerImage output can be piped.

    .PARAMETER Tag
    A tag to add to each name (bound from the pipeline by property name, with Repository, from
    Get-ContainerImage objects).

    .PARAMETER Path
    The archive file to write. Relative paths are relative to the current PowerShell location; ~ and
    PowerShell drives work. Taken literally (no wildcards). Its folder must exist.

    .PARAMETER Force
    Replace the file at -Path if it exists.

    .PARAMETER Engine
    The engines to work on: docker context names (docker context ls, Get-ContainerEngine), addresses
    (unix://, npipe://, tcp://host:port, ssh://[user@]host) or 'default'; alias -Context. Several engines
    are worked on at once, and each output object carries Engine, the name given. Objects piped in with an
    Engine property go back to that engine. Without it: the engine your environment names (DOCKER_HOST,
    DOCKER_CONTEXT, the Engine setting, docker's current context), as before.

    .EXAMPLE
    Save-ContainerImage -Name microsoft/nanoserver -Path nanoserver.tar

        Directory: /home/me

    UnixMode         User Group         LastWriteTime         Size Name
    --------         ---- -----         -------------         ---- ----
    -rw-r--r--       me   me          11/27/2026 05:30     2138624 nanoserver.tar

    Saves every tag of microsoft/nanoserver into nanoserver.tar in the current location.

    .EXAMPLE
    Get-ContainerImage -Name 'microsoft/*' | Save-ContainerImage -Path ~/microsoft.tar -Force

    Saves all of Microsoft's images that are on the engine into one archive, replacing an older one.

    .EXAMPLE
    Save-ContainerImage microsoft/aspnet:nanoserver ./aspnet.tar | Import-ContainerImage

    Saves an image and loads the archive back (Import-ContainerImage takes the FileInfo from the pipeline).

    .INPUTS
    System.String, or objects with Name/Repository and Tag properties (such as Get-ContainerImage output).

    .OUTPUTS
    System.IO.FileInfo. The archive written.

    .LINK
    Import-ContainerImage

    .LINK
    Get-ContainerImage
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType([System.IO.FileInfo])]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('Repository')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Name,

        [Parameter(ValueFromPipelineByPropertyName)]
        [AllowNull()]
        [AllowEmptyString()]
        [string] $Tag,

        [Parameter(Mandatory, Position = 1)]
        [ValidateNotNullOrEmpty()]
        [string] $Path,

        [switch] $Force,

        # The engines to work on; from piped objects, the engine each came from (Private/Engines.ps1).
        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('Context')]
        [AllowNull()]
        [AllowEmptyCollection()]
        [AllowEmptyString()]
        [string[]] $Engine
    )
    begin {
        Import-CallerPreference $PSCmdlet
        Assert-EngineArgument $PSCmdlet
        $names = [System.Collections.Generic.List[string]]::new()
        $from = [System.Collections.Generic.List[string]]::new()   # the engines named, each once ('' for the environment's)
    }
    process {
        # Gather the whole pipeline: every image goes into the one archive, from the one engine.
        foreach ($item in $Name) { $names.Add($(if ($Tag) { "${item}:$Tag" } else { $item })) }
        $engines = Get-EngineList $Engine
        foreach ($on in $engines) { if (-not $from.Contains([string]$on)) { $from.Add([string]$on) } }
    }
    end {
        if (-not $names.Count) { return }   # every pipeline object failed to bind: already reported
        if ($from.Count -gt 1) {
            $shownEngines = ($from | ForEach-Object { if ($_) { $_ } else { 'the current engine' } }) -join ', '
            Write-ContainerImageError $PSCmdlet (New-ContainerImageError -Kind InvalidParams -Target $Path `
                -Message "An archive holds images of one engine; these come from several ($shownEngines). Nothing was saved." `
                -RecommendedAction 'Save the images of each engine into an archive of its own: Save-ContainerImage -Engine <one> -Path <file>.')
            return
        }
        $on = $(if ($from.Count -and $from[0]) { $from[0] })
        $target = @(Resolve-FileSystemPath -Path $Path -SessionState $PSCmdlet.SessionState -Literal)[0]
        if ($target -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $target; return }
        $shown = $names -join ', '
        $action = if ($Force -and [System.IO.File]::Exists($target)) { "Replace the file with an archive of $shown" }
                  else { "Save $shown into a new archive" }
        if (-not (Confirm-Change $PSCmdlet $target "$action$(if ($on) { " from engine $on" })")) { return }

        $params = @{ name = $names.ToArray(); path = $target; force = [bool]$Force }
        $result = Invoke-Backend -Method image.save -Params $params -Activity "Saving $shown" -Engine $on
        if ($on -and $result -is [System.Management.Automation.ErrorRecord]) { $result = Add-EngineToError $result $on }
        if ($result -is [System.Management.Automation.ErrorRecord]) {
            if ($result.FullyQualifiedErrorId -eq 'ContainerImage.AlreadyExists') {
                $result.ErrorDetails = [System.Management.Automation.ErrorDetails]::new($result.Exception.Message)
                $result.ErrorDetails.RecommendedAction = 'Use -Force to replace it, or give another -Path.'
            }
            Write-ContainerImageError $PSCmdlet $result
            return
        }
        Write-Verbose "Saved $($result.names -join ', ') to $($result.path) ($($result.size) bytes)"
        $PSCmdlet.WriteObject((Get-Item -LiteralPath $result.path))
    }
}
