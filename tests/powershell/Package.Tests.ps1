# The packages as an administrator gets them: `build.ps1 -Task Package` once, its .nupkg files published into
# a fresh local repository, installed with PSResourceGet into a fresh HOME (nothing from the checkout
# reachable), used by name with a bare Python (a venv without pip: no docker, no yaml, no colorama), updated
# while a session holds the old version, uninstalled; the DSC resource loaded from the installed package
# as DSC loads it; the wheel installed into a venv.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    # Once per test run: the Stdio pass (the packages do not depend on the transport of the test process;
    # the in-process transport of the installed module is tested here with its own DLL).
    $script:skipPass = $env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    if ($env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess') { return }
    $script:root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $script:version = [regex]::Match((Get-Content -Raw (Join-Path $root 'backend/containerimage/__init__.py')), '__version__ = "([^"]+)"').Groups[1].Value
    $script:build = & (Get-Command pwsh).Source -NoProfile -File (Join-Path $root 'build.ps1') -Task Package 2>&1
    $script:buildExit = $LASTEXITCODE
    $script:out = Join-Path $root 'out'

    # The user's side: a repository folder, a HOME, a bare venv, a working folder: all new, none in the checkout.
    $script:repository = (New-Item -ItemType Directory (Join-Path $TestDrive 'gallery')).FullName
    $script:userHome = (New-Item -ItemType Directory (Join-Path $TestDrive 'home')).FullName
    $script:work = (New-Item -ItemType Directory (Join-Path $TestDrive 'work')).FullName
    $script:venv = Join-Path $TestDrive 'bare-venv'
    & /usr/bin/python3 -m venv --without-pip $venv
    $script:bare = Join-Path $venv 'bin/python'
    $script:modules = Join-Path $userHome '.local/share/powershell/Modules'

    $script:userEnvironment = @{
        HOME                     = $userHome
        PSModulePath             = $null   # pwsh's default: the fresh HOME's modules, then the system's
        CONTAINERIMAGE_PYTHON    = $bare
        CONTAINERIMAGE_PYTHONNET = $null   # the checkout's DLL: the installed module carries its own
        CONTAINERIMAGE_BACKEND   = $null
        XDG_CACHE_HOME           = $null
        XDG_DATA_HOME            = $null
        XDG_CONFIG_HOME          = $null
    }

    function Invoke-AsUser {
        # A script in a new pwsh as the user: the fresh HOME, the default PSModulePath, the bare Python, in
        # the working folder. Returns its output (JSON lines parsed) and exit code; fails on stderr text.
        param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
        $file = Join-Path $work "step-$([guid]::NewGuid().ToString('n')).ps1"
        Set-Content -LiteralPath $file -Value "`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'`n$Script"
        $info = [System.Diagnostics.ProcessStartInfo]::new((Get-Command pwsh).Source)
        foreach ($argument in '-NoProfile', '-NonInteractive', '-File', $file) { $info.ArgumentList.Add($argument) }
        $info.WorkingDirectory = $work
        foreach ($table in $userEnvironment, $Environment) {
            foreach ($name in $table.Keys) {
                if ($null -eq $table[$name]) { $null = $info.Environment.Remove($name) } else { $info.Environment[$name] = $table[$name] }
            }
        }
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $process = [System.Diagnostics.Process]::Start($info)
        $stderr = $process.StandardError.ReadToEndAsync()
        $stdout = $process.StandardOutput.ReadToEnd()
        $process.WaitForExit()
        [pscustomobject]@{
            ExitCode = $process.ExitCode
            Text     = $stdout
            Json     = @($stdout -split "`n" | Where-Object { $_.StartsWith('{') -or $_.StartsWith('[') } | ForEach-Object { $_ | ConvertFrom-Json })
            Error    = $stderr.Result
        }
    }

    function Use-UserEnvironment {
        # Runs a script block with the user's environment in this process (for helpers that start processes).
        param([scriptblock] $ScriptBlock)
        $saved = @{}
        foreach ($name in $userEnvironment.Keys) {
            $saved[$name] = [System.Environment]::GetEnvironmentVariable($name)
            [System.Environment]::SetEnvironmentVariable($name, $userEnvironment[$name])
        }
        try { & $ScriptBlock } finally {
            foreach ($name in $saved.Keys) { [System.Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
    }

    function Test-UnderCheckout([string] $Path) {
        $Path -and [System.IO.Path]::GetFullPath($Path).StartsWith($root + [System.IO.Path]::DirectorySeparatorChar)
    }

    $script:container = 'pkg-seed-' + [guid]::NewGuid().ToString('n').Substring(0, 8)
}

AfterAll {
    if ($env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess') { return }
    & docker rm -f $container 2>&1 | Out-Null
    Remove-TestImage pkgseediis, 'pkgseediis:v1'
}

Describe 'build.ps1 -Task Package' -Skip:$skipPass {
    It 'writes the two module packages and the wheel to out/, all of one version' {
        $buildExit | Should -Be 0 -Because ($build -join "`n")
        $version | Should -Match '^\d+\.\d+\.\d+$'
        foreach ($file in "ContainerImage.$version.nupkg", "ContainerImageDsc.$version.nupkg", "containerimage-$version-py3-none-any.whl") {
            Join-Path $out $file | Should -Exist
        }
        (Import-PowerShellDataFile (Join-Path $out 'ContainerImage/ContainerImage.psd1')).ModuleVersion | Should -Be $version
        $dsc = Import-PowerShellDataFile (Join-Path $out 'ContainerImageDsc/ContainerImageDsc.psd1')
        $dsc.ModuleVersion | Should -Be $version
        $dsc.RequiredModules[0].ModuleName | Should -Be 'ContainerImage'
        (Get-Content -Raw (Join-Path $out 'ContainerImage/ContainerImage.dsc.resource.json') | ConvertFrom-Json).version | Should -Be $version
    }

    It 'builds one merged root module holding every function of Private/ and Public/, and no class' {
        $psm1 = Join-Path $out 'ContainerImage/ContainerImage.psm1'
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($psm1, [ref]$null, [ref]$errors)
        $errors | Should -BeNullOrEmpty
        $defined = $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $false).Name
        foreach ($file in Get-ChildItem (Join-Path $ModulePath 'Public'), (Join-Path $ModulePath 'Private') -Filter *.ps1) {
            $source = [System.Management.Automation.Language.Parser]::ParseFile($file.FullName, [ref]$null, [ref]$null)
            foreach ($name in $source.FindAll({ param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $false).Name) {
                $defined | Should -Contain $name -Because "$($file.Name) defines it"
            }
        }
        $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.TypeDefinitionAst] }, $true) | Should -BeNullOrEmpty
        Join-Path $out 'ContainerImage/Public' | Should -Not -Exist
        @(Get-ChildItem (Join-Path $out 'ContainerImage/Private')).Name | Should -Be @('start-backend.py')
    }

    It 'carries the backend, pure-Python dependencies with their licences and versions, Python.Runtime.dll and its JSON parser' {
        $backend = Join-Path $out 'ContainerImage/backend'
        foreach ($name in 'containerimage', 'docker', 'requests', 'urllib3', 'idna', 'certifi', 'chardet', 'websocket', 'yaml', 'colorama', 'six.py') {
            Join-Path $backend $name | Should -Exist
        }
        Get-ChildItem $backend -Recurse -File | Where-Object { $_.Extension -in '.so', '.pyd', '.dll', '.pyc' } | Should -BeNullOrEmpty
        $list = Get-Content -Raw (Join-Path $backend 'THIRD-PARTY.txt')
        foreach ($package in 'python3-docker', 'python3-requests', 'python3-urllib3', 'python3-idna', 'python3-certifi', 'python3-chardet', 'python3-websocket', 'python3-yaml', 'python3-colorama', 'python3-six') {
            $installed = & dpkg-query -W -f='${Version}' $package
            $list | Should -Match ([regex]::Escape($package) + '\s+' + [regex]::Escape($installed))
            Join-Path $backend "licenses/$package.copyright" | Should -Exist
        }
        Join-Path $out 'ContainerImage/lib/Python.Runtime.dll' | Should -Exist
        Join-Path $out 'ContainerImage/lib/ContainerImage.Messages.dll' | Should -Exist   # compiled: not its sources
        Join-Path $out 'ContainerImage/CSharp' | Should -Not -Exist
    }
}

Describe 'Installed from a local repository with PSResourceGet, used with a bare Python' -Skip:$skipPass {
    BeforeAll {
        Copy-Item (Join-Path $out "ContainerImage.$version.nupkg"), (Join-Path $out "ContainerImageDsc.$version.nupkg") $repository
        $script:install = Invoke-AsUser @"
Register-PSResourceRepository -Name local -Uri '$repository' -Trusted
Install-PSResource ContainerImageDsc -Repository local -Scope CurrentUser
Get-InstalledPSResource | Where-Object Name -like 'ContainerImage*' | Sort-Object Name | ForEach-Object { @{ Name = `$_.Name; Version = [string]`$_.Version; Path = `$_.InstalledLocation } | ConvertTo-Json -Compress }
"@
    }

    It 'Install-PSResource ContainerImageDsc installs it and, as its dependency, ContainerImage, into the fresh HOME' {
        $install.ExitCode | Should -Be 0 -Because $install.Error
        $install.Json.Name | Should -Be @('ContainerImage', 'ContainerImageDsc')
        $install.Json.Version | Should -Be @($version, $version)
        Join-Path $modules "ContainerImage/$version/ContainerImage.psd1" | Should -Exist
        Join-Path $modules "ContainerImageDsc/$version/ContainerImageDsc.psd1" | Should -Exist
    }

    It 'the bare Python has none of the backend''s packages' {
        & $bare -c 'import docker' 2>$null
        $LASTEXITCODE | Should -Not -Be 0
        & $bare -c 'import yaml' 2>$null
        $LASTEXITCODE | Should -Not -Be 0
        & $bare -c 'import colorama' 2>$null
        $LASTEXITCODE | Should -Not -Be 0
    }

    It 'imports by name and runs the seed workflow, loading nothing from the checkout' {
        $run = Invoke-AsUser @"
Import-Module ContainerImage
Install-ContainerImage -Name microsoft/windowsservercore, microsoft/nanoserver -Force | Out-Null
`$listed = @(Get-ContainerImage -Name 'microsoft/windowsservercore', 'microsoft/nano*' | ForEach-Object { `$_.Repository })
& docker run --network none --name $container microsoft/windowsservercore sh -c 'echo iis > /iis.txt' | Out-Null
`$new = New-ContainerImage -Container $container -Name pkgseediis -Message 'IIS installed'
Add-ContainerImageTag -Name pkgseediis -Tag pkgseediis:v1 | Out-Null
`$history = @(Get-ContainerImageHistory -Name pkgseediis)
& docker rm $container | Out-Null
Remove-ContainerImage -Name pkgseediis, pkgseediis:v1 -Confirm:`$false
`$left = @(Get-ContainerImage -Name 'pkgseediis*')
`$handshake = & (Get-Module ContainerImage) { `$script:Backend.Handshake }
`$parser = & (Get-Module ContainerImage) { if (`$script:JsonMessage) { `$script:JsonMessage.Assembly.Location } }
@{ Parser = `$parser; Listed = `$listed; New = `$new.Repository; History = `$history[0].Comment; Left = `$left.Count
   Modules = @(Get-Module | ForEach-Object Path); Location = `$handshake.location; Executable = `$handshake.executable
   SysPath = @((& (Get-Module ContainerImage) { Invoke-Backend -Method embedding }).path) } | ConvertTo-Json -Compress
"@
        $run.ExitCode | Should -Be 0 -Because $run.Error
        $result = $run.Json[0]
        $result.Listed | Sort-Object | Should -Be @('microsoft/nanoserver', 'microsoft/windowsservercore')
        $result.New | Should -Be 'pkgseediis'
        $result.History | Should -Be 'IIS installed'
        $result.Left | Should -Be 0
        $result.Executable | Should -Be $bare
        $result.Parser | Should -Be (Join-Path $modules "ContainerImage/$version/lib/ContainerImage.Messages.dll")
        $result.Location | Should -Be (Join-Path $modules "ContainerImage/$version/backend/containerimage")
        @($result.Modules | Where-Object { $_ -like '*ContainerImage*' }) | Should -Be @(Join-Path $modules "ContainerImage/$version/ContainerImage.psm1")
        foreach ($path in @($result.Modules) + @($result.SysPath)) { Test-UnderCheckout $path | Should -BeFalse -Because "$path is in the checkout" }
        $result.SysPath[0] | Should -Be (Join-Path $modules "ContainerImage/$version/backend") -Because 'the bundled packages come first'
    }

    It 'Import-Module waits for no Python, and registers the views (objects from Import-Clixml render before any command)' {
        # What the cold start rests on (issue 12): nothing of it is measured here, only what the import does.
        $run = Invoke-AsUser @"
Import-Module ContainerImage
`$afterImport = @{
    Starting = (& (Get-Module ContainerImage) { `$script:Backend.Starting }) -is [System.Threading.Tasks.Task]
    Commands = @((Get-Command -Module ContainerImage).Name | Sort-Object)
}
`$task = & (Get-Module ContainerImage) { `$script:Backend.Starting }
`$null = `$task.Wait(60000)
`$child = Get-Process -Id `$task.Result.Process.Id
`$views = @(Get-FormatData -TypeName ContainerImage.Image).Count
`$shown = Get-ContainerImage -Name microsoft/nanoserver | Out-String -Width 200
@{ AfterImport = `$afterImport; ViewsBefore = `$views; ViewsAfter = @(Get-FormatData -TypeName ContainerImage.Image).Count
   Shown = `$shown; ChildId = `$child.Id; ChildParent = `$child.Parent.Id; ChildCommand = `$child.CommandLine; Pid = `$PID
   UsedPid = (& (Get-Module ContainerImage) { `$script:Backend.Handshake.pid }) } | ConvertTo-Json -Compress -Depth 4
"@
        $run.ExitCode | Should -Be 0 -Because $run.Error
        $result = $run.Json[0]
        $source = @((Get-ChildItem (Join-Path $ModulePath 'Public') -Filter *.ps1).BaseName | Sort-Object)
        $result.AfterImport.Commands | Should -Be $source -Because 'the merged module exports what the source module does'
        $result.AfterImport.Starting | Should -BeTrue -Because 'Process.Start runs in a background task'
        $result.ChildParent | Should -Be $result.Pid
        $result.ChildCommand | Should -BeLike "*$(Join-Path $modules "ContainerImage/$version/Private/start-backend.py")*--bundle*"
        $result.UsedPid | Should -Be $result.ChildId -Because 'the first command uses the backend started at import'
        $result.ViewsBefore | Should -Be 1 -Because 'a deserialized image must render before any command'
        $result.ViewsAfter | Should -Be 1
        $result.Shown | Should -Match 'IMAGE ID\s+CREATED\s+SIZE'
        $result.Shown | Should -Match ' ago .*microsoft/nanoserver' -Because 'the view and its FormatAge method are registered'
    }

    It 'the bundled packages win over a broken copy in the user''s site-packages' {
        # Debian's Python (not a venv: its user site-packages count) with a user's docker and yaml that break
        # any import of them.
        $site = Use-UserEnvironment { & /usr/bin/python3 -c 'import site; print(site.getusersitepackages())' }
        $site | Should -BeLike "$userHome*"
        $null = New-Item -ItemType Directory -Force (Join-Path $site 'docker'), (Join-Path $site 'yaml')
        Set-Content (Join-Path $site 'docker/__init__.py') 'raise ImportError("the user''s broken docker")'
        Set-Content (Join-Path $site 'yaml/__init__.py') 'raise ImportError("the user''s broken yaml")'
        try {
            Use-UserEnvironment { & /usr/bin/python3 -c 'import docker' 2>$null }
            $LASTEXITCODE | Should -Not -Be 0 -Because 'the broken copies are what that Python imports on its own'
            $run = Invoke-AsUser -Environment @{ CONTAINERIMAGE_PYTHON = '/usr/bin/python3' } @"
Import-Module ContainerImage
`$images = @(Get-ContainerImage -Name microsoft/nanoserver)
`$settings = Get-ContainerImageSetting
@{ Count = `$images.Count; Settings = [bool]`$settings } | ConvertTo-Json -Compress
"@
            $run.ExitCode | Should -Be 0 -Because $run.Error
            $run.Json[0].Count | Should -Be 1
            $run.Json[0].Settings | Should -BeTrue
        } finally {
            Remove-Item (Join-Path $site 'docker'), (Join-Path $site 'yaml') -Recurse -Force
        }
    }

    It 'PyYAML works without its C extension, and certifi''s CA bundle is the bundled file' {
        $bundle = Join-Path $modules "ContainerImage/$version/backend"
        $probe = & $bare -s -c "import sys; sys.path[0:0] = ['$bundle']; import yaml, certifi, requests.certs; print(yaml.__with_libyaml__, yaml.__file__, certifi.where(), requests.certs.where())"
        $LASTEXITCODE | Should -Be 0
        $withLibyaml, $yamlFile, $where, $requestsWhere = "$probe".Split(' ')
        $withLibyaml | Should -Be 'False'
        $yamlFile | Should -BeLike "$bundle*"
        $where | Should -Be (Join-Path $bundle 'certifi/cacert.pem')
        $requestsWhere | Should -Be $where
        (Get-Content -Raw $where) | Should -Match 'BEGIN CERTIFICATE'
    }

    It 'the in-process transport runs with the Python.Runtime.dll the package carries' {
        $run = Invoke-AsUser -Environment @{ CONTAINERIMAGE_TRANSPORT = 'InProcess' } @"
Import-Module ContainerImage
`$null = Get-ContainerImage -Name microsoft/nanoserver
`$backend = & (Get-Module ContainerImage) { `$script:Backend }
@{ Transport = `$backend.Transport; Location = `$backend.Handshake.location } | ConvertTo-Json -Compress
"@
        $run.ExitCode | Should -Be 0 -Because $run.Error
        $run.Json[0].Transport | Should -Be 'InProcess'
        $run.Json[0].Location | Should -Be (Join-Path $modules "ContainerImage/$version/backend/containerimage")
    }

    It 'with no Python at all, says which one to install' {
        # A PATH with no Python on it: only dotnet, which runs pwsh (a .NET tool here).
        $noPython = New-Item -ItemType Directory (Join-Path $TestDrive 'no-python')
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $noPython 'dotnet') -Target (Get-Command dotnet).Source
        $run = Invoke-AsUser -Environment @{ CONTAINERIMAGE_PYTHON = $null; PATH = $noPython.FullName } @"
Import-Module ContainerImage
try { Get-ContainerImage } catch { @{ Id = `$_.FullyQualifiedErrorId; Message = `$_.Exception.Message; Action = `$_.ErrorDetails.RecommendedAction } | ConvertTo-Json -Compress }
"@
        $run.Json.Count | Should -Be 1 -Because "$($run.Text) $($run.Error)"
        $run.Json[0].Id | Should -BeLike 'ContainerImage.BackendUnavailable*'
        $run.Json[0].Message | Should -BeLike '*needs Python 3.9 or later, and none was found*apt install python3*'
        $run.Json[0].Action | Should -BeLike '*apt install python3*CONTAINERIMAGE_PYTHON*'
        "$($run.Json[0].Message) $($run.Json[0].Action)" | Should -Not -Match 'Traceback|Exception|pip install'
    }

    It 'the DSC resource loads from the installed package as Invoke-DscResource loads it' {
        $get = Use-UserEnvironment { Invoke-AsDscResource Get @{ Name = 'microsoft/nanoserver' } }
        $get.ExitCode | Should -Be 0 -Because $get.Error
        $result = $get.Output | ConvertFrom-Json
        $result.Ensure | Should -Be 'Present'
        $result.Path | Should -Be (Join-Path $modules "ContainerImageDsc/$version/ContainerImageDsc.psd1")
        $result.Modules | Should -Be @((Join-Path $modules "ContainerImage/$version/ContainerImage.psm1"), (Join-Path $modules "ContainerImageDsc/$version/ContainerImageDsc.psm1"))
        $test = Use-UserEnvironment { Invoke-AsDscResource Test @{ Name = 'microsoft/nanoserver'; Ensure = 'Absent' } }
        ($test.Output | ConvertFrom-Json).InDesiredState | Should -BeFalse
    }

    It 'DSC v3''s PowerShell adapter finds ContainerImageDsc/ContainerImage in the installed package and runs it' {
        $adapter = Get-DscV3Adapter
        $list = Use-UserEnvironment { Invoke-DscV3Adapter -Adapter $adapter -Operation List }
        $list.ExitCode | Should -Be 0 -Because $list.Error
        $found = @($list.Output | Where-Object type -eq 'ContainerImageDsc/ContainerImage')
        $found.Count | Should -Be 1
        $found[0].path | Should -Be (Join-Path $modules "ContainerImageDsc/$version/ContainerImageDsc.psm1")
        $found[0].version | Should -Be $version
        $test = Use-UserEnvironment { Invoke-DscV3Adapter -Adapter $adapter -Operation Test -ResourceType $found[0].type -ResourcePath $found[0].path -Json '{"Name":"microsoft/nanoserver"}' }
        $test.ExitCode | Should -Be 0 -Because $test.Error
        $test.Output[0]._inDesiredState | Should -BeTrue
        $test.Output[0].Ensure | Should -Be 'Present'
    }

    Context 'Update-PSResource while a session holds the old version, then Uninstall-PSResource' {
        BeforeAll {
            # The next release: the same module, one patch version up, published to the same repository.
            $next = [version]$version
            $script:nextVersion = '{0}.{1}.{2}' -f $next.Major, $next.Minor, ($next.Build + 1)
            $staging = New-Item -ItemType Directory (Join-Path $TestDrive 'next')
            Copy-Item (Join-Path $out 'ContainerImage') $staging -Recurse
            $manifest = Join-Path $staging 'ContainerImage/ContainerImage.psd1'
            (Get-Content -Raw $manifest) -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion        = '$nextVersion'" | Set-Content $manifest
            $published = Invoke-AsUser "Publish-PSResource -Path '$(Join-Path $staging 'ContainerImage')' -Repository local"
            $published.ExitCode | Should -Be 0 -Because $published.Error

            # A session that imported the installed version and goes on running while it is updated: it
            # lists, says so in a file, waits for the word to go on (a file), lists again and says so.
            $script:signals = (New-Item -ItemType Directory (Join-Path $TestDrive 'session')).FullName
            $sessionScript = Join-Path $work 'session.ps1'
            Set-Content -LiteralPath $sessionScript -Value @"
`$ErrorActionPreference = 'Stop'
function Get-State { @{ Version = [string](Get-Module ContainerImage).Version; Count = @(Get-ContainerImage -Name microsoft/nanoserver).Count; Path = (Get-Module ContainerImage).Path } | ConvertTo-Json -Compress }
Import-Module ContainerImage
Set-Content '$signals/before.json' (Get-State)
`$deadline = [datetime]::UtcNow.AddMinutes(10)
while (-not (Test-Path '$signals/go') -and [datetime]::UtcNow -lt `$deadline) { Start-Sleep -Milliseconds 200 }
Set-Content '$signals/after.json' (Get-State)
"@
            $info = [System.Diagnostics.ProcessStartInfo]::new((Get-Command pwsh).Source)
            foreach ($argument in '-NoProfile', '-NonInteractive', '-File', $sessionScript) { $info.ArgumentList.Add($argument) }
            $info.WorkingDirectory = $work
            foreach ($name in $userEnvironment.Keys) {
                if ($null -eq $userEnvironment[$name]) { $null = $info.Environment.Remove($name) } else { $info.Environment[$name] = $userEnvironment[$name] }
            }
            $info.RedirectStandardError = $true
            $script:session = [System.Diagnostics.Process]::Start($info)
            $script:sessionErrors = $session.StandardError.ReadToEndAsync()
            function Wait-SessionFile([string] $Name) {
                # The session's answer, once it has written it (or ended without it).
                $path = Join-Path $signals $Name
                $deadline = [datetime]::UtcNow.AddMinutes(5)
                while (-not (Test-Path $path) -and -not $session.HasExited -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
                if (-not (Test-Path $path)) { throw "The session wrote no $Name$(if ($session.HasExited) { ': ' + $sessionErrors.Result })" }
                Start-Sleep -Milliseconds 200   # Set-Content has finished writing one line
                Get-Content -Raw $path | ConvertFrom-Json
            }
        }
        AfterAll {
            if ($session -and -not $session.HasExited) { $session.Kill(); $session.WaitForExit() }
        }

        It 'updates to the newer version while the old one is in use; the old session goes on working' {
            $before = Wait-SessionFile 'before.json'
            $before.Version | Should -Be $version
            $before.Count | Should -Be 1
            $update = Invoke-AsUser "Update-PSResource ContainerImage -Repository local -Scope CurrentUser; Get-InstalledPSResource ContainerImage | ForEach-Object { [string]`$_.Version } | Sort-Object | ConvertTo-Json -Compress"
            $update.ExitCode | Should -Be 0 -Because $update.Error
            $update.Json | Should -Be @($version, $nextVersion)
            Set-Content (Join-Path $signals 'go') 'go'
            $after = Wait-SessionFile 'after.json'
            $after.Version | Should -Be $version
            $after.Count | Should -Be 1 -Because 'the old version goes on working in the session that has it'
            $after.Path | Should -Be (Join-Path $modules "ContainerImage/$version/ContainerImage.psm1")
            $fresh = Invoke-AsUser "Import-Module ContainerImage; @{ Version = [string](Get-Module ContainerImage).Version; Count = @(Get-ContainerImage -Name microsoft/nanoserver).Count } | ConvertTo-Json -Compress"
            $fresh.ExitCode | Should -Be 0 -Because $fresh.Error
            $fresh.Json[0].Version | Should -Be $nextVersion
            $fresh.Json[0].Count | Should -Be 1
        }

        It 'Uninstall-PSResource removes every version and leaves nothing behind' {
            $session.WaitForExit(60000) | Should -BeTrue
            $uninstall = Invoke-AsUser "Uninstall-PSResource ContainerImageDsc -Scope CurrentUser; Uninstall-PSResource ContainerImage -Version '*' -Scope CurrentUser; @(Get-InstalledPSResource -ErrorAction SilentlyContinue | Where-Object Name -like 'ContainerImage*').Count"
            $uninstall.ExitCode | Should -Be 0 -Because $uninstall.Error
            $uninstall.Text.Trim() | Should -Be '0'
            @(Get-ChildItem $modules -ErrorAction Ignore | Where-Object Name -like 'ContainerImage*') | Should -BeNullOrEmpty
            @(Get-ChildItem $userHome -Recurse -Force -ErrorAction Ignore | Where-Object Name -like '*containerimage*' | ForEach-Object FullName) | Should -BeNullOrEmpty
        }
    }
}

Describe 'The backend wheel' -Skip:$skipPass {
    It 'installs into a venv (Debian''s packages for its dependencies) and gives the containerimage command' {
        $wheelVenv = Join-Path $TestDrive 'wheel-venv'
        & /usr/bin/python3 -m venv --system-site-packages --without-pip $wheelVenv
        & /usr/bin/python3 -m pip --python (Join-Path $wheelVenv 'bin/python') install --quiet --no-deps --no-index (Join-Path $out "containerimage-$version-py3-none-any.whl") 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        $command = Join-Path $wheelVenv 'bin/containerimage'
        $command | Should -Exist
        & $command --version | Should -Be "containerimage $version"
        $listed = & $command images 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "$listed"
        "$listed" | Should -Match 'microsoft/nanoserver'
        $location = & (Join-Path $wheelVenv 'bin/python') -c 'import containerimage, os; print(os.path.dirname(containerimage.__file__))'
        $location | Should -BeLike "$wheelVenv*"
    }
}

Describe 'tools/Build-Assembly.ps1' -Skip:$skipPass {
    It 'compiles when a source is newer than the assembly or was removed, and only then' {
        # A copy of the tool beside a CSharp/ folder of its own, as it finds them in the checkout.
        $copy = Join-Path $TestDrive 'checkout'
        $null = New-Item -ItemType Directory (Join-Path $copy 'tools'), (Join-Path $copy 'powershell/ContainerImage/CSharp')
        Copy-Item (Join-Path $root 'tools/Build-Assembly.ps1') (Join-Path $copy 'tools')
        $sources = Join-Path $copy 'powershell/ContainerImage/CSharp'
        Set-Content (Join-Path $sources 'First.cs') 'namespace BuildTest { public static class First { } }'
        Set-Content (Join-Path $sources 'Second.cs') 'namespace BuildTest { public static class Second { } }'
        $dll = Join-Path $TestDrive 'BuildTest.dll'
        $build = { & (Get-Command pwsh).Source -NoProfile -File (Join-Path $copy 'tools/Build-Assembly.ps1') -Path $dll 2>&1 }
        $types = {
            $stream = [System.IO.File]::OpenRead($dll)
            try {
                $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
                $metadata = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
                foreach ($handle in $metadata.TypeDefinitions) { $metadata.GetString($metadata.GetTypeDefinition($handle).Name) }
            } finally { $stream.Dispose() }
        }

        & $build | Should -BeLike 'Compiled *'
        & $types | Should -Contain 'Second'
        $built = (Get-Item $dll).LastWriteTimeUtc
        & $build | Should -BeNullOrEmpty -Because 'nothing changed'
        (Get-Item $dll).LastWriteTimeUtc | Should -Be $built
        Remove-Item (Join-Path $sources 'Second.cs')
        & $build | Should -BeLike 'Compiled *'
        & $types | Should -Contain 'First'
        & $types | Should -Not -Contain 'Second'
    }
}
