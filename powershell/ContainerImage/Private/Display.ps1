# How the module's objects read in tables and in CSV: docker's human ages and sizes for the format views
# (ContainerImage.Format.ps1xml), and text forms of the structured properties for Export-Csv / ConvertTo-Csv.
#
# Format-view script blocks run outside the module and cannot call its private functions, and script
# methods run unbound too; so ConvertTo-HumanAge and ConvertTo-HumanSize themselves (self-contained) are the
# script methods FormatAge and FormatSize of the types the views show (ContainerImage.Types.ps1xml): the views call $_.FormatAge($_.Created) and $_.FormatSize($_.Size).

function ConvertTo-HumanAge {
    # docker images' CREATED: docker/go-units HumanDuration(Now - Time) + " ago", rule for rule (whole
    # seconds, minutes and days are cut, hours rounded; a time in the future is "Less than a second ago").
    param([Parameter(Mandatory)] [datetime] $Time, [datetime] $Now = [datetime]::UtcNow)
    $duration = $Now.ToUniversalTime() - $Time.ToUniversalTime()
    $seconds = [math]::Truncate($duration.TotalSeconds)
    $minutes = [math]::Truncate($duration.TotalMinutes)
    $hours = [math]::Truncate($duration.TotalHours + 0.5)
    $text = if ($seconds -lt 1) { 'Less than a second' }
    elseif ($seconds -eq 1) { '1 second' }
    elseif ($seconds -lt 60) { "$seconds seconds" }
    elseif ($minutes -eq 1) { 'About a minute' }
    elseif ($minutes -lt 60) { "$minutes minutes" }
    elseif ($hours -eq 1) { 'About an hour' }
    elseif ($hours -lt 48) { "$hours hours" }
    elseif ($hours -lt 24 * 7 * 2) { "$([math]::Truncate($hours / 24)) days" }
    elseif ($hours -lt 24 * 30 * 2) { "$([math]::Truncate($hours / 24 / 7)) weeks" }
    elseif ($hours -lt 24 * 365 * 2) { "$([math]::Truncate($hours / 24 / 30)) months" }
    else { "$([math]::Truncate([math]::Truncate($duration.TotalHours) / 24 / 365)) years" }
    "$text ago"
}

function ConvertTo-HumanSize {
    # docker/go-units HumanSizeWithPrecision(size, 3), as docker images shows SIZE: decimal units, three
    # significant digits (Go's %.3g: 1.98MB, 123kB, 1e+03kB), the same in every culture.
    param([Parameter(Mandatory)] [double] $Size)
    $units = 'B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'
    $unit = 0
    while ($Size -ge 1000 -and $unit -lt $units.Count - 1) { $Size /= 1000; $unit++ }
    $Size.ToString('G3', [System.Globalization.CultureInfo]::InvariantCulture).Replace('E', 'e') + $units[$unit]
}

function ConvertTo-ContainerImageText {
    # A structured property's value as Export-Csv writes it: the value, marked so that its ToString gives
    # text (Labels and other maps key=value;key=value, lists their items ;-separated, UsedBy and Aliases their
    # names) while $image.Labels.key, $alias.Tags[17763], $image.UsedBy.Name and @($image.UsedBy).Count work
    # as before. The value itself is marked (its pstypenames), not copied, except arrays (see below).
    param($Value, [ValidateSet('Map', 'List', 'NameList')] [string] $As)
    if ($As -eq 'Map') { }   # a dictionary, or JSON's object: as it is
    elseif ($Value -is [array]) {
        # A copy: the type name added below sticks to the array itself, and an empty array may be .NET's
        # one shared empty array.
        $Value = $Value.Clone()
    }
    elseif ($As -ne 'Map') { $Value = @($Value) }
    $wrapped = [psobject]$Value
    $wrapped.pstypenames.Insert(0, "ContainerImage.$As")
    , $wrapped   # not enumerated: a list stays one value
}

# ToString of the text types (ConvertTo-ContainerImageText): what Export-Csv writes for a structured property.
# These, FormatAge and FormatSize are the module's type data: tools/New-TypesFile.ps1 writes them into
# ContainerImage.Types.ps1xml (the manifest's TypesToProcess), which Import-Module loads itself.
$script:TextMethods = @{
    'ContainerImage.Map'      = {
        if ($this -is [System.Collections.IDictionary]) { $pairs = foreach ($key in $this.Keys) { "$key=$($this[$key])" } }
        else { $pairs = foreach ($property in $this.PSObject.Properties) { "$($property.Name)=$($property.Value)" } }
        @($pairs) -join ';'
    }
    'ContainerImage.List'     = { @(foreach ($item in $this) { [string]$item }) -join ';' }
    'ContainerImage.NameList' = { @(foreach ($item in $this) { [string]$item.Name }) -join ';' }
}
# The types whose views call FormatAge / FormatSize (their Deserialized forms have the same methods).
$script:AgedTypes = 'ContainerImage.Image', 'ContainerImage.HistoryEntry'
$script:SizedTypes = 'ContainerImage.Image', 'ContainerImage.HistoryEntry', 'ContainerImage.RemovalResult', 'ContainerImage.PushResult',
    'ContainerImage.DiskUsage'
