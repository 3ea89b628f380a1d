function Add-ContainerImageType {
    # Marks backend rows (already PSCustomObjects with the right properties) with a type name from the
    # format file (ContainerImage.Image by default), in place; the caller writes them with
    # $PSCmdlet.WriteObject($rows, $true), which is many times faster than emitting them one by one from a
    # script loop.
    param([object[]] $Rows, [string] $TypeName = 'ContainerImage.Image')
    # pstypenames, not .PSObject.TypeNames: going through .PSObject costs ~40 µs an object, 50x more.
    foreach ($row in $Rows) { $row.pstypenames.Insert(0, $TypeName) }
}
