function Import-ContainerImage {
    <#
    .SYNOPSIS
    Loads container images from tar archives (like docker load) onto the Docker engine.

    .DESCRIPTION
    Import-ContainerImage sends each archive (as written by Save-ContainerImage or docker save; gzip,
    bzip2 and xz compressed ones too) to the engine, which loads its images with their tags, and outputs
    the loaded images as ContainerImage.Image objects. The file is streamed, not read into memory.

    A file that is not an image archive (random bytes, a truncated archive, an empty file) is an
    InvalidData error naming the file, and adds no image. A file that does not exist is ObjectNotFound;
    a folder is InvalidArgument. With several files, one failure does not stop the others. Loading a tag
    that is already on the engine moves the tag to the archive's image, as docker load does.

    .PARAMETER Path
    Archive files; wildcards allowed (a pattern that matches nothing imports nothing). Relative paths are
    relative to the current PowerShell location. Accepts pipeline input by value and by property name.

    .PARAMETER LiteralPath
    Archive files, taken literally (no wildcards). Bound from the pipeline by property name (PSPath,
    FullName), so the output of Get-ChildItem or Save-ContainerImage can be piped.

    .PARAMETER Engine
    The engines to work on: docker context names (docker context ls, Get-ContainerEngine), addresses
    (unix://, npipe://, tcp://host:port, ssh://[user@]host) or 'default'; alias -Context. Several engines
    are worked on at once, and each output object carries Engine, the name given. Objects piped in with an
    Engine property go back to that engine. Without it: the engine your environment names (DOCKER_HOST,
    DOCKER_CONTEXT, the Engine setting, docker's current context), as before.

    .EXAMPLE
    Import-ContainerImage -Path ./nanoserver.tar

    IMAGE ID     CREATED               SIZE REPOSITORY           TAG
    --------     -------               ---- ----------           ---
    1b94586c1a52 2 minutes ago       1.98MB microsoft/nanoserver latest

    Loads the images of one archive.

    .EXAMPLE
    Get-ChildItem ./images -Filter *.tar | Import-ContainerImage -ErrorAction Continue

    Loads every archive of a folder; one that is corrupt is reported and the others are still loaded.

    .EXAMPLE
    Import-ContainerImage -Path 'backup-*.tar' -WhatIf

    Shows which archives would be loaded.

    .INPUTS
    System.String, or objects with a Path, PSPath or FullName property (such as System.IO.FileInfo).

    .OUTPUTS
    ContainerImage.Image. See Get-ContainerImage for the properties. An image the archive holds without
    a tag is output with Repository and Tag $null.

    .LINK
    Save-ContainerImage

    .LINK
    Get-ContainerImage
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low', DefaultParameterSetName = 'Path')]
    [OutputType('ContainerImage.Image')]
    param(
        [Parameter(Mandatory, Position = 0, ParameterSetName = 'Path', ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [SupportsWildcards()]
        [ValidateNotNullOrEmpty()]
        [string[]] $Path,

        [Parameter(Mandatory, ParameterSetName = 'LiteralPath', ValueFromPipelineByPropertyName)]
        [Alias('PSPath', 'FullName', 'LP')]
        [ValidateNotNullOrEmpty()]
        [string[]] $LiteralPath,

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
        $literal = $PSCmdlet.ParameterSetName -eq 'LiteralPath'
        foreach ($item in $(if ($literal) { $LiteralPath } else { $Path })) {
            foreach ($file in (Resolve-FileSystemPath -Path $item -SessionState $PSCmdlet.SessionState -Literal:$literal)) {
                if ($file -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $file; continue }
                $requests = foreach ($on in $engines) {
                    if (Confirm-Change $PSCmdlet $file "Import container images$(if ($on) { " into engine $on" })") { @{ Engine = $on; Params = @{ path = $file } } }
                }
                if (-not $requests) { continue }
                Invoke-BackendEach -Method image.load -Requests $requests -Activity "Importing $file" | ForEach-Object {
                    $result = $_.Result
                    if ($result -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $result; return }
                    Write-Verbose "${file}: loaded $(@($result.loaded) -join ', ')$(if ($_.Engine) { " into engine $($_.Engine)" })"
                    Add-ContainerImageType $result.images
                    Add-EngineView $result.images 'ContainerImage.Image' $engines.Count
                    $PSCmdlet.WriteObject($result.images, $true)
                }
            }
        }
    }
}
