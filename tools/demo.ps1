<#
.SYNOPSIS
The seed's image workflow ("Windows Container Images"), cmdlet by cmdlet, against the engine DOCKER_HOST
names (build.ps1 -Task Demo runs it inside a private engine and registries).
#>
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../powershell/ContainerImage') -Force

function Step([string] $Text) { Write-Host "`n>>> $Text" -ForegroundColor Cyan }
$sandbox = [bool]$env:CONTAINERIMAGE_TEST_REGISTRY
$container = 'demo-iis-' + [guid]::NewGuid().ToString('n').Substring(0, 6)

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

Step 'Which images are built on microsoft/windowsservercore'
Get-ContainerImage -ChildOf microsoft/windowsservercore | Format-Table

Step 'Create a new image from a container (the guide installs IIS in it; a file stands in here)'
docker run --network none --name $container microsoft/windowsservercore sh -c 'echo iis > /iis.txt'
New-ContainerImage -Container $container -Name windowsservercoreiis -Message 'IIS installed' | Format-Table

Step 'Its history: one layer on top of the base image'
Get-ContainerImageHistory -Name windowsservercoreiis | Format-Table

Step 'Removal is refused while a container, even a stopped one, uses the image'
docker rm $container | Out-Null
docker run --network none --name $container windowsservercoreiis cat /iis.txt
Remove-ContainerImage -Name windowsservercoreiis -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable refused
Write-Host ("{0}: {1}" -f $refused[0].CategoryInfo.Category, $refused[0].Exception.Message) -ForegroundColor Yellow
docker rm $container | Out-Null

Step 'What removing it frees (-WhatIf says it for the whole batch), then what it freed'
Remove-ContainerImage -Name windowsservercoreiis -WhatIf
Remove-ContainerImage -Name windowsservercoreiis -Confirm:$false -PassThru | Format-Table

Step 'What a prune of unused images would remove (-WhatIf), and the disk in use (docker system df)'
Remove-ContainerImage -Unused -WhatIf
Get-ContainerImageDiskUsage | Format-Table

Step 'Installing again downloads nothing (-Force asks the registry for a newer image)'
Install-ContainerImage -Name microsoft/nanoserver -Verbose | Format-Table

Step 'Mistakes get clear errors with meaningful categories, and the pipeline goes on'
$images = 'microsoft/nano server', 'microsoft/doesnotexist:1.0', 'microsoft/nanoserver' |
    Install-ContainerImage -ErrorVariable failures -ErrorAction SilentlyContinue
foreach ($failure in $failures) {
    Write-Host ("{0,-20} {1}" -f $failure.CategoryInfo.Category, $failure.Exception.Message) -ForegroundColor Yellow
}
Write-Host "Still installed: $($images.Repository -join ', ')"

if ($sandbox) {
    $registry = $env:CONTAINERIMAGE_TEST_REGISTRY
    Step "Search: Docker Hub is out of reach here, so the mirror's catalog ($env:CONTAINERIMAGE_TEST_MIRROR)"
    Find-ContainerImage -Term microsoft -Registry $env:CONTAINERIMAGE_TEST_MIRROR -ListTags | Format-Table

    Step "Log in to $registry, tag and push username/containername"
    # A login of the demo's own: the sandbox's docker config is private to this run.
    $credential = [pscredential]::new($env:CONTAINERIMAGE_TEST_USER, (ConvertTo-SecureString $env:CONTAINERIMAGE_TEST_PASSWORD -AsPlainText -Force))
    Connect-ContainerRegistry -Registry $registry -Credential $credential | Format-Table
    Add-ContainerImageTag -Name microsoft/aspnet -Tag "$registry/username/containername" | Format-Table
    Publish-ContainerImage -Name "$registry/username/containername" | Format-Table

    Step 'Remove it locally and install it back'
    Remove-ContainerImage -Name "$registry/username/containername" -Confirm:$false
    Install-ContainerImage -Name "$registry/username/containername" | Format-Table
    Disconnect-ContainerRegistry -Registry $registry

    Step 'Save images to an archive and load them back'
    $archive = Join-Path ([System.IO.Path]::GetTempPath()) "$container.tar"
    Save-ContainerImage -Name microsoft/nanoserver, microsoft/aspnet:nanoserver -Path $archive | Format-Table Name, Length
    Remove-ContainerImage -Name microsoft/aspnet:nanoserver -Confirm:$false
    Import-ContainerImage -Path $archive | Format-Table
    Remove-Item $archive

    Step "Mirror a base image into another registry ($env:CONTAINERIMAGE_TEST_TARGET) without the engine (DOCKER_HOST points nowhere meanwhile)"
    $engine, $env:DOCKER_HOST = $env:DOCKER_HOST, 'unix:///nonexistent/docker.sock'
    Copy-ContainerImage -Name "$env:CONTAINERIMAGE_TEST_MIRROR/microsoft/nanoserver:latest" -Destination "$env:CONTAINERIMAGE_TEST_TARGET/base/nanoserver" | Format-List Source, Destination, Digest, Platforms, Copied, Mounted, Existing
    'Again: nothing is sent (every blob is there), the tag is set; the digest is the source''s'
    Copy-ContainerImage -Name "$env:CONTAINERIMAGE_TEST_MIRROR/microsoft/nanoserver:latest" -Destination "$env:CONTAINERIMAGE_TEST_TARGET/base/nanoserver" | Format-List Destination, Digest, Copied, Existing
    $env:DOCKER_HOST = $engine
    Step 'Is there a newer version? The tag moves in the registry; the check reads manifests only, then Update pulls'
    $moveTag = { & /usr/bin/python3 (Join-Path $PSScriptRoot 'sandbox.py') fresh-image demo/webapp --layers 1 | Out-Null }
    & $moveTag; Install-ContainerImage -Name demo/webapp | Out-Null
    & $moveTag   # a new image is pushed under demo/webapp:latest
    Get-ContainerImageUpdate -Name demo/webapp, microsoft/nanoserver | Format-Table
    Update-ContainerImage -Name demo/webapp -Prune -Confirm:$false | Format-Table
    Get-ContainerImageUpdate -Name demo/webapp | Format-Table Name, Tag, Status, LocalDigest, RemoteDigest
    Remove-ContainerImage -Name demo/webapp -Confirm:$false
}

