# Issue 11 section 3: pinning the two NAT gateway paths end to end. Resolve (Get-AksEgressConfiguration), pin (Set-AksOutboundIp
# -ManagedNatGatewayIpCount on a managedNATGateway cluster, Set-AksNatGatewayIp on a userAssignedNATGateway cluster), prove
# from inside the cluster (Test-AksEgressIp: every observed address inside the AllowList, -Count to see several IPs), re-run
# (Unchanged, no write).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Emu = Start-AksEmulator
    Connect-AksEmulator -Emulator $Emu | Out-Null
    function script:Get-Write([string] $PathPart) {
        @(Get-EmulatorRequest $Emu | Where-Object { $_.method -in 'PUT', 'PATCH', 'DELETE', 'POST' -and $_.pathAndQuery -like "*$PathPart*" })
    }
}
AfterAll {
    Disconnect-AksEgress
    if ($script:Emu) { Stop-AksEmulator $script:Emu }
}

Describe 'Managed NAT gateway (natgw): resolve, pin the IP count, prove, re-run' {
    It 'resolves, gets three managed IPs, proves every sampled address is inside the AllowList, and a re-run changes nothing' {
        $cfg = Get-AksEgressConfiguration -ResourceGroupName demo-rg -ClusterName natgw
        "$($cfg.EgressDecidedBy)" | Should -Be 'NatGateway'
        $cfg.PinWith | Should -Be 'Set-AksOutboundIp'
        @($cfg.AllowList).Count | Should -Be 1

        $a = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName natgw |
            Set-AksOutboundIp -ManagedNatGatewayIpCount 3 -IdleTimeoutInMinutes 10 -Confirm:$false
        $a.Action | Should -Be 'Updated'
        $a.ManagedNatGatewayIpCount | Should -Be 3
        $a.IdleTimeoutInMinutes | Should -Be 10
        @($a.AllowList).Count | Should -Be 3
        @($a.PreviousEgressIpAddress) | Should -Be @($cfg.EgressIpAddress)

        $after = Get-AksEgressConfiguration -ResourceGroupName demo-rg -ClusterName natgw
        @($after.AllowList | Sort-Object) | Should -Be @($a.AllowList | Sort-Object)
        $t = $after | Test-AksEgressIp -Count 12
        $t.Succeeded | Should -BeTrue -Because $t.Explanation
        @($t.OutsideAllowList).Count | Should -Be 0
        @($t.ObservedIpAddresses).Count | Should -BeGreaterThan 1 -Because 'the NAT gateway picks any of its three IPs per connection'
        Get-EmulatorTestPod $Emu -Cluster natgw | Should -BeNullOrEmpty

        Clear-EmulatorRequest $Emu
        $again = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName natgw |
            Set-AksOutboundIp -ManagedNatGatewayIpCount 3 -IdleTimeoutInMinutes 10 -Confirm:$false
        $again.Action | Should -Be 'Unchanged'
        Get-Write '/managedClusters/natgw' | Should -BeNullOrEmpty
    }

    It 'refuses a count out of range before any request, and a cluster without a managed NAT gateway with the reason' {
        Clear-EmulatorRequest $Emu
        $e = $null
        try { Set-AksOutboundIp -ClusterId (Get-AksNodeResourceGroup demo-rg natgw).ClusterId -ManagedNatGatewayIpCount 17 -Confirm:$false -ErrorAction Stop } catch { $e = $_ }
        $e.FullyQualifiedErrorId | Should -Match '^InvalidCount'
        "$e" | Should -Match '1 to 16'
        Get-Write '/managedClusters/' | Should -BeNullOrEmpty
        $e2 = $null
        try { Get-AksNodeResourceGroup paths-rg uanat | Set-AksOutboundIp -ManagedNatGatewayIpCount 2 -Confirm:$false -ErrorAction Stop } catch { $e2 = $_ }
        $e2.FullyQualifiedErrorId | Should -Match '^EgressNotConfigurableHere'
        $e2.ErrorDetails.RecommendedAction | Should -Match 'Set-AksNatGatewayIp'
    }
}

