# Shared by the Pester tests: the module under test, the sandbox's docker, and a second runspace.
# The tests run inside tools/sandbox.py (build.ps1 -Task Test): DOCKER_HOST, DOCKER_CONFIG and
# CONTAINERIMAGE_TEST_* name the private engine and registries.

$script:ModulePath = (Resolve-Path (Join-Path $PSScriptRoot '../../powershell/ContainerImage')).ProviderPath

if (-not $env:CONTAINERIMAGE_SANDBOX) {
    throw 'These tests need the sandbox engine: run them with "pwsh ./build.ps1 -Task Test".'
}

function Invoke-Docker {
    # The docker CLI against the sandbox engine; fails the test on a non-zero exit code.
    $output = & docker @args 2>&1
    if ($LASTEXITCODE -ne 0) { throw "docker $($args -join ' ') failed: $output" }
    $output
}

function Remove-TestImage {
    # Removes images and the containers using them, quietly, whether or not they exist.
    param([string[]] $Name)
    foreach ($item in $Name) {
        $ids = @(& docker ps -aq --filter "ancestor=$item" 2>$null)   # an array: splatting one string would pass its characters
        if ($ids) { & docker rm -f @ids 2>&1 | Out-Null }
        & docker rmi -f $item 2>&1 | Out-Null
    }
}

function Remove-TestRepository {
    # Removes every image of these repositories, tagged or not (an update leaves the image it replaced as
    # repository@digest, with no tag), and the containers using them: what a test leaves must not show up
    # in another file's listing.
    param([string[]] $Prefix)
    $ids = @(& docker images --no-trunc --format '{{.ID}} {{.Repository}}' 2>$null | Where-Object {
            $repository = ($_ -split ' ', 2)[1]
            @($Prefix | Where-Object { $repository -like "$_*" }).Count
        } | ForEach-Object { ($_ -split ' ')[0] } | Sort-Object -Unique)
    foreach ($id in $ids) {
        $containers = @(& docker ps -aq --filter "ancestor=$id" 2>$null)
        if ($containers) { & docker rm -f @containers 2>&1 | Out-Null }
    }
    if ($ids) { & docker rmi -f @ids 2>&1 | Out-Null }
}

function Invoke-InNewRunspace {
    # A PowerShell with a fresh runspace, the module imported (so with a backend of its own) and the
    # script added: the test invokes it and reads its streams.
    param([Parameter(Mandatory)] [string] $Script)
    $ps = [powershell]::Create()
    $null = $ps.AddScript("Import-Module '$script:ModulePath'; $Script")
    $ps
}

function Start-StallRegistry {
    # tools/stall_registry.py in front of the mirror: pulls from it start and never finish.
    # Returns the process; its Address property is host:port.
    $info = [System.Diagnostics.ProcessStartInfo]::new('/usr/bin/python3')
    foreach ($argument in (Join-Path $PSScriptRoot '../../tools/stall_registry.py'), '--upstream', $env:CONTAINERIMAGE_TEST_MIRROR) {
        $info.ArgumentList.Add($argument)
    }
    $info.RedirectStandardOutput = $true
    $process = [System.Diagnostics.Process]::Start($info)
    $process | Add-Member -NotePropertyName Address -NotePropertyValue $process.StandardOutput.ReadLine() -PassThru
}

function Get-StalledDownload {
    # How many layer downloads (and uploads) the stalling registry is trickling right now.
    param([Parameter(Mandatory)] $Registry)
    (Invoke-RestMethod "http://$($Registry.Address)/_stalled").stalled
}

function Start-StallEngine {
    # tools/stall_engine.py in front of the sandbox engine: a save through it starts and never finishes, a
    # load crawls. Returns the process; its DockerHost property is what to put in DOCKER_HOST. Stop it
    # with Stop-StallEngine.
    $info = [System.Diagnostics.ProcessStartInfo]::new('/usr/bin/python3')
    foreach ($argument in (Join-Path $PSScriptRoot '../../tools/stall_engine.py'), '--engine', $env:DOCKER_HOST) {
        $info.ArgumentList.Add($argument)
    }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardInput = $true   # closing it stops the stall, which then cleans up
    $process = [System.Diagnostics.Process]::Start($info)
    $process | Add-Member -NotePropertyName DockerHost -NotePropertyValue $process.StandardOutput.ReadLine() -PassThru
}

function Get-StalledEngineCall {
    # How many saves the stalling engine holds back, and loads it trickles up, right now.
    param([Parameter(Mandatory)] $Engine)
    $Engine.StandardInput.WriteLine()
    ($Engine.StandardOutput.ReadLine() | ConvertFrom-Json).stalled
}

function Stop-StallEngine {
    param([Parameter(Mandatory)] $Engine)
    $Engine.StandardInput.Close()
    if (-not $Engine.WaitForExit(10000)) { $Engine.Kill() }
}

