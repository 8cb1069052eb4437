# Typed input: each output type pipes into each cmdlet it should feed (by value into -InputObject, or by property
# name), with no ambiguous parameter set; plain ids and names bind too.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Emu = Start-AksEmulator
    Connect-AksEmulator -Emulator $Emu | Out-Null
    function Invoke-Bound([scriptblock] $Pipeline) {
        # Runs a pipeline, failing on any error (an ambiguous parameter set or an unbound input is an error).
        $all = @(& $Pipeline 2>&1)
        $ev = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $ev | Should -BeNullOrEmpty -Because "$Pipeline should bind ($(@($ev | ForEach-Object { "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" }) -join ', '))"
        $all | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] }
    }
}
AfterAll {
    Disconnect-AksEgress
    if ($script:Emu) { Stop-AksEmulator $script:Emu }
}

Describe 'Piping each output type' {
    BeforeAll {
        Reset-Emulator $Emu
        $script:Basic = Get-AksNodeResourceGroup demo-rg legacy-basic
        $script:Std = Get-AksNodeResourceGroup demo-rg standard-lb
    }

    It 'AksNodeResourceGroup -> Get-AksNodeResourceGroup, Get-AksEgressConfiguration, New-AksEgressIp, Test-AksEgressIp' {
        (Invoke-Bound { $Basic | Get-AksNodeResourceGroup }).ClusterId | Should -Be $Basic.ClusterId
        (Invoke-Bound { $Basic | Get-AksEgressConfiguration }).ClusterId | Should -Be $Basic.ClusterId
        $ip = Invoke-Bound { $Basic | New-AksEgressIp -Name bind-ip }
        $ip.ClusterId | Should -Be $Basic.ClusterId
        $ip.ResourceGroupName | Should -Be $Basic.NodeResourceGroup
        (Invoke-Bound { $Basic | Test-AksEgressIp }).ClusterName | Should -Be 'legacy-basic'
    }

    It 'EgressIp (in another resource group than its cluster) -> Get-AksNodeResourceGroup returns the IP''s cluster' {
        $ip = $Std | New-AksEgressIp -Name bind-own-rg-ip -ResourceGroupName egress-rg
        $ip.ResourceGroupName | Should -Be 'egress-rg'
        $cluster = Invoke-Bound { $ip | Get-AksNodeResourceGroup }
        $cluster.ClusterId | Should -Be $Std.ClusterId
        $cluster.ResourceGroupName | Should -Be 'demo-rg'
    }

    It 'EgressIp -> Set-AksEgressService (InputObject), Set-AksOutboundIp, Remove-AksEgressIp (InputObject), Test-AksEgressIp, Get-AksEgressConfiguration' {
        $ip = $Basic | New-AksEgressIp -Name bind-ip
        $svc = Invoke-Bound { $ip | Set-AksEgressService -ServiceName bind-svc }
        $svc.PublicIpId | Should -Be $ip.Id
        $svc.ClusterId | Should -Be $ip.ClusterId
        $outIp = $Std | New-AksEgressIp -Name bind-out -ResourceGroupName egress-rg
        Invoke-Bound { $outIp | Set-AksOutboundIp -WhatIf } | Should -BeNullOrEmpty
        Invoke-Bound { $outIp | Remove-AksEgressIp -WhatIf } | Should -BeNullOrEmpty
        $r = Invoke-Bound { $ip | Test-AksEgressIp }
        $r.ExpectedIpAddress | Should -Be @($ip.IpAddress)
        $r.Succeeded | Should -BeTrue
        (Invoke-Bound { $outIp | Get-AksEgressConfiguration }).ClusterName | Should -Be 'standard-lb'
    }

    It 'EgressService -> Test-AksEgressIp, Remove-AksEgressService (InputObject), Get-AksEgressConfiguration; its PublicIpId -> Remove-AksEgressIp' {
        $svc = $Basic | New-AksEgressIp -Name bind-ip | Set-AksEgressService -ServiceName bind-svc
        (Invoke-Bound { $svc | Test-AksEgressIp }).ExpectedIpAddress | Should -Be @($svc.IpAddress)
        Invoke-Bound { $svc | Remove-AksEgressService -WhatIf } | Should -BeNullOrEmpty
        (Invoke-Bound { $svc | Get-AksEgressConfiguration }).ClusterName | Should -Be 'legacy-basic'
        $ev = $null
        $svc | Remove-AksEgressIp -Confirm:$false -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'PublicIpInUse,*' -Because 'PublicIpId bound, and the Service still uses the IP'
    }

    It 'OutboundIpAssignment -> Test-AksEgressIp, Get-AksEgressConfiguration, Get-AksNodeResourceGroup' {
        $a = $Std | New-AksEgressIp -Name bind-out -ResourceGroupName egress-rg | Set-AksOutboundIp -Confirm:$false
        $r = Invoke-Bound { $a | Test-AksEgressIp }
        $r.ExpectedIpAddress | Should -Be $a.EgressIpAddress
        $r.Succeeded | Should -BeTrue
        (Invoke-Bound { $a | Get-AksEgressConfiguration }).EgressIpAddress | Should -Be $a.EgressIpAddress
        (Invoke-Bound { $a | Get-AksNodeResourceGroup }).ClusterId | Should -Be $Std.ClusterId
    }

    It 'EgressConfiguration -> Test-AksEgressIp, Get-AksNodeResourceGroup' {
        $c = $Std | Get-AksEgressConfiguration
        (Invoke-Bound { $c | Test-AksEgressIp }).ExpectedIpAddress | Should -Be $c.EgressIpAddress
        (Invoke-Bound { $c | Get-AksNodeResourceGroup }).ClusterId | Should -Be $Std.ClusterId
    }

    It 'EgressTestResult -> Get-AksEgressConfiguration' {
        $t = $Basic | Test-AksEgressIp
        (Invoke-Bound { $t | Get-AksEgressConfiguration }).ClusterId | Should -Be $Basic.ClusterId
    }

    It 'plain strings: cluster ids, public IP ids, and names' {
        (Invoke-Bound { $Basic.ClusterId, $Std.ClusterId | Get-AksNodeResourceGroup }).ClusterName | Should -Be @('legacy-basic', 'standard-lb')
        (Invoke-Bound { Get-AksEgressConfiguration -ClusterId $Std.ClusterId }).ClusterName | Should -Be 'standard-lb'
        (Invoke-Bound { Get-AksEgressConfiguration -ResourceGroupName demo-rg -ClusterName standard-lb }).ClusterName | Should -Be 'standard-lb'
        $free = New-AksEgressIp -Name bind-free -ResourceGroupName egress-rg -Location eastus
        (Invoke-Bound { $free.Id | Remove-AksEgressIp -PassThru -Confirm:$false }) | Should -Be $free.Id
        Get-EmulatorPublicIp $Emu -Name bind-free | Should -BeNullOrEmpty
    }

    It 'objects from other tools bind by property name (a pscustomobject with Id and ClusterId)' {
        $ip = $Std | New-AksEgressIp -Name bind-out -ResourceGroupName egress-rg
        # Already the cluster's outbound IP (previous test): Unchanged, so -WhatIf has nothing to skip.
        (Invoke-Bound { [pscustomobject]@{ Id = $ip.Id; ClusterId = $Std.ClusterId } | Set-AksOutboundIp -WhatIf }).Action | Should -Be 'Unchanged'
        $free = New-AksEgressIp -Name bind-free2 -ResourceGroupName egress-rg -Location eastus
        Invoke-Bound { [pscustomobject]@{ Id = $free.Id } | Remove-AksEgressIp -WhatIf } | Should -BeNullOrEmpty
        Get-EmulatorPublicIp $Emu -Name bind-free2 | Should -Not -BeNullOrEmpty
        Invoke-Bound { [pscustomobject]@{ ServiceName = 'nothing-here'; Namespace = 'default'; ClusterId = $Basic.ClusterId } | Remove-AksEgressService -Confirm:$false } | Should -BeNullOrEmpty
    }
}

