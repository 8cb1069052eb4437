# Egress that is true on today's Azure: every cluster kind of the emulator, end to end, including the refusals.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Emu = Start-AksEmulator
    Connect-AksEmulator -Emulator $Emu | Out-Null
    $script:Sub = $Emu.Connection.subscriptionId
    function Get-FirstError([scriptblock] $Command) {
        $ev = $null
        try { & $Command -ErrorVariable ev -ErrorAction SilentlyContinue | Out-Null } catch { return $_ }
        if ($ev) { $ev[0] }
    }
}
AfterAll {
    Disconnect-AksEgress
    if ($script:Emu) { Stop-AksEmulator $script:Emu }
}

Describe 'standard-lb (Standard load balancer, outboundType loadBalancer)' {
    BeforeAll { Reset-Emulator $Emu }

    It 'the recipe gives the Service an IP but the egress test fails and explains why, naming Set-AksOutboundIp' {
        $svc = Get-AksNodeResourceGroup demo-rg standard-lb | New-AksEgressIp -Name recipe-ip | Set-AksEgressService -WarningVariable warn -WarningAction SilentlyContinue
        $svc.DecidesEgress | Should -BeFalse
        $svc.EgressNote | Should -Match 'Set-AksOutboundIp'
        $warn | Should -Not -BeNullOrEmpty
        $r = $svc | Test-AksEgressIp -WarningAction SilentlyContinue
        $r.Succeeded | Should -BeFalse
        $r.ObservedIpAddress | Should -Not -Be $svc.IpAddress
        $r.Explanation | Should -Match 'Set-AksOutboundIp'
        $r.Explanation | Should -Match ([regex]::Escape($r.ObservedIpAddress))
    }

    It 'the modern path pins egress: New-AksEgressIp | Set-AksOutboundIp | Test-AksEgressIp' {
        $r = Get-AksNodeResourceGroup demo-rg standard-lb | New-AksEgressIp -Name modern-ip -ResourceGroupName egress-rg |
            Set-AksOutboundIp -Confirm:$false | Test-AksEgressIp
        $r.Succeeded | Should -BeTrue
        $r.ObservedIpAddress | Should -Be (Get-EmulatorPublicIp $Emu -Name modern-ip).properties.ipAddress
    }

    It 'is idempotent: setting the same outbound IP again sends no PUT' {
        Clear-EmulatorRequest $Emu
        $a = Get-AksNodeResourceGroup demo-rg standard-lb | New-AksEgressIp -Name modern-ip -ResourceGroupName egress-rg | Set-AksOutboundIp -Confirm:$false
        $a.Action | Should -Be 'Unchanged'
        Get-EmulatorRequest $Emu | Where-Object method -eq 'PUT' | Should -BeNullOrEmpty
    }

    It 'collects several piped IPs into one update' {
        $cluster = Get-AksNodeResourceGroup demo-rg standard-lb
        Clear-EmulatorRequest $Emu
        $a = 'multi-1', 'multi-2' | ForEach-Object { $cluster | New-AksEgressIp -Name $_ -ResourceGroupName egress-rg } | Set-AksOutboundIp -Confirm:$false
        $a.EgressIpAddress.Count | Should -Be 2
        @(Get-EmulatorRequest $Emu | Where-Object { $_.method -eq 'PUT' -and $_.pathAndQuery -match 'managedClusters' }).Count | Should -Be 1
        $r = $a | Test-AksEgressIp -Count 4
        $r.Succeeded | Should -BeTrue
        $r.ObservedIpAddresses | ForEach-Object { $_ | Should -BeIn $a.EgressIpAddress }
    }

    It 'reports the configuration truthfully' {
        $c = Get-AksNodeResourceGroup demo-rg standard-lb | Get-AksEgressConfiguration
        $c.EgressDecidedBy | Should -Be 'LoadBalancerOutboundRule'
        $c.PinWith | Should -Be 'Set-AksOutboundIp'
        $c.EgressIpAddress.Count | Should -BeGreaterThan 0
    }

    It 'an IP in a resource group where the cluster identity has no rights fails with LinkedAuthorizationFailed naming the fix' {
        $e = Get-FirstError { Get-AksNodeResourceGroup demo-rg standard-lb | New-AksEgressIp -Name noperm-ip -ResourceGroupName noperm-rg | Set-AksOutboundIp -Confirm:$false }
        $e.FullyQualifiedErrorId | Should -BeLike 'LinkedAuthorizationFailed,*'
        $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
        ($e.ErrorDetails.RecommendedAction + $e.Exception.Message) | Should -Match 'Network Contributor'
    }
}

