# The settings file's backend rows (operations/configuration.py) as ContainerImage.Setting objects.

function ConvertTo-SettingObject {
    # A settings.get / settings.set row as a ContainerImage.Setting: Aliases become ContainerImage.Alias
    # objects with Tags as a SortedDictionary[int, string] (Windows build -> tag); Problem the message of the file's
    # error (the ErrorRecord itself is written by the cmdlet).
    param([Parameter(Mandatory)] $Row)
    $aliases = foreach ($alias in $Row.Aliases) {
        # By build, and indexed by build: $alias.Tags[17763] (an ordered hashtable would take 17763 as a position).
        $tags = [System.Collections.Generic.SortedDictionary[int, string]]::new()
        foreach ($property in $alias.Tags.PSObject.Properties) { $tags[[int]$property.Name] = [string]$property.Value }
        $object = [pscustomobject]@{
            Name       = $alias.Name
            Repository = $alias.Repository
            Tag        = $alias.Tag
            Tags       = ConvertTo-ContainerImageText $tags -As Map
            Source     = $alias.Source
        }
        $object.pstypenames.Insert(0, 'ContainerImage.Alias')
        $object
    }
    $setting = [pscustomobject]@{
        Path       = $Row.Path
        Exists     = [bool]$Row.Exists
        Engine     = $Row.Engine
        Python     = $Row.Python
        Transport  = $Row.Transport
        Progress   = [bool]$Row.Progress
        Registries = ConvertTo-ContainerImageText ([string[]]@($Row.Registries)) -As List
        Aliases    = ConvertTo-ContainerImageText @($aliases) -As NameList
        Problem    = if ($Row.Problem) { [string]$Row.Problem.message } else { $null }
    }
    $setting.pstypenames.Insert(0, 'ContainerImage.Setting')
    $setting
}

function ConvertTo-BackendAlias {
    # -Alias's hashtable (name -> @{Repository; Tag} or @{Repository; Tags}) as JSON-ready dictionaries:
    # every key a string (ConvertTo-Json refuses Tags' [int] build keys). The backend checks the shape.
    param([Parameter(Mandatory)] [hashtable] $Alias)
    $result = [ordered]@{}
    foreach ($name in $Alias.Keys) {
        $spec = $Alias[$name]
        if ($spec -is [System.Collections.IDictionary]) {
            $copy = [ordered]@{}
            foreach ($key in $spec.Keys) {
                $value = $spec[$key]
                if ($value -is [System.Collections.IDictionary]) {
                    $inner = [ordered]@{}
                    foreach ($build in $value.Keys) { $inner[[string]$build] = $value[$build] }
                    $value = $inner
                }
                $copy[[string]$key] = $value
            }
            $spec = $copy
        }
        $result[[string]$name] = $spec
    }
    $result
}

function Read-SettingsPython {
    # The Python the settings file names, read without Python (its top-level `Python: <path>` line) at import,
    # so that a new session starts that Python at once. Before, the first backend
    # of every session ran PATH's python3, learnt the setting from its handshake and was started again with it
    # (measured: a cold first Get-ContainerImage took 2,419 ms with the setting against 1,956 ms with the same
    # Python named by CONTAINERIMAGE_PYTHON). Only a path to a file that exists counts; anything else (no
    # file, no such line, a YAML form this does not read, a command name) is $null, and the handshake, whose
    # parser is the real one, decides as before (Select-BackendTransport). The file's place is settings.py's path().
    $path = $env:CONTAINERIMAGE_CONFIG
    if (-not $path) {
        $base = if ([System.IO.Path]::DirectorySeparatorChar -eq '\' -and $env:APPDATA) { [System.IO.Path]::Combine($env:APPDATA, 'ContainerImage') }
                elseif ($env:XDG_CONFIG_HOME) { [System.IO.Path]::Combine($env:XDG_CONFIG_HOME, 'containerimage') }
                else { [System.IO.Path]::Combine($HOME, '.config', 'containerimage') }
        $path = [System.IO.Path]::Combine($base, 'config.yaml')
    }
    if (-not [System.IO.File]::Exists($path)) { return $null }
    $text = try { [System.IO.File]::ReadAllText($path) } catch { $null }
    if (-not $text) { return $null }
    $line = [regex]::Match($text, '(?im)^python[ \t]*:[ \t]*(.*?)[ \t]*\r?$')
    if (-not $line.Success) { return $null }
    $value = $line.Groups[1].Value
    $python = if ($value -match '^"([^"\\]*)"[ \t]*(#.*)?$') { $Matches[1] }           # "..." without escapes
              elseif ($value -match "^'((?:[^']|'')*)'[ \t]*(#.*)?$") { $Matches[1].Replace("''", "'") }
              elseif ($value -match '^([^"''#&*!|>%@`{\[][^#]*?)(?:[ \t]+#.*)?$') { $Matches[1] }   # a plain scalar
    if ($python -and ($python.Contains('/') -or $python.Contains('\')) -and [System.IO.File]::Exists($python)) { $python } else { $null }
}
