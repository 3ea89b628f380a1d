# Remove-ContainerEngine: contexts made by the docker CLI removed as `docker context rm` removes them.
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
