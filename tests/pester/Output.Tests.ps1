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
    $outIp = $std | New-AksEgressIp -Name out-std -ResourceGroupName egress-rg
    $assignment = $outIp | Set-AksOutboundIp -Confirm:$false
    $configs = @($clusters | Get-AksEgressConfiguration -ErrorAction SilentlyContinue)
    $script:Outputs = [ordered]@{
        AksEgressConnection  = @($connection)
        AksNodeResourceGroup = $clusters
        EgressIp             = @($ip, $outIp)
        EgressService        = @($svc)
        EgressTestResult     = @($test)
        EgressConfiguration  = $configs
        OutboundIpAssignment = @($assignment)
    }
    $script:Headers = @{
        AksEgressConnection  = 'AuthenticationMethod', 'SubscriptionId', 'Environment', 'ArmEndpoint'
        AksNodeResourceGroup = 'ClusterName', 'ResourceGroupName', 'NodeResourceGroup', 'Location', 'LoadBalancerSku', 'OutboundType', 'Locked'
        EgressIp             = 'Name', 'ResourceGroupName', 'IpAddress', 'Location', 'Sku', 'ClusterName', 'Created'
        EgressService        = 'ServiceName', 'Namespace', 'IpAddress', 'IngressIpAddress', 'ClusterName', 'Action', 'DecidesEgress'
        EgressTestResult     = 'Succeeded', 'Expected', 'Observed', 'ClusterName', 'NodeName', 'Seconds'
        EgressConfiguration  = 'ClusterName', 'OutboundType', 'LoadBalancerSku', 'EgressDecidedBy', 'EgressIpAddress', 'PinWith'
        OutboundIpAssignment = 'ClusterName', 'ResourceGroupName', 'Action', 'EgressIpAddress', 'Previous'
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

Describe 'Output type <_>' -ForEach @('AksEgressConnection', 'AksNodeResourceGroup', 'EgressIp', 'EgressService', 'EgressTestResult', 'EgressConfiguration', 'OutboundIpAssignment') {
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

    It 'sorts and groups by its properties' {
        $first = $Items[0].PSObject.Properties.Name | Select-Object -First 1
        { $Items | Sort-Object -Property $first } | Should -Not -Throw
        $key = @('ClusterName', 'AuthenticationMethod') | Where-Object { $_ -in $Items[0].PSObject.Properties.Name } | Select-Object -First 1
        $groups = @($Items | Group-Object -Property $key)
        $groups.Count | Should -BeGreaterThan 0
        ($groups | Measure-Object Count -Sum).Sum | Should -Be $Items.Count
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

    It 'uses the module''s table view by default (expected column headers)' {
        $out = $Items | Out-String -Width 400
        $headerLine = ($out -split "`n" | Where-Object { $_.Trim() } | Select-Object -First 1)
        $columns = @($headerLine -split '\s+' | Where-Object { $_ })
        $columns | Should -Be $Headers[$Type]
        Assert-Clean $out "$Type default view"
    }
}
