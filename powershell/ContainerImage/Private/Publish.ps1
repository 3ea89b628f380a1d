# Helpers of Publish-ContainerImage.

function Get-PublishName {
    # The name to push for a -Name string or a piped object: its Repository[:Tag] (Repository alone with
    # -AllTags). An ErrorRecord when the object names nothing pushable.
    param($Item, [switch] $AllTags)
    if ($Item -is [string]) { return $Item }
    $repository = $Item.PSObject.Properties['Repository']
    if (-not $repository -or -not $repository.Value) {
        return New-ContainerImageError -Kind InvalidParams -Target $Item `
            -Message "The piped object has no Repository to publish (an untagged image, or not an image); name the image with Add-ContainerImageTag first."
    }
    if ($AllTags) { return [string]$repository.Value }
    $tag = $Item.PSObject.Properties['Tag']
    if (-not $tag -or -not $tag.Value) {
        return New-ContainerImageError -Kind InvalidParams -Target $Item `
            -Message "The image $($repository.Value) has no tag to publish; give it one with Add-ContainerImageTag, or use -AllTags."
    }
    "$($repository.Value):$($tag.Value)"
}

function Add-LoginAdvice {
    # An AuthenticationError from a push, with what to do about it: log in with Connect-ContainerRegistry.
    param([System.Management.Automation.ErrorRecord] $ErrorRecord, [string] $Name, [switch] $CredentialGiven)
    # The registry as the name says it (docker's rule): a first part with '.' or ':', or localhost.
    $first = $Name.Split('/')[0]
    $registry = if ($Name.Contains('/') -and ($first.Contains('.') -or $first.Contains(':') -or $first -eq 'localhost')) { $first }
    $connect = 'Connect-ContainerRegistry' + $(if ($registry) { " -Registry $registry" } else { '' })
    $advice = if ($CredentialGiven) { "Check the user name and password given with -Credential, or log in with $connect." }
              else { "Log in with $connect first, or give -Credential." }
    New-ContainerImageError -Kind Unauthorized -Target $ErrorRecord.TargetObject `
        -Message "$($ErrorRecord.Exception.Message) $advice" -RecommendedAction $connect
}
