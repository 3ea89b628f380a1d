function New-ContainerEngine {
    <#
    .SYNOPSIS
    Makes a docker context: a name for a Docker engine (tcp:// with TLS, ssh://, unix://, npipe://).

    .DESCRIPTION
    New-ContainerEngine writes a context into docker's own context store (the contexts folder of
    $env:DOCKER_CONFIG, else ~/.docker) in docker's own format, as `docker context create` does: so
    `docker context ls` lists it, `docker --context NAME images` uses it, and every command of this module
    takes its name. The TLS files are copied into the store (readable by you only). The engine is not
    contacted: Test-ContainerEngine reaches it.

    .PARAMETER Name
    The context's name: letters, digits and _.+- , starting with a letter or digit. 'default' is taken.

    .PARAMETER Host
    The engine's address: tcp://host:port, ssh://[user@]host[:port], unix:///path or npipe:////./pipe/name.
    An ssh:// engine is reached through the system ssh client with your keys or agent (never a password).

    .PARAMETER TlsCaPath
    The CA certificate (PEM) that signed the engine's certificate (tcp:// only).

    .PARAMETER TlsCertPath
    Your client certificate (PEM) for an engine that asks for one (tcp:// only; with -TlsKeyPath).

    .PARAMETER TlsKeyPath
    The key of the client certificate (PEM).

    .PARAMETER SkipTlsVerify
    Speak TLS without checking the engine's certificate (tcp:// only). Anyone between you and the engine can
    then read and change what is sent: for test machines only.

    .PARAMETER Description
    Free text, shown by docker context ls and Get-ContainerEngine.

    .EXAMPLE
    New-ContainerEngine -Name web1 -Host tcp://web1.example.org:2376 -TlsCaPath ./ca.pem -TlsCertPath ./cert.pem -TlsKeyPath ./key.pem

    A context for an engine with mutual TLS; then: Get-ContainerImage -Engine web1, or docker --context web1 images.

    .EXAMPLE
    New-ContainerEngine -Name build -Host ssh://admin@build.example.org -Description 'the build host'

    A context for an engine reached over SSH.

    .EXAMPLE
    New-ContainerEngine -Name web2 -Host tcp://web2:2376 -TlsCaPath ./ca.pem -WhatIf

    Says what would be made, and makes nothing.

    .OUTPUTS
    ContainerImage.Engine: the new context, as Get-ContainerEngine lists it.

    .LINK
    Get-ContainerEngine

    .LINK
    Remove-ContainerEngine
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('ContainerImage.Engine')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        # $Host is PowerShell's own variable: the parameter is Address, typed as -Host.
        [Parameter(Mandatory, Position = 1, ValueFromPipelineByPropertyName)]
        [Alias('Host')]
        [ValidateNotNullOrEmpty()]
        [string] $Address,

        [string] $TlsCaPath,

        [string] $TlsCertPath,

        [string] $TlsKeyPath,

        [switch] $SkipTlsVerify,

        [Parameter(ValueFromPipelineByPropertyName)]
        [string] $Description
    )
    begin { Import-CallerPreference $PSCmdlet }
    process {
        $params = @{ name = $Name; host = $Address; description = [string]$Description }
        foreach ($pair in @(@('tlsCaPath', $TlsCaPath), @('tlsCertPath', $TlsCertPath), @('tlsKeyPath', $TlsKeyPath))) {
            if (-not $pair[1]) { continue }
            $path = Resolve-FileSystemPath -Path $pair[1] -SessionState $PSCmdlet.SessionState -Literal
            if ($path -is [System.Management.Automation.ErrorRecord]) { Write-ContainerImageError $PSCmdlet $path; return }
            $params[$pair[0]] = [string]$path
        }
        if ($SkipTlsVerify) { $params.skipTlsVerify = $true }
        if (-not (Confirm-Change $PSCmdlet -Target $Name -Action "Create docker context for $Address")) { return }
        $result = Invoke-Backend -Method engine.create -Params $params
        if ($result -is [System.Management.Automation.ErrorRecord]) {
            Write-ContainerImageError $PSCmdlet $result
            return
        }
        Add-ContainerImageType $result.engine -TypeName 'ContainerImage.Engine'
        $PSCmdlet.WriteObject($result.engine)
    }
}
