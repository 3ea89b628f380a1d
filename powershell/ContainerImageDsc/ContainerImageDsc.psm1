# ContainerImageDsc: the class-based DSC resource ContainerImage: one image repository:tag on the Docker
# engine, present (optionally pinned to a digest, or kept at the registry's latest version) or absent. The desired-state logic is the backend's
# (state.get/state.set, backend/containerimage/operations/state.py), shared with the DSC v3 command resource
# and Sync-ContainerImage; the backend is the ContainerImage module's (RequiredModules).
#
# A module of its own, the class in its root module: `using module <manifest>` (Invoke-DscResource) brings
# in the root module's classes only, and DSC v3's PowerShell adapter parses the root module file. So
# importing ContainerImage compiles no class.

function Get-ContainerImageModule {
    # The ContainerImage module whose backend the resource uses: the one RequiredModules imported (or,
    # when it was removed since, imported anew).
    $module = Get-Module ContainerImage | Sort-Object Version -Descending | Select-Object -First 1
    if (-not $module) { $module = Import-Module ContainerImage -Global -PassThru -ErrorAction Stop | Select-Object -First 1 }
    $module
}

function Invoke-ContainerImageState {
    # One state.* request for a resource's properties; the result, or a terminating error (DSC resources
    # report failures by throwing).
    param([Parameter(Mandatory)] [string] $Method, [Parameter(Mandatory)] $Resource)
    $params = @{ name = [string]$Resource.Name; ensure = [string]$Resource.Ensure }
    if ($Resource.Tag) { $params.tag = [string]$Resource.Tag }
    if ($Resource.Digest) { $params.digest = [string]$Resource.Digest }
    if ($Resource.Latest) { $params.latest = $true }
    # The engine the resource names (a docker context name, an address or 'default'), else the environment's.
    $engine = if ($Resource.Engine) { ([string]$Resource.Engine).Trim() } else { '' }
    $result = & (Get-ContainerImageModule) { param($m, $p, $e) Invoke-Backend -Method $m -Params $p -Engine $e } $Method $params $engine
    if ($result -is [System.Management.Automation.ErrorRecord]) { throw $result }
    $result
}

enum Ensure {
    Absent
    Present
}

# Why a resource is not in its desired state: the Azure machine configuration convention (Code is
# ContainerImage:ContainerImage:<property>, Phrase a sentence naming the image).
class Reason {
    [DscProperty()]
    [string] $Code

    [DscProperty()]
    [string] $Phrase
}

[DscResource()]
class ContainerImage {
    # The image repository, e.g. microsoft/nanoserver or registry.example.com:5000/team/app.
    [DscProperty(Key)]
    [string] $Name

    # The tag (latest when empty).
    [DscProperty(Key)]
    [string] $Tag = 'latest'

    [DscProperty()]
    [Ensure] $Ensure = [Ensure]::Present

    # An optional pin, sha256:<64 hex digits>: Present then means exactly this content.
    [DscProperty()]
    [string] $Digest

    # With Ensure Present (and no Digest): also the version the registry serves under the tag now. Test() is
    # false when the registry has a newer version (or cannot be asked: the Reason says why), Set() pulls it.
    # Get() gives whether the local image is the registry's latest.
    [DscProperty()]
    [bool] $Latest

    # The engine the image is on: a docker context name, an address (unix://, tcp://host:port,
    # ssh://[user@]host) or 'default'; empty: the one the environment names (DOCKER_HOST, DOCKER_CONTEXT).
    [DscProperty()]
    [string] $Engine

    # The id of the local image the tag names (none when absent).
    [DscProperty(NotConfigurable)]
    [string] $Id

    [DscProperty(NotConfigurable)]
    [Reason[]] $Reasons

    # The actual state, with the Reasons it differs from this desired state (none when it does not).
    [ContainerImage] Get() {
        return [ContainerImage]::FromState((Invoke-ContainerImageState -Method state.get -Resource $this))
    }

    # In the desired state when Get() finds no reason to change anything.
    [bool] Test() {
        return @($this.Get().Reasons).Count -eq 0
    }

    # The least change (a pull, a pull by digest and a tag, a pull of the newer version, or a removal);
    # nothing when Test() passes.
    # A removal that containers prevent throws the dependency error (ResourceBusy), naming them.
    [void] Set() {
        if ($this.Test()) { return }
        $outcome = Invoke-ContainerImageState -Method state.set -Resource $this
        Write-Verbose "ContainerImage $($this.Name):$($this.Tag): $($outcome.Action) ($(@($outcome.Changed) -join ', '))"
    }

    hidden static [ContainerImage] FromState($State) {
        $resource = [ContainerImage]::new()
        $resource.Name = $State.Name
        $resource.Tag = $State.Tag
        $resource.Ensure = [Ensure]$State.Ensure
        $resource.Digest = $State.Digest
        $resource.Id = $State.Id
        if ($State.PSObject.Properties['Latest']) { $resource.Latest = [bool]$State.Latest }
        if ($State.PSObject.Properties['Engine']) { $resource.Engine = $State.Engine }
        $resource.Reasons = @(foreach ($found in $State.Reasons) { [Reason]@{ Code = $found.Code; Phrase = $found.Phrase } })
        return $resource
    }
}
