# The Copy case of bench/Invoke-Benchmark.ps1 (dot-sourced after BenchmarkHelpers.ps1): a 5-layer image of
# ~200 MB copied from the sandbox's mirror registry to its target registry by Copy-ContainerImage, against
# `skopeo copy` of the same image and against the engine route (Install-ContainerImage +
# Add-ContainerImageTag + Publish-ContainerImage), interleaved in one run; and the backend's peak memory
# during such a copy.
#
# Every run copies into a repository of its own, and after it the destination's links to the blobs are
# deleted (DELETE /v2/<repo>/blobs/<digest>; the sandbox's registries allow deleting) and the engine's
# copy removed: so no run finds a blob there already, nor mounts one that an earlier run sent (skopeo
# and the engine remember where they pushed a blob and try to mount it from there: with the link gone, the
# mount fails and the blob is sent).

function Invoke-CopyBenchmark {
    param([string] $Python, [string] $Root, [string] $ModulePath, [hashtable] $Plan, [string] $Label, $Results)
    $mirror = $env:CONTAINERIMAGE_TEST_MIRROR
    $script:copyTarget = $env:CONTAINERIMAGE_TEST_TARGET
    $size = "$($Plan.Layers) x $($Plan.LayerMegabytes) MB"
    $script:copySource = "$mirror/bench/copy-source:1"
    $pushed = & $Python (Join-Path $Root 'tools/registry_push.py') --registry $mirror --name bench/copy-source --tag 1 `
        --platform linux/amd64 --layers $Plan.Layers --megabytes $Plan.LayerMegabytes
    if ($LASTEXITCODE) { throw 'registry_push.py could not push the copy benchmark image' }
    $image = ($pushed | ConvertFrom-Json).images[0]
    $script:copyBlobs = @($image.config) + @($image.layers)
    $script:copyRun = 0
    $script:copyDestination = $null
    $nextDestination = { $script:copyRun++; $script:copyDestination = "bench/copy-$PID-$script:copyRun" }
    $forget = {
        # the destination forgets this run's blobs (the source's, and those its manifest names: the engine
        # pushes layers it compressed again, under other digests); the engine, its pulled and tagged image
        $answer = Invoke-WebRequest "http://$script:copyTarget/v2/$script:copyDestination/manifests/1" -SkipHttpErrorCheck -Headers @{
            Accept = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' }
        $named = @()
        if ($answer.StatusCode -eq 200) {
            $text = if ($answer.Content -is [byte[]]) { [System.Text.Encoding]::UTF8.GetString($answer.Content) } else { $answer.Content }
            $manifest = $text | ConvertFrom-Json
            $named = @($manifest.config.digest) + @($manifest.layers.digest)
        }
        foreach ($blob in @($script:copyBlobs) + $named | Sort-Object -Unique) {
            $null = Invoke-WebRequest -Method Delete "http://$script:copyTarget/v2/$script:copyDestination/blobs/$blob" -SkipHttpErrorCheck
        }
        docker rmi -f $script:copySource "$script:copyTarget/${script:copyDestination}:1" 2>&1 | Out-Null
    }
    $cases = [ordered]@{
        'Copy-ContainerImage' = {
            $copied = Copy-ContainerImage $script:copySource "$script:copyTarget/$script:copyDestination" -Confirm:$false
            if ($copied.Copied -ne $script:copyBlobs.Count) { throw "Copy-ContainerImage sent $($copied.Copied) blobs, not $($script:copyBlobs.Count)" }
        }
        'skopeo copy' = {
            skopeo copy -q --src-tls-verify=false --dest-tls-verify=false "docker://$script:copySource" "docker://$script:copyTarget/${script:copyDestination}:1"
            if ($LASTEXITCODE) { throw 'skopeo copy failed' }
        }
        'Install + Add-ContainerImageTag + Publish' = {
            $null = Install-ContainerImage $script:copySource -Confirm:$false
            $null = Add-ContainerImageTag $script:copySource "$script:copyTarget/${script:copyDestination}:1"
            $null = Publish-ContainerImage "$script:copyTarget/${script:copyDestination}:1" -Confirm:$false
        }
    }
    Write-Host "copy, $size ($Label)"
    $medians = Measure-Rounds -Cases $cases -Rounds $Plan.CopyRounds -BeforeEach $nextDestination -AfterEach $forget
    $Results.Comparisons.Add((New-Comparison -Case "registry to registry copy of a $size image vs skopeo" -Images 1 -Transport $Label `
        -Ours $medians[0] -OursName 'Copy-ContainerImage' -Baseline $medians[1] -BaselineName 'skopeo copy' -Limit 1.1))
    $Results.Comparisons.Add((New-Comparison -Case "registry to registry copy of a $size image vs the engine route" -Images 1 -Transport $Label `
        -Ours $medians[0] -OursName 'Copy-ContainerImage' -Baseline $medians[2] -BaselineName 'Install + Add-ContainerImageTag + Publish' `
        -Limit 0.33 -Note 'target: at least 3x faster'))

    # Memory: a backend process of its own, its peak resident memory before and after one such copy.
    & $nextDestination
    $process = Start-BenchBackend -ModulePath $ModulePath -Python $Python
    try {
        $null = Invoke-BenchBackend $process 1 'handshake'
        $null = Invoke-BenchBackend $process 2 'ping'
        $before = Get-ProcessMemory $process.Id
        $line = Invoke-BenchBackend $process 3 'image.copy' @{ name = $script:copySource; destination = "$script:copyTarget/$script:copyDestination" }
        $after = Get-ProcessMemory $process.Id
        $answer = $line | ConvertFrom-Json
        if (-not $answer.PSObject.Properties['result']) { throw "image.copy failed: $line" }
        $row = [ordered]@{ Case = "backend during a copy of a $size image"; BeforeCopyMB = $before.Peak; PeakMB = $after.Peak
                           CopyAddsMB = [math]::Round($after.Peak - $before.Peak, 1); LimitMB = 100; UnderLimit = $after.Peak -lt 100
                           BytesSent = $answer.result.Size }
        Write-Host "  backend peak $($row.PeakMB) MB during the copy (before it $($row.BeforeCopyMB) MB)"
        $Results.CopyMemory = $row
    } finally {
        $process.StandardInput.Close()
        if (-not $process.WaitForExit(10000)) { $process.Kill() }
        & $forget
    }
}