Describe 'Clusters whose egress no Service and no outbound IP can pin' {
    BeforeAll { Reset-Emulator $Emu }

    It '<Cluster>: Set-AksOutboundIp refuses and explains what decides egress' -ForEach @(
        @{ Cluster = 'natgw'; Decider = 'NatGateway'; Word = 'NAT gateway' }
        @{ Cluster = 'udr'; Decider = 'UserDefinedRouting'; Word = 'firewall' }
        @{ Cluster = 'legacy-basic'; Decider = 'BasicLoadBalancerFrontend'; Word = 'Set-AksEgressService' }
    ) {
        $info = Get-AksNodeResourceGroup demo-rg $Cluster
        $ip = New-AksEgressIp -Name "$Cluster-out" -ResourceGroupName egress-rg -ClusterId $info.ClusterId
        $e = Get-FirstError { $ip | Set-AksOutboundIp -Confirm:$false }
        $e.FullyQualifiedErrorId | Should -BeLike 'EgressNotConfigurableHere,*'
        $e.Exception.Message | Should -Match $Word
        ($info | Get-AksEgressConfiguration).EgressDecidedBy | Should -Be $Decider
    }

    It 'natgw: the configuration resolves the NAT gateway IP, and the egress test confirms it' {
        $c = Get-AksNodeResourceGroup demo-rg natgw | Get-AksEgressConfiguration
        $c.EgressIpAddress.Count | Should -Be 1
        ($c | Test-AksEgressIp).Succeeded | Should -BeTrue
    }
}

Describe 'locked (node resource group lockdown ReadOnly)' {
    BeforeAll { Reset-Emulator $Emu }

    It 'refuses to create the IP in the locked node resource group, before any write, and says to pass -ResourceGroupName' {
        Clear-EmulatorRequest $Emu
        $e = Get-FirstError { Get-AksNodeResourceGroup demo-rg locked | New-AksEgressIp -Name locked-ip }
        $e.FullyQualifiedErrorId | Should -BeLike 'NodeResourceGroupLocked,*'
        ($e.ErrorDetails.RecommendedAction + $e.Exception.Message) | Should -Match '-ResourceGroupName'
        Get-EmulatorRequest $Emu | Where-Object method -eq 'PUT' | Should -BeNullOrEmpty
    }

    It 'maps the real deny-assignment 403 when the cluster was not piped' {
        $e = Get-FirstError { New-AksEgressIp -Name locked-ip -ResourceGroupName MC_demo-rg_locked_eastus }
        $e.FullyQualifiedErrorId | Should -BeLike 'NodeResourceGroupLocked,*'
        $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
    }

    It 'works with an IP in a group the user owns; the Service gets the resource-group annotation by itself' {
        $svc = Get-AksNodeResourceGroup demo-rg locked | New-AksEgressIp -Name locked-ip -ResourceGroupName egress-rg | Set-AksEgressService -WarningAction SilentlyContinue
        $svc.Annotations['service.beta.kubernetes.io/azure-load-balancer-resource-group'] | Should -Be 'egress-rg'
        $svc.IngressIpAddress | Should -Be $svc.IpAddress
    }
}

Describe 'Interop with Az-shaped objects' {
    BeforeAll { Reset-Emulator $Emu }

    It 'a Get-AzAksCluster-shaped object binds into Get-AksNodeResourceGroup and New-AksEgressIp' {
        $az = [pscustomobject]@{ Name = 'legacy-basic'; ResourceGroupName = 'demo-rg'; Location = 'eastus'; NodeResourceGroup = 'MC_demo-rg_legacy-basic_eastus'
            Id = "/subscriptions/$Sub/resourcegroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/legacy-basic" }
        ($az | Get-AksNodeResourceGroup).ClusterName | Should -Be 'legacy-basic'
        $ip = $az | New-AksEgressIp -Name az-shaped-ip
        $ip.ResourceGroupName | Should -Be 'MC_demo-rg_legacy-basic_eastus'
        $ip.ClusterName | Should -Be 'legacy-basic'
    }

    It 'a New-AzPublicIpAddress-shaped object binds into Set-AksEgressService and Set-AksOutboundIp' {
        $mine = Get-AksNodeResourceGroup demo-rg legacy-basic | New-AksEgressIp -Name az-pip -ResourceGroupName egress-rg
        $az = [pscustomobject]@{ Name = $mine.Name; ResourceGroupName = 'egress-rg'; Id = $mine.Id; IpAddress = $mine.IpAddress }
        $svc = $az | Set-AksEgressService -ClusterId $mine.ClusterId -ServiceName az-egress
        $svc.Annotations['service.beta.kubernetes.io/azure-load-balancer-resource-group'] | Should -Be 'egress-rg'
        $second = Get-AksNodeResourceGroup demo-rg standard-lb | New-AksEgressIp -Name az-pip-out -ResourceGroupName egress-rg
        $az2 = [pscustomobject]@{ Name = $second.Name; ResourceGroupName = 'egress-rg'; Id = $second.Id; IpAddress = $second.IpAddress }
        $out = $az2 | Set-AksOutboundIp -ClusterId $second.ClusterId -Confirm:$false
        $out.EgressIpAddress | Should -Be @($second.IpAddress)
    }
}

Describe 'Get-AksEgressConfiguration call forms' {
    It 'accepts the resource group and cluster name positionally, and a cluster id by name' {
        $byName = Get-AksEgressConfiguration demo-rg natgw
        $byName.EgressDecidedBy | Should -Be 'NatGateway'
        (Get-AksEgressConfiguration -ClusterId $byName.ClusterId).ClusterName | Should -Be 'natgw'
    }
}
