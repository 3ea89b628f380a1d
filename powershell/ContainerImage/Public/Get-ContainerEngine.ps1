function Get-ContainerEngine {
    <#
    .SYNOPSIS
    Lists the Docker engines you can name: docker's default context, every docker context, and the engine in use.

    .DESCRIPTION
    Get-ContainerEngine reads docker's own context store (the contexts folder of $env:DOCKER_CONFIG, else
    ~/.docker), so it lists exactly what `docker context ls` lists: 'default' (DOCKER_HOST when that is set,
    else this OS's default engine) and each context made by `docker context create` or New-ContainerEngine.
    When the module's Engine setting (Set-ContainerImageSetting -Engine) is the engine in use, it is listed
    too, under its address.

    Current is $true for the engine a command uses when it names none: DOCKER_HOST, else the context
    DOCKER_CONTEXT names, else the Engine setting, else config.json's current context (docker context use),
    else the default.

    Nothing is contacted: Test-ContainerEngine reaches the engines. A context file that is not what docker
    writes is an error (InvalidData) naming the file, which is left as it is.

    .PARAMETER Name
    Names of engines to list, wildcards allowed. Without it, all. A name without wildcards that names no
    engine is an error (ObjectNotFound) that lists the known names.

    .EXAMPLE
    Get-ContainerEngine

    NAME         CURRENT TLS   SOURCE      HOST
    ----         ------- ---   ------      ----
    default      *             default     unix:///var/run/docker.sock
    web1                 True  context     tcp://web1.example.org:2376
    build                      context     ssh://admin@build.example.org

    Every engine you can name, as `docker context ls` lists them.

    .EXAMPLE
    Get-ContainerEngine -Name web* | Test-ContainerEngine

    Reaches every engine whose name starts with web, all at once.

    .EXAMPLE
    Get-ContainerEngine | Where-Object Current

    The engine commands use when they name none, and where that choice comes from (Source).

    .INPUTS
    System.String (names).

    .OUTPUTS
    ContainerImage.Engine. Properties: Name, Host (the address: unix://, npipe://, tcp://, ssh://), Current,
    Tls (TLS files or SkipTlsVerify for a tcp:// engine), Source (default, DOCKER_HOST, context or settings),
    Description.

    .LINK
    Test-ContainerEngine

    .LINK
    New-ContainerEngine

    .LINK
    Remove-ContainerEngine
    #>
    [CmdletBinding()]
    [OutputType('ContainerImage.Engine')]
    param(
        [Parameter(Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [SupportsWildcards()]
        [string[]] $Name
    )
    begin {
        Import-CallerPreference $PSCmdlet
        $result = Invoke-Backend -Method engine.list
        if ($result -is [System.Management.Automation.ErrorRecord]) {
            Write-ContainerImageError $PSCmdlet $result
            $engines = $null
        } else {
            $engines = @($result.engines)
            Add-ContainerImageType $engines -TypeName 'ContainerImage.Engine'
        }
        $written = @{}
    }
    process {
        if ($null -eq $engines) { return }
        if (-not $Name) {
            foreach ($engine in $engines) { if (-not $written[$engine.Name]) { $written[$engine.Name] = $true; $PSCmdlet.WriteObject($engine) } }
            return
        }
        foreach ($item in $Name) {
            $pattern = [System.Management.Automation.WildcardPattern]::new($item, 'IgnoreCase')
            $matched = @($engines | Where-Object { $pattern.IsMatch($_.Name) })
            if (-not $matched -and -not [System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($item)) {
                $known = ($engines | ForEach-Object Name) -join ', '
                Write-ContainerImageError $PSCmdlet (New-ContainerImageError -Kind NotFound -Target $item `
                    -Message "There is no engine named '$item'. Known: $known.")
                continue
            }
            foreach ($engine in $matched) { if (-not $written[$engine.Name]) { $written[$engine.Name] = $true; $PSCmdlet.WriteObject($engine) } }
        }
    }
}
