# The seed's guide ("Windows Container Images") walked end to end by its real names, cmdlet by cmdlet,
# against the sandbox: Hub names come from the mirror registry, the authenticated registry stands in for
# the Hub account that "docker push username/containername" would use.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $registry = $env:CONTAINERIMAGE_TEST_REGISTRY
    $credential = [pscredential]::new($env:CONTAINERIMAGE_TEST_USER, (ConvertTo-SecureString $env:CONTAINERIMAGE_TEST_PASSWORD -AsPlainText -Force))
    $container = 'seed-iis-' + [guid]::NewGuid().ToString('n').Substring(0, 8)
    $published = "$registry/username/containername"
    # A login of our own, so this file leaves the sandbox's docker config as it found it.
    $savedConfig = $env:DOCKER_CONFIG
    $null = Use-NewDockerConfig
}

AfterAll {
    & docker rm -f $container 2>&1 | Out-Null
    Remove-TestImage windowsservercoreiis, $published, "${published}:v1"
    $env:DOCKER_CONFIG = $savedConfig
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'The seed guide, end to end' {
    It 'installs the base images microsoft/windowsservercore and microsoft/nanoserver' {
        $installed = Install-ContainerImage -Name microsoft/windowsservercore, microsoft/nanoserver -Force
        $installed.Repository | Should -Be @('microsoft/windowsservercore', 'microsoft/nanoserver')
    }

    It 'lists them' {
        $images = Get-ContainerImage -Name microsoft/windowsservercore, microsoft/nanoserver
        $images.Repository | Sort-Object | Should -Be @('microsoft/nanoserver', 'microsoft/windowsservercore')
        $images | ForEach-Object { $_.PSObject.TypeNames[0] | Should -Be 'ContainerImage.Image' }
        ($images | Format-Table | Out-String) | Should -Match 'IMAGE ID\s+CREATED\s+SIZE\s+REPOSITORY\s+TAG'
    }

    It 'creates a new image windowsservercoreiis from a container' {
        # The guide installs IIS inside the container; here a file stands in for it.
        Invoke-Docker run --network none --name $container microsoft/windowsservercore sh -c 'echo iis > /iis.txt' | Out-Null
        $image = New-ContainerImage -Container $container -Name windowsservercoreiis -Message 'IIS installed'
        $image.Repository | Should -Be 'windowsservercoreiis'
        $image.Tag | Should -Be 'latest'
        # A container of the new image: it exits, and stays (stopped) until removed.
        Invoke-Docker rm $container | Out-Null
        Invoke-Docker run --network none --name $container windowsservercoreiis cat /iis.txt | Should -Be 'iis'
    }

    It 'shows its history: the new layer on top of the base image' {
        $history = Get-ContainerImageHistory -Name windowsservercoreiis
        $history[0].PSObject.TypeNames[0] | Should -Be 'ContainerImage.HistoryEntry'
        $history[0].Comment | Should -Be 'IIS installed'
        $history[0].Tags | Should -Contain 'windowsservercoreiis:latest'
        $base = Get-ContainerImageHistory -Name microsoft/windowsservercore
        $history.Count | Should -Be ($base.Count + 1)
        ($history | Format-Table | Out-String) | Should -Match 'CREATED BY'
    }

    It 'refuses to remove the image while its (stopped) container exists, and removes it after' {
        Remove-ContainerImage -Name windowsservercoreiis -Confirm:$false -ErrorVariable refused -ErrorAction SilentlyContinue
        $refused.Count | Should -Be 1
        $refused[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
        $refused[0].Exception.Message | Should -Match $container
        Get-ContainerImage -Name windowsservercoreiis | Should -Not -BeNullOrEmpty

        Invoke-Docker rm $container | Out-Null
        Remove-ContainerImage -Name windowsservercoreiis -Confirm:$false
        Get-ContainerImage -Name windowsservercoreiis -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'searches a registry for microsoft images' {
        # Docker Hub's search is out of reach here; the mirror serving the Hub names is searched by catalog.
        $found = Find-ContainerImage -Term microsoft -Registry $env:CONTAINERIMAGE_TEST_MIRROR
        $found[0].PSObject.TypeNames[0] | Should -Be 'ContainerImage.SearchResult'
        $found.Name | Should -Contain "$env:CONTAINERIMAGE_TEST_MIRROR/microsoft/aspnet"
    }

    It 'installs microsoft/aspnet' {
        (Install-ContainerImage -Name microsoft/aspnet).Repository | Should -Be 'microsoft/aspnet'
    }

    It 'connects to the registry, tags and publishes username/containername' {
        $login = Connect-ContainerRegistry -Registry $registry -Credential $credential
        $login.Registry | Should -Be $registry
        Add-ContainerImageTag -Name microsoft/aspnet -Tag "${published}:v1" | Out-Null
        $pushed = Publish-ContainerImage -Name "${published}:v1"
        $pushed.Digest | Should -Match '^sha256:[0-9a-f]{64}$'
        $script:pushedDigest = $pushed.Digest
    }

    It 'removes it locally and installs it back from the registry' {
        Remove-ContainerImage -Name "${published}:v1" -Confirm:$false
        Get-ContainerImage -Name "${published}:v1" -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $back = Install-ContainerImage -Name $published -Tag v1
        $back.Digest | Should -Be $script:pushedDigest
        $back.FullId | Should -Be (Get-ContainerImage -Name microsoft/aspnet:latest).FullId   # other files may leave other aspnet tags
    }

    It 'disconnects from the registry' {
        Disconnect-ContainerRegistry -Registry $registry
        Install-ContainerImage -Name $published -Tag v1 -Force -ErrorVariable denied -ErrorAction SilentlyContinue
        $denied[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
    }
}
