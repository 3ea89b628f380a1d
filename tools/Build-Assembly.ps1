<#
.SYNOPSIS
Compiles the module's C# (powershell/ContainerImage/CSharp/*.cs) into ContainerImage.Messages.dll.

.DESCRIPTION
With PowerShell's own compiler (Add-Type -OutputAssembly): no .NET SDK needed. The assembly is built for the
.NET this pwsh runs on; the module loads it where it can and otherwise uses PowerShell's JSON parser.
Skipped when -Path is newer than every source file and than their folder (whose time moves when a file is
added, removed or renamed: a source removed rebuilds too). Run by build.ps1 (into the checkout's
powershell/ContainerImage/lib/, which the built module copies).
#>
param(
    [string] $Path = (Join-Path (Split-Path $PSScriptRoot) 'powershell/ContainerImage/lib/ContainerImage.Messages.dll')
)
$ErrorActionPreference = 'Stop'
$folder = Get-Item (Join-Path (Split-Path $PSScriptRoot) 'powershell/ContainerImage/CSharp')
$sources = @(Get-ChildItem $folder -Filter '*.cs')
$built = Get-Item -LiteralPath $Path -ErrorAction Ignore
if ($built -and -not (@($folder) + $sources | Where-Object LastWriteTimeUtc -gt $built.LastWriteTimeUtc)) { return }
$null = New-Item -ItemType Directory -Force (Split-Path $Path)
# Add-Type writes nothing over an existing file, and leaves a broken one when compiling fails: build beside it.
$partial = "$Path.$PID.tmp"
try {
    Add-Type -Path $sources.FullName -OutputAssembly $partial -OutputType Library
    Move-Item -LiteralPath $partial -Destination $Path -Force
} finally {
    Remove-Item -LiteralPath $partial -ErrorAction Ignore
}
Write-Host "Compiled $Path"
