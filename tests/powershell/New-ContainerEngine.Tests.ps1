# New-ContainerEngine: contexts in docker's own store, which `docker context ls` and `docker --context` use.
# Nothing here depends on the transport: it runs in the Stdio pass only.

BeforeDiscovery {
    $script:InProcess = $env:CONTAINERIMAGE_TRANSPORT -eq 'InProcess'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    Assert-SandboxFleet
    $tlsHost = $env:CONTAINERIMAGE_TEST_TLS_HOST
    $certs = $env:CONTAINERIMAGE_TEST_TLS_CERTS
    $suffix = [guid]::NewGuid().ToString('n').Substring(0, 8)
    $saved = @{}
    foreach ($name in 'DOCKER_CONTEXT', 'DOCKER_CONFIG', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH') { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
}

AfterAll {
    foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    foreach ($line in @(& docker context ls --format '{{.Name}}' 2>$null)) { if ($line -like "*-$suffix") { & docker context rm -f $line 2>&1 | Out-Null } }
    Remove-Module ContainerImage -ErrorAction Ignore
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
        if (-not $arguments.ContainsKey('Name')) { $arguments['Name'] = "refused-$suffix" }
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
