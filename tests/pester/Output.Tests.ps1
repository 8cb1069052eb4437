# Output hygiene: every output type sorts, groups, exports and serialises cleanly (no SDK types, no secrets), and the
# default view is the module's table view.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Emu = Start-AksEmulator
    $script:Secrets = @(
        $Emu.Connection.accessToken
        foreach ($f in Get-ChildItem $Emu.StateDir -Filter *.kubeconfig) {
            foreach ($m in [regex]::Matches((Get-Content -Raw $f.FullName), '(?m)^\s*(token|client-key-data):\s*"?([^"\s]+)')) { $m.Groups[2].Value }
        }
    ) | Where-Object { $_ -and $_.Length -ge 12 } | Sort-Object -Unique
    $connection = Connect-AksEmulator -Emulator $Emu
    $clusters = @(Get-AksNodeResourceGroup -ResourceGroupName demo-rg)
    $basic = $clusters | Where-Object ClusterName -eq legacy-basic
    $std = $clusters | Where-Object ClusterName -eq standard-lb
    $ip = $basic | New-AksEgressIp -Name out-ip
    $svc = $ip | Set-AksEgressService
    $test = $svc | Test-AksEgressIp -Count 2
    $script:AllNodesTest = $std | Test-AksEgressIp -AllNodes
    $outIp = $std | New-AksEgressIp -Name out-std -ResourceGroupName egress-rg
    $prefix = $std | New-AksEgressIpPrefix -Name out-prefix -ResourceGroupName egress-rg -PrefixLength 30 -Tag @{ purpose = 'egress' }
    $assignment = $outIp | Set-AksOutboundIp -Confirm:$false
    $natAssignment = Get-AksNodeResourceGroup -ResourceGroupName paths-rg -ClusterName uanat |
        New-AksEgressIp -Name out-nat -ResourceGroupName egress-rg | Set-AksNatGatewayIp -Confirm:$false
    $configs = @($clusters | Get-AksEgressConfiguration -ErrorAction SilentlyContinue)
    # issue 11: a cluster whose pools egress differently (NodePool entries, prefixes in AllowList) exports cleanly too
    $configs += Get-AksEgressConfiguration -ResourceGroupName paths-rg -ClusterName nodepip
    $gwState = $std | Enable-AksStaticEgressGateway -Confirm:$false
    $gwPool = $std | New-AksEgressGatewayPool -Name gwpool -Confirm:$false
    $gateway = $gwPool | New-AksEgressGateway -Name out-gw -ExcludeCidr 10.0.0.0/8 -Confirm:$false
    $script:Outputs = [ordered]@{
        AksEgressConnection  = @($connection)
        AksNodeResourceGroup = $clusters
        EgressIp             = @($ip, $outIp)
        EgressIpPrefix       = @($prefix)
        EgressService        = @($svc)
        EgressTestResult     = @($test, $AllNodesTest)
        EgressConfiguration  = $configs
        OutboundIpAssignment = @($assignment)
        NatGatewayIpAssignment = @($natAssignment)
        StaticEgressGatewayState = @($gwState)
        EgressGatewayPool    = @($gwPool)
        EgressGateway        = @($gateway)
    }
    # Default table views are designed for 80 columns: the most useful columns first, short headers.
    $script:Headers = @{
        AksEgressConnection  = 'Method', 'SubscriptionId', 'Cloud'
        AksNodeResourceGroup = 'Cluster', 'NodeResourceGroup', 'Outbound', 'Sku', 'Locked'
        EgressIp             = 'Name', 'IpAddress', 'Cluster', 'Created', 'ResourceGroup'
        EgressIpPrefix       = 'Name', 'Prefix', 'Cluster', 'Created', 'ResourceGroup'
        EgressService        = 'Service', 'IpAddress', 'Ingress', 'Cluster', 'Action', 'Decides'
        EgressTestResult     = 'OK', 'Observed', 'Expected', 'Cluster', 'Secs', 'Node'
        EgressConfiguration  = 'Cluster', 'EgressIp', 'PinWith', 'DecidedBy'
        OutboundIpAssignment = 'Cluster', 'Action', 'EgressIp', 'Previous', 'ResourceGroup'
        NatGatewayIpAssignment = 'Cluster', 'NatGateway', 'Action', 'AllowList'
        StaticEgressGatewayState = 'Cluster', 'Enabled', 'Action', 'Removed'
        EgressGatewayPool    = 'Pool', 'Nodes', 'Prefix', 'Max', 'Action', 'Cluster', 'VmSize'
        EgressGateway        = 'Gateway', 'Prefix', 'Pool', 'Action', 'Cluster'
    }
    function Assert-Clean([string] $Text, [string] $Because) {
        $Text | Should -Not -Match '\b(Azure\.(Core|ResourceManager|Identity)|k8s\.Models|k8s\.|System\.Net\.Http|Microsoft\.Rest)' -Because "$Because must hold no SDK type"
        foreach ($s in $Secrets) { $Text.Contains($s) | Should -BeFalse -Because "$Because must hold no secret" }
    }
}
AfterAll {
    Disconnect-AksEgress
    if ($script:Emu) { Stop-AksEmulator $script:Emu }
}

