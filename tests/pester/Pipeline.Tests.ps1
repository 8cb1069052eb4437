# The recipe pipeline end to end, against the emulator, through the assembled module.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Emu = Start-AksEmulator
    Connect-AksEmulator -Emulator $Emu | Out-Null
    $script:Sub = $Emu.Connection.subscriptionId
}
AfterAll {
    Disconnect-AksEgress
    if ($script:Emu) { Stop-AksEmulator $script:Emu }
}

Describe 'Connect-AksEgress' {
    It 'returns a connection object that holds no secret' {
        $c = Connect-AksEmulator -Emulator $Emu
        $c.PSObject.TypeNames[0] | Should -Be 'AksEgress.Models.AksEgressConnection'
        $c.AuthenticationMethod | Should -Be 'AccessToken'
        $c.SubscriptionId | Should -Be $Sub
        ($c | ConvertTo-Json -Depth 5) | Should -Not -Match ([regex]::Escape($Emu.Connection.accessToken))
    }
    It 'refuses a CA path without a custom endpoint, before any request' {
        { Connect-AksEgress -SubscriptionId $Sub -CaCertificatePath $Emu.Connection.caCertificatePath -AccessToken (ConvertTo-SecureString x -AsPlainText -Force) } |
            Should -Throw -ErrorId 'ConflictingParameters,AksEgress.Commands.ConnectAksEgressCommand'
        Connect-AksEmulator -Emulator $Emu | Out-Null
    }
}

Describe 'The recipe pipeline on legacy-basic (Basic load balancer)' {
    BeforeAll { Reset-Emulator $Emu }

    It 'finds the node resource group, creates the IP, owns it with a Service, and proves egress' {
        $result = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic |
            New-AksEgressIp -Name aks-egress-ip | Set-AksEgressService | Test-AksEgressIp
        $result.PSObject.TypeNames[0] | Should -Be 'AksEgress.Models.EgressTestResult'
        $result.Succeeded | Should -BeTrue
        $ip = (Get-EmulatorPublicIp $Emu -Name 'aks-egress-ip').properties.ipAddress
        $ip | Should -Not -BeNullOrEmpty
        $result.ObservedIpAddress | Should -Be $ip
        $result.ExpectedIpAddress | Should -Be @($ip)
        $result.ClusterName | Should -Be 'legacy-basic'
    }

    It 'is idempotent: a second run changes nothing and reports the existing objects' {
        Clear-EmulatorRequest $Emu
        $ip = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic | New-AksEgressIp -Name aks-egress-ip
        $ip.Created | Should -BeFalse
        $svc = $ip | Set-AksEgressService
        $svc.Action | Should -Be 'Unchanged'
        $writes = Get-EmulatorRequest $Emu | Where-Object { $_.method -in 'PUT', 'PATCH', 'POST', 'DELETE' -and $_.pathAndQuery -notmatch 'listClusterUserCredential' -and $_.pathAndQuery -notmatch '/pods' }
        $writes | Should -BeNullOrEmpty
    }

    It 'leaves no test pod behind' {
        Get-EmulatorTestPod $Emu -Cluster legacy-basic | Should -BeNullOrEmpty
    }

    It '-Quiet returns only a boolean' {
        $r = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic |
            New-AksEgressIp -Name aks-egress-ip | Set-AksEgressService | Test-AksEgressIp -Quiet
        $r | Should -BeOfType [bool]
        $r | Should -BeTrue
    }
}

