# Remove-AksEgressService and Remove-AksEgressIp: clean-up with ShouldProcess, in-use refusal and -Force.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Emu = Start-AksEmulator
    Connect-AksEmulator -Emulator $Emu | Out-Null
    function New-KubeHttpClient([string] $Cluster) {
        # A client for the cluster's Kubernetes API with the emulator's kubeconfig token (to make a foreign Service).
        $token = ((Get-Content -Raw $Emu.Connection.clusters.$Cluster.kubeconfigPath) -split "`n" | Where-Object { $_ -match '^\s*token:\s*(\S+)' } | ForEach-Object { $Matches[1] } | Select-Object -First 1)
        New-EmulatorHttpClient -CaCertificatePath $Emu.Connection.caCertificatePath -AccessToken $token
    }
}
AfterAll {
    Disconnect-AksEgress
    if ($script:Emu) { Stop-AksEmulator $script:Emu }
}

Describe 'Remove-AksEgressIp and Remove-AksEgressService' {
    BeforeAll { Reset-Emulator $Emu }

    It 'are exported with ShouldProcess, ConfirmImpact High and -Force' {
        foreach ($n in 'Remove-AksEgressIp', 'Remove-AksEgressService') {
            $c = Get-Command $n -Module AksEgress
            $c.Parameters.Keys | Should -Contain 'WhatIf'
            $c.Parameters.Keys | Should -Contain 'Force'
            $c.Parameters.Keys | Should -Contain 'PassThru'
            $c.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'High'
        }
    }

    It 'refuses an IP that is still a cluster''s outbound IP, with an explanation, and keeps it' {
        $ip = Get-AksNodeResourceGroup demo-rg standard-lb | New-AksEgressIp -Name out-ip -ResourceGroupName egress-rg
        $ip | Set-AksOutboundIp -Confirm:$false | Out-Null
        Clear-EmulatorRequest $Emu
        $ev = $null
        $ip | Remove-AksEgressIp -Confirm:$false -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -Be 'PublicIpInUse,AksEgress.Commands.RemoveAksEgressIpCommand'
        $ev[0].Exception.Message | Should -Match 'load balancer'
        $ev[0].Exception.Message | Should -Match 'outbound IP'
        $ev[0].ErrorDetails.RecommendedAction | Should -Match 'Set-AksOutboundIp'
        Get-EmulatorRequest $Emu | Where-Object method -eq 'DELETE' | Should -BeNullOrEmpty
        Get-EmulatorPublicIp $Emu -Name out-ip | Should -Not -BeNullOrEmpty
    }

    It '-Force skips the check (Azure itself still refuses an attached IP)' {
        $ev = $null
        Clear-EmulatorRequest $Emu
        Remove-AksEgressIp -PublicIpId (Get-EmulatorPublicIp $Emu -Name out-ip).id -Force -Confirm:$false -ErrorVariable ev -ErrorAction SilentlyContinue
        # The DELETE is sent; Azure (the emulator) refuses it because the IP is attached.
        (Get-EmulatorRequest $Emu | Where-Object method -eq 'DELETE').Count | Should -Be 1
        $ev[0].Exception.Message | Should -Not -Match 'Deleting it would break egress'
        Get-EmulatorPublicIp $Emu -Name out-ip | Should -Not -BeNullOrEmpty
    }

    It 'refuses an IP that is a Service''s address, naming the load balancer' {
        $svc = Get-AksNodeResourceGroup demo-rg legacy-basic | New-AksEgressIp -Name svc-ip | Set-AksEgressService
        $svc.IngressIpAddress | Should -Not -BeNullOrEmpty
        $ev = $null
        Remove-AksEgressIp -PublicIpId $svc.PublicIpId -Confirm:$false -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'PublicIpInUse,*'
        $ev[0].Exception.Message | Should -Match 'Service'
        Get-EmulatorPublicIp $Emu -Name svc-ip | Should -Not -BeNullOrEmpty
    }

    It '-WhatIf removes nothing (Service and IP)' {
        $svc = Get-AksNodeResourceGroup demo-rg legacy-basic | New-AksEgressIp -Name svc-ip | Set-AksEgressService
        $free = New-AksEgressIp -Name free-ip -ResourceGroupName egress-rg -Location eastus
        Clear-EmulatorRequest $Emu
        $out = @($svc | Remove-AksEgressService -WhatIf) + @($free | Remove-AksEgressIp -WhatIf)
        $out | Should -BeNullOrEmpty
        Get-EmulatorRequest $Emu | Where-Object method -in 'DELETE', 'PUT', 'PATCH', 'POST' | Where-Object pathAndQuery -notmatch 'listClusterUserCredential' | Should -BeNullOrEmpty
        Get-EmulatorPublicIp $Emu -Name free-ip | Should -Not -BeNullOrEmpty
        (Get-EmulatorWorld $Emu).clusters.'legacy-basic'.services | Where-Object { $_.metadata.name -eq 'aks-egress' } | Should -Not -BeNullOrEmpty
    }

    It 'removes a free IP, with -PassThru writing it; a second run finds nothing to do' {
        $free = Get-AksNodeResourceGroup demo-rg legacy-basic | New-AksEgressIp -Name free-ip2 -ResourceGroupName egress-rg
        $out = $free | Remove-AksEgressIp -PassThru -Confirm:$false
        $out.Id | Should -Be $free.Id
        Get-EmulatorPublicIp $Emu -Name free-ip2 | Should -BeNullOrEmpty
        $v = $free | Remove-AksEgressIp -PassThru -Confirm:$false -Verbose 4>&1
        @($v | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'does not exist' }).Count | Should -Be 1
        @($v | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }) | Should -BeNullOrEmpty
    }

    It 'clean-up pipeline: New | Set-AksEgressService | Remove-AksEgressService, then the IP can be removed' {
        $removed = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic |
            New-AksEgressIp -Name cleanup-ip | Set-AksEgressService -ServiceName cleanup-svc |
            Remove-AksEgressService -PassThru -Confirm:$false
        $removed.ServiceName | Should -Be 'cleanup-svc'
        $gone = $null
        for ($i = 0; $i -lt 20 -and -not $gone; $i++) {
            $gone = $removed | Remove-AksEgressIp -PassThru -Confirm:$false -ErrorAction SilentlyContinue
            if (-not $gone) { Start-Sleep -Milliseconds 250 }
        }
        $gone | Should -Be $removed.PublicIpId
        (Get-EmulatorWorld $Emu).clusters.'legacy-basic'.services | Where-Object { $_.metadata.name -eq 'cleanup-svc' } | Should -BeNullOrEmpty
        Get-EmulatorPublicIp $Emu -Name cleanup-ip | Should -BeNullOrEmpty
    }

    It 'Remove-AksEgressService refuses a Service AksEgress did not create unless -Force' {
        $kube = $Emu.Connection.clusters.'legacy-basic'
        $http = New-KubeHttpClient 'legacy-basic'
        $body = '{"apiVersion":"v1","kind":"Service","metadata":{"name":"foreign-svc","namespace":"default"},"spec":{"type":"ClusterIP","ports":[{"port":80}]}}'
        $r = $http.PostAsync("$($kube.kubernetesEndpoint)/api/v1/namespaces/default/services", [System.Net.Http.StringContent]::new($body, [Text.Encoding]::UTF8, 'application/json')).GetAwaiter().GetResult()
        [int]$r.StatusCode | Should -Be 201
        $ev = $null
        Remove-AksEgressService -ServiceName foreign-svc -KubeConfigPath $kube.kubeconfigPath -Confirm:$false -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -Be 'ServiceNotOwned,AksEgress.Commands.RemoveAksEgressServiceCommand'
        (Get-EmulatorWorld $Emu).clusters.'legacy-basic'.services | Where-Object { $_.metadata.name -eq 'foreign-svc' } | Should -Not -BeNullOrEmpty
        Remove-AksEgressService -ServiceName foreign-svc -KubeConfigPath $kube.kubeconfigPath -Force -Confirm:$false
        (Get-EmulatorWorld $Emu).clusters.'legacy-basic'.services | Where-Object { $_.metadata.name -eq 'foreign-svc' } | Should -BeNullOrEmpty
    }
}
