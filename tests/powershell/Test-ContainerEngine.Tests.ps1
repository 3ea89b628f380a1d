# Test-ContainerEngine against the sandbox's fleet (tools/sandbox.py: a TLS engine, an ssh:// engine, a context
# whose engine is down), with the docker CLI as the oracle. Under InProcess only the test that reaches every
# kind of engine (ssh's child processes, TLS) runs.

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