function New-TestCredential {
    # A PSCredential for the sandbox's authenticated registry (its user), with its password or another.
    param([string] $Password = $env:CONTAINERIMAGE_TEST_PASSWORD, [string] $UserName = $env:CONTAINERIMAGE_TEST_USER)
    [pscredential]::new($UserName, (ConvertTo-SecureString $Password -AsPlainText -Force))
}

# The sandbox's config.json (tools/sandbox.py pin_credential_store): no login, and logins pinned to
# config.json itself, so that neither docker login nor the module puts one into the machine's default
# credential helper (docker-credential-pass or -secretservice, when installed).
$script:PinnedDockerConfig = Join-Path $env:CONTAINERIMAGE_SANDBOX 'docker-config/config.json'

function Use-NewDockerConfig {
    # Points DOCKER_CONFIG at a new folder under $TestDrive holding a copy of the pinned config.json (the
    # backend restarts for it, with the PATH of this moment); returns the path of that config.json.
    $env:DOCKER_CONFIG = (New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid()))).FullName
    $path = Join-Path $env:DOCKER_CONFIG 'config.json'
    Copy-Item $script:PinnedDockerConfig $path
    $path
}

function Test-NoLoginStored {
    # Whether the config.json at Path is still the pinned one, byte for byte (nothing was stored in it).
    param([Parameter(Mandatory)] [string] $Path)
    (Test-Path $Path) -and ([System.IO.File]::ReadAllText($Path) -ceq [System.IO.File]::ReadAllText($script:PinnedDockerConfig))
}

function Get-DockerConfig {
    # The current DOCKER_CONFIG's config.json, as a hashtable.
    Get-Content -Raw (Join-Path $env:DOCKER_CONFIG 'config.json') | ConvertFrom-Json -AsHashtable
}

function Install-CredentialHelper {
    # tools/credential_helper.py, a real docker credential helper, as docker-credential-NAME in Folder
    # (which the caller puts on PATH). It keeps its secrets in docker-credential-NAME.json beside itself.
    param([Parameter(Mandatory)] [string] $Folder, [Parameter(Mandatory)] [string] $Name)
    $path = Join-Path $Folder "docker-credential-$Name"
    Copy-Item (Join-Path $PSScriptRoot '../../tools/credential_helper.py') $path
    chmod +x $path
    $path
}

function New-FreshImage {
    # Pushes to the mirror an image of one or two layers no other image has, and keeps nothing of it on the
    # engine: a pull of it (by this Hub name) certainly downloads, whatever ran before. Returns its name.
    param([string] $Prefix = 'fresh/ps', [ValidateSet(1, 2)] [int] $Layers = 2)
    $name = "$Prefix-" + [guid]::NewGuid().ToString('n').Substring(0, 8)
    $output = & /usr/bin/python3 (Join-Path $PSScriptRoot '../../tools/sandbox.py') fresh-image $name --layers $Layers 2>&1
    if ($LASTEXITCODE -ne 0) { throw "sandbox.py fresh-image $name failed: $output" }
    $name
}

function Push-PlatformImage {
    # Pushes into the mirror, through the registry API (tools/registry_push.py), an image whose config says
    # the given platform (os/arch[/os.version]), or with several platforms a manifest list of them.
    # Returns what the tool prints: digest, and images (each with platform, digest, config, layer).
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string] $Tag, [Parameter(Mandatory)] [string[]] $Platform)
    $arguments = @((Join-Path $PSScriptRoot '../../tools/registry_push.py'), '--registry', $env:CONTAINERIMAGE_TEST_MIRROR,
                   '--name', $Name, '--tag', $Tag)
    foreach ($item in $Platform) { $arguments += '--platform', $item }
    $output = & /usr/bin/python3 @arguments 2>&1
    if ($LASTEXITCODE -ne 0) { throw "registry_push.py $Name`:$Tag failed: $output" }
    $output | ConvertFrom-Json
}

function Get-MirrorBlobFetch {
    # How many times the mirror registry answered a GET of this blob (its log has a line per request).
    param([Parameter(Mandatory)] [string] $Digest)
    Start-Sleep -Milliseconds 200   # the registry logs a request after answering it
    @(Select-String -Path (Join-Path $env:CONTAINERIMAGE_SANDBOX 'mirror.log') -SimpleMatch "/blobs/$Digest" |
        Where-Object { $_.Line -match 'response completed' -and $_.Line -match 'GET' }).Count
}

