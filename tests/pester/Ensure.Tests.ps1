# The DSC-style sample docs/samples/Ensure-AksEgress.ps1: converges a drifted cluster, and changes nothing on a
# converged one (the only writes are the egress test pods).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Emu = Start-AksEmulator
    Connect-AksEmulator -Emulator $Emu | Out-Null
    $script:Sample = Join-Path $RepoRoot 'docs/samples/Ensure-AksEgress.ps1'
    function Get-Write {
        # Writes other than the egress test pods (listClusterUserCredential is a read, sent as POST).
        @(Get-EmulatorRequest $Emu | Where-Object { $_.method -in 'PUT', 'PATCH', 'POST', 'DELETE' -and $_.pathAndQuery -notmatch '/pods' -and $_.pathAndQuery -notmatch 'listClusterUserCredential' })
    }
}
AfterAll {
    Disconnect-AksEgress
    if ($script:Emu) { Stop-AksEmulator $script:Emu }
}

Describe 'Ensure-AksEgress.ps1 on a Standard load balancer cluster' {
    BeforeAll { Reset-Emulator $Emu }

    It 'first run: creates the IP, pins egress with Set-AksOutboundIp and proves it' {
        $r = & $Sample -ResourceGroupName demo-rg -ClusterName standard-lb -EgressIpName ensure-ip -EgressIpResourceGroupName egress-rg
        $r.Changed | Should -BeTrue
        $r.InDesiredState | Should -BeFalse
        $r.Action | Should -Be 'Set-AksOutboundIp'
        $ip = (Get-EmulatorPublicIp $Emu -Name ensure-ip).properties.ipAddress
        $r.EgressIpAddress | Should -Be $ip
        (Get-AksEgressConfiguration -ResourceGroupName demo-rg -ClusterName standard-lb).EgressIpAddress | Should -Be @($ip)
    }

    It 'second run: in desired state, no write except the test pod' {
        Clear-EmulatorRequest $Emu
        $r = & $Sample -ResourceGroupName demo-rg -ClusterName standard-lb -EgressIpName ensure-ip -EgressIpResourceGroupName egress-rg
        $r.InDesiredState | Should -BeTrue
        $r.Changed | Should -BeFalse
        Get-Write | Should -BeNullOrEmpty
        @(Get-EmulatorRequest $Emu | Where-Object { $_.method -eq 'POST' -and $_.pathAndQuery -match '/pods' }).Count | Should -Be 1
    }

    It 'converges a drifted cluster (someone set another outbound IP); -WhatIf only reports it' {
        Get-AksNodeResourceGroup demo-rg standard-lb | New-AksEgressIp -Name drift-ip -ResourceGroupName egress-rg | Set-AksOutboundIp -Confirm:$false | Out-Null
        Clear-EmulatorRequest $Emu
        $w = & $Sample -ResourceGroupName demo-rg -ClusterName standard-lb -EgressIpName ensure-ip -EgressIpResourceGroupName egress-rg -WhatIf
        $w.InDesiredState | Should -BeFalse
        $w.Changed | Should -BeFalse
        $w.Action | Should -Be 'WhatIf: Set-AksOutboundIp'
        Get-Write | Should -BeNullOrEmpty
        $r = & $Sample -ResourceGroupName demo-rg -ClusterName standard-lb -EgressIpName ensure-ip -EgressIpResourceGroupName egress-rg
        $r.Changed | Should -BeTrue
        (Get-AksEgressConfiguration -ResourceGroupName demo-rg -ClusterName standard-lb).EgressIpAddress | Should -Be @($r.EgressIpAddress)
    }
}

Describe 'Ensure-AksEgress.ps1 on a legacy Basic load balancer cluster' {
    BeforeAll { Reset-Emulator $Emu }

    It 'pins with the Service recipe, then changes nothing on the next run' {
        $r = & $Sample -ResourceGroupName demo-rg -ClusterName legacy-basic -EgressIpName ensure-basic-ip
        $r.Action | Should -Be 'Set-AksEgressService'
        $r.Changed | Should -BeTrue
        Clear-EmulatorRequest $Emu
        $again = & $Sample -ResourceGroupName demo-rg -ClusterName legacy-basic -EgressIpName ensure-basic-ip
        $again.Changed | Should -BeFalse
        Get-Write | Should -BeNullOrEmpty
    }

    It 'refuses a cluster whose egress AksEgress cannot pin, with the reason' {
        { & $Sample -ResourceGroupName demo-rg -ClusterName udr -EgressIpName ensure-udr-ip -EgressIpResourceGroupName egress-rg } | Should -Throw '*cannot pin egress*'
    }
}
