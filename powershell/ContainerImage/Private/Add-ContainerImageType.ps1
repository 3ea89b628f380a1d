function Add-ContainerImageType {
    # Marks backend rows (already PSCustomObjects with the right properties) with a type name from the
    # format file (ContainerImage.Image by default), in place; the caller writes them with
    # $PSCmdlet.WriteObject($rows, $true), which is many times faster than emitting them one by one from a
    # script loop. Structured properties get text forms for Export-Csv (Private/Display.ps1).
    param([object[]] $Rows, [string] $TypeName = 'ContainerImage.Image')
    # pstypenames, not .PSObject.TypeNames: going through .PSObject costs ~40 µs an object, 50x more.
    foreach ($row in $Rows) { $row.pstypenames.Insert(0, $TypeName) }
    $lists = $script:TextProperties[$TypeName]
    if (-not $lists) { return }
    foreach ($row in $Rows) {
        foreach ($name in $lists.Keys) {
            $value = $row.$name
            if ($null -ne $value) { $row.$name = ConvertTo-ContainerImageText $value -As $lists[$name] }
        }
    }
}

# The properties of each type that hold maps or lists, and how each reads as text.
$script:TextProperties = @{
    'ContainerImage.Image'         = @{ Labels = 'Map'; UsedBy = 'NameList' }
    'ContainerImage.HistoryEntry'  = @{ Tags = 'List' }
    'ContainerImage.SearchResult'  = @{ Tags = 'List' }
    'ContainerImage.RemovalResult' = @{ Untagged = 'List'; Deleted = 'List' }
    'ContainerImage.SyncChange'    = @{ Containers = 'NameList' }
}
