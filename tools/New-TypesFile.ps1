<#
.SYNOPSIS
The module's type data (ContainerImage.Types.ps1xml, the manifest's TypesToProcess), made from
Private/Display.ps1 and Private/Engines.ps1; writes it to -Path, or outputs its text.

.DESCRIPTION
The file is kept in powershell/ContainerImage beside the manifest (build.ps1 -Task Build writes it anew;
Views.Tests.ps1 checks it is up to date), so that the checkout and the installed module load the same one.
Import-Module loads a TypesToProcess file itself: Update-TypeData at import would load the module
Microsoft.PowerShell.Utility (its first use costs 100-400 ms in a new PowerShell) into every import.

What it holds: the script methods the views call, FormatAge and FormatSize (ConvertTo-HumanAge and
ConvertTo-HumanSize, their text), for each type that shows them and its Deserialized form; ToString of the
text types of Export-Csv (ContainerImage.Map, .List, .NameList); and Engine, $null unless the object carries
its own, on every output type and its Deserialized form.
#>
param([string] $Path)
$ErrorActionPreference = 'Stop'
$source = Join-Path $PSScriptRoot '../powershell/ContainerImage/Private'
$definitions = New-Module -ArgumentList $source -ScriptBlock {
    param($source)
    . (Join-Path $source 'Display.ps1')
    . (Join-Path $source 'Engines.ps1')
    Export-ModuleMember
}
$data = & $definitions {
    @{
        Age         = ${function:ConvertTo-HumanAge}.ToString()
        Size        = ${function:ConvertTo-HumanSize}.ToString()
        AgedTypes   = $script:AgedTypes
        SizedTypes  = $script:SizedTypes
        OutputTypes = $script:OutputTypes
        TextMethods = $script:TextMethods
    }
}
function Format-Script([string] $Text) {
    # The text as one XML text node, its lines indented as they were.
    [System.Security.SecurityElement]::Escape($Text.Trim("`r", "`n"))
}
$members = [ordered]@{}   # type name -> its members' XML, in a fixed order
function Add-TypeMember([string] $Type, [string] $Xml) {
    if (-not $members.Contains($Type)) { $members[$Type] = [System.Collections.Generic.List[string]]::new() }
    $members[$Type].Add($Xml)
}
# Engine: a type-level $null (a types file cannot hold a $null NoteProperty: a script property that gives
# $null, read-only as the type-level note property was).
$engine = @'
      <ScriptProperty>
        <Name>Engine</Name>
        <GetScriptBlock>$null</GetScriptBlock>
      </ScriptProperty>
'@
foreach ($type in $data.OutputTypes) {
    foreach ($name in $type, "Deserialized.$type") { Add-TypeMember $name $engine }
}
foreach ($type in $data.AgedTypes) {
    foreach ($name in $type, "Deserialized.$type") {
        Add-TypeMember $name "      <ScriptMethod>`n        <Name>FormatAge</Name>`n        <Script>$(Format-Script $data.Age)</Script>`n      </ScriptMethod>"
    }
}
foreach ($type in $data.SizedTypes) {
    foreach ($name in $type, "Deserialized.$type") {
        Add-TypeMember $name "      <ScriptMethod>`n        <Name>FormatSize</Name>`n        <Script>$(Format-Script $data.Size)</Script>`n      </ScriptMethod>"
    }
}
foreach ($type in $data.TextMethods.Keys | Sort-Object) {
    Add-TypeMember $type "      <ScriptMethod>`n        <Name>ToString</Name>`n        <Script>$(Format-Script $data.TextMethods[$type].ToString())</Script>`n      </ScriptMethod>"
}
$lines = [System.Collections.Generic.List[string]]::new()
$lines.Add('<?xml version="1.0" encoding="utf-8"?>')
$lines.Add('<!-- Made by tools/New-TypesFile.ps1 from Private/Display.ps1 and Private/Engines.ps1 (build.ps1 -Task Build): edit those, not this. -->')
$lines.Add('<Types>')
foreach ($type in $members.Keys) {
    $lines.Add("  <Type>`n    <Name>$type</Name>`n    <Members>")
    foreach ($member in $members[$type]) { $lines.Add($member) }
    $lines.Add("    </Members>`n  </Type>")
}
$lines.Add('</Types>')
$text = ($lines -join "`n") + "`n"
if ($Path) { [System.IO.File]::WriteAllText($Path, $text, [System.Text.UTF8Encoding]::new($false)) } else { $text }
