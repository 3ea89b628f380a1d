# Every view of ContainerImage.Format.ps1xml, rendered as a user sees it: Out-String at 60, 80, 120 and 200
# columns, and Get-ContainerImage in a real 80-column terminal (tmux). Also docker's ages and sizes, and
# Export-Csv of the structured properties.
#
# The views are read from the format file itself, so a view added later is rendered here too, and fails
# until it has sample objects below. Samples: real cmdlet output where it is cheap (with long names made
# for it), and typed objects with realistic long values for every type.

BeforeDiscovery {
    # Tagged StdioOnly (build.ps1 runs it in the Stdio pass only): views format objects, which are the
    # same whichever transport carried them; a second pass would cost CI time and find nothing new.
    $script:FormatFile = (Resolve-Path (Join-Path $PSScriptRoot '../../powershell/ContainerImage/ContainerImage.Format.ps1xml')).ProviderPath
    $script:ViewNames = @(([xml](Get-Content -Raw $FormatFile)).Configuration.ViewDefinitions.View | ForEach-Object Name)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module $ModulePath -Force
    $formatFile = Join-Path $ModulePath 'ContainerImage.Format.ps1xml'
    $mirror = $env:CONTAINERIMAGE_TEST_MIRROR
    $ellipsis = [string][char]0x2026

    function Get-ViewDefinition {
        # One view of the format file: its type, kind, and columns (label, width, and how the cell is made).
        param([string] $Name)
        $view = ([xml](Get-Content -Raw $formatFile)).SelectSingleNode("/Configuration/ViewDefinitions/View[Name='$Name']")
        $text = { param($Node, $Path) $found = $Node.SelectSingleNode($Path); if ($found) { $found.InnerText } }
        $table = $view.SelectSingleNode('TableControl')
        if ($table) {
            $headers = @($table.SelectNodes('TableHeaders/TableColumnHeader'))
            $items = @($table.SelectNodes('TableRowEntries/TableRowEntry/TableColumnItems/TableColumnItem'))
            $columns = for ($i = 0; $i -lt $headers.Count; $i++) {
                [pscustomobject]@{
                    Label       = & $text $headers[$i] 'Label'
                    Width       = [int](& $text $headers[$i] 'Width')
                    Property    = & $text $items[$i] 'PropertyName'
                    ScriptBlock = & $text $items[$i] 'ScriptBlock'
                }
            }
            $kind = 'Table'
        }
        else {
            $columns = foreach ($item in @($view.SelectNodes('ListControl/ListEntries/ListEntry/ListItems/ListItem'))) {
                $label = & $text $item 'Label'
                $property = & $text $item 'PropertyName'
                [pscustomobject]@{ Label = $(if ($label) { $label } else { $property }); Width = 0; Property = $property; ScriptBlock = & $text $item 'ScriptBlock' }
            }
            $kind = 'List'
        }
        [pscustomobject]@{ Name = $Name; TypeName = (& $text $view 'ViewSelectedBy/TypeName'); Kind = $kind; Columns = @($columns)
            GroupBy = [bool]$view.SelectSingleNode('GroupBy'); TypeNames = @($view.SelectNodes('ViewSelectedBy/TypeName') | ForEach-Object InnerText) }
    }

    function Get-RenderedLine {
        # The lines of objects rendered at a width. A view grouped by Engine (several engines) has a group
        # line ("Engine: web1") and the table's header again per group: those are left out, so that what
        # remains is one header and one line per object, as for the other views.
        param($Objects, [int] $Width, $View)
        $lines = @(($Objects | Out-String -Width $Width) -split '\r?\n')
        if (-not $View.GroupBy) { return , $lines }
        $content = @($lines | Where-Object { $_.Trim() })
        $header = $content | Where-Object { $_ -notmatch '^\s+Engine: ' } | Select-Object -First 2
        $kept = [System.Collections.Generic.List[string]]::new()
        foreach ($line in $lines) {
            if ($line -match '^\s+Engine: ') { continue }
            if ($kept -contains $line -and $line -in $header) { continue }
            $kept.Add($line)
        }
        , $kept.ToArray()
    }

    function Get-CellText {
        # A cell as the view makes it, whole: the property, or the script block run with $_ = the object.
        param($Column, $Object)
        if ($Column.Property) { return [string]$Object.($Column.Property) }
        $block = [scriptblock]::Create($Column.ScriptBlock)
        [string](@($block.InvokeWithContext($null, [psvariable]::new('_', $Object))) -join ' ')
    }

    function New-TypedObject {
        # Backend-like rows typed as the module types them (Private/Add-ContainerImageType.ps1).
        param([string] $TypeName, [hashtable[]] $Rows, [string] $Extra)
        $objects = @(foreach ($row in $Rows) { [pscustomobject]$row })
        & (Get-Module ContainerImage) {
            param($Objects, $TypeName, $Extra)
            Add-ContainerImageType $Objects -TypeName $TypeName
            if ($Extra) { Add-ContainerImageType $Objects -TypeName $Extra }
        } $objects $TypeName $Extra
        $objects
    }

    # --- real objects, with names as long as real ones get -------------------------------------------------
    $longRepository = 'registry.example.com:5000/team/webapp'
    $tag = 'windowsservercore'
    Invoke-Docker pull -q microsoft/windowsservercore | Out-Null
    Invoke-Docker pull -q microsoft/aspnet:latest | Out-Null
    Invoke-Docker tag microsoft/windowsservercore "${longRepository}:$tag"
    $container = "views-webapp-frontend-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
    Invoke-Docker create --network none --name $container "${longRepository}:$tag" | Out-Null
    $pushName = "$mirror/views-test/a-rather-long-repository-name-for-tables"
    Invoke-Docker tag microsoft/windowsservercore "${pushName}:windowsservercore-ltsc2022"
    $untag = "views-test/untag-me-please:$tag"
    Invoke-Docker tag microsoft/windowsservercore $untag

    $now = [datetime]::UtcNow
    $setting = Get-ContainerImageSetting
    $fleet = $env:DOCKER_HOST, 'default'   # two names of the sandbox engine: several engines answer
    $samples = @{
        'ContainerImage.Image'                = @(Get-ContainerImage -Name $longRepository, 'microsoft/*') + @(New-TypedObject 'ContainerImage.Image' @(
                @{ Id = '0123456789ab'; FullId = "sha256:$('0123456789ab' * 5)abcd"; Created = $now.AddMinutes(-90); Size = 5368709120
                    Labels = [pscustomobject]@{ 'org.opencontainers.image.title' = 'aspnet' }; Containers = 0; UsedBy = @()
                    Repository = 'mcr.microsoft.com/dotnet/framework/aspnet'; Tag = '4.8-windowsservercore-ltsc2022' }
                @{ Id = 'ba9876543210'; FullId = "sha256:$('ba9876543210' * 5)dcba"; Created = $now.AddSeconds(-75); Size = 999400
                    Labels = $null; Containers = 0; UsedBy = @(); Repository = $null; Tag = $null }))
        'ContainerImage.HistoryEntry'         = @(Get-ContainerImageHistory microsoft/aspnet:latest)
        'ContainerImage.HistoryEntry#NoTrunc' = @(Get-ContainerImageHistory microsoft/aspnet:latest -NoTrunc)
        'ContainerImage.SearchResult'         = @(Find-ContainerImage -Registry $mirror -Term microsoft)
        'ContainerImage.SearchResult#Tags'    = @(Find-ContainerImage -Registry $mirror -Term microsoft -ListTags)
        'ContainerImage.Setting'              = @($setting)
        'ContainerImage.Alias'                = @($setting.Aliases)
        'ContainerImage.Compatibility'        = @(Test-ContainerImage microsoft/nanoserver, "${longRepository}:$tag")
        'ContainerImage.PushResult'           = @(Publish-ContainerImage -Name "${pushName}:windowsservercore-ltsc2022")
        'ContainerImage.RemovalResult'        = @(Remove-ContainerImage -Name $untag -Confirm:$false)
        'ContainerImage.Image#Engines'        = @(Get-ContainerImage -Name $longRepository, 'microsoft/*' -Engine $fleet)
        'ContainerImage.HistoryEntry#Engines' = @(Get-ContainerImageHistory microsoft/aspnet:latest -Engine $fleet)
        # Each name is tested on every engine in turn: sorted by engine, one group each.
        'ContainerImage.Compatibility#Engines' = @(Test-ContainerImage microsoft/nanoserver, "${longRepository}:$tag" -Engine $fleet | Sort-Object Engine -Stable)
    }
    # History of a layer made by a long command (docker cuts CREATED BY at 45 in its table).
    $longCommand = '/bin/sh -c #(nop) COPY multi:0123456789abcdef0123456789abcdef in C:\inetpub\wwwroot\app '
    $samples['ContainerImage.HistoryEntry'] += New-TypedObject 'ContainerImage.HistoryEntry' @(
        @{ Id = '0123456789ab'; FullId = "sha256:$('0123456789ab' * 5)abcd"; Created = $now.AddDays(-20); CreatedBy = $longCommand
            Size = 123456789; Comment = 'buildkit.dockerfile.v0'; Tags = @('mcr.microsoft.com/dotnet/framework/aspnet:4.8') })
    $samples['ContainerImage.HistoryEntry#NoTrunc'] += New-TypedObject 'ContainerImage.HistoryEntry' -Extra 'ContainerImage.HistoryEntry#NoTrunc' @(
        @{ Id = '0123456789ab'; FullId = "sha256:$('0123456789ab' * 5)abcd"; Created = $now.AddDays(-20); CreatedBy = $longCommand * 2
            Size = 123456789; Comment = 'buildkit.dockerfile.v0'; Tags = @() })
    $search = @{ Name = 'registry.example.com:5000/team/webapp-frontend-service'; Registry = 'registry.example.com:5000'
        Description = 'The front end of the team web application, served by IIS on Windows Server Core LTSC 2022'
        Stars = 12345; Official = $true; Automated = $false; Tags = @('1.0', '1.1', 'latest', 'windowsservercore-ltsc2022') }
    $samples['ContainerImage.SearchResult'] += New-TypedObject 'ContainerImage.SearchResult' @($search)
    $samples['ContainerImage.SearchResult#Tags'] += New-TypedObject 'ContainerImage.SearchResult' -Extra 'ContainerImage.SearchResult#Tags' @($search)
    $samples['ContainerImage.RemovalResult'] += New-TypedObject 'ContainerImage.RemovalResult' @(
        @{ Image = 'mcr.microsoft.com/dotnet/framework/aspnet:4.8-windowsservercore-ltsc2022'; Id = '0123456789ab'
            FullId = "sha256:$('0123456789ab' * 5)abcd"; Action = 'Delete'
            Untagged = @('mcr.microsoft.com/dotnet/framework/aspnet:4.8-windowsservercore-ltsc2022', 'mcr.microsoft.com/dotnet/framework/aspnet@sha256:0123456789abcdef')
            Deleted = @("sha256:$('0123456789ab' * 5)abcd", "sha256:$('ba9876543210' * 5)dcba"); SpaceReclaimed = 5368709120 })
    $samples['ContainerImage.PushResult'] += New-TypedObject 'ContainerImage.PushResult' @(
        @{ Name = 'registry.example.com:5000/team/webapp-frontend-service'; Tag = 'windowsservercore-ltsc2022'
            Digest = "sha256:$('0123456789abcdef' * 4)"; Size = 5368709120 })
    $samples['ContainerImage.SyncChange'] = New-TypedObject 'ContainerImage.SyncChange' @(
        @{ Action = 'Install'; Name = 'mcr.microsoft.com/dotnet/framework/aspnet'; Tag = '4.8-windowsservercore-ltsc2022'
            Digest = "sha256:$('0123456789abcdef' * 4)"; OldId = $null; NewId = '0123456789ab'; Reason = $null; Line = 3
            Key = 'Install mcr.microsoft.com/dotnet/framework/aspnet:4.8'; FullOldId = $null; Containers = @() }
        @{ Action = 'Keep'; Name = 'registry.example.com:5000/team/webapp'; Tag = 'windowsservercore'; Digest = $null
            OldId = 'ba9876543210'; NewId = $null; Line = $null; Key = 'Keep ba9876543210'; FullOldId = "sha256:$('ba9876543210' * 5)dcba"
            Reason = "registry.example.com:5000/team/webapp:windowsservercore is not listed, but 1 container depends on it: 9d929df771c4 'webapp-frontend' (running)."
            Containers = @([pscustomobject]@{ Id = '9d929df771c4'; Name = 'webapp-frontend'; State = 'running' }) })
    # Typed objects of several engines, each engine's together as they come.
    foreach ($type in 'ContainerImage.RemovalResult', 'ContainerImage.PushResult', 'ContainerImage.SyncChange') {
        $samples["$type#Engines"] = @(foreach ($engine in 'tcp://web-frontend-01.example.com:2376', 'web2') {
                foreach ($object in @($samples[$type])) {
                    $copy = [pscustomobject]@{}
                    foreach ($property in $object.PSObject.Properties) { if ($property.Name -ne 'Engine') { $copy | Add-Member -NotePropertyName $property.Name -NotePropertyValue $property.Value } }
                    $copy | Add-Member -NotePropertyName Engine -NotePropertyValue $engine
                    $copy.pstypenames.Insert(0, $type); $copy.pstypenames.Insert(0, "$type#Engines")
                    $copy
                }
            })
    }
    $samples['ContainerImage.RegistryLogin'] = New-TypedObject 'ContainerImage.RegistryLogin' @(
        @{ Registry = 'registry.example.com:5000'; UserName = 'team-webapp-deployment-robot'; Store = 'config.json' }
        @{ Registry = 'https://index.docker.io/v1/'; UserName = 'someone'; Store = 'secretservice' })
    $samples['ContainerImage.Update'] = @(Get-ContainerImageUpdate -Name $longRepository, 'microsoft/*') + @(New-TypedObject 'ContainerImage.Update' @(
            @{ Name = 'mcr.microsoft.com/windows/servercore'; Tag = 'ltsc2022'; Id = '0123456789ab'; Status = 'UpdateAvailable'
                LocalOsVersion = '10.0.20348.2113'; RemoteOsVersion = '10.0.20348.2227'; RevisionsBehind = 114; BaseName = $null; BaseStatus = $null }
            @{ Name = 'registry.example.com:5000/team/webapp'; Tag = '1.2-ltsc2022'; Id = 'ba9876543210'; Status = 'LocalOnly'
                RevisionsBehind = $null; BaseName = 'mcr.microsoft.com/windows/servercore:ltsc2022'; BaseStatus = 'UpdateAvailable' }))
    $samples['ContainerImage.UpdateResult'] = New-TypedObject 'ContainerImage.UpdateResult' @(
        @{ Name = 'mcr.microsoft.com/windows/servercore'; Tag = 'ltsc2022'; OldId = '0123456789ab'; NewId = 'ba9876543210'
            OldDigest = "sha256:$('0123456789abcdef' * 4)"; NewDigest = "sha256:$('fedcba9876543210' * 4)"; OldOsVersion = '10.0.20348.2113'
            NewOsVersion = '10.0.20348.2227'; Updated = $true; Pruned = $true; Kept = $null })
    $samples['ContainerImage.Compatibility'] += New-TypedObject 'ContainerImage.Compatibility' @(
        @{ Name = 'mcr.microsoft.com/windows/servercore:ltsc2019'; Compatible = $false; ImageOs = 'windows'; ImageOsVersion = '10.0.17763.5458'
            Architecture = 'amd64'; HostOs = 'windows'; HostOsVersion = '10.0.20348.2227'; Isolation = 'process'
            Reason = 'The image (Windows build 17763) is older than the host (build 20348): it runs only with Hyper-V isolation.' })
    $samples['ContainerImage.Engine'] = @(Get-ContainerEngine) + @(New-TypedObject 'ContainerImage.Engine' @(
        @{ Name = 'webfarm-eu-west-frontend-01'; Host = 'tcp://webfarm-eu-west-frontend-01.corp.example.org:2376'; Current = $true
            Tls = $true; Source = 'context'; Description = 'the first front-end host of the EU web farm' }
        @{ Name = 'tcp://10.20.30.40:2376'; Host = 'tcp://10.20.30.40:2376'; Current = $false; Tls = $true; Source = 'settings'; Description = '' }))
    $samples['ContainerImage.EngineStatus'] = @(Test-ContainerEngine -Name sandbox-tls, sandbox-down) + @(New-TypedObject 'ContainerImage.EngineStatus' @(
        @{ Name = 'webfarm-eu-west-frontend-01'; Host = 'tcp://webfarm-eu-west-frontend-01.corp.example.org:2376'; Reachable = $true
            Os = 'windows'; OsVersion = '10.0 20348 (20348.1.amd64fre.fe_release.210507-1500)'; ApiVersion = '1.44'; ImageCount = 12345; Error = $null }
        @{ Name = 'build'; Host = 'ssh://admin@build.example.org'; Reachable = $false; Os = $null; OsVersion = $null; ApiVersion = $null
            ImageCount = $null; Error = 'Cannot reach the Docker engine at ssh://admin@build.example.org: ssh could not log in (admin@build.example.org: Permission denied (publickey).)' }))
    $samples['ContainerImage.CopyResult'] = @(Copy-ContainerImage "$mirror/microsoft/nanoserver:latest" "$env:CONTAINERIMAGE_TEST_TARGET/views-test/nanoserver") + @(New-TypedObject 'ContainerImage.CopyResult' @(
        @{ Source = 'mcr.microsoft.com/windows/servercore:ltsc2022'; Destination = 'registry.example.com:5000/mirror/windows/servercore:ltsc2022'
            Digest = "sha256:$('0123456789abcdef' * 4)"; MediaType = 'application/vnd.docker.distribution.manifest.list.v2+json'
            Platforms = @('windows/amd64 (10.0.20348.2227)'); Copied = 2; Mounted = 0; Existing = 0; ForeignLayers = 1; Size = 5368709120 }
        @{ Source = "$mirror/team/webapp@sha256:$('ba9876543210' * 5)dcba"; Destination = "registry.example.com:5000/team/webapp@sha256:$('ba9876543210' * 5)dcba"
            Digest = "sha256:$('ba9876543210' * 5)dcba"; MediaType = 'application/vnd.oci.image.index.v1+json'
            Platforms = @('linux/amd64', 'linux/arm64', 'windows/amd64 (10.0.20348.2227)'); Copied = 123456; Mounted = 3; Existing = 1
            ForeignLayers = 0; Size = 0 }))
    # The engine's real totals, and a big host's (20,000 images, terabytes): the widest cells the view gets.
    $samples['ContainerImage.DiskUsage'] = @(Get-ContainerImageDiskUsage) + @(New-TypedObject 'ContainerImage.DiskUsage' @(
        @{ Type = 'Images'; TotalCount = 20000; Active = 12345; Size = 5368709120000; Reclaimable = 5268709120000; ReclaimablePercent = 98 }))
    $remoteRepository = 'registry.example.com:5000/team/webapp-frontend-service'
    $remoteTags = @(
        @{ Name = $remoteRepository; Tag = 'windowsservercore-ltsc2022'; Digest = "sha256:$('0123456789abcdef' * 4)"; Registry = 'registry.example.com:5000' }
        @{ Name = 'busybox'; Tag = 'latest'; Digest = "sha256:$('ba9876543210' * 5)dcba"; Registry = 'docker.io' })
    $samples['ContainerImage.RemoteTag'] = New-TypedObject 'ContainerImage.RemoteTag' $remoteTags
    $samples['ContainerImage.RemoteTag#Digest'] = New-TypedObject 'ContainerImage.RemoteTag' -Extra 'ContainerImage.RemoteTag#Digest' $remoteTags
    $samples['ContainerImage.RemoteManifest'] = New-TypedObject 'ContainerImage.RemoteManifest' @(
        @{ Name = $remoteRepository; Tag = '1.0'; Digest = "sha256:$('0123456789abcdef' * 4)"; Registry = 'registry.example.com:5000'
            MediaType = 'application/vnd.docker.distribution.manifest.list.v2+json'; Size = $null; Created = $null; Labels = $null
            Os = $null; OsVersion = $null; Architecture = $null; Variant = $null; Config = $null; Layers = $null
            Platforms = @(
                [pscustomobject]@{ Os = 'linux'; OsVersion = $null; Architecture = 'amd64'; Variant = $null; Digest = "sha256:$('1' * 64)"; Size = 1234 }
                [pscustomobject]@{ Os = 'linux'; OsVersion = $null; Architecture = 'arm64'; Variant = $null; Digest = "sha256:$('2' * 64)"; Size = 1234 }
                [pscustomobject]@{ Os = 'windows'; OsVersion = '10.0.20348.2227'; Architecture = 'amd64'; Variant = $null; Digest = "sha256:$('3' * 64)"; Size = 1234 }) }
        @{ Name = 'mcr.microsoft.com/windows/servercore'; Tag = $null; Digest = "sha256:$('3' * 64)"; Registry = 'mcr.microsoft.com'
            MediaType = 'application/vnd.docker.distribution.manifest.v2+json'; Size = 1743215432; Created = '2024-01-09T12:00:00Z'
            Labels = [pscustomobject]@{ 'org.opencontainers.image.title' = 'servercore' }; Os = 'windows'; OsVersion = '10.0.20348.2227'
            Architecture = 'amd64'; Variant = $null; Config = "sha256:$('4' * 64)"; Platforms = $null
            Layers = @([pscustomobject]@{ Digest = "sha256:$('5' * 64)"; Size = 1743215432; MediaType = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip'; Foreign = $true; Urls = @('https://mcr.microsoft.com/v2/windows/servercore/blobs/x') }) })
    $samples['ContainerImage.RemoteRemoval'] = New-TypedObject 'ContainerImage.RemoteRemoval' @(
        @{ Name = $remoteRepository; Tag = '1.0'; Digest = "sha256:$('0123456789abcdef' * 4)"; Registry = 'registry.example.com:5000'; Deleted = 'tag'; Tags = @('1.0') }
        @{ Name = $remoteRepository; Tag = $null; Digest = "sha256:$('ba9876543210' * 5)dcba"; Registry = 'registry.example.com:5000'; Deleted = 'manifest'; Tags = @('1.1', '1.2', 'latest') })
    foreach ($type in 'ContainerImage.Update', 'ContainerImage.UpdateResult', 'ContainerImage.DiskUsage') {
        $samples["$type#Engines"] = @(foreach ($engine in 'tcp://web-frontend-01.example.com:2376', 'web2') {
                foreach ($object in @($samples[$type])) {
                    $copy = [pscustomobject]@{}
                    foreach ($property in $object.PSObject.Properties) { if ($property.Name -ne 'Engine') { $copy | Add-Member -NotePropertyName $property.Name -NotePropertyValue $property.Value } }
                    $copy | Add-Member -NotePropertyName Engine -NotePropertyValue $engine
                    $copy.pstypenames.Insert(0, $type); $copy.pstypenames.Insert(0, "$type#Engines")
                    $copy
                }
            })
    }
}

AfterAll {
    & docker rm -f $container 2>&1 | Out-Null
    Remove-TestImage "${longRepository}:$tag", "${pushName}:windowsservercore-ltsc2022", $untag
    Remove-Module ContainerImage -ErrorAction Ignore
}

Describe 'The views of <_>' -ForEach $ViewNames -Tag StdioOnly {
    BeforeAll {
        $view = Get-ViewDefinition $_
        $objects = @($samples[$view.TypeName])
    }

    It 'has sample objects, of its own type' {
        $objects.Count | Should -BeGreaterThan 0 -Because "every view needs samples in this file ($($view.TypeName))"
        foreach ($object in $objects) { $object.pstypenames[0] | Should -Be $view.TypeName }
    }

    # 59: what the console host of a 60-column terminal lays tables out for.
    It 'shows every column at <_> characters, within the width, each header on one line' -ForEach 59, 60, 80, 120, 200 {
        $width = $_
        $lines = Get-RenderedLine $objects $width $view
        foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual $width -Because "line '$line'" }
        if ($view.Kind -eq 'List') {
            foreach ($column in $view.Columns) {
                @($lines | Where-Object { $_ -match "^$([regex]::Escape($column.Label)) +:( |$)" }).Count | Should -Be $objects.Count
            }
            return
        }
        $content = @($lines | Where-Object { $_.Trim() })
        $labels = $view.Columns.Label
        # The header is one line with every label in order, and under it one run of dashes per label, as
        # long as the label: a column narrower than its label would wrap it ("IMAG" over "E ID").
        $content[0] | Should -Match ('^' + (($labels | ForEach-Object { [regex]::Escape($_) }) -join ' +') + '$')
        $dashes = @([regex]::Matches($content[1], '-+') | ForEach-Object Length)
        $dashes | Should -Be @($labels | ForEach-Object Length)
        # One line per object: no cell wrapped onto more lines.
        $content.Count | Should -Be (2 + $objects.Count)
    }

    It 'fits every value of a column with a Width in it' {
        if ($view.Kind -eq 'List') { return }
        foreach ($column in $view.Columns | Where-Object Width) {
            foreach ($object in $objects) {
                (Get-CellText $column $object).Length | Should -BeLessOrEqual $column.Width -Because "$($column.Label) must never be cut"
            }
        }
    }

    It 'cuts nothing that fits at <_> characters' -ForEach 120, 200 {
        $width = $_
        # Every cell's text, taken before and after the render: a relative time ("26 seconds ago") taken on
        # the other side of a second's turn than the render's would differ. Then both are taken again.
        $cellsOf = {
            $list = [System.Collections.Generic.List[object]]::new()   # per object, its cells in column order
            foreach ($object in $objects) { $list.Add(@(foreach ($column in $view.Columns) { Get-CellText $column $object })) }
            , $list
        }
        $textOf = { param($list) ($list | ForEach-Object { $_ -join "`t" }) -join "`n" }
        for ($attempt = 1; $attempt -le 5; $attempt++) {
            $cells = & $cellsOf
            $rendered = Get-RenderedLine $objects $width $view
            if ((& $textOf (& $cellsOf)) -ceq (& $textOf $cells)) { break }
        }
        $lines = @($rendered | Where-Object { $_.Trim() })
        if ($view.Kind -eq 'List') {
            # A list wraps a long value onto more lines, and cuts nothing: each value is there whole.
            $text = ($lines | ForEach-Object { $_.Substring([math]::Min($_.Length, ($view.Columns.Label | Measure-Object Length -Maximum).Maximum + 3)) }) -join ''
            foreach ($objectCells in $cells) {
                foreach ($cell in $objectCells) { $text | Should -BeLike "*$cell*" }
            }
            return
        }
        # The columns without a Width share what the others leave evenly (ColumnWidthManager): a cell that
        # fits its column is whole. At 200, when the whole table fits (every column as wide as its longest
        # cell), every cell fits its column.
        $free = @($view.Columns | Where-Object { -not $_.Width })
        $left = $width - ($view.Columns.Width | Measure-Object -Sum).Sum - ($view.Columns.Count - 1)
        $natural = ($view.Columns.Count - 1)
        for ($c = 0; $c -lt $view.Columns.Count; $c++) {
            $natural += (@($view.Columns[$c].Label.Length) + @($cells | ForEach-Object { $_[$c].Length }) | Measure-Object -Maximum).Maximum
        }
        for ($i = 0; $i -lt $objects.Count; $i++) {
            $row = $lines[2 + $i]
            for ($c = 0; $c -lt $view.Columns.Count; $c++) {
                $column = $view.Columns[$c]
                $cell = $cells[$i][$c]
                $room = if ($column.Width) { $column.Width } else { [math]::Floor($left / $free.Count) }
                if ($cell.Length -le $room) { $row | Should -BeLike "*$([WildcardPattern]::Escape($cell))*" -Because "$($column.Label) fits" }
                if ($width -eq 200 -and $natural -le $width) {
                    $cell.Length | Should -BeLessOrEqual $room -Because "$($column.Label) '$cell' in a table $natural wide"
                }
            }
        }
    }
}

Describe 'Get-ContainerImage''s table' -Tag StdioOnly {
    It 'shows the issue''s long name whole at 120 characters, and cut with an ellipsis at 80' {
        $image = Get-ContainerImage -Name "${longRepository}:$tag"
        $row = @((($image | Out-String -Width 120) -split '\r?\n') | Where-Object { $_ -like "$($image.Id) *" })
        $row | Should -HaveCount 1
        $row[0] | Should -Match ('^[0-9a-f]{12} .+ ago +[0-9.]+[kMG]?B ' + [regex]::Escape($longRepository) + ' +' + $tag + '$')
        $row = @((($image | Out-String -Width 80) -split '\r?\n') | Where-Object { $_ -like "$($image.Id) *" })
        $row[0] | Should -Match ('^[0-9a-f]{12} .+ ago +[0-9.]+[kMG]?B ' + [regex]::Escape($longRepository.Substring(0, 19)) + $ellipsis + ' ' + $tag + '$')
    }

    It 'looks the same in a real <_>-column terminal (tmux)' -ForEach 60, 80 {
        $columns = $_
        $socket = "views-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
        $script = Join-Path $TestDrive 'show-images.ps1'
        Set-Content $script "Import-Module '$ModulePath'; Get-ContainerImage -Name '$longRepository', 'microsoft/*'; 'VIEWS' + '-DONE'"
        $pwsh = (Get-Command pwsh).Source
        try {
            # pwsh runs the script in the terminal (its console host formats the output) and stays open.
            & tmux -L $socket new-session -d -x $columns -y 40 "'$pwsh' -NoProfile -NoLogo -NoExit -File '$script'"
            $LASTEXITCODE | Should -Be 0
            $deadline = [datetime]::UtcNow.AddSeconds(90)
            do {
                $pane = @(& tmux -L $socket capture-pane -p -t 0)
                if ($pane -contains 'VIEWS-DONE') { break }
                Start-Sleep -Milliseconds 200
            } while ([datetime]::UtcNow -lt $deadline)
            $pane | Should -Contain 'VIEWS-DONE'
            $width = [int](& tmux -L $socket display-message -p -t 0 '#{pane_width}')
        }
        finally { & tmux -L $socket kill-server 2>&1 | Out-Null }
        $width | Should -Be $columns
        $expected = @(Get-ContainerImage -Name $longRepository, 'microsoft/*')
        $header = [array]::IndexOf($pane, ($pane | Where-Object { $_ -match '^IMAGE ID' } | Select-Object -First 1))
        $pane[$header] | Should -Match '^IMAGE ID +CREATED +SIZE REPOSITORY +TAG$'
        $rows = @($pane[($header + 2)..($header + 1 + $expected.Count)])
        # The console host lays the table out for one column less than the terminal: each cell is whole,
        # or its start and the ellipsis; the header stayed on one line above.
        function Test-Cell([string] $Shown, [string] $Whole) {
            $Shown -eq $Whole -or ($Shown.EndsWith($ellipsis) -and $Shown.Length -ge 4 -and $Whole.StartsWith($Shown.TrimEnd($ellipsis)))
        }
        foreach ($image in $expected) {
            $found = @($rows | Where-Object {
                    $_ -match "^$($image.Id) .+ ago +[0-9.]+[kMG]?B (?<repository>\S+) +(?<tag>\S+)$" -and
                    (Test-Cell $Matches.repository $image.Repository) -and (Test-Cell $Matches.tag $image.Tag)
                })
            $found.Count | Should -BeGreaterThan 0 -Because "$($image.Repository):$($image.Tag) in`n$($pane -join "`n")"
        }
        @($rows | Where-Object { $_ -like "* $($longRepository.Substring(0, 9))*$ellipsis *" }).Count | Should -Be 1
        $pane[$header + 2 + $expected.Count] | Should -BeIn @('', 'VIEWS-DONE')   # no row wrapped onto a second line
    }
}

Describe 'CREATED and SIZE as docker shows them' -Tag StdioOnly {
    It 'gives docker/go-units HumanDuration for <Duration> (docker''s own examples)' -ForEach @(
        @{ Duration = '00:00:00.450'; Text = 'Less than a second' }, @{ Duration = '00:00:01'; Text = '1 second' }
        @{ Duration = '00:00:45'; Text = '45 seconds' }, @{ Duration = '00:00:46'; Text = '46 seconds' }
        @{ Duration = '00:00:59'; Text = '59 seconds' }, @{ Duration = '00:01:00'; Text = 'About a minute' }
        @{ Duration = '00:03:00'; Text = '3 minutes' }, @{ Duration = '00:35:00'; Text = '35 minutes' }
        @{ Duration = '00:35:40'; Text = '35 minutes' }, @{ Duration = '00:45:00'; Text = '45 minutes' }
        @{ Duration = '00:45:40'; Text = '45 minutes' }, @{ Duration = '00:46:00'; Text = '46 minutes' }
        @{ Duration = '00:59:00'; Text = '59 minutes' }, @{ Duration = '01:00:00'; Text = 'About an hour' }
        @{ Duration = '01:29:00'; Text = 'About an hour' }, @{ Duration = '01:31:00'; Text = '2 hours' }
        @{ Duration = '01:59:00'; Text = '2 hours' }, @{ Duration = '03:00:00'; Text = '3 hours' }
        @{ Duration = '03:29:00'; Text = '3 hours' }, @{ Duration = '03:31:00'; Text = '4 hours' }
        @{ Duration = '03:59:00'; Text = '4 hours' }, @{ Duration = '04:00:00'; Text = '4 hours' }
        @{ Duration = '1.00:00:00'; Text = '24 hours' }, @{ Duration = '1.12:00:00'; Text = '36 hours' }
        @{ Duration = '2.00:00:00'; Text = '2 days' }, @{ Duration = '7.00:00:00'; Text = '7 days' }
        @{ Duration = '13.05:00:00'; Text = '13 days' }, @{ Duration = '14.00:00:00'; Text = '2 weeks' }
        @{ Duration = '18.00:00:00'; Text = '2 weeks' }, @{ Duration = '21.00:00:00'; Text = '3 weeks' }
        @{ Duration = '28.00:00:00'; Text = '4 weeks' }, @{ Duration = '31.00:00:00'; Text = '4 weeks' }
        @{ Duration = '30.00:00:00'; Text = '4 weeks' }, @{ Duration = '44.00:00:00'; Text = '6 weeks' }
        @{ Duration = '60.00:00:00'; Text = '2 months' }, @{ Duration = '74.00:00:00'; Text = '2 months' }
        @{ Duration = '90.00:00:00'; Text = '3 months' }, @{ Duration = '97.00:00:00'; Text = '3 months' }
        @{ Duration = '164.00:00:00'; Text = '5 months' }, @{ Duration = '390.00:00:00'; Text = '13 months' }
        @{ Duration = '690.00:00:00'; Text = '23 months' }, @{ Duration = '720.00:00:00'; Text = '24 months' }
        @{ Duration = '734.00:00:00'; Text = '2 years' }, @{ Duration = '1155.00:00:00'; Text = '3 years' }
    ) {
        # duration_test.go's TestHumanDuration, one case each (month = 30 days, year = 365 days).
        $now = [datetime]::new(2026, 12, 7, 12, 0, 0, [DateTimeKind]::Utc)
        $created = $now - [timespan]::Parse($Duration, [cultureinfo]::InvariantCulture)
        & (Get-Module ContainerImage) { param($Created, $Now) ConvertTo-HumanAge -Time $Created -Now $Now } $created $now |
            Should -BeExactly "$Text ago"
    }

    It 'says "Less than a second ago" for a time in the future (a clock ahead of the engine''s)' {
        $now = [datetime]::UtcNow
        & (Get-Module ContainerImage) { param($Now) ConvertTo-HumanAge -Time $Now.AddMinutes(5) -Now $Now } $now | Should -Be 'Less than a second ago'
    }

    It 'gives HumanSizeWithPrecision(<Size>, 3), as docker images does' -ForEach @(
        @{ Size = 0; Text = '0B' }, @{ Size = 999; Text = '999B' }, @{ Size = 1000; Text = '1kB' }, @{ Size = 1024; Text = '1.02kB' }
        @{ Size = 1000000; Text = '1MB' }, @{ Size = 1048576; Text = '1.05MB' }, @{ Size = 1984235; Text = '1.98MB' }
        @{ Size = 123456789; Text = '123MB' }, @{ Size = 999600; Text = '1e+03kB' }, @{ Size = 3.42e9; Text = '3.42GB' }
        @{ Size = 5.372e12; Text = '5.37TB' }, @{ Size = 2.22e15; Text = '2.22PB' }, @{ Size = 1e28; Text = '1e+04YB' }
    ) {
        & (Get-Module ContainerImage) { param($Size) ConvertTo-HumanSize $Size } $Size | Should -BeExactly $Text
    }

    It 'writes the same in every culture' {
        $culture = [cultureinfo]::CurrentCulture
        try {
            [cultureinfo]::CurrentCulture = 'de-DE'
            & (Get-Module ContainerImage) { ConvertTo-HumanSize 1984235 } | Should -BeExactly '1.98MB'
        }
        finally { [cultureinfo]::CurrentCulture = $culture }
    }

    It 'shows an image''s CREATED and SIZE the way docker images does' {
        $image = Get-ContainerImage -Name microsoft/windowsservercore:latest
        $docker = Invoke-Docker images --format '{{.CreatedSince}}|{{.Size}}' microsoft/windowsservercore:latest
        $docker | Should -Be "$($image.FormatAge($image.Created))|$($image.FormatSize($image.Size))"
    }
}

Describe 'Export-Csv of the structured properties' -Tag StdioOnly {
    It 'writes an image''s Labels as key=value;key=value and UsedBy as container names' {
        $image = Get-ContainerImage -Name "${longRepository}:$tag"
        $csv = $image | ConvertTo-Csv | ConvertFrom-Csv
        $labels = $image.Labels.PSObject.Properties | ForEach-Object { "$($_.Name)=$($_.Value)" }
        $labels | Should -Not -BeNullOrEmpty
        $csv.Labels | Should -BeExactly ($labels -join ';')
        $csv.UsedBy | Should -BeExactly $container
        $path = Join-Path $TestDrive 'images.csv'
        $image | Export-Csv -Path $path
        (Import-Csv $path).UsedBy | Should -BeExactly $container
    }

    It 'keeps the properties structured for the pipeline' {
        $image = Get-ContainerImage -Name "${longRepository}:$tag"
        $image.Labels.'com.containerimage.seed' | Should -Be 'true'
        $image.UsedBy.Name | Should -Be $container
        $image.UsedBy[0].State | Should -Be 'created'
        @($image.UsedBy).Count | Should -Be 1
        @((Get-ContainerImage -Name microsoft/aspnet:latest).UsedBy).Count | Should -Be 0
        ($image | ConvertTo-Json -Depth 4 | ConvertFrom-Json).UsedBy[0].Name | Should -Be $container
    }

    It 'writes no type names for <_> objects' -ForEach @(
        'ContainerImage.Image', 'ContainerImage.HistoryEntry', 'ContainerImage.SearchResult#Tags', 'ContainerImage.RemovalResult',
        'ContainerImage.SyncChange', 'ContainerImage.Setting', 'ContainerImage.Alias', 'ContainerImage.Compatibility', 'ContainerImage.PushResult'
    ) {
        $csv = $samples[$_] | ConvertTo-Csv | Out-String
        $csv | Should -Not -Match 'System\.[A-Za-z.]+(\[\]|`)|@\{'
    }

    It 'writes lists ;-separated: <Property> of <Type>' -ForEach @(
        @{ Type = 'ContainerImage.HistoryEntry'; Property = 'Tags' }
        @{ Type = 'ContainerImage.SearchResult#Tags'; Property = 'Tags' }
        @{ Type = 'ContainerImage.RemovalResult'; Property = 'Untagged' }
        @{ Type = 'ContainerImage.RemovalResult'; Property = 'Deleted' }
        @{ Type = 'ContainerImage.Setting'; Property = 'Registries' }
    ) {
        $objects = @($samples[$Type])
        $rows = @($objects | ConvertTo-Csv | ConvertFrom-Csv)
        for ($i = 0; $i -lt $objects.Count; $i++) {
            $rows[$i].$Property | Should -BeExactly (@($objects[$i].$Property) -join ';')
        }
    }

    It 'writes names for Aliases, Containers and build=tag for an alias''s Tags' {
        $setting = $samples['ContainerImage.Setting'][0]
        ($setting | ConvertTo-Csv | ConvertFrom-Csv).Aliases | Should -BeExactly (@($setting.Aliases.Name) -join ';')
        $alias = $samples['ContainerImage.Alias'][0]
        $alias.Tags.Count | Should -BeGreaterThan 0
        ($alias | ConvertTo-Csv | ConvertFrom-Csv).Tags | Should -BeExactly (@(foreach ($build in $alias.Tags.Keys) { "$build=$($alias.Tags[$build])" }) -join ';')
        $alias.Tags[@($alias.Tags.Keys)[0]] | Should -Not -BeNullOrEmpty   # still indexed by build
        $keep = $samples['ContainerImage.SyncChange'][1]
        ($keep | ConvertTo-Csv | ConvertFrom-Csv).Containers | Should -BeExactly 'webapp-frontend'
    }
}

Describe 'Objects of several engines and deserialized objects' -Tag StdioOnly {
    It 'groups <_> by Engine, one group per engine, with the same columns as the one-engine view' -ForEach @($ViewNames | Where-Object { $_ -like '*#Engines' }) {
        $view = Get-ViewDefinition $_
        $base = Get-ViewDefinition ($_ -replace '#Engines$')
        $view.GroupBy | Should -BeTrue
        ($view.Columns | ForEach-Object { "$($_.Label)|$($_.Width)|$($_.Property)|$($_.ScriptBlock)" }) |
            Should -Be ($base.Columns | ForEach-Object { "$($_.Label)|$($_.Width)|$($_.Property)|$($_.ScriptBlock)" })
        $objects = @($samples[$view.TypeName])
        $engines = @($objects.Engine | Select-Object -Unique)
        $engines.Count | Should -BeGreaterThan 1
        $text = ($objects | Out-String -Width 120) -split '\r?\n'
        @($text | Where-Object { $_ -match '^\s+Engine: ' }).Count | Should -Be $engines.Count
        foreach ($engine in $engines) { $text | Should -Contain "   Engine: $engine" }
    }

    It 'selects <_> for Deserialized objects too, which render as the live ones' -ForEach $ViewNames {
        $view = Get-ViewDefinition $_
        $view.TypeNames | Should -Contain "Deserialized.$($view.TypeName)"
        $objects = @($samples[$view.TypeName])
        $copies = @([System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($objects, 3)))
        $copies[0].pstypenames[0] | Should -Be "Deserialized.$($view.TypeName)"
        ($copies | Out-String -Width 120) | Should -Be ($objects | Out-String -Width 120)
    }
}

Describe 'The type data file' -Tag StdioOnly {
    It 'is what tools/New-TypesFile.ps1 makes from Private/ (build.ps1 -Task Build writes it anew)' {
        $made = & (Join-Path $PSScriptRoot '../../tools/New-TypesFile.ps1')
        $kept = [System.IO.File]::ReadAllText((Join-Path $PSScriptRoot '../../powershell/ContainerImage/ContainerImage.Types.ps1xml'))
        $kept | Should -BeExactly $made
    }

    It 'is loaded by Import-Module, without Microsoft.PowerShell.Utility (a new PowerShell, deserialized objects at once)' {
        $script = {
            param($ModulePath)
            Import-Module $ModulePath
            $image = [System.Management.Automation.PSSerializer]::Deserialize('<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><Obj RefId="0"><TN RefId="0"><T>ContainerImage.Image</T><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN><MS><S N="Repository">a</S><S N="Tag">b</S><I64 N="Size">1984235</I64></MS></Obj></Objs>')
            @($image.pstypenames[0], $image.FormatSize($image.Size), ($null -eq $image.Engine), [bool](Get-Module Microsoft.PowerShell.Utility)) -join '|'
        }
        $output = & (Get-Command pwsh).Source -NoProfile -NonInteractive -Command $script -args $ModulePath
        $output | Should -Be 'Deserialized.ContainerImage.Image|1.98MB|True|False'
    }
}
