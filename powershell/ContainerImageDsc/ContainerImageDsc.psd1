@{
    # The class-based DSC resource ContainerImage, in the root module: PSDesiredStateConfiguration's
    # Invoke-DscResource (`using module <this manifest>`) and DSC v3's PowerShell adapter (which parses the
    # root module file and names the type ContainerImageDsc/ContainerImage) both find classes only there.
    RootModule           = 'ContainerImageDsc.psm1'
    # Stamped by build.ps1 from backend/containerimage/__init__.py (__version__), the one place it is kept.
    ModuleVersion        = '0.0.0'
    GUID                 = '0c6f5a8e-2b1d-4f3e-9a7c-5d4e3b2a1f60'
    Author               = 'ContainerImage contributors'
    CompanyName          = 'ContainerImage'
    Copyright            = '(c) ContainerImage contributors. MIT License.'
    Description          = 'The class-based DSC resource ContainerImage: one container image on a Docker engine, present (optionally pinned to a digest) or absent. Uses the ContainerImage module.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Core', 'Desktop')
    RequiredModules      = @('ContainerImage')
    DscResourcesToExport = @('ContainerImage')
    FunctionsToExport    = @()
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('DSC', 'DscResource', 'Docker', 'Container', 'Image')
            LicenseUri = 'https://opensource.org/licenses/MIT'
        }
    }
}