Describe 'Each cmdlet fed by plain parameters' {
    BeforeAll { Reset-Emulator $Emu }

    It 'Get-AksNodeResourceGroup by name, by id and by listing' {
        $one = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic
        $one.NodeResourceGroup | Should -Be 'MC_demo-rg_legacy-basic_eastus'
        $one.LoadBalancerSku | Should -Be 'Basic'
        $one.ClusterId | Should -Match '/resourceGroups/demo-rg/'
        (Get-AksNodeResourceGroup -ResourceId $one.ClusterId).ClusterName | Should -Be 'legacy-basic'
        $all = Get-AksNodeResourceGroup -ResourceGroupName demo-rg
        $all.ClusterName | Should -Contain 'standard-lb'
        ($all | Where-Object ClusterName -eq 'locked').NodeResourceGroupLocked | Should -BeTrue
        (Get-AksNodeResourceGroup | Measure-Object).Count | Should -BeGreaterOrEqual 6
    }

    It 'New-AksEgressIp with -ClusterId and a target resource group' {
        $cluster = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic
        $ip = New-AksEgressIp -Name plain-ip -ClusterId $cluster.ClusterId -ResourceGroupName egress-rg
        $ip.ResourceGroupName | Should -Be 'egress-rg'
        $ip.Location | Should -Be 'eastus'
        $ip.ClusterName | Should -Be 'legacy-basic'
        $ip.IpAddress | Should -Match '^\d+\.\d+\.\d+\.\d+$'
    }

    It 'Set-AksEgressService with an IP outside the node resource group adds the resource-group annotation' {
        $ip = New-AksEgressIp -Name plain-ip -ResourceGroupName egress-rg -ClusterId (Get-AksNodeResourceGroup demo-rg legacy-basic).ClusterId
        $svc = Set-AksEgressService -IpAddress $ip.IpAddress -PublicIpId $ip.Id -ClusterId $ip.ClusterId -ServiceName plain-egress
        $svc.IngressIpAddress | Should -Be $ip.IpAddress
        $svc.Annotations['service.beta.kubernetes.io/azure-load-balancer-resource-group'] | Should -Be 'egress-rg'
        $svc.Annotations['service.beta.kubernetes.io/azure-load-balancer-ipv4'] | Should -Be $ip.IpAddress
    }

    It 'Set-AksEgressService and Test-AksEgressIp with a kubeconfig file' {
        $kubeconfig = $Emu.Connection.clusters.'legacy-basic'.kubeconfigPath
        $ip = New-AksEgressIp -Name kube-ip -ClusterId (Get-AksNodeResourceGroup demo-rg legacy-basic).ClusterId
        $svc = Set-AksEgressService -IpAddress $ip.IpAddress -KubeConfigPath $kubeconfig -ServiceName kube-egress
        $svc.IngressIpAddress | Should -Be $ip.IpAddress
        $r = Test-AksEgressIp -KubeConfigPath $kubeconfig
        $r.ObservedIpAddress | Should -Match '^\d+\.\d+\.\d+\.\d+$'
    }
}

Describe '-WhatIf changes nothing' {
    BeforeAll { Reset-Emulator $Emu }

    It 'New-AksEgressIp -WhatIf sends no write and emits nothing' {
        Clear-EmulatorRequest $Emu
        $out = Get-AksNodeResourceGroup demo-rg legacy-basic | New-AksEgressIp -Name whatif-ip -WhatIf
        $out | Should -BeNullOrEmpty
        Get-EmulatorRequest $Emu | Where-Object method -in 'PUT', 'PATCH', 'DELETE' | Should -BeNullOrEmpty
        Get-EmulatorPublicIp $Emu -Name 'whatif-ip' | Should -BeNullOrEmpty
    }

    It 'Set-AksEgressService -WhatIf creates no Service' {
        $ip = Get-AksNodeResourceGroup demo-rg legacy-basic | New-AksEgressIp -Name whatif-svc-ip
        Clear-EmulatorRequest $Emu
        $out = $ip | Set-AksEgressService -ServiceName whatif-svc -WhatIf
        $out | Should -BeNullOrEmpty
        Get-EmulatorRequest $Emu | Where-Object { $_.method -in 'POST', 'PUT', 'PATCH' -and $_.pathAndQuery -match '/services' } | Should -BeNullOrEmpty
    }
}

Describe 'An endpoint that answers garbage' {
    BeforeAll { Reset-Emulator $Emu }

    It 'reports EgressBlockedOrEndpointUnusable with the raw response, returns a failed result, and deletes the pod' {
        Invoke-EmulatorAdmin -Emulator $Emu -Method POST -Path 'faults' -Body @{ Target = 'legacy-basic'; PathContains = '/log'; Status = 200; Body = '<html><body>Access denied by proxy</body></html>'; Count = 1 } | Out-Null
        $ev = $null
        $r = Get-AksNodeResourceGroup demo-rg legacy-basic | Test-AksEgressIp -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'EgressBlockedOrEndpointUnusable,*'
        $ev[0].Exception.Message | Should -Match 'Access denied by proxy'
        $r.Succeeded | Should -BeFalse
        Get-EmulatorTestPod $Emu -Cluster legacy-basic | Should -BeNullOrEmpty
    }

    It 'says a curl error once (message, details and explanation), not three times' {
        $curl = 'curl: (6) Could not resolve host: api.ipify.org'
        Invoke-EmulatorAdmin -Emulator $Emu -Method POST -Path 'faults' -Body @{ Target = 'legacy-basic'; PathContains = '/log'; Status = 200; Body = $curl; Count = 1 } | Out-Null
        $ev = $null
        $r = Get-AksNodeResourceGroup demo-rg legacy-basic | Test-AksEgressIp -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'EgressBlockedOrEndpointUnusable,*'
        foreach ($text in $ev[0].Exception.Message, $ev[0].ErrorDetails.Message, "$($ev[0])", $r.Explanation) {
            [regex]::Matches($text, 'Could not resolve host').Count | Should -Be 1 -Because "the curl error is said once: $text"
        }
        $r.RawResponse | Should -Be $curl
    }
}