BeforeDiscovery {
    $script:Cmdlets = @((Import-PowerShellDataFile (Join-Path $PSScriptRoot '../../AksEgress.psd1')).CmdletsToExport)
}

Describe 'Parameter sets' {
    It '<_> has a default parameter set when it has more than one, and each set has a distinct signature' -ForEach $Cmdlets {
        $c = Get-Command $_
        if ($c.ParameterSets.Count -gt 1) { $c.DefaultParameterSet | Should -Not -BeNullOrEmpty }
        $signatures = foreach ($s in $c.ParameterSets) { (@($s.Parameters | Where-Object IsMandatory | ForEach-Object Name | Sort-Object) + '|' + @($s.Parameters.Name | Sort-Object)) -join ',' }
        @($signatures | Sort-Object -Unique).Count | Should -Be $c.ParameterSets.Count
    }

    It 'every cmdlet fed by our objects has an -InputObject set or binds them by property name' {
        foreach ($n in 'Set-AksEgressService', 'New-AksEgressIp', 'Get-AksEgressConfiguration', 'Remove-AksEgressIp', 'Remove-AksEgressService') {
            (Get-Command $n).Parameters['InputObject'].ParameterType.Namespace | Should -Be 'AksEgress.Models' -Because $n
        }
        foreach ($n in 'Test-AksEgressIp', 'Set-AksOutboundIp', 'Get-AksNodeResourceGroup') {
            @((Get-Command $n).Parameters.Values | Where-Object { $_.ParameterSets.Values.ValueFromPipelineByPropertyName -contains $true }).Count | Should -BeGreaterThan 1 -Because $n
        }
    }
}
