# Get-ContainerEngine against the sandbox's contexts (tools/sandbox.py's fleet), with `docker context ls` as the
# oracle. Nothing here depends on the transport: it runs in the Stdio pass only.

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