function Start-WindowsEngine {
    # tools/windows_engine.py in front of the sandbox engine: the real engine, answering /info and /version
    # as a Windows host of this build. Returns the process, with Host (its DOCKER_HOST) and Log (a file with
    # every request line that went through). Stop it with Stop-WindowsEngine.
    param([Parameter(Mandatory)] [int] $Build, [ValidateSet('process', 'hyperv')] [string] $Isolation = 'process')
    $log = Join-Path $env:CONTAINERIMAGE_SANDBOX "windows-engine-$([guid]::NewGuid().ToString('n')).log"
    $info = [System.Diagnostics.ProcessStartInfo]::new('/usr/bin/python3')
    foreach ($argument in (Join-Path $PSScriptRoot '../../tools/windows_engine.py'), '--engine', $env:DOCKER_HOST,
                          '--build', $Build, '--isolation', $Isolation, '--log', $log) {
        $info.ArgumentList.Add([string]$argument)
    }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardInput = $true
    $process = [System.Diagnostics.Process]::Start($info)
    $process | Add-Member -NotePropertyName Host -NotePropertyValue $process.StandardOutput.ReadLine()
    $process | Add-Member -NotePropertyName Log -NotePropertyValue $log -PassThru
}

function Stop-WindowsEngine {
    # Closes its stdin: it stops and removes its socket.
    param([Parameter(Mandatory)] $Engine)
    $Engine.StandardInput.Close()
    if (-not $Engine.WaitForExit(10000)) { $Engine.Kill() }
}

function Get-WindowsEngineRequest {
    # The request lines (METHOD /path) that went through a Windows engine.
    param([Parameter(Mandatory)] $Engine)
    if (Test-Path $Engine.Log) { Get-Content $Engine.Log } else { @() }
}

# The DSC resource module, found by name beside the module (its RequiredModules names ContainerImage).
$script:DscModulePath = (Resolve-Path (Join-Path $PSScriptRoot '../../powershell/ContainerImageDsc')).ProviderPath
$script:SourceModules = Split-Path $script:ModulePath
if (@($env:PSModulePath -split [System.IO.Path]::PathSeparator) -notcontains $script:SourceModules) {
    $env:PSModulePath = $script:SourceModules + [System.IO.Path]::PathSeparator + $env:PSModulePath
}

