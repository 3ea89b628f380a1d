@{
    RootModule           = 'ContainerImage.psm1'
    # Stamped by build.ps1 from backend/containerimage/__init__.py (__version__), the one place it is kept.
    ModuleVersion        = '0.0.0'
    GUID                 = '5f0b7c1e-3d7a-4a59-9a55-6c2f1e8b4d21'
    Author               = 'ContainerImage contributors'
    CompanyName          = 'ContainerImage'
    Copyright            = '(c) ContainerImage contributors. MIT License.'
    Description          = 'Container images on a Docker engine as PowerShell objects: list, install, and more, with pipeline binding, -WhatIf, progress and real error records. Backed by a Python backend (the docker SDK) spoken to as JSON-RPC.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Core', 'Desktop')
    FormatsToProcess     = @('ContainerImage.Format.ps1xml')
    # Made by tools/New-TypesFile.ps1 from Private/Display.ps1 and Private/Engines.ps1.
    TypesToProcess       = @('ContainerImage.Types.ps1xml')
    FunctionsToExport    = @(
        'Add-ContainerImageTag'
        'Connect-ContainerRegistry'
        'Disconnect-ContainerRegistry'
        'Find-ContainerImage'
        'Get-ContainerImage'
        'Get-ContainerImageHistory'
        'Get-ContainerImageSetting'
        'Import-ContainerImage'
        'Install-ContainerImage'
        'New-ContainerImage'
        'Publish-ContainerImage'
        'Remove-ContainerImage'
        'Save-ContainerImage'
        'Set-ContainerImageSetting'
        'Sync-ContainerImage'
        'Test-ContainerImage'
        'Get-ContainerEngine'
        'Test-ContainerEngine'
        'New-ContainerEngine'
        'Remove-ContainerEngine'
        'Copy-ContainerImage'
        'Get-ContainerImageUpdate'
        'Update-ContainerImage'
        'Get-ContainerImageDiskUsage'
        'Get-ContainerImageTag'
        'Get-ContainerImageManifest'
        'Unpublish-ContainerImage'
    )
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Docker', 'Container', 'Image', 'Registry', 'Windows', 'Linux')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
        }
    }
}
