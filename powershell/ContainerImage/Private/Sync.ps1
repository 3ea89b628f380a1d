# Helpers of Sync-ContainerImage.

function Format-SyncTarget {
    # One change of a sync plan as the target of ShouldProcess: the image, where the file lists it, or its id.
    param($Change, [string] $File)
    $image = if ($Change.Name) { "$($Change.Name)$(if ($Change.Tag) { ":$($Change.Tag)" })" } else { '<none>' }
    switch ($Change.Action) {
        'Install' { "$image$(if ($Change.Digest) { "@$($Change.Digest)" }) ($File line $($Change.Line))" }
        'Update' { "$image to $($Change.Digest) ($File line $($Change.Line)), now $($Change.OldId)" }
        default { "$image ($($Change.OldId)): $($Change.Reason)" }
    }
}
