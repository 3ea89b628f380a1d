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