Describe 'User-assigned NAT gateway (uanat): resolve, attach, prove, re-run, replace' {
    BeforeAll { Reset-Emulator $Emu; Disconnect-AksEgress; Connect-AksEmulator -Emulator $Emu | Out-Null }

    It 'adds a new IP to the NAT gateway of the cluster''s subnet, proves it, and a re-run changes nothing' {
        $cfg = Get-AksEgressConfiguration -ResourceGroupName paths-rg -ClusterName uanat
        "$($cfg.Resolution)" | Should -Be 'Exact'
        $cfg.PinWith | Should -Be 'Set-AksNatGatewayIp'
        @($cfg.AllowList).Count | Should -Be 3

        $ip = Get-AksNodeResourceGroup -ResourceGroupName paths-rg -ClusterName uanat | New-AksEgressIp -Name uanat-pinned -ResourceGroupName egress-rg
        Clear-EmulatorRequest $Emu
        $a = $ip | Set-AksNatGatewayIp -Confirm:$false
        $a.Action | Should -Be 'Updated'
        $a.NatGatewayName | Should -Be 'uanat-natgw'
        @($a.Subnet) | Should -Match '/virtualNetworks/uanat-vnet/subnets/nodes$'
        @($a.AllowList) | Should -Contain "$($ip.IpAddress)/32"
        @($a.AllowList).Count | Should -Be 4
        @($a.PreviousAllowList | Sort-Object) | Should -Be @($cfg.AllowList | Sort-Object)
        $put = Get-Write '/natGateways/uanat-natgw'
        $put.Count | Should -Be 1
        $put[0].headerNames | Should -Contain 'If-Match'

        $after = Get-AksEgressConfiguration -ResourceGroupName paths-rg -ClusterName uanat
        @($after.AllowList | Sort-Object) | Should -Be @($a.AllowList | Sort-Object)
        $t = $after | Test-AksEgressIp -Count 12
        $t.Succeeded | Should -BeTrue -Because $t.Explanation
        @($t.OutsideAllowList).Count | Should -Be 0
        @($t.ObservedIpAddresses).Count | Should -BeGreaterThan 1 -Because 'the NAT gateway picks any of its addresses per connection'
        Get-EmulatorTestPod $Emu -Cluster uanat | Should -BeNullOrEmpty

        Clear-EmulatorRequest $Emu
        ($ip | Set-AksNatGatewayIp -Confirm:$false).Action | Should -Be 'Unchanged'
        Get-Write '/natGateways/' | Should -BeNullOrEmpty
    }

    It '-Replace with a prefix: -WhatIf sends no write, then the prefix alone is the egress and the old allowlist fails the proof' {
        $old = (Get-AksEgressConfiguration -ResourceGroupName paths-rg -ClusterName uanat).AllowList
        $prefix = Get-AksNodeResourceGroup -ResourceGroupName paths-rg -ClusterName uanat |
            New-AksEgressIpPrefix -Name uanat-range -ResourceGroupName egress-rg -PrefixLength 29
        Clear-EmulatorRequest $Emu
        $prefix | Set-AksNatGatewayIp -Replace -WhatIf | Should -BeNullOrEmpty
        Get-Write '/natGateways/' | Should -BeNullOrEmpty

        $a = $prefix | Set-AksNatGatewayIp -Replace -Confirm:$false
        $a.Action | Should -Be 'Updated'
        @($a.AllowList) | Should -Be @($prefix.Prefix)
        @($a.Removed).Count | Should -Be 4
        $t = $a | Test-AksEgressIp -Count 8
        $t.Succeeded | Should -BeTrue -Because $t.Explanation
        @($t.ObservedIpAddresses).Count | Should -BeGreaterThan 1
        $stale = Test-AksEgressIp -ClusterId $a.ClusterId -AllowList $old -Count 2 -WarningAction SilentlyContinue
        $stale.Succeeded | Should -BeFalse
        $stale.Explanation | Should -Match 'outside the allowlist'
    }

    It 'refuses a managed NAT gateway cluster and more than 16 addresses before the write, with the reason' {
        $ip = Get-AksNodeResourceGroup demo-rg natgw | New-AksEgressIp -Name natgw-extra -ResourceGroupName egress-rg
        Clear-EmulatorRequest $Emu
        $e = $null
        try { $ip | Set-AksNatGatewayIp -Confirm:$false -ErrorAction Stop } catch { $e = $_ }
        $e.FullyQualifiedErrorId | Should -Match '^EgressNotConfigurableHere'
        "$e" | Should -Match 'managedNATGateway'
        $big = Get-AksNodeResourceGroup paths-rg uanat | New-AksEgressIpPrefix -Name uanat-big -ResourceGroupName egress-rg -PrefixLength 28
        $e2 = $null
        try { $big | Set-AksNatGatewayIp -Confirm:$false -ErrorAction Stop } catch { $e2 = $_ }
        $e2.FullyQualifiedErrorId | Should -Match '^NatGatewayAddressLimitExceeded'
        "$e2" | Should -Match '24 public IP addresses'
        Get-Write '/natGateways/' | Should -BeNullOrEmpty
    }
}
