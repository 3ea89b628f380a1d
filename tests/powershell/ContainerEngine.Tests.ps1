# Get-, Test-, New- and Remove-ContainerEngine against the sandbox's fleet (tools/sandbox.py: a TLS engine, an
# ssh:// engine, a context whose engine is down), with the docker CLI as the oracle of the context store.
# The context store and the views do not depend on the transport: under InProcess only the test that reaches
# every kind of engine (ssh's child processes, TLS) runs.

BeforeDiscovery {
    $script:InProcess = $env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    foreach ($name in 'CONTAINERIMAGE_TEST_TLS_HOST', 'CONTAINERIMAGE_TEST_SSH_HOST', 'CONTAINERIMAGE_TEST_DOWN_CONTEXT') {
        if (-not [Environment]::GetEnvironmentVariable($name)) { throw "The sandbox was started without its fleet: $name is not set." }
    }
    $tlsHost = $env:CONTAINERIMAGE_TEST_TLS_HOST
    $certs = $env:CONTAINERIMAGE_TEST_TLS_CERTS
    $suffix = [guid]::NewGuid().ToString('n').Substring(0, 8)
    $saved = @{}
    foreach ($name in 'DOCKER_CONTEXT', 'DOCKER_CONFIG', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH') { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }

    function Get-DockerContext {
        # docker context ls, as Name -> endpoint (or -> description); its warning about DOCKER_HOST left out.
        param([string] $Field = 'DockerEndpoint')
        $contexts = @{}
        foreach ($line in @(& docker context ls --format "{{.Name}}|{{.$Field}}" 2>$null)) {
            $name, $value = "$line".Split('|')
            $contexts[$name.TrimEnd(' *')] = $value
        }
        if ($LASTEXITCODE -ne 0) { throw 'docker context ls failed' }
        $contexts
    }
}

AfterAll {
    foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    foreach ($line in @(& docker context ls --format '{{.Name}}' 2>$null)) { if ($line -like "*-$suffix") { & docker context rm -f $line 2>&1 | Out-Null } }
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'Get-ContainerEngine' -Skip:$InProcess {
    It 'lists what docker context ls lists, with the engine in use marked' {
        $engines = @(Get-ContainerEngine)
        $docker = Get-DockerContext
        ($engines.Name | Sort-Object) | Should -Be ($docker.Keys | Sort-Object)
        foreach ($engine in $engines) { $engine.Host | Should -Be $docker[$engine.Name] }
        $engines[0].pstypenames[0] | Should -Be 'ContainerImage.Engine'
        $current = @($engines | Where-Object Current)
        $current.Name | Should -Be 'default'
        $current.Source | Should -Be 'DOCKER_HOST'
        ($engines | Where-Object Name -eq 'sandbox-tls').Tls | Should -BeTrue
        ($engines | Where-Object Name -eq 'sandbox-ssh').Tls | Should -BeFalse
    }

    It 'takes wildcards, and says which names exist for a name that does not' {
        @(Get-ContainerEngine -Name 'SANDBOX-*').Name | Should -Be 'sandbox-down', 'sandbox-ssh', 'sandbox-tls'
        $result = Get-ContainerEngine -Name 'sandbox-nope' -ErrorVariable problems -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.NotFound,Get-ContainerEngine'
        $problems[0].Exception.Message | Should -BeLike "*'sandbox-nope'*Known: default, sandbox-down, sandbox-ssh, sandbox-tls*"
    }

    It 'sees a context that docker context create made, with its TLS files' {
        $name = "cli-made-$suffix"
        Invoke-Docker context create $name --description 'made by docker' --docker "host=$tlsHost,ca=$certs/ca.pem,cert=$certs/cert.pem,key=$certs/key.pem" | Out-Null
        try {
            $engine = Get-ContainerEngine -Name $name
            $engine.Host | Should -Be $tlsHost
            $engine.Tls | Should -BeTrue
            $engine.Description | Should -Be 'made by docker'
            $engine.Source | Should -Be 'context'
            (Test-ContainerEngine -Name $name).Reachable | Should -BeTrue
        } finally {
            Invoke-Docker context rm $name | Out-Null
        }
    }

    It 'names a context file that is not JSON, and leaves it as it is' {
        $config = Join-Path $env:CONTAINERIMAGE_SANDBOX "broken-config-$suffix"
        Copy-Item -Recurse $env:DOCKER_CONFIG $config
        $meta = Get-ChildItem -Recurse -Filter meta.json (Join-Path $config 'contexts/meta') | Select-Object -First 1
        Set-Content -LiteralPath $meta.FullName -Value '{not json' -NoNewline
        $before = Get-FileHash $meta.FullName
        $env:DOCKER_CONFIG = $config
        try {
            $result = Get-ContainerEngine -ErrorVariable problems -ErrorAction SilentlyContinue
        } finally {
            $env:DOCKER_CONFIG = $saved.DOCKER_CONFIG
        }
        $result | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $problems[0].Exception.Message | Should -BeLike "*$($meta.FullName) is not JSON*left as it is*"
        (Get-FileHash $meta.FullName).Hash | Should -Be $before.Hash
    }

    It 'completes engine names' {
        (TabExpansion2 -inputScript 'Get-ContainerEngine -Name sandbox-t').CompletionMatches.CompletionText | Should -Be 'sandbox-tls'
        (TabExpansion2 -inputScript 'Remove-ContainerEngine -Name sandbox-').CompletionMatches.CompletionText | Should -Be 'sandbox-down', 'sandbox-ssh', 'sandbox-tls'
        (TabExpansion2 -inputScript 'Test-ContainerEngine -Name def').CompletionMatches.CompletionText | Should -Be 'default'
    }
}

Describe 'Test-ContainerEngine' {
    It 'reaches the engines piped from Get-ContainerEngine, and says why one cannot be reached' {
        $results = @(Get-ContainerEngine -Name 'sandbox-*' | Test-ContainerEngine)
        $results.Name | Should -Be 'sandbox-down', 'sandbox-ssh', 'sandbox-tls'
        $results[0].pstypenames[0] | Should -Be 'ContainerImage.EngineStatus'
        $down, $ssh, $tls = $results
        $down.Reachable | Should -BeFalse
        $down.Error | Should -BeLike "Cannot reach the Docker engine at tcp://127.0.0.1:*(from docker context 'sandbox-down'): the connection was refused*"
        foreach ($engine in $ssh, $tls) {
            $engine.Reachable | Should -BeTrue
            $engine.Error | Should -BeNullOrEmpty
            $engine.Os | Should -Be 'linux'
            $engine.ApiVersion | Should -Be (Invoke-Docker --context $engine.Name version --format '{{.Server.APIVersion}}')
        }
        $tls.ImageCount | Should -Be ([int](Invoke-Docker --context sandbox-tls info --format '{{.Images}}'))
        $tls.OsVersion | Should -Be (Invoke-Docker --context sandbox-tls info --format '{{.OSVersion}}')
    }

    It 'tests the engine in use when no name is given' -Skip:$InProcess {
        $result = Test-ContainerEngine
        $result.Name | Should -Be 'default'
        $result.Host | Should -Be $env:DOCKER_HOST
        $result.Reachable | Should -BeTrue
    }

    It 'reports names that name no engine as errors, and still tests the others' -Skip:$InProcess {
        $results = @(Test-ContainerEngine -Name 'sandbox-nope', '', 'tcp://', $env:CONTAINERIMAGE_TEST_SSH_HOST -ErrorVariable problems -ErrorAction SilentlyContinue)
        $results.Name | Should -Be $env:CONTAINERIMAGE_TEST_SSH_HOST
        $results[0].Reachable | Should -BeTrue
        $problems.FullyQualifiedErrorId | Should -Be 'ContainerImage.NotFound,Test-ContainerEngine', 'ContainerImage.InvalidParams,Test-ContainerEngine', 'ContainerImage.InvalidParams,Test-ContainerEngine'
        $problems[1].Exception.Message | Should -BeLike 'An engine name is empty*'
        $problems[2].Exception.Message | Should -BeLike "'tcp://' is not an engine address: it names no host*"
    }

    It 'says what is wrong with an engine''s certificate or an ssh login' -Skip:$InProcess {
        $port = $tlsHost.Split(':')[-1]
        $refused = $env:CONTAINERIMAGE_TEST_SSH_HOST -replace 'root@', 'nobody@'
        $env:DOCKER_TLS_VERIFY = '1'
        $env:DOCKER_CERT_PATH = $env:CONTAINERIMAGE_TEST_TLS_WRONG_CA
        try {
            $wrongCa = Test-ContainerEngine -Name $tlsHost
            $env:DOCKER_CERT_PATH = $certs
            $mismatch, $sshRefused, $right = Test-ContainerEngine -Name "tcp://localhost:$port", $refused, $tlsHost
        } finally {
            $env:DOCKER_TLS_VERIFY = $saved.DOCKER_TLS_VERIFY
            $env:DOCKER_CERT_PATH = $saved.DOCKER_CERT_PATH
        }
        $wrongCa.Reachable | Should -BeFalse
        $wrongCa.Error | Should -BeLike "Cannot trust the Docker engine at $tlsHost*unknown CA*"
        $mismatch.Error | Should -BeLike "Cannot trust the Docker engine at tcp://localhost:${port}*name mismatch*"
        $sshRefused.Error | Should -BeLike "Cannot reach the Docker engine at ${refused}: ssh could not log in*Permission denied (publickey)*"
        $right.Reachable | Should -BeTrue
        $plain = Test-ContainerEngine -Name $tlsHost
        $plain.Error | Should -BeLike "The Docker engine at $tlsHost speaks only TLS*"
    }
}

Describe 'New-ContainerEngine' -Skip:$InProcess {
    It 'makes a context that docker context ls lists and docker --context uses' {
        $name = "ps-made-$suffix"
        $engine = New-ContainerEngine -Name $name -Host $tlsHost -TlsCaPath "$certs/ca.pem" -TlsCertPath "$certs/cert.pem" -TlsKeyPath "$certs/key.pem" -Description 'made by the module'
        try {
            $engine.pstypenames[0] | Should -Be 'ContainerImage.Engine'
            $engine.Name, $engine.Host, $engine.Tls | Should -Be $name, $tlsHost, $true
            (Get-DockerContext)[$name] | Should -Be $tlsHost
            (Get-DockerContext -Field Description)[$name] | Should -Be 'made by the module'
            @(Invoke-Docker --context $name images -q) | Should -Be @(Invoke-Docker --context sandbox-tls images -q)
        } finally {
            Invoke-Docker context rm $name | Out-Null
        }
    }

    It 'makes nothing with -WhatIf' {
        New-ContainerEngine -Name "whatif-$suffix" -Host 'tcp://127.0.0.1:1' -WhatIf
        (Get-DockerContext).Keys | Should -Not -Contain "whatif-$suffix"
    }

    It 'refuses <Case> with a clear error, and makes nothing' -ForEach @(
        @{ Case = 'a malformed address'; Arguments = @{ Host = 'web1:2376' }; Id = 'InvalidParams'; Message = "'web1:2376' is not an engine address: it has no scheme*" }
        @{ Case = 'a name taken'; Arguments = @{ Name = 'sandbox-tls'; Host = 'tcp://127.0.0.1:1' }; Id = 'AlreadyExists'; Message = "A docker context named 'sandbox-tls' exists already*" }
        @{ Case = 'a missing CA file'; Arguments = @{ Host = 'tcp://127.0.0.1:1'; TlsCaPath = 'no-such-ca.pem' }; Id = 'NotFound'; Message = 'The CA certificate */no-such-ca.pem does not exist.' }
        @{ Case = 'TLS for ssh'; Arguments = @{ Host = 'ssh://me@127.0.0.1'; SkipTlsVerify = $true }; Id = 'InvalidParams'; Message = 'TLS applies to tcp:// engines only*' }
        @{ Case = 'the name default'; Arguments = @{ Name = 'default'; Host = 'tcp://127.0.0.1:1' }; Id = 'InvalidParams'; Message = "'default' is the name of docker's default context*" }
    ) {
        $before = Get-DockerContext
        $arguments = $Arguments.Clone()
        if (-not $arguments.Name) { $arguments.Name = "refused-$suffix" }
        $result = New-ContainerEngine @arguments -ErrorVariable problems -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be "ContainerImage.$Id,New-ContainerEngine"
        $problems[0].Exception.Message | Should -BeLike $Message
        $after = Get-DockerContext
        $after.Keys.Count | Should -Be $before.Keys.Count
        $after['sandbox-tls'] | Should -Be $before['sandbox-tls']
    }
}

Describe 'Remove-ContainerEngine' -Skip:$InProcess {
    BeforeEach {
        $name = "to-remove-$suffix"
        Invoke-Docker context create $name --docker "host=$tlsHost,ca=$certs/ca.pem" | Out-Null
    }
    AfterEach {
        $env:DOCKER_CONTEXT = $saved.DOCKER_CONTEXT
        & docker context rm -f $name 2>&1 | Out-Null
    }

    It 'removes a context made by docker, TLS files and all, piped from Get-ContainerEngine' {
        $tlsFolder = Join-Path $env:DOCKER_CONFIG "contexts/tls/$((Invoke-Docker context inspect $name --format '{{.Storage.TLSPath}}') | Split-Path -Leaf)"
        Test-Path $tlsFolder | Should -BeTrue
        Get-ContainerEngine -Name $name | Remove-ContainerEngine -Confirm:$false
        (Get-DockerContext).Keys | Should -Not -Contain $name
        Test-Path $tlsFolder | Should -BeFalse
    }

    It 'removes nothing with -WhatIf' {
        Remove-ContainerEngine -Name $name -WhatIf
        (Get-DockerContext).Keys | Should -Contain $name
    }

    It 'refuses the current context, and default, clearly' {
        $env:DOCKER_CONTEXT = $name
        Remove-ContainerEngine -Name $name, 'default' -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue
        $env:DOCKER_CONTEXT = $saved.DOCKER_CONTEXT
        $problems.Count | Should -Be 2
        $problems[0].FullyQualifiedErrorId | Should -Be 'ContainerImage.Conflict,Remove-ContainerEngine'
        $problems[0].Exception.Message | Should -BeLike "The docker context '$name' is the current context (DOCKER_CONTEXT): switch to another first*"
        $problems[1].Exception.Message | Should -BeLike 'The default context cannot be removed*'
        (Get-DockerContext).Keys | Should -Contain $name
    }
}
