# Helpers of Remove-ContainerImage for disk space: the retention policy's parameters as the backend takes
# them, and what a batch of removals frees (image.space_freed), as the confirmation question says it.

function ConvertTo-RetentionSpan {
    # -OlderThan as a positive TimeSpan: a [timespan], TimeSpan text ('30.00:00:00', '12:00:00'), or a number
    # with a unit ('30d', '12h', '90m', '45s', '2w'). An ErrorRecord (InvalidParams) for anything else, and
    # for a span of zero or less: "older than -5 days" would take every image, which is never what is meant.
    #
    # Typed bare on a command line, 30d and 45s reach here as numbers: PowerShell reads them as a [decimal]
    # (the d suffix) and an [int16] (the s suffix), so those two types are taken as days and seconds.
    param($Value)
    $span = $null
    $shown = $Value
    if ($Value -is [timespan]) {
        $span = $Value
    } elseif ($Value -is [decimal]) {
        $span = [timespan]::FromDays([double]$Value)
        $shown = "${Value}d"
    } elseif ($Value -is [int16]) {
        $span = [timespan]::FromSeconds([double]$Value)
        $shown = "${Value}s"
    } elseif ($Value -is [string] -or $Value -is [char]) {
        $text = ([string]$Value).Trim()
        $match = [regex]::Match($text, '^(?<number>[+-]?\d+(\.\d+)?)\s*(?<unit>[smhdw])$', 'IgnoreCase')
        if ($match.Success) {
            $number = [double]::Parse($match.Groups['number'].Value, [System.Globalization.CultureInfo]::InvariantCulture)
            $seconds = @{ s = 1; m = 60; h = 3600; d = 86400; w = 604800 }[$match.Groups['unit'].Value.ToLowerInvariant()]
            $span = [timespan]::FromSeconds($number * $seconds)
        } else {
            $parsed = [timespan]::Zero
            if ([timespan]::TryParse($text, [System.Globalization.CultureInfo]::InvariantCulture, [ref]$parsed) -and $text -notmatch '^[+-]?\d+$') {
                $span = $parsed
            }
        }
    }
    if ($null -eq $span -and ([string]$Value).Trim() -match '^[+-]?\d+(\.\d+)?$') {
        return New-ContainerImageError -Kind InvalidParams -Target 'OlderThan' `
            -Message "-OlderThan '$Value' has no unit: give 30d (days), 12h, 90m, 45s or 2w, a [timespan], or d.hh:mm:ss. Nothing was removed." `
            -RecommendedAction "For example: -OlderThan 30d"
    }
    if ($null -eq $span) {
        return New-ContainerImageError -Kind InvalidParams -Target 'OlderThan' `
            -Message "-OlderThan '$Value' is not a time span: give a number with a unit (30d, 12h, 90m, 45s, 2w), a [timespan], or d.hh:mm:ss. Nothing was removed." `
            -RecommendedAction "For example: -OlderThan 30d"
    }
    if ($span -le [timespan]::Zero) {
        return New-ContainerImageError -Kind InvalidParams -Target 'OlderThan' `
            -Message "-OlderThan '$shown' is not a positive span of time ($span): every image is older than that, so it would select them all. Nothing was removed." `
            -RecommendedAction "Give a positive span such as 30d, or leave -OlderThan out to remove every unused image."
    }
    $span
}

function Test-KeepLatest {
    # -KeepLatest must keep at least one image per repository; an ErrorRecord for 0 or less, else $null.
    # 0 is refused rather than read as "keep none": "keep none" is -Unused without -KeepLatest, and a 0 that a
    # script computed by mistake must not turn a retention run into removing every unused image.
    param([int] $Count)
    if ($Count -ge 1) { return $null }
    New-ContainerImageError -Kind InvalidParams -Target 'KeepLatest' `
        -Message "-KeepLatest $Count keeps no image of a repository: give 1 or more. To remove every unused image, leave -KeepLatest out. Nothing was removed." `
        -RecommendedAction 'For example: -KeepLatest 3'
}

function Get-BatchSpaceFreed {
    # What removing these images (full ids) would free as one batch on one engine ('' or none: the
    # environment's), in bytes, from the backend; $null when
    # it cannot be told (the error is written as a warning: the question is still asked, without the figure).
    param([Parameter(Mandatory)] [System.Management.Automation.PSCmdlet] $Cmdlet, [string[]] $Ids, [bool] $PruneParents, [string] $Engine)
    if (-not $Ids) { return [long]0 }
    $answer = Invoke-Backend -Method image.space_freed -Params @{ ids = @($Ids); prune_parents = $PruneParents } -Engine $Engine
    if ($answer -is [System.Management.Automation.ErrorRecord]) {
        $Cmdlet.WriteWarning("The space the removal frees cannot be told: $($answer.Exception.Message)")
        return $null
    }
    [long]$answer.SpaceFreed
}

function Format-SpaceFreed {
    # "; this batch deletes 3 images and frees 5.23MB (5234567 bytes)", the end of a confirmation target.
    param($Bytes, [int] $Count)
    if ($null -eq $Bytes) { return '' }
    $images = if ($Count -eq 0) { 'no image' } elseif ($Count -eq 1) { '1 image' } else { "$Count images" }
    "; this batch deletes $images and frees $(ConvertTo-HumanSize $Bytes) ($Bytes bytes)"
}
