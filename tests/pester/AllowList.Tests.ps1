# Issue 11: every egress path resolved to an allowlist, then proven from inside the cluster by piping it to Test-AksEgressIp.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Emu = Start-AksEmulator
    Connect-AksEmulator -Emulator $Emu | Out-Null
    function script:Add-EmulatorFault($Emulator, [hashtable] $Rule) { Invoke-EmulatorAdmin -Emulator $Emulator -Method POST -Path 'faults' -Body $Rule | Out-Null }
}
AfterAll {
    Disconnect-AksEgress
    if ($script:Emu) { Stop-AksEmulator $script:Emu }
}

Describe 'Allowlist per egress path: resolve, then prove' {
    It '<Cluster>: resolves to <Resolution> and every sampled address is inside the AllowList' -ForEach @(
        @{ Rg = 'demo-rg'; Cluster = 'standard-lb'; Decider = 'LoadBalancerOutboundRule'; Resolution = 'Exact'; Entries = 1 }
        @{ Rg = 'demo-rg'; Cluster = 'natgw'; Decider = 'NatGateway'; Resolution = 'Exact'; Entries = 1 }
        @{ Rg = 'paths-rg'; Cluster = 'uanat'; Decider = 'NatGateway'; Resolution = 'Exact'; Entries = 3 }
        @{ Rg = 'demo-rg'; Cluster = 'udr'; Decider = 'UserDefinedRouting'; Resolution = 'Exact'; Entries = 1 }
        @{ Rg = 'paths-rg'; Cluster = 'udr-hub'; Decider = 'UserDefinedRouting'; Resolution = 'Exact'; Entries = 2 }
    ) {
        $cfg = Get-AksEgressConfiguration -ResourceGroupName $Rg -ClusterName $Cluster
        "$($cfg.EgressDecidedBy)" | Should -Be $Decider
        "$($cfg.Resolution)" | Should -Be $Resolution
        @($cfg.AllowList).Count | Should -Be $Entries
        $r = $cfg | Test-AksEgressIp -Count 6
        $r.Succeeded | Should -BeTrue -Because $r.Explanation
        @($r.AllowList) | Should -Be @($cfg.AllowList)
        @($r.OutsideAllowList).Count | Should -Be 0
        @($r.Samples).Count | Should -Be 6
        Get-EmulatorTestPod $Emu -Cluster $Cluster | Should -BeNullOrEmpty
    }

    It 'nodepip: the node public IP pool is listed apart and proven per pool with -NodePool' {
        $cfg = Get-AksEgressConfiguration -ResourceGroupName paths-rg -ClusterName nodepip
        $pub = $cfg.NodePool | Where-Object NodePool -eq pubpool
        "$($pub.EgressDecidedBy)" | Should -Be 'NodePublicIp'
        @($pub.AllowList) | Should -Be @('192.0.2.16/30')
        $r = $cfg | Test-AksEgressIp -NodePool pubpool
        $r.Succeeded | Should -BeTrue -Because $r.Explanation
        @($r.Samples.NodeName | Sort-Object -Unique).Count | Should -Be 2
        $lb = $cfg.NodePool | Where-Object NodePool -eq nodepool1
        $r2 = Test-AksEgressIp -ClusterId $cfg.ClusterId -NodePool nodepool1 -AllowList $pub.AllowList -WarningAction SilentlyContinue
        $r2.Succeeded | Should -BeFalse
        @($r2.OutsideAllowList) | Should -Be @($lb.EgressIpAddress | Where-Object { $_ -notmatch ':' })   # IPv4 probes: the IPv6 outbound IP is not seen
        $r2.Explanation | Should -Match 'outside the allowlist'
    }

    It 'nodepip (dual-stack): managed IPv4 and IPv6 outbound IPs resolve to /32 and /128, and the pool is proven against them' {
        Reset-Emulator $Emu
        Disconnect-AksEgress; Connect-AksEmulator -Emulator $Emu | Out-Null
        $cfg = Get-AksEgressConfiguration -ResourceGroupName paths-rg -ClusterName nodepip
        $lb = $cfg.NodePool | Where-Object NodePool -eq nodepool1
        "$($lb.Resolution)" | Should -Be 'Exact'
        @($lb.AllowList).Count | Should -Be 2
        @($lb.AllowList | Where-Object { $_ -match '^\d+\.\d+\.\d+\.\d+/32$' }).Count | Should -Be 1
        @($lb.AllowList | Where-Object { $_ -match '^[0-9a-f:]+/128$' }).Count | Should -Be 1
        @($cfg.AllowList) | Should -Contain (@($lb.AllowList | Where-Object { $_ -match '/128$' })[0])
        $r = Test-AksEgressIp -ClusterId $cfg.ClusterId -NodePool nodepool1 -AllowList $lb.AllowList
        $r.Succeeded | Should -BeTrue -Because $r.Explanation
        @($r.OutsideAllowList).Count | Should -Be 0
        Get-EmulatorTestPod $Emu -Cluster nodepip | Should -BeNullOrEmpty
    }

    It 'nodepip: node public IPs without a prefix resolve to each node''s address (Partial: they change with the nodes), proven per pool' {
        Reset-Emulator $Emu
        Disconnect-AksEgress; Connect-AksEmulator -Emulator $Emu | Out-Null
        $cfg = Get-AksEgressConfiguration -ResourceGroupName paths-rg -ClusterName nodepip
        $own = $cfg.NodePool | Where-Object NodePool -eq pubnopfx
        "$($own.EgressDecidedBy)" | Should -Be 'NodePublicIp'
        "$($own.Resolution)" | Should -Be 'Partial'
        $own.ResolutionNote | Should -Match 'replaced'
        @($own.AllowList).Count | Should -Be 2
        @($own.AllowList) | ForEach-Object { $_ | Should -Match '/32$' }
        $r = Test-AksEgressIp -ClusterId $cfg.ClusterId -NodePool pubnopfx -AllowList $own.AllowList
        $r.Succeeded | Should -BeTrue -Because $r.Explanation
        @($r.Samples.NodeName | Sort-Object -Unique).Count | Should -Be 2
        @($r.ObservedIpAddresses | Sort-Object -Unique).Count | Should -Be 2
        Get-EmulatorTestPod $Emu -Cluster nodepip | Should -BeNullOrEmpty
    }

    It 'a UDR to an appliance AksEgress cannot see is Unresolvable, with the reason' {
        Reset-Emulator $Emu
        $cfg = Get-AksEgressConfiguration -ResourceGroupName demo-rg -ClusterName udr
        "$($cfg.Resolution)" | Should -Be 'Exact'
        Add-EmulatorFault $Emu @{ Method = 'GET'; PathContains = '/routeTables/aks-udr'; Status = 200; Count = -1
            Body = (@{ id = '/subscriptions/x/resourceGroups/demo-rg/providers/Microsoft.Network/routeTables/aks-udr'; name = 'aks-udr'; location = 'eastus'
                    properties = @{ routes = @(@{ name = 'nva'; properties = @{ addressPrefix = '0.0.0.0/0'; nextHopType = 'VirtualAppliance'; nextHopIpAddress = '10.9.9.9' } }) } } | ConvertTo-Json -Depth 8) }
        Disconnect-AksEgress; Connect-AksEmulator -Emulator $Emu | Out-Null   # no cached cluster read
        $cfg = Get-AksEgressConfiguration -ResourceGroupName demo-rg -ClusterName udr
        "$($cfg.Resolution)" | Should -Be 'Unresolvable'
        @($cfg.AllowList).Count | Should -Be 0
        $cfg.ResolutionNote | Should -Match '10\.9\.9\.9'
        $cfg.ResolutionNote | Should -Match 'not an Azure Firewall'
    }

    It 'a network resource the caller may not read gives Partial and a warning naming it and the action, never an error' {
        Reset-Emulator $Emu
        Add-EmulatorFault $Emu @{ Method = 'GET'; PathContains = '/natGateways/uanat-natgw'; Status = 403; ErrorCode = 'AuthorizationFailed'; Count = -1 }
        $cfg = Get-AksEgressConfiguration -ResourceGroupName paths-rg -ClusterName uanat -WarningVariable warn -WarningAction SilentlyContinue -ErrorVariable err
        $err | Should -BeNullOrEmpty
        "$($cfg.Resolution)" | Should -Be 'Partial'
        "$warn" | Should -Match 'natGateways/uanat-natgw'
        "$warn" | Should -Match 'Microsoft\.Network/natGateways/read'
    }

    It 'udr-hub: the secured-hub firewall comes from one Resource Graph query; refused, the result is Partial with the action and scope' {
        Reset-Emulator $Emu
        Disconnect-AksEgress; Connect-AksEmulator -Emulator $Emu | Out-Null
        $cfg = Get-AksEgressConfiguration -ResourceGroupName paths-rg -ClusterName udr-hub -Verbose 4>&1 | Tee-Object -Variable out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        "$($cfg.Resolution)" | Should -Be 'Exact'
        @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and "$_" -match 'Azure Resource Graph' -and "$_" -match '10\.100\.0\.132' }).Count | Should -BeGreaterThan 0
        Add-EmulatorFault $Emu @{ Method = 'POST'; PathContains = '/Microsoft.ResourceGraph/resources'; Status = 403; ErrorCode = 'AuthorizationFailed'; Count = -1 }
        Disconnect-AksEgress; Connect-AksEmulator -Emulator $Emu | Out-Null
        $cfg = Get-AksEgressConfiguration -ResourceGroupName paths-rg -ClusterName udr-hub -WarningVariable warn -WarningAction SilentlyContinue -ErrorVariable err
        $err | Should -BeNullOrEmpty
        "$($cfg.Resolution)" | Should -Be 'Partial'
        @($cfg.AllowList).Count | Should -Be 0
        "$warn" | Should -Match 'Microsoft\.ResourceGraph/resources/read'
        "$warn" | Should -Match '/subscriptions/'
    }

    It 'a bad -AllowList entry is refused before any request with InvalidAllowList' {
        $e = $null
        try { Test-AksEgressIp -ClusterId '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/paths-rg/providers/Microsoft.ContainerService/managedClusters/uanat' -AllowList 'ten.0.0.0/8' -ErrorAction Stop } catch { $e = $_ }
        $e.FullyQualifiedErrorId | Should -Match '^InvalidAllowList'
    }
}

