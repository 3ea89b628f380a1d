# Helpers of Remove-ContainerImage: what to ask the backend for, and how the confirmation question shows it.

function ConvertTo-RemovalRequest {
    # An image object as what to remove: its own repository:tag (or repository@digest), else its id.
    param($Image)
    if ($Image.Repository -and $Image.Tag) { return @{ name = "$($Image.Repository):$($Image.Tag)" } }
    if ($Image.Repository -and $Image.Digest) { return @{ name = "$($Image.Repository)@$($Image.Digest)" } }
    @{ id = [string]$(if ($Image.FullId) { $Image.FullId } else { $Image.Id }) }
}

function Format-RemovalTarget {
    # A removal plan (image.remove dry_run) as the target of ShouldProcess, with the containers -Force overrides.
    param($Plan)
    $text = "$($Plan.Image) ($($Plan.Id))"
    if (@($Plan.Containers).Count) {
        $containers = foreach ($container in $Plan.Containers) { "$($container.Id) '$($container.Name)' ($($container.State))" }
        $text += ", which containers depend on: $($containers -join ', ')"
    }
    $text
}

function Format-PruneTarget {
    # One image of a prune plan as the target of ShouldProcess.
    param($Image)
    $text = "$($Image.Image) ($($Image.Id))"
    $others = @($Image.Tags).Count - 1
    if ($others -gt 0) { $text += " and its $others other tag$(if ($others -gt 1) { 's' })" }
    if ($Image.Reason -eq 'parent') { $text += ', an untagged parent left with no child' }
    if ($Image.PSObject.Properties['Policy'] -and $Image.Policy) { $text += ", $($Image.Policy)" }
    $text
}

function Get-PlannedDeletion {
    # The full ids of the images a batch of removal plans (image.remove_many dry_run answers) deletes, in order.
    param($Answers)
    $seen = [System.Collections.Generic.HashSet[string]]::new()
    foreach ($answer in $Answers) {
        if ($null -eq $answer -or $answer.PSObject.Properties['error']) { continue }
        if ($answer.result.Action -eq 'Delete' -and $seen.Add([string]$answer.result.FullId)) { [string]$answer.result.FullId }
    }
}