Step 'Can this host run it? (Test-ContainerImage: Microsoft''s Windows version rule; remote images are not pulled)'
Test-ContainerImage -Name microsoft/nanoserver | Format-List Name, Compatible, Reason, HostOs, HostOsVersion, ImageOs, Architecture
Get-ContainerImage -Name 'microsoft/*' | Format-Table Repository, Tag, Os, RunsOnHost

Step 'Desired state for runbooks: Sync-ContainerImage -WhatIf shows the plan of an image list'
Remove-ContainerImage -Name microsoft/aspnet:nanoserver -Confirm:$false
$list = Join-Path ([System.IO.Path]::GetTempPath()) "images-$PID.yaml"
Set-Content $list "# what this host should hold`nImages:`n  - Name: microsoft/nanoserver`n  - Name: microsoft/aspnet`n    Tag: nanoserver"
Get-Content $list
Sync-ContainerImage -Path $list -WhatIf
Remove-Item $list

Step 'Many engines from one pipeline: a fleet listing, grouped by engine, and a removal routed to each image''s own engine'
# The sandbox's engine by two names (its address and a docker context), as a fleet of two hosts; with the
# fleet's TLS engine (CONTAINERIMAGE_TEST_TLS_CONTEXT) when the sandbox runs one.
docker tag microsoft/nanoserver demo/fleet:old
$fleet = @($env:DOCKER_HOST, 'default') + @($env:CONTAINERIMAGE_TEST_TLS_CONTEXT | Where-Object { $_ })
Install-ContainerImage -Engine $fleet -Name microsoft/nanoserver | Out-Null   # on every host of the fleet
Get-ContainerImage -Engine $fleet -Name microsoft/nanoserver
Get-ContainerImage -Engine $env:DOCKER_HOST -Name demo/fleet:old | Remove-ContainerImage -Confirm:$false -PassThru | Format-Table Image, Engine

Step 'The DSC resource ContainerImage: Get, Test, Set'
$dsc = & (Import-Module (Join-Path $PSScriptRoot '../powershell/ContainerImageDsc') -PassThru) { [ContainerImage]::new() }
$dsc.Name = 'microsoft/aspnet'; $dsc.Tag = 'nanoserver'; $dsc.Ensure = 'Present'
$dsc.Get() | Format-List Name, Tag, Ensure, Digest, Reasons
$dsc.Get().Reasons | Format-List Code, Phrase
"Test(): $($dsc.Test())"
$dsc.Set()
"After Set(), Test(): $($dsc.Test())"
$dsc.Get() | Format-List Name, Tag, Ensure, Digest

Step 'Settings: one YAML file (Get-ContainerImageSetting); the transport in use'
Get-ContainerImageSetting | Format-List Path, Exists, Engine, Transport, Progress
Get-ContainerImageSetting | Select-Object -ExpandProperty Aliases | Format-Table

Step 'The same backend as a human CLI: containerimage images, history'
$python = if ($env:CONTAINERIMAGE_PYTHON) { $env:CONTAINERIMAGE_PYTHON } else { 'python3' }
$env:PYTHONPATH = (Resolve-Path (Join-Path $PSScriptRoot '../backend')).ProviderPath
& $python -m containerimage images 'microsoft/*'
& $python -m containerimage history microsoft/aspnet
