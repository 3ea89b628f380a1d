# Tab completion: local image names for every parameter that names an image, containers for
# New-ContainerImage -Container, the registries the user has logged in to for -Registry, and engine names.
# A completer never shows an error while the user types: on any failure it offers nothing.

function New-CompletionResult {
    param([string[]] $Text, [string] $WordToComplete)
    $word = $WordToComplete -replace "^['`"]|['`"]$", ''
    foreach ($item in $Text | Sort-Object -Unique) {
        if ($item -and $item.StartsWith($word, [System.StringComparison]::OrdinalIgnoreCase)) {
            $quoted = if ($item -match '[\s''"`$]') { "'" + ($item -replace "'", "''") + "'" } else { $item }
            [System.Management.Automation.CompletionResult]::new($quoted, $item, 'ParameterValue', $item)
        }
    }
}

function Get-DockerConfigRegistry {
    # The registries named in Docker's config.json (where docker login and Connect-ContainerRegistry
    # store logins): read directly, as completion must be quick.
    $folder = if ($env:DOCKER_CONFIG) { $env:DOCKER_CONFIG } else { [System.IO.Path]::Combine($HOME, '.docker') }
    $path = [System.IO.Path]::Combine($folder, 'config.json')
    if (-not [System.IO.File]::Exists($path)) { return }
    try { $config = [System.IO.File]::ReadAllText($path) | ConvertFrom-Json } catch { return }
    foreach ($section in 'auths', 'credHelpers') {
        if ($config.PSObject.Properties[$section]) { $config.$section.PSObject.Properties.Name }
    }
}

function Register-ContainerImageCompleter {
    $imageCompleter = {
        param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
        $word = $wordToComplete -replace "^['`"]|['`"]$", ''
        $names = [System.Collections.Generic.List[string]]::new()
        if ($commandName -in 'Install-ContainerImage', 'Test-ContainerImage') {
            # Aliases too (NanoServer, ...): names these two resolve to the right image for this host.
            $settings = Invoke-Backend -Method settings.get
            if ($settings -isnot [System.Management.Automation.ErrorRecord]) { foreach ($alias in $settings.Aliases) { $names.Add($alias.Name) } }
        }
        $result = Invoke-Backend -Method image.list -Params @{ name = @("$word*") }   # an error when the word is no name: no images
        if ($result -isnot [System.Management.Automation.ErrorRecord]) {
            foreach ($row in $result.images) {
                if ($row.Repository) { $names.Add($row.Repository); if ($row.Tag) { $names.Add("$($row.Repository):$($row.Tag)") } }
            }
        }
        New-CompletionResult -Text $names -WordToComplete $wordToComplete
    }
    $imageParameters = @{
        'Get-ContainerImage'        = 'Name', 'ChildOf'
        'Install-ContainerImage'    = , 'Name'
        'Test-ContainerImage'       = , 'Name'
        'Remove-ContainerImage'     = , 'Name'
        'Get-ContainerImageHistory' = , 'Name'
        'Add-ContainerImageTag'     = , 'Name'
        'Publish-ContainerImage'    = , 'Name'
        'Save-ContainerImage'       = , 'Name'
        'Get-ContainerImageUpdate'  = , 'Name'
        'Update-ContainerImage'     = , 'Name'
    }
    foreach ($command in $imageParameters.Keys) {
        foreach ($parameter in $imageParameters[$command]) {
            Register-ArgumentCompleter -CommandName $command -ParameterName $parameter -ScriptBlock $imageCompleter
        }
    }

    Register-ArgumentCompleter -CommandName New-ContainerImage -ParameterName Container -ScriptBlock {
        param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
        $result = Invoke-Backend -Method container.list
        if ($result -is [System.Management.Automation.ErrorRecord]) { return }
        New-CompletionResult -Text ($result.containers | ForEach-Object { $_.Name; $_.Id }) -WordToComplete $wordToComplete
    }

    $registryCompleter = {
        param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
        New-CompletionResult -Text (Get-DockerConfigRegistry) -WordToComplete $wordToComplete
    }
    foreach ($command in 'Connect-ContainerRegistry', 'Disconnect-ContainerRegistry', 'Find-ContainerImage', 'Set-ContainerImageSetting') {
        Register-ArgumentCompleter -CommandName $command -ParameterName Registry -ScriptBlock $registryCompleter
    }

    # The aliases the settings file defines (the shipped ones can be replaced, not removed).
    Register-ArgumentCompleter -CommandName Set-ContainerImageSetting -ParameterName RemoveAlias -ScriptBlock {
        param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
        $result = Invoke-Backend -Method settings.get
        if ($result -is [System.Management.Automation.ErrorRecord]) { return }
        New-CompletionResult -Text ($result.Aliases | Where-Object Source -eq 'settings' | ForEach-Object Name) -WordToComplete $wordToComplete
    }

    # Engine names: 'default' and docker's contexts. $script:EngineNameCompleter serves every -Engine too
    # (registered where that parameter is added).
    $script:EngineNameCompleter = {
        param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
        New-CompletionResult -Text (@('default') + @(Get-DockerContextName)) -WordToComplete $wordToComplete
    }
    foreach ($command in 'Get-ContainerEngine', 'Test-ContainerEngine', 'Remove-ContainerEngine') {
        Register-ArgumentCompleter -CommandName $command -ParameterName Name -ScriptBlock $script:EngineNameCompleter
    }
}

function Get-DockerContextName {
    # The names of docker's contexts, read from its context store directly (completion must be quick);
    # a file that cannot be read is skipped here (Get-ContainerEngine reports it).
    $folder = if ($env:DOCKER_CONFIG) { $env:DOCKER_CONFIG } else { [System.IO.Path]::Combine($HOME, '.docker') }
    $meta = [System.IO.Path]::Combine($folder, 'contexts', 'meta')
    if (-not [System.IO.Directory]::Exists($meta)) { return }
    foreach ($directory in [System.IO.Directory]::GetDirectories($meta)) {
        $path = [System.IO.Path]::Combine($directory, 'meta.json')
        if (-not [System.IO.File]::Exists($path)) { continue }
        try { $context = [System.IO.File]::ReadAllText($path) | ConvertFrom-Json } catch { continue }
        if ($context.Name -is [string]) { $context.Name }
    }
}
