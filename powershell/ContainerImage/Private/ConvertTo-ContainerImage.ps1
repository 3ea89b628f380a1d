function ConvertTo-ContainerImage {
    # Backend image rows (already PSCustomObjects with the right properties) as ContainerImage.Image.
    param([object[]] $Rows)
    foreach ($row in $Rows) {
        $row.PSObject.TypeNames.Insert(0, 'ContainerImage.Image')
        $row
    }
}
