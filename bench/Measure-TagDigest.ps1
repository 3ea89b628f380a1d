<#
.SYNOPSIS
The Get-ContainerImageTag -Digest benchmark of issue 15: a 1,000-tag repository, against skopeo list-tags
plus the HEADs done concurrently by a plain script.

.DESCRIPTION
Run inside a sandbox (it needs CONTAINERIMAGE_TEST_TARGET, a registry without auth):

    /usr/bin/python3 tools/sandbox.py run -- pwsh -NoProfile -File bench/Measure-TagDigest.ps1

Pushes one image under -Count tags into bench/tags-<pid> (tools/registry_push.py, then its manifest under
every tag), then times, interleaved for -Rounds rounds (medians, one untimed round first):
  ours      Get-ContainerImageTag -Name <repo> -Digest (the module imported, its backend warm)
  baseline  `skopeo list-tags` + bench/tag_heads.py (16 HEADs at once, standard library), one after the
            other, as a script would chain them
and prints the ratio (target: at most 1.2), also as JSON into bench/results/tag-digest.json.
#>
param([int] $Count = 1000, [int] $Rounds = 5)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot
$python = '/usr/bin/python3'
$target = $env:CONTAINERIMAGE_TEST_TARGET
if (-not $target) { throw 'Run this inside the sandbox: /usr/bin/python3 tools/sandbox.py run -- pwsh -NoProfile -File bench/Measure-TagDigest.ps1' }
. (Join-Path $PSScriptRoot 'BenchmarkHelpers.ps1')

$repo = "bench/tags-$PID"
$tags = @(1..$Count | ForEach-Object { 'v{0:D4}' -f $_ })
$pushed = & $python (Join-Path $root 'tools/registry_push.py') --registry $target --name $repo --tag $tags[0] --platform linux/amd64 | ConvertFrom-Json
& $python -c @"
import sys; sys.path.insert(0, '$root/tools')
from registry_push import Registry
registry = Registry('$target')
_, body = registry.request('GET', '/v2/$repo/manifests/$($tags[0])', headers={'Accept': '$($pushed.mediaType)'})
for tag in sys.argv[1:]:
    registry.put_manifest('$repo', tag, '$($pushed.mediaType)', body)
"@ @($tags | Select-Object -Skip 1)
if ($LASTEXITCODE) { throw 'could not tag the benchmark image' }
$tagFile = Join-Path ([System.IO.Path]::GetTempPath()) "tags-$PID.txt"

Import-Module (Join-Path $root 'powershell/ContainerImage') -Force
$cases = [ordered]@{
    'Get-ContainerImageTag -Digest' = {
        $found = Get-ContainerImageTag -Name "$target/$repo" -Digest
        if (@($found | Where-Object Digest).Count -ne $Count) { throw "Get-ContainerImageTag -Digest gave $(@($found).Count) digests" }
        $found
    }
    'skopeo list-tags + concurrent HEADs' = {
        $listed = (& skopeo list-tags --tls-verify=false "docker://$target/$repo" | ConvertFrom-Json).Tags
        Set-Content -Path $tagFile -Value $listed
        $got = Get-Content $tagFile | & $python (Join-Path $PSScriptRoot 'tag_heads.py') $target $repo
        if ([int]$got -ne $Count) { throw "the plain script got $got digests" }
        $listed
    }
}
$medians = Measure-Rounds -Cases $cases -Rounds $Rounds -WarmUp -Expected $Count
Remove-Item $tagFile -ErrorAction Ignore
$row = New-Comparison -Case "tags with digests of a $Count-tag repository" -Images $Count -Transport ($env:CONTAINERIMAGE_TRANSPORT, 'Stdio' -ne $null)[0] `
    -Ours $medians[0] -OursName 'Get-ContainerImageTag -Digest' -Baseline $medians[1] -BaselineName 'skopeo list-tags + concurrent HEADs (plain script)' -Limit 1.2
$folder = Join-Path $PSScriptRoot 'results'
$null = New-Item -ItemType Directory -Force $folder
$row | ConvertTo-Json | Set-Content (Join-Path $folder 'tag-digest.json')
"{0}: ours {1:N0} ms, baseline {2:N0} ms, ratio {3} (target at most {4}): {5}" -f $row.Case, $row.OursMs, $row.BaselineMs, $row.Ratio, $row.Limit, $(if ($row.Met) { 'met' } else { 'NOT met' })
