BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $registry = $env:CONTAINERIMAGE_TEST_REGISTRY
    $password = $env:CONTAINERIMAGE_TEST_PASSWORD
    $credential = New-TestCredential
    $wrongCredential = New-TestCredential -Password 'not-the-password'
    $private = "$registry/private/busybox:1.0"
    # A folder on PATH for credential helpers; PATH is set before the backend restarts (each test gets a
    # DOCKER_CONFIG of its own, and a change of DOCKER_CONFIG starts a new backend).
    $helpers = (New-Item -ItemType Directory (Join-Path $TestDrive 'bin')).FullName
    $savedPath, $savedConfig = $env:PATH, $env:DOCKER_CONFIG
    $env:PATH = $helpers + [System.IO.Path]::PathSeparator + $env:PATH

    function Get-HelperSecret([string] $Name) {
        $path = Join-Path $helpers "docker-credential-$Name.json"
        if (Test-Path $path) { Get-Content -Raw $path | ConvertFrom-Json -AsHashtable } else { @{} }
    }
    function Get-StoredLogin([string] $Key) {
        [System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String((Get-DockerConfig).auths[$Key].auth))
    }
}

AfterAll {
    $env:PATH, $env:DOCKER_CONFIG = $savedPath, $savedConfig
    Remove-TestImage $private
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Connect-ContainerRegistry' {
    BeforeEach {
        $configFile = Use-NewDockerConfig
        Get-ChildItem $helpers -Filter 'docker-credential-*' | Remove-Item
    }

    It 'logs in, outputs a RegistryLogin, and docker uses the login' {
        $login = Connect-ContainerRegistry -Registry $registry -Credential $credential
        $login.PSObject.TypeNames[0] | Should -Be 'ContainerImage.RegistryLogin'
        $login.Registry | Should -Be $registry
        $login.UserName | Should -Be $env:CONTAINERIMAGE_TEST_USER
        $login.Store | Should -Be 'config.json'
        ($login | Format-Table | Out-String) | Should -Match 'STORE\s+REGISTRY\s+USERNAME'
        Get-StoredLogin $registry | Should -Be "$($env:CONTAINERIMAGE_TEST_USER):$password"
        Remove-TestImage $private
        Invoke-Docker pull $private | Out-Null
        Remove-TestImage $private
    }

    It 'shares logins with docker login: the module installs with a login docker made' {
        $password | & docker login --username $env:CONTAINERIMAGE_TEST_USER --password-stdin $registry 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        Remove-TestImage $private
        (Install-ContainerImage -Name $private).Tag | Should -Be '1.0'
        Remove-TestImage $private
    }

    It 'writes the entry docker login writes' {
        Connect-ContainerRegistry $registry -Credential $credential | Out-Null
        $ours = (Get-DockerConfig).auths
        $null = Use-NewDockerConfig
        $password | & docker login --username $env:CONTAINERIMAGE_TEST_USER --password-stdin $registry 2>&1 | Out-Null
        (Get-DockerConfig).auths | ConvertTo-Json -Compress | Should -Be ($ours | ConvertTo-Json -Compress)
    }

    It 'gives AuthenticationError for a wrong password and leaves config.json byte for byte as it was' {
        Set-Content $configFile "{`n  `"psFormat`": `"table {{.ID}}`",`n  `"auths`": {}`n}" -NoNewline
        $before = [System.IO.File]::ReadAllBytes($configFile)
        $null = Connect-ContainerRegistry -Registry $registry -Credential $wrongCredential -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $errors[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.Unauthorized,Connect-ContainerRegistry'
        $errors[0].Exception.Message | Should -BeLike "*$registry refused the login of '$($env:CONTAINERIMAGE_TEST_USER)'*"
        $errors[0].Exception.Message | Should -Not -BeLike '*not-the-password*'
        [System.IO.File]::ReadAllBytes($configFile) | Should -Be $before
        (Get-ChildItem $env:DOCKER_CONFIG -Force).Name | Should -Be 'config.json'
    }

    It 'gives ConnectionError naming a registry that is down, and stores nothing' {
        $down = $env:CONTAINERIMAGE_TEST_DOWN_REGISTRY
        $null = Connect-ContainerRegistry -Registry $down -Credential $credential -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $errors[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.RegistryUnavailable,Connect-ContainerRegistry'
        $errors[0].Exception.Message | Should -BeLike "The registry $down cannot be reached*"
        Test-NoLoginStored $configFile | Should -BeTrue
    }

    It 'gives InvalidArgument for a registry name that is not a host' {
        $null = Connect-ContainerRegistry -Registry 'not a host' -Credential $credential -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errors[0].Exception.Message | Should -BeLike "*'not a host'*"
    }

    It 'gives InvalidData naming a config.json that is not JSON, before asking the registry' {
        Set-Content $configFile '{ not json'
        $null = Connect-ContainerRegistry -Registry $env:CONTAINERIMAGE_TEST_DOWN_REGISTRY -Credential $credential -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errors[0].Exception.Message | Should -BeLike "*$configFile*"
        Get-Content -Raw $configFile | Should -Be "{ not json$([Environment]::NewLine)"
    }

    It 'keeps every other key of config.json' {
        Set-Content $configFile '{"psFormat": "table {{.ID}}", "proxies": {"default": {"noProxy": "*.local"}}, "auths": {"other.example.com": {"auth": "dTpw"}}, "x-custom": [1, 2]}'
        Connect-ContainerRegistry $registry -Credential $credential | Out-Null
        $config = Get-DockerConfig
        $config.psFormat | Should -Be 'table {{.ID}}'
        $config.proxies.default.noProxy | Should -Be '*.local'
        $config.'x-custom' | Should -Be @(1, 2)
        $config.auths.Keys | Sort-Object | Should -Be (@('other.example.com', $registry) | Sort-Object)
        $config.auths['other.example.com'].auth | Should -Be 'dTpw'
    }

    It 'keeps the password in the credsStore helper, where docker finds it too' {
        $null = Install-CredentialHelper $helpers citest
        Set-Content $configFile '{"credsStore": "citest"}'
        (Connect-ContainerRegistry $registry -Credential $credential).Store | Should -Be 'citest'
        (Get-HelperSecret citest)[$registry].Secret | Should -Be $password
        Get-Content -Raw $configFile | Should -Not -BeLike "*$password*"
        (Get-DockerConfig).auths[$registry].Count | Should -Be 0
        Remove-TestImage $private
        Invoke-Docker pull $private | Out-Null
        Remove-TestImage $private
    }

    It 'uses the credHelpers helper for its registry only' {
        $null = Install-CredentialHelper $helpers citest
        Set-Content $configFile "{`"credHelpers`": {`"$registry`": `"citest`"}}"
        (Connect-ContainerRegistry $registry -Credential $credential).Store | Should -Be 'citest'
        $anyone = New-TestCredential -UserName anyone -Password x
        (Connect-ContainerRegistry $env:CONTAINERIMAGE_TEST_MIRROR -Credential $anyone).Store | Should -Be 'config.json'
        (Get-HelperSecret citest).Keys | Should -Be @($registry)
    }

    It 'says NotFound naming a credential helper that is not installed, and stores nothing' {
        Set-Content $configFile '{"credsStore": "nosuchhelper"}'
        $null = Connect-ContainerRegistry $registry -Credential $credential -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].Exception.Message | Should -BeLike '*docker-credential-nosuchhelper*'
        Get-Content -Raw $configFile | Should -Be "{`"credsStore`": `"nosuchhelper`"}$([Environment]::NewLine)"
    }

    It 'keeps a password with quotes, spaces and non-ASCII letters exactly' {
        # The mirror has no users, so it accepts any password: what is checked is the way it travels.
        $odd = "p@ss w`"o'rd ünï €"
        $oddCredential = New-TestCredential -UserName 'odd user' -Password $odd
        Connect-ContainerRegistry $env:CONTAINERIMAGE_TEST_MIRROR -Credential $oddCredential | Out-Null
        Get-StoredLogin $env:CONTAINERIMAGE_TEST_MIRROR | Should -BeExactly "odd user:$odd"
    }

    It 'never shows the password: not in -Verbose output, not on a command line' {
        $all = Connect-ContainerRegistry $registry -Credential $credential -Verbose *>&1
        ($all | Out-String) | Should -Not -BeLike "*$password*"
        ($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Contain "Logged in to $registry as $($env:CONTAINERIMAGE_TEST_USER); the login is kept in config.json."
        $wrong = Connect-ContainerRegistry $registry -Credential $wrongCredential -Verbose -ErrorAction Continue *>&1
        ($wrong | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).CategoryInfo.Category | Should -Be 'AuthenticationError'
        ($wrong | Out-String) | Should -Not -BeLike '*not-the-password*'
        $backendPid = & (Get-Module ContainerImage) { $script:Backend.Handshake.pid }   # this process, in-process
        [System.IO.File]::ReadAllText("/proc/$backendPid/cmdline") | Should -Not -BeLike "*$password*"
    }

    It 'does nothing with -WhatIf' {
        Connect-ContainerRegistry $registry -Credential $credential -WhatIf | Should -BeNullOrEmpty
        Test-NoLoginStored $configFile | Should -BeTrue
    }

    It 'takes the registry from the pipeline, by value and by property name' {
        ($registry | Connect-ContainerRegistry -Credential $credential).Registry | Should -Be $registry
        ([pscustomobject]@{ Registry = $registry } | Connect-ContainerRegistry -Credential $credential).Registry | Should -Be $registry
    }

    It 'has help with examples' {
        $help = Get-Help Connect-ContainerRegistry -Full
        @($help.Examples.Example).Count | Should -BeGreaterThan 1
        $help.Parameters.Parameter.Name | Should -Contain 'Credential'
        $help.Parameters.Parameter.Name | Should -Contain 'Registry'
    }
}

Describe 'Connect-ContainerRegistry and docker login where a default credential helper is installed' {
    # Debian's golang-docker-credential-helpers puts docker-credential-pass and -secretservice on PATH; with
    # a config.json that holds no login, docker login then keeps a first login in one of them (pass when the
    # pass program is on PATH, else secretservice) and writes credsStore. Here tools/credential_helper.py
    # stands in under both names, in front of PATH, so the helper docker picks works on any machine.
    BeforeAll {
        $null = Install-CredentialHelper $helpers pass
        $null = Install-CredentialHelper $helpers secretservice
        $default = if (Get-Command pass -CommandType Application -ErrorAction Ignore) { 'pass' } else { 'secretservice' }
    }

    BeforeEach {
        $configFile = Use-NewDockerConfig
        Remove-Item $configFile   # no pin: the default applies
        Get-ChildItem $helpers -Filter 'docker-credential-*.json' | Remove-Item
    }

    AfterAll {
        Get-ChildItem $helpers -Filter 'docker-credential-*' | Remove-Item
    }

    It 'keeps the login where docker login keeps it: the default helper, named as credsStore' {
        $password | & docker login --username $env:CONTAINERIMAGE_TEST_USER --password-stdin $registry 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        $theirs = Get-Content -Raw $configFile
        $theirsSecret = (Get-HelperSecret $default)[$registry]

        $configFile = Use-NewDockerConfig
        Remove-Item $configFile
        Get-ChildItem $helpers -Filter 'docker-credential-*.json' | Remove-Item
        $login = Connect-ContainerRegistry $registry -Credential $credential
        $login.Store | Should -Be $default
        (Get-HelperSecret $default)[$registry].Secret | Should -Be $password
        (Get-HelperSecret $default)[$registry].Username | Should -Be $theirsSecret.Username
        $theirsSecret.Secret | Should -Be $password
        # The same config.json, to the byte: docker's layout, credsStore and an empty entry.
        Get-Content -Raw $configFile | Should -BeExactly $theirs
        (Get-DockerConfig).credsStore | Should -Be $default
    }

    It 'installs with the login docker login kept in the default helper' {
        $password | & docker login --username $env:CONTAINERIMAGE_TEST_USER --password-stdin $registry 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        (Get-DockerConfig).credsStore | Should -Be $default
        Remove-TestImage $private
        (Install-ContainerImage -Name $private).Tag | Should -Be '1.0'
        Remove-TestImage $private
    }

    It 'logs in so that docker pulls with the login it kept in the default helper' {
        (Connect-ContainerRegistry $registry -Credential $credential).Store | Should -Be $default
        Get-Content -Raw $configFile | Should -Not -BeLike "*$password*"
        Remove-TestImage $private
        Invoke-Docker pull $private | Out-Null
        Remove-TestImage $private
    }

    It 'follows a config that already says where logins go, as docker does: config.json' {
        Copy-Item $PinnedDockerConfig $configFile
        $password | & docker login --username $env:CONTAINERIMAGE_TEST_USER --password-stdin $registry 2>&1 | Out-Null
        (Get-DockerConfig).auths[$registry].auth | Should -Not -BeNullOrEmpty
        (Connect-ContainerRegistry $registry -Credential $credential).Store | Should -Be 'config.json'
        (Get-HelperSecret $default).Count | Should -Be 0
    }
}
