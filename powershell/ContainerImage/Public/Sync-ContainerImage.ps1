function Sync-ContainerImage {
    <#
    .SYNOPSIS
    Makes the Docker engine hold exactly the images an image list (a YAML file) names.

    .DESCRIPTION
    Sync-ContainerImage reads an image list and brings each image it names to its desired state: a missing
    image is installed (Install); an image whose content is not the pinned digest is pulled by that digest
    and the tag moved onto it (Update). With -Prune, every image the list does not name goes too: an image
    that also carries a listed tag only loses its other tags (Untag), any other image is removed (Remove),
    except one that a container (even a stopped one) depends on, which is kept and reported (Keep, with a
    warning naming the containers).

    The image list:

        Images:
          - Name: microsoft/nanoserver        # repository, optionally with :tag or @digest
            Tag: '1809'                       # optional, default latest
            Digest: sha256:4f5c...            # optional: exactly this content
          - registry.example.com:5000/team/app:1.2   # a plain reference is an item too
          - Name: mcr.microsoft.com/windows/servercore:ltsc2022
            Latest: true                      # optional: also the registry's current version (no Digest then)
        Engine: web1                          # optional: the engine (or a list of engines) it is for

    -Engine, when given, wins over the list's Engine key; with neither, the engine your environment names.

    A Prune: section makes cleanup by policy part of the list, as Remove-ContainerImage -Unused -OlderThan
    -KeepLatest does: every sync then removes the unlisted images no container depends on that are older
    than OlderThan (a number with s, m, h, d or w) and not among the KeepLatest newest of their repository
    (listed images count), and never the base of an image that stays. Other unlisted images are left as
    they are (-Prune is not needed; with a Prune: section it changes nothing).

        Prune:
          OlderThan: 30d
          KeepLatest: 3

    Keys are case-insensitive; any other key is an error (so that a mistyped "Digets" does not silently
    leave an image unpinned). A tag without a digest is not checked against the registry: it is in its
    desired state while it is on the engine (a check would make every run depend on the registry, and
    pull what may be a moving tag; pin a digest to hold exact content, or Install-ContainerImage -Force).
    With `Latest: true` it is: the registry's manifest is compared (as Get-ContainerImageUpdate does, no layer
    is downloaded), and when the registry has a newer version under the tag the image is updated (Update,
    the Reason saying what the registry has); an image whose registry cannot be asked is updated too, so
    that the pull reports the registry's error.

    The whole file is checked before anything changes: a bad file (not YAML, no Name, a malformed name or
    digest, an unknown key, an image listed twice) is one non-terminating InvalidData error naming the
    file, the line and the column, and nothing is changed. Each change is confirmed (or listed by -WhatIf, which shows the whole plan
    and changes nothing); one change that fails is a non-terminating error and the others go on.
    Progress is shown across the images, and per layer while pulling.

    .PARAMETER Path
    The image list file. Relative paths are resolved against the current location.

    .PARAMETER Prune
    Also remove (or untag) the images the list does not name, except those containers depend on. A list
    with a Prune: section prunes by its policy instead, with or without -Prune.

    .PARAMETER Engine
    The engines to work on: docker context names (docker context ls, Get-ContainerEngine), addresses
    (unix://, npipe://, tcp://host:port, ssh://[user@]host) or 'default'; alias -Context. Several engines
    are worked on at once, and each output object carries Engine, the name given. Objects piped in with an
    Engine property go back to that engine. Without it: the engine your environment names (DOCKER_HOST,
    DOCKER_CONTEXT, the Engine setting, docker's current context), as before.

    .EXAMPLE
    Sync-ContainerImage -Path ./images.yaml -WhatIf

    What if: Performing the operation "Install container image" on target "microsoft/nanoserver:latest (images.yaml line 2)".

    Shows what a sync would change, changing nothing.

    .EXAMPLE
    Sync-ContainerImage -Path ./images.yaml -Prune -Confirm:$false

    ACTION  OLD ID       NEW ID       NAME            TAG             REASON
    ------  ------       ------       ----            ---             ------
    Install              125f437d73ea microsoft/nano… latest          The image mic…
    Remove  89a42c00de62              test/old        1               test/old:1 is…

    Installs what is missing and removes every unlisted image no container depends on.

    .EXAMPLE
    Set-Content images.yaml "Images:`n  - microsoft/nanoserver`nPrune:`n  OlderThan: 30d`n  KeepLatest: 2"
    Sync-ContainerImage -Path ./images.yaml -WhatIf

    What if: Performing the operation "Remove container image" on target "test/app:1 (89a42c00de62): test/app:1 is not listed, no container depends on it, and the Prune policy lets it go: created 45 days ago; not among the 2 newest of test/app."

    Keeps the listed images and, of the others, removes those the policy lets go.

    .INPUTS
    System.String (the path), or objects with a Path, FullName or PSPath property (Get-ChildItem output).

    .OUTPUTS
    ContainerImage.SyncChange, one per change made: Action (Install, Update, Untag, Remove, Keep), Name,
    Tag, Digest, OldId, NewId, Reason, Line (of the image in the file), Containers (for Keep).

    .LINK
    Install-ContainerImage

    .LINK
    Remove-ContainerImage
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('ContainerImage.SyncChange')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('FullName', 'PSPath')]
        [ValidateNotNullOrEmpty()]
        [string] $Path,

        [switch] $Prune,

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
        $resolved = Resolve-FileSystemPath -Path $Path -SessionState $PSCmdlet.SessionState -Literal
        if ($resolved -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $resolved; return }
        $file = [string]@($resolved)[0]
        $shownFile = [System.IO.Path]::GetFileName($file)
        # The engines: -Engine, else the list's own Engine key, else the environment's. The file is read
        # (and checked) once first for its Engine key, without the engine.
        $engines = Get-EngineList $Engine
        if (-not $engines[0]) {
            $list = Invoke-Backend -Method image.sync_list -Params @{ path = $file }
            if ($list -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $list; return }
            if ($list.engines) { $engines = Get-EngineList ([string[]]$list.engines) }
        }
        # The plan first, on every engine at once: a bad file fails here, before any change, and each change
        # is confirmed from it.
        $apply = [System.Collections.Generic.List[hashtable]]::new()
        Invoke-BackendEach -Method image.sync -Requests @(foreach ($on in $engines) { @{ Engine = $on; Params = @{ path = $file; prune = [bool]$Prune; dry_run = $true } } }) | ForEach-Object {
            $plan = $_.Result
            $on = $_.Engine
            if ($plan -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $plan; return }
            foreach ($image in $plan.current) {
                Write-Verbose "$(Format-EngineTarget "$($image.Name):$($image.Tag) ($($image.Id))" $on) is in its desired state"
            }
            $keys = foreach ($change in $plan.changes) {
                if ($change.Action -eq 'Keep') {
                    Write-Warning "$(if ($on) { "Engine ${on}: " })Kept $($change.Name):$($change.Tag) ($($change.OldId)): $($change.Reason)"
                    continue
                }
                if (Confirm-Change $PSCmdlet (Format-EngineTarget (Format-SyncTarget $change $shownFile) $on) "$($change.Action) container image") { $change.Key }
            }
            if (-not $keys) {
                # Nothing to change: what was kept is still the answer (not under -WhatIf, which outputs nothing).
                $kept = @($plan.changes | Where-Object Action -eq 'Keep')
                if ($kept -and -not $WhatIfPreference) {
                    Add-ContainerImageType $kept -TypeName 'ContainerImage.SyncChange'
                    Add-EngineView $kept 'ContainerImage.SyncChange' $engines.Count
                    $PSCmdlet.WriteObject($kept, $true)
                }
                return
            }
            # "only", not "keys": that would hide a hashtable's own .Keys
            $apply.Add(@{ Engine = $on; Params = @{ path = $file; prune = [bool]$Prune; dry_run = $false; only = @($keys) } })
        }
        if (-not $apply.Count) { return }
        Invoke-BackendEach -Method image.sync -Requests $apply.ToArray() -Activity "Synchronizing container images with $shownFile" | ForEach-Object {
            $result = $_.Result
            if ($result -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $result; return }
            $on = $_.Engine
            foreach ($problem in $result.errors) { Write-ContainerImageError $PSCmdlet (Add-EngineToError (ConvertFrom-BackendError $problem) $on) }
            if ($result.changes) {
                Add-ContainerImageType $result.changes -TypeName 'ContainerImage.SyncChange'
                Add-EngineView $result.changes 'ContainerImage.SyncChange' $engines.Count
                $PSCmdlet.WriteObject($result.changes, $true)
            }
        }
    }
}