Describe 'outboundType none: no egress path, said plainly, then proven' {
    BeforeAll {
        # Its own emulator: the cluster's outbound type is changed here. A Standard load balancer cluster may move to outboundType
        # none (AKS allows loadBalancer <-> none on Standard); the test does it with ARM's own cluster PUT.
        $script:NoneEmu = Start-AksEmulator
        Connect-AksEmulator -Emulator $NoneEmu | Out-Null
        $id = (Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName standard-lb).ClusterId
        $uri = [Uri]::new([Uri]$NoneEmu.Connection.armEndpoint, "$($id.TrimStart('/'))?api-version=2025-10-01")
        $cluster = $NoneEmu.Http.GetStringAsync($uri).GetAwaiter().GetResult() | ConvertFrom-Json -Depth 50 -AsHashtable
        # Send back only what may be written (the contract check refuses readOnly fields).
        foreach ($k in 'id', 'name', 'type', 'systemData') { $cluster.Remove($k) }
        $cluster.identity.Remove('principalId'); $cluster.identity.Remove('tenantId')
        foreach ($k in 'provisioningState', 'powerState', 'currentKubernetesVersion', 'fqdn', 'azurePortalFQDN', 'privateFQDN', 'maxAgentPools', 'resourceUID') { $cluster.properties.Remove($k) }
        foreach ($p in $cluster.properties.agentPoolProfiles) { foreach ($k in 'provisioningState', 'powerState', 'currentOrchestratorVersion', 'nodeImageVersion') { $p.Remove($k) } }
        $cluster.properties.networkProfile.outboundType = 'none'
        $cluster.properties.networkProfile.Remove('loadBalancerProfile')
        $content = [Net.Http.StringContent]::new(($cluster | ConvertTo-Json -Depth 50 -Compress), [Text.Encoding]::UTF8, 'application/json')
        $put = $NoneEmu.Http.PutAsync($uri, $content).GetAwaiter().GetResult()
        if (-not $put.IsSuccessStatusCode) { throw "cluster PUT failed: $([int]$put.StatusCode) $($put.Content.ReadAsStringAsync().GetAwaiter().GetResult())" }
        # The update is a long-running operation: poll its Azure-AsyncOperation URL as ARM clients do.
        $operation = @($put.Headers.GetValues('Azure-AsyncOperation'))[0]
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        do {
            Start-Sleep -Milliseconds 100
            $state = ($NoneEmu.Http.GetStringAsync($operation).GetAwaiter().GetResult() | ConvertFrom-Json).status
        } until ($state -notin 'InProgress', 'Accepted', 'Running' -or [DateTime]::UtcNow -gt $deadline)
        $state | Should -Be 'Succeeded'
    }
    AfterAll {
        Disconnect-AksEgress
        if ($script:NoneEmu) { Stop-AksEmulator $script:NoneEmu }
    }

    It 'resolves to nothing to allowlist, with the reason, and Test-AksEgressIp shows nothing leaves (no test pod left)' {
        $cfg = Get-AksEgressConfiguration -ResourceGroupName demo-rg -ClusterName standard-lb
        "$($cfg.EgressDecidedBy)" | Should -Be 'None'
        "$($cfg.Resolution)" | Should -Be 'Unresolvable'
        @($cfg.AllowList).Count | Should -Be 0
        $cfg.ResolutionNote | Should -Match 'outboundType none'
        $r = $cfg | Test-AksEgressIp -ErrorAction SilentlyContinue -ErrorVariable testErrors
        $r.Succeeded | Should -BeFalse
        $r.Explanation | Should -Match 'egress blocked'
        @($testErrors | ForEach-Object FullyQualifiedErrorId) | Should -Contain 'EgressBlockedOrEndpointUnusable,AksEgress.Commands.TestAksEgressIpCommand'
        @($r.ObservedIpAddress | Where-Object { $_ }).Count | Should -Be 0
        Get-EmulatorTestPod $NoneEmu -Cluster standard-lb | Should -BeNullOrEmpty
    }
}
