function Add-ContainerImageType {
    # Marks backend rows (already PSCustomObjects with the right properties) with a type name from the
    # format file (ContainerImage.Image by default), in place; the caller writes them with
    # $PSCmdlet.WriteObject($rows, $true), which is many times faster than emitting them one by one from a
    # script loop. Maps and lists among the properties get text forms for Export-Csv (Private/Display.ps1).
    param([object[]] $Rows, [string] $TypeName = 'ContainerImage.Image')
    # pstypenames, not .PSObject.TypeNames: going through .PSObject costs ~40 µs an object, 50x more.
    foreach ($row in $Rows) { $row.pstypenames.Insert(0, $TypeName) }
    if ($TypeName -eq 'ContainerImage.Image') {
        # The one type that comes by the thousand: its two properties spelled out, at a few µs an image.
        foreach ($row in $Rows) {
            # Labels stay JSON's object ($image.Labels.'com.example.key'): a dictionary would cost ~250 µs an
            # image (enumerating a fresh object's properties is slow), 5 s for 20000 images.
            $labels = $row.Labels
            if ($labels -is [System.Collections.IDictionary]) {
                # Labels a PSCustomObject cannot hold (names differing only in case, or psobject): the parser's
                # dictionary, wrapped so that the type name stays with it.
                $row.Labels = ConvertTo-ContainerImageText $labels -As Map
            } elseif ($null -ne $labels) { $labels.pstypenames.Insert(0, 'ContainerImage.Map') }
            # A copy: the type name added below sticks to the array itself, and an empty array may be
            # .NET's one shared empty array (marking that 20000 times costs minutes).
            $users = [object[]]::new(0)
            if ($null -ne $row.UsedBy) { $users = ([object[]]$row.UsedBy).Clone() }
            $users = [psobject]$users
            $users.pstypenames.Insert(0, 'ContainerImage.NameList')
            $row.UsedBy = $users
        }
        return
    }
    $properties = $script:TextProperties[$TypeName]
    if (-not $properties) { return }
    foreach ($row in $Rows) {
        foreach ($name in $properties.Keys) {
            if ($null -ne $row.$name) { $row.$name = ConvertTo-ContainerImageText $row.$name -As $properties[$name] }
        }
    }
}

# The properties of each type that hold maps or lists, and how each reads as text (Private/Display.ps1).
$script:TextProperties = @{
    'ContainerImage.Image'         = @{ Labels = 'Map'; UsedBy = 'NameList' }   # done inline above
    'ContainerImage.HistoryEntry'  = @{ Tags = 'List' }
    'ContainerImage.SearchResult'  = @{ Tags = 'List' }
    'ContainerImage.RemovalResult' = @{ Untagged = 'List'; Deleted = 'List' }
    'ContainerImage.SyncChange'    = @{ Containers = 'NameList' }
    'ContainerImage.CopyResult'    = @{ Platforms = 'List' }
    'ContainerImage.RemoteManifest' = @{ Labels = 'Map' }
    'ContainerImage.RemoteRemoval' = @{ Tags = 'List' }
}
