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

    Context 'two identities: the caller (LinkedAuthorizationFailed) and the cluster identity (a warning before the update)' {
        BeforeAll {
            $script:Cluster = Get-AksNodeResourceGroup demo-rg standard-lb
            $script:NodeRgId = "/subscriptions/$Sub/resourceGroups/$($Cluster.NodeResourceGroup)"
            function Set-LimitedCaller {
                # The caller may change the cluster (Contributor on its group and the node group), nothing more.
                Invoke-EmulatorAdmin $Emu -Method DELETE -Path roleAssignments -Body @{ principal = 'caller' } | Out-Null
                foreach ($scope in "/subscriptions/$Sub/resourceGroups/demo-rg", $NodeRgId) {
                    $script:CallerId = (Invoke-EmulatorAdmin $Emu -Method POST -Path roleAssignments -Body @{ principal = 'caller'; scope = $scope; role = 'Contributor'; principalType = 'User' }).principalId
                }
            }
        }
        AfterEach {
            # Back to the default: the caller is Owner of the subscription.
            Invoke-EmulatorAdmin $Emu -Method POST -Path roleAssignments -Body @{ principal = 'caller'; scope = "/subscriptions/$Sub"; role = 'Owner'; principalType = 'User' } | Out-Null
        }

        It 'an IP in a group where the cluster identity has no role: a warning with the exact New-AzRoleAssignment command, and the change is applied' {
            $ip = $Cluster | New-AksEgressIp -Name np-warn -ResourceGroupName noperm-rg
            $a = $ip | Set-AksOutboundIp -Confirm:$false -WarningVariable warn -WarningAction SilentlyContinue
            $a.Action | Should -Be 'Updated'
            $warn.Count | Should -Be 1
            "$warn" | Should -Match ([regex]::Escape("New-AzRoleAssignment -ObjectId $($Cluster.IdentityPrincipalId) -RoleDefinitionName 'Network Contributor' -Scope /subscriptions/$Sub/resourceGroups/noperm-rg"))
            "$warn" | Should -Match 'publicIPAddresses/join/action'
        }

        It 'a caller who may not read role assignments gets a "check skipped" warning, and the change still applies' {
            $ip = $Cluster | New-AksEgressIp -Name np-skip -ResourceGroupName noperm-rg
            Set-LimitedCaller
            Invoke-EmulatorAdmin $Emu -Method POST -Path roleDefinitions -Body @{ roleName = 'ip joiner'; actions = @('Microsoft.Network/publicIPAddresses/join/action') } | Out-Null
            Invoke-EmulatorAdmin $Emu -Method POST -Path roleAssignments -Body @{ principal = 'caller'; scope = "/subscriptions/$Sub/resourceGroups/noperm-rg"; role = 'ip joiner'; principalType = 'User' } | Out-Null
            $a = $ip | Set-AksOutboundIp -Confirm:$false -WarningVariable warn -WarningAction SilentlyContinue
            $a.Action | Should -Be 'Updated'
            $a.EgressIpAddress | Should -Be $ip.IpAddress
            $warn.Count | Should -Be 1
            "$warn" | Should -Match 'was skipped'
            "$warn" | Should -Match 'roleAssignments/read'
        }

        It 'a caller who may not join the IP fails with LinkedAuthorizationFailed naming the caller, the action and the IP, and the fix for the caller' {
            $ip = $Cluster | New-AksEgressIp -Name np-denied -ResourceGroupName noperm-rg
            Set-LimitedCaller
            $e = Get-FirstError { $ip | Set-AksOutboundIp -Confirm:$false -WarningAction SilentlyContinue }
            $e.FullyQualifiedErrorId | Should -BeLike 'LinkedAuthorizationFailed,*'
            $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
            $e.TargetObject | Should -Be $Cluster.ClusterId
            $e.Exception.Message | Should -Match ([regex]::Escape("the caller 'alice@contoso.com' (object id $CallerId)"))
            $e.Exception.Message | Should -Match ([regex]::Escape("'Microsoft.Network/publicIPAddresses/join/action' on '$($ip.Id)'"))
            $e.ErrorDetails.RecommendedAction | Should -Match ([regex]::Escape("New-AzRoleAssignment -ObjectId $CallerId -RoleDefinitionName 'Network Contributor' -Scope $($ip.Id)"))
            $e.ErrorDetails.RecommendedAction | Should -Not -Match $Cluster.IdentityPrincipalId
        }
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
