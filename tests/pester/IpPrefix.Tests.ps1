# Issue 11 section 3: New-AksEgressIpPrefix end to end on the emulator (create, re-run idempotently, -WhatIf, conflict).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Emu = Start-AksEmulator
    Connect-AksEmulator -Emulator $Emu | Out-Null
    $script:Std = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName standard-lb
}
AfterAll {
    Disconnect-AksEgress
    if ($script:Emu) { Stop-AksEmulator $script:Emu }
}

Describe 'New-AksEgressIpPrefix' {
    It 'creates a /29 for a piped cluster in its node resource group, then returns it unchanged on a re-run' {
        $p = $Std | New-AksEgressIpPrefix -Name pester-prefix -PrefixLength 29
        $p.PSObject.TypeNames[0] | Should -Be 'AksEgress.Models.EgressIpPrefix'
        $p.Created | Should -BeTrue
        $p.ResourceGroupName | Should -Be $Std.NodeResourceGroup
        $p.Prefix | Should -Match '^192\.0\.2\.\d+/29$'
        @($p.AllowList) | Should -Be @($p.Prefix)
        $p.ClusterId | Should -Be $Std.ClusterId
        $again = $Std | New-AksEgressIpPrefix -Name pester-prefix -PrefixLength 29
        $again.Created | Should -BeFalse
        $again.Prefix | Should -Be $p.Prefix
        # the table view names the range in 80 columns
        ($again | Format-Table | Out-String -Width 80) | Should -Match ([regex]::Escape($p.Prefix))
    }

    It '-WhatIf creates nothing' {
        $r = $Std | New-AksEgressIpPrefix -Name whatif-prefix -ResourceGroupName egress-rg -WhatIf
        $r | Should -BeNullOrEmpty
        $ev = $null
        $Std | New-AksEgressIpPrefix -Name whatif-prefix -ResourceGroupName egress-rg -PrefixLength 31 -WhatIf -ErrorVariable ev
        $ev | Should -BeNullOrEmpty
        # nothing exists yet, so a real create of another length is not a conflict
        ($Std | New-AksEgressIpPrefix -Name whatif-prefix -ResourceGroupName egress-rg -PrefixLength 31).Created | Should -BeTrue
    }

    It 'an existing prefix with another length is PublicIpPrefixConflict, named, and nothing is changed' {
        $null = $Std | New-AksEgressIpPrefix -Name conflict-prefix -ResourceGroupName egress-rg -PrefixLength 30
        $ev = $null
        $Std | New-AksEgressIpPrefix -Name conflict-prefix -ResourceGroupName egress-rg -PrefixLength 28 -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -Match '^PublicIpPrefixConflict,'
        $ev[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        "$($ev[0].Exception.Message)" | Should -Match 'length is /30, not /28'
        ($Std | New-AksEgressIpPrefix -Name conflict-prefix -ResourceGroupName egress-rg -PrefixLength 30).Created | Should -BeFalse
    }

    It '-PrefixLength outside 28-31 is refused by the parameter binder' {
        { $Std | New-AksEgressIpPrefix -Name bad-prefix -PrefixLength 27 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,AksEgress.Commands.NewAksEgressIpPrefixCommand'
    }
}

Describe 'Set-AksOutboundIp with a prefix, then back to managed IPs' {
    It 'pins a piped prefix, proves every sampled address is inside it, re-runs unchanged, and returns to managed IPs' {
        $prefix = $Std | New-AksEgressIpPrefix -Name pin-prefix -PrefixLength 30
        $a = $prefix | Set-AksOutboundIp -Confirm:$false
        $a.Action | Should -Be 'Updated'
        @($a.EgressIpPrefix) | Should -Be @($prefix.Prefix)
        @($a.AllowList) | Should -Be @($prefix.Prefix)
        $r = $a | Test-AksEgressIp -Count 4
        $r.Succeeded | Should -BeTrue -Because $r.Explanation
        @($r.OutsideAllowList).Count | Should -Be 0
        (Get-AksEgressConfiguration -ResourceGroupName demo-rg -ClusterName standard-lb).AllowList | Should -Be @($prefix.Prefix)
        ($prefix | Set-AksOutboundIp -Confirm:$false).Action | Should -Be 'Unchanged'
        $m = $Std | Set-AksOutboundIp -ManagedOutboundIpCount 1 -Confirm:$false
        $m.Action | Should -Be 'Updated'
        $m.ManagedOutboundIpCount | Should -Be 1
        @($m.EgressIpAddress).Count | Should -Be 1
        $m.EgressIpAddress[0] | Should -Not -BeLike '192.0.2.*'
        Get-EmulatorTestPod $Emu -Cluster standard-lb | Should -BeNullOrEmpty
    }

    It 'refuses public IPs and a prefix together before any request, saying only one outbound source is allowed' {
        $ip = $Std | New-AksEgressIp -Name mix-ip
        $prefix = $Std | New-AksEgressIpPrefix -Name mix-prefix -PrefixLength 31
        $ev = $null
        $ip, $prefix | Set-AksOutboundIp -Confirm:$false -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -Match '^ConflictingParameters,'
        "$($ev[0].Exception.Message)" | Should -Match 'exactly one outbound IP source'
    }
}
