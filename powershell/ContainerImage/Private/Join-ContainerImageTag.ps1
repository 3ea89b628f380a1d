function Join-ContainerImageTag {
    # name:tag for a Name and a Tag bound from the pipeline (Get-ContainerImageTag's objects); the name as it
    # is when there is no tag, or when it names a tag or digest itself (the backend says if both clash).
    param([string] $Name, [string] $Tag)
    if (-not $Tag) { return $Name }
    $lastPart = $Name.Substring($Name.LastIndexOf('/') + 1)
    if ($Name.Contains('@') -or $lastPart.Contains(':')) { return $Name }
    "${Name}:$Tag"
}