function Invoke-AsDscResource {
    # Get, Test or Set of the class resource ContainerImage in a new pwsh, loaded exactly as
    # PSDesiredStateConfiguration 2.x's Invoke-DscResource does it (Invoke-DscClassBasedResource): the
    # Path of the module that exports it (as Get-DscResource finds it: a PSModulePath module whose manifest
    # names DscResourcesToExport, then Get-Module -ListAvailable's Path, the .psd1), then
    # `using module <Path>` and `[ContainerImage]::new()` in a PowerShell of the current runspace, the
    # properties set one by one, the method called. Returns the method's output as JSON text (Get: the
    # object; Test: InDesiredState; Set: nothing) and the process's exit code and error text.
    param(
        [Parameter(Mandatory)] [ValidateSet('Get', 'Test', 'Set')] [string] $Method,
        [Parameter(Mandatory)] [hashtable] $Property,
        [hashtable] $Environment = @{}
    )
    $script = @'
param($Method, $PropertyJson)
$ErrorActionPreference = 'Stop'
$resource = Get-Module -ListAvailable ContainerImageDsc | Sort-Object Version -Descending | Select-Object -First 1
if (-not (Select-String -LiteralPath $resource.Path -Pattern '^[^#]*\bDscResourcesToExport\b.*') -or
    'ContainerImage' -notin (Import-PowerShellDataFile $resource.Path).DscResourcesToExport) {
    throw "ContainerImageDsc at $($resource.Path) exports no DSC resource ContainerImage"
}
$path = $resource.Path
$powershell = [PowerShell]::Create('CurrentRunspace')
$null = $powershell.AddScript("using module $path`nreturn [ContainerImage]::new()")
$dscObj = $powershell.Invoke() | Select-Object -First 1
if ($powershell.Streams.Error.Count) { throw $powershell.Streams.Error[0] }
$Property = $PropertyJson | ConvertFrom-Json
foreach ($key in $Property.PSObject.Properties.Name) { $dscObj.$key = $Property.$key }
$output = $dscObj.$Method()
switch ($Method) {
    'Get' { [pscustomobject]@{ Name = $output.Name; Tag = $output.Tag; Ensure = [string]$output.Ensure; Digest = $output.Digest; Id = $output.Id
            Reasons = @($output.Reasons | ForEach-Object { @{ Code = $_.Code; Phrase = $_.Phrase } }); Path = $path
            Modules = @(Get-Module ContainerImage, ContainerImageDsc | ForEach-Object Path) } | ConvertTo-Json -Depth 5 -Compress }
    'Test' { @{ InDesiredState = $output } | ConvertTo-Json -Compress }
    'Set' { '{}' }
}
'@
    $file = Join-Path ([System.IO.Path]::GetTempPath()) "invoke-dsc-$([guid]::NewGuid()).ps1"
    Set-Content -LiteralPath $file -Value $script
    $saved = @{}
    foreach ($name in $Environment.Keys) { $saved[$name] = [System.Environment]::GetEnvironmentVariable($name); [System.Environment]::SetEnvironmentVariable($name, $Environment[$name]) }
    try {
        $errorFile = "$file.err"
        $output = & (Get-Command pwsh).Source -NoProfile -NonInteractive -File $file $Method ($Property | ConvertTo-Json -Compress) 2>$errorFile
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output -join "`n"); Error = (Get-Content -Raw -LiteralPath $errorFile) }
    } finally {
        foreach ($name in $saved.Keys) { [System.Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        Remove-Item -LiteralPath $file, "$file.err" -ErrorAction Ignore
    }
}

function Get-DscV3Adapter {
    # DSC v3's PowerShell adapter (PowerShell/DSC adapters/powershell: the adapter manifest and
    # psDscAdapter/), unchanged: $env:CONTAINERIMAGE_DSC_ADAPTER names a folder holding another copy (a newer
    # DSC release's), else the copy in tests/dsc/adapter (see tests/dsc/README.md; the adapter is on no
    # package registry reached here).
    if ($env:CONTAINERIMAGE_DSC_ADAPTER) { return $env:CONTAINERIMAGE_DSC_ADAPTER }
    [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../dsc/adapter'))
}

function Invoke-DscV3Adapter {
    # One operation of the adapter, run as DSC v3 runs it from its manifest (PowerShell_adapter.dsc.resource.json,
    # Microsoft.Adapter/PowerShell): pwsh in the manifest's folder with the manifest's arguments, the
    # resource type and path arguments DSC adds, and the instance JSON on stdin. Returns the exit code,
    # stdout's JSON lines and stderr (DSC's trace lines).
    param(
        [Parameter(Mandatory)] [string] $Adapter,
        [Parameter(Mandatory)] [ValidateSet('List', 'Get', 'Test', 'Set')] [string] $Operation,
        [string] $Json,
        [string] $ResourceType,
        [string] $ResourcePath
    )
    $manifest = Get-Content -Raw (Join-Path $Adapter 'PowerShell_adapter.dsc.resource.json') | ConvertFrom-Json
    $section = if ($Operation -eq 'List') { $manifest.adapter.list } else { $manifest.($Operation.ToLower()) }
    $info = [System.Diagnostics.ProcessStartInfo]::new((Get-Command $section.executable).Source)
    $info.WorkingDirectory = $Adapter
    foreach ($argument in $section.args) {
        if ($argument -is [string]) { $info.ArgumentList.Add($argument) }
        elseif ($argument.PSObject.Properties['resourceTypeArg']) { $info.ArgumentList.Add($argument.resourceTypeArg); $info.ArgumentList.Add($ResourceType) }
        elseif ($argument.PSObject.Properties['resourcePathArg']) {
            $info.ArgumentList.Add($argument.resourcePathArg)
            $info.ArgumentList.Add($(if ($argument.includeQuotes) { '"' + $ResourcePath + '"' } else { $ResourcePath }))
        }
    }
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)
    if ($Json) { $process.StandardInput.Write($Json) }
    $process.StandardInput.Close()
    $stderr = $process.StandardError.ReadToEndAsync()
    $stdout = $process.StandardOutput.ReadToEnd()
    $process.WaitForExit()
    [pscustomobject]@{
        ExitCode = $process.ExitCode
        Output   = @($stdout -split "`n" | Where-Object { $_.Trim() } | ForEach-Object { $_ | ConvertFrom-Json })
        Error    = $stderr.Result
    }
}

function Assert-SandboxFleet {
    # The engine cmdlets' tests need the sandbox's fleet (tools/sandbox.py: a TLS engine, an ssh:// engine, a
    # context whose engine is down), which sandbox.py --no-fleet leaves out.
    foreach ($name in 'CONTAINERIMAGE_TEST_TLS_HOST', 'CONTAINERIMAGE_TEST_SSH_HOST', 'CONTAINERIMAGE_TEST_DOWN_CONTEXT') {
        if (-not [Environment]::GetEnvironmentVariable($name)) { throw "The sandbox was started without its fleet: $name is not set." }
    }
}

function Get-DockerContext {
    # docker context ls, as Name -> endpoint (or -> another field, e.g. Description); its warning about
    # DOCKER_HOST left out.
    param([string] $Field = 'DockerEndpoint')
    $contexts = @{}
    foreach ($line in @(& docker context ls --format "{{.Name}}|{{.$Field}}" 2>$null)) {
        $name, $value = "$line".Split('|')
        $contexts[$name.TrimEnd(' *')] = $value
    }
    if ($LASTEXITCODE -ne 0) { throw 'docker context ls failed' }
    $contexts
}