Describe 'Output type <_>' -ForEach @('AksEgressConnection', 'AksNodeResourceGroup', 'EgressIp', 'EgressIpPrefix', 'EgressService', 'EgressTestResult', 'EgressConfiguration', 'OutboundIpAssignment', 'NatGatewayIpAssignment', 'StaticEgressGatewayState', 'EgressGatewayPool', 'EgressGateway') {
    BeforeAll {
        $script:Type = $_
        $script:Items = $Outputs[$_]
    }

    It 'is the module''s own type' {
        $Items.Count | Should -BeGreaterThan 0
        foreach ($i in $Items) { $i.PSObject.TypeNames[0] | Should -Be "AksEgress.Models.$Type" }
    }

    It 'has only plain properties (strings, numbers, booleans, dates, arrays and dictionaries of them, or module types)' {
        foreach ($p in $Items[0].PSObject.Properties) {
            $t = if ($null -ne $p.Value) { $p.Value.GetType() } else { $null }
            if (-not $t) { continue }
            $elem = if ($t.IsArray) { $t.GetElementType() } else { $t }
            $ok = $elem.IsPrimitive -or $elem -in [string], [decimal], [datetime], [datetimeoffset], [timespan], [uri], [guid] -or
                $elem.Namespace -eq 'AksEgress.Models' -or $elem.Name -like '*Dictionary*'
            $ok | Should -BeTrue -Because "$Type.$($p.Name) is $($t.FullName)"
        }
    }

    It 'exports to CSV and JSON cleanly' {
        $csv = Join-Path $TestDrive "$Type.csv"
        $Items | Export-Csv -Path $csv -NoTypeInformation
        $text = Get-Content -Raw $csv
        Assert-Clean $text "$Type CSV"
        @(Import-Csv $csv).Count | Should -Be $Items.Count
        $json = $Items | ConvertTo-Json -Depth 5 -WarningAction Stop
        Assert-Clean $json "$Type JSON"
        @($json | ConvertFrom-Json).Count | Should -Be $Items.Count
    }

    It 'exports every value as data: CSV cells hold the values (lists joined with ";", maps as k=v;k2=v2), JSON keeps lists as arrays, maps as objects and numbers as numbers' {
        $csv = Join-Path $TestDrive "$Type-values.csv"
        $Items | Export-Csv -Path $csv -NoTypeInformation
        $rows = @(Import-Csv $csv)
        $json = @($Items | ConvertTo-Json -Depth 5 -WarningAction Stop | ConvertFrom-Json)
        for ($k = 0; $k -lt $Items.Count; $k++) {
            foreach ($p in $Items[$k].PSObject.Properties) {
                $v = $p.Value
                $cell = $rows[$k].($p.Name)
                $j = $json[$k].($p.Name)
                ($j -is [pscustomobject] -and 'Ticks' -in $j.PSObject.Properties.Name) | Should -BeFalse -Because "$Type.$($p.Name) must not expand into a TimeSpan's fields in JSON"
                $cell | Should -Not -Match '^(System|AksEgress)\.[\w.`]+(\[.*\])?$' -Because "$Type.$($p.Name) must export its value, not a type name"
                if ($v -is [System.Collections.IDictionary]) {
                    $cell | Should -Be ((@($v.GetEnumerator()) | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ';') -Because "$Type.$($p.Name) in CSV"
                    $j | Should -BeOfType [pscustomobject] -Because "$Type.$($p.Name) in JSON is an object"
                    foreach ($e in $v.GetEnumerator()) { $j.($e.Key) | Should -Be $e.Value }
                } elseif ($v -is [System.Collections.IEnumerable] -and $v -isnot [string]) {
                    $cell | Should -Be ((@($v) | ForEach-Object { "$_" }) -join ';') -Because "$Type.$($p.Name) in CSV"
                    if (@($v).Count -gt 0 -and @($v)[0] -is [string]) { ($cell -split ';') | Should -Be @($v) }
                    ($null -ne $j -and $j.GetType().IsArray) | Should -BeTrue -Because "$Type.$($p.Name) in JSON is an array"
                    @($j).Count | Should -Be @($v).Count
                } elseif ($null -ne $v -and ($v.GetType().IsPrimitive -or $v -is [string])) {
                    $j | Should -Be $v -Because "$Type.$($p.Name) in JSON is the plain value"
                }
            }
        }
    }

    It 'fits its default table in 80 columns: every column shown, one header line, nothing cut but the last column' {
        $out = $Items | Format-Table | Out-String -Width 80
        $lines = @($out -split "`r?`n" | Where-Object { $_.Trim() })
        $lines | Where-Object { $_.Length -gt 80 } | Should -BeNullOrEmpty
        @($lines[0] -split '\s+' | Where-Object { $_ }) | Should -Be $Headers[$Type] -Because "the header is one line at 80 columns:`n$out"
        $lines[1] | Should -Match '^[- ]+$' -Because "the header must not wrap:`n$out"
        # Columns start where the dashes of the separator line start; only the last column may be shortened with an ellipsis.
        $lastStart = ([regex]::Matches($lines[1], '-+') | Select-Object -Last 1).Index
        foreach ($line in $lines | Select-Object -Skip 2) {
            $cut = $line.IndexOf([char]0x2026)
            if ($cut -ge 0) { $cut | Should -BeGreaterOrEqual $lastStart -Because "only the last column may be cut:`n$out" }
        }
    }

    It 'uses the module''s table view by default (expected column headers)' {
        $out = $Items | Out-String -Width 400
        $headerLine = ($out -split "`n" | Where-Object { $_.Trim() } | Select-Object -First 1)
        $columns = @($headerLine -split '\s+' | Where-Object { $_ })
        $columns | Should -Be $Headers[$Type]
        Assert-Clean $out "$Type default view"
    }
}

Describe 'Lists and maps in output objects still behave like arrays and dictionaries' {
    It 'indexes, counts, -contains and binds by property name like the string[] it was' {
        $cfg = $Outputs.EgressConfiguration | Where-Object { $_.EgressIpAddress.Count -gt 0 } | Select-Object -First 1
        $cfg | Should -Not -BeNullOrEmpty
        $first = $cfg.EgressIpAddress[0]
        $first | Should -BeOfType [string]
        $cfg.EgressIpAddress -contains $first | Should -BeTrue
        $cfg.EgressIpAddress.Length | Should -Be $cfg.EgressIpAddress.Count
        [string[]] $arr = $cfg.EgressIpAddress
        $arr[0] | Should -Be $first
        $AllNodesTest.DurationSeconds | Should -BeGreaterThan 0
        $AllNodesTest.Samples[0].DurationSeconds | Should -BeGreaterThan 0
        $ip = $Outputs.EgressIp[0]
        $ip.Tags.Keys.Count | Should -Be $ip.Tags.Count
    }
}

Describe 'A test over several nodes (-AllNodes, -Count)' {
    It 'summarises the nodes ("3 nodes") instead of showing the first sample''s node, and keeps every sample' {
        $AllNodesTest.Samples.Count | Should -Be 3
        @($AllNodesTest.Samples.NodeName | Sort-Object -Unique).Count | Should -Be 3
        $AllNodesTest.NodeSummary | Should -Be '3 nodes'
        $AllNodesTest.NodeName | Should -BeNullOrEmpty -Because 'no single node ran this test'
        $AllNodesTest.PodName | Should -BeNullOrEmpty -Because 'no single pod ran this test'
        $view = $AllNodesTest | Out-String -Width 80
        $view | Should -Match '\b3 nodes\b'
        $view | Should -Not -Match ([regex]::Escape($AllNodesTest.Samples[0].NodeName))
    }

    It 'a test on one node still names it' {
        $node = $AllNodesTest.Samples[1].NodeName
        $one = Get-AksNodeResourceGroup demo-rg standard-lb | Test-AksEgressIp -NodeName $node -Count 2
        $one.Samples.Count | Should -Be 2
        @($one.Samples.NodeName | Sort-Object -Unique) | Should -Be $node
        $one.PodName | Should -BeNullOrEmpty -Because 'two pods ran'
        ($one | Out-String -Width 80) | Should -Match ([regex]::Escape($node))
        $one.NodeName | Should -Be $one.Samples[0].NodeName
        $one.NodeSummary | Should -Be $one.NodeName
    }
}
