function Get-ContainerImageSetting {
    <#
    .SYNOPSIS
    Shows the module's settings: the engine, Python, transport, progress, registries and image aliases.

    .DESCRIPTION
    Get-ContainerImageSetting reads the settings file and outputs one ContainerImage.Setting object with
    the values in effect: what the file says, and the defaults for what it leaves out.

    The file is $env:CONTAINERIMAGE_CONFIG when that is set, else
    $env:APPDATA\ContainerImage\config.yaml on Windows, else $XDG_CONFIG_HOME/containerimage/config.yaml
    (~/.config/containerimage/config.yaml). It is YAML with these keys:

        Engine: unix:///var/run/docker.sock   # the engine when neither DOCKER_HOST nor DOCKER_CONTEXT is set
        Python: /usr/bin/python3              # the Python for the backend when CONTAINERIMAGE_PYTHON is not set
        Transport: Auto                       # Stdio | InProcess | Auto
        Progress: true                        # false: no progress bars
        Registries:                           # Find-ContainerImage searches these besides Docker Hub
          - registry.example.com:5000
        Aliases:                              # friendly names for Install-ContainerImage and Test-ContainerImage
          Tools:
            Repository: registry.example.com:5000/tools/busybox
            Tag: latest                       # a fixed tag, or Tags: {17763: '1809', 20348: ltsc2022} by Windows build

    A missing file means all defaults. Change the file with Set-ContainerImageSetting, or by hand: it is
    read again whenever it changes, so a change applies to the next command without restarting anything.
    Other keys in the file are kept and ignored.

    A broken file (bad YAML, a wrong type, an unknown Transport, an alias without Repository...) is ONE
    error (InvalidData) naming the file, line and column; the object then shows the defaults, and its
    Problem property says what is wrong. The module goes on working with the defaults where that is safe
    (listing, installing real image names); aliases, and Set-ContainerImageSetting, fail with that error
    until the file is fixed.

    .EXAMPLE
    Get-ContainerImageSetting

    Path       : /home/me/.config/containerimage/config.yaml
    Exists     : True
    Engine     : unix:///var/run/docker.sock
    Python     :
    Transport  : Auto
    Progress   : True
    Registries : {registry.example.com:5000}
    Aliases    : NanoServer, Server, Tools, WindowsServerCore
    Problem    :

    Shows the settings in effect.

    .EXAMPLE
    (Get-ContainerImageSetting).Aliases

    SOURCE   NAME              REPOSITORY                              TAG
    ------   ----              ----------                              ---
    default  NanoServer        mcr.microsoft.com/windows/nanoserver    17763: 1809, 20348: ltsc2022, 26100: ltsc2025
    settings Tools             registry.example.com:5000/tools/busybox latest

    Lists the image aliases: the defaults shipped with the module and your own (Source settings).

    .EXAMPLE
    if ((Get-ContainerImageSetting -ErrorAction SilentlyContinue).Problem) { Write-Warning 'Fix the settings file' }

    Checks in a script whether the settings file has a problem, without writing the error.

    .INPUTS
    None.

    .OUTPUTS
    ContainerImage.Setting. Properties: Path (the file), Exists ([bool]), Engine, Python (the file's value, or
    $null for the default), Transport (Auto, Stdio or InProcess), Progress ([bool]), Registries ([string[]]),
    Aliases (ContainerImage.Alias objects: Name, Repository, Tag, Tags (SortedDictionary[int, string]: Windows
    build -> tag, e.g. .Tags[17763]), Source
    'default' or 'settings'), Problem (the message of the file's error, or $null).

    .LINK
    Set-ContainerImageSetting

    .LINK
    Find-ContainerImage

    .LINK
    Install-ContainerImage
    #>
    [CmdletBinding()]
    [OutputType('ContainerImage.Setting')]
    param()
    Import-CallerPreference $PSCmdlet
    $result = Invoke-Backend -Method settings.get -Params @{}
    if ($result -is [System.Management.Automation.ErrorRecord]) {
        Write-ContainerImageError $PSCmdlet $result
        return
    }
    if ($result.Problem) { Write-ContainerImageError $PSCmdlet (ConvertFrom-BackendError $result.Problem) }
    $PSCmdlet.WriteObject((ConvertTo-SettingObject $result))
}
