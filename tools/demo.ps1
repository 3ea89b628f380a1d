<#
.SYNOPSIS
The seed's image workflow, cmdlet by cmdlet, against the engine DOCKER_HOST names
(build.ps1 -Task Demo runs it inside a private engine and registries).
#>
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../powershell/ContainerImage') -Force

function Step([string] $Text) { Write-Host "`n>>> $Text" -ForegroundColor Cyan }

Step 'Install the base images (progress per layer while it downloads)'
Install-ContainerImage -Name microsoft/windowsservercore, microsoft/nanoserver | Format-Table

Step 'List the images'
Get-ContainerImage | Format-Table

Step 'Install a tagged image, then every tag of its repository'
Install-ContainerImage -Name microsoft/aspnet -Tag windowsservercore | Format-Table
Install-ContainerImage -Name microsoft/aspnet -AllTags | Format-Table

Step 'Objects, not text: filter, sort and pick properties'
Get-ContainerImage -Name 'microsoft/*' | Where-Object Size -gt 1KB | Sort-Object Created |
    Select-Object Repository, Tag, Id, Os, Architecture, Size | Format-Table -AutoSize

Step 'Installing again downloads nothing (-Force asks the registry for a newer image)'
Install-ContainerImage -Name microsoft/nanoserver -Verbose | Format-Table

Step 'Mistakes get clear errors with meaningful categories, and the pipeline goes on'
$images = 'microsoft/nano server', 'microsoft/doesnotexist:1.0', 'microsoft/nanoserver' |
    Install-ContainerImage -ErrorVariable failures -ErrorAction SilentlyContinue
foreach ($failure in $failures) {
    Write-Host ("{0,-20} {1}" -f $failure.CategoryInfo.Category, $failure.Exception.Message) -ForegroundColor Yellow
}
Write-Host "Still installed: $($images.Repository -join ', ')"

if ($env:CONTAINERIMAGE_TEST_REGISTRY) {
    Step "Install from the authenticated registry $env:CONTAINERIMAGE_TEST_REGISTRY with a credential"
    $credential = [pscredential]::new($env:CONTAINERIMAGE_TEST_USER, (ConvertTo-SecureString $env:CONTAINERIMAGE_TEST_PASSWORD -AsPlainText -Force))
    Install-ContainerImage -Name "$env:CONTAINERIMAGE_TEST_REGISTRY/private/busybox:1.0" -Credential $credential | Format-Table
}

Step 'The same backend as a human CLI: containerimage images'
$python = if ($env:CONTAINERIMAGE_PYTHON) { $env:CONTAINERIMAGE_PYTHON } else { 'python3' }
$env:PYTHONPATH = (Resolve-Path (Join-Path $PSScriptRoot '../backend')).ProviderPath
& $python -m containerimage images 'microsoft/*'
