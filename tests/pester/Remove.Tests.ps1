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

Describe 'about_AksEgress clean-up pipeline, run as written in the doc' {
    BeforeAll {
        $doc = Get-Content -Raw (Join-Path $RepoRoot 'docs/about_AksEgress.md')
        $m = [regex]::Match($doc, '(?s)Clean up the recipe[^\n]*\r?\n\s*```[^\n]*\r?\n(?<code>.*?)\r?\n\s*```')
        $script:CleanupPipeline = $m.Groups['code'].Value
        function Invoke-DocPipeline {
            # The doc's text, unchanged; errors are collected instead of shown (the runner sets Stop).
            $ErrorActionPreference = 'Continue'
            & ([scriptblock]::Create($script:CleanupPipeline)) 2>&1
        }
    }
    BeforeEach { Reset-Emulator $Emu }

    It 'is found in docs/about_AksEgress.md' {
        $CleanupPipeline | Should -Match 'Remove-AksEgressService'
        $CleanupPipeline | Should -Match 'Remove-AksEgressIp'
    }

    It 'removes the Service and then the IP, with no error and no retry' {
        $out = @(Invoke-DocPipeline)
        @($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) | ForEach-Object { $_.ToString() } | Should -BeNullOrEmpty
        Get-EmulatorPublicIp $Emu -Name aks-egress-ip | Should -BeNullOrEmpty
        (Get-EmulatorWorld $Emu).clusters.'legacy-basic'.services | Where-Object { $_.metadata.name -eq 'aks-egress' } | Should -BeNullOrEmpty
    }

    It 'with a second Service sharing the IP: removes only the recipe''s Service, keeps the IP and names the other Service with the command that releases it' {
        $ip = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic | New-AksEgressIp -Name aks-egress-ip
        $kube = $Emu.Connection.clusters.'legacy-basic'
        $http = New-KubeHttpClient 'legacy-basic'
        $body = '{"apiVersion":"v1","kind":"Service","metadata":{"name":"shared-web","namespace":"default","annotations":{"service.beta.kubernetes.io/azure-load-balancer-ipv4":"' + $ip.IpAddress + '"}},"spec":{"type":"LoadBalancer","ports":[{"port":8080}]}}'
        $r = $http.PostAsync("$($kube.kubernetesEndpoint)/api/v1/namespaces/default/services", [System.Net.Http.StringContent]::new($body, [Text.Encoding]::UTF8, 'application/json')).GetAwaiter().GetResult()
        [int]$r.StatusCode | Should -Be 201
        $shared = $null
        for ($i = 0; $i -lt 40 -and -not $shared.status.loadBalancer.ingress; $i++) {
            Start-Sleep -Milliseconds 250
            $shared = (Get-EmulatorWorld $Emu).clusters.'legacy-basic'.services | Where-Object { $_.metadata.name -eq 'shared-web' }
        }
        $shared.status.loadBalancer.ingress[0].ip | Should -Be $ip.IpAddress

        $out = @(Invoke-DocPipeline)
        $errors = @($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'PublicIpInUse,AksEgress.Commands.RemoveAksEgressIpCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $errors[0].Exception.Message | Should -Match "Service 'default/shared-web' \(not created by AksEgress\)"
        $errors[0].Exception.Message | Should -Match "cluster 'demo-rg/legacy-basic'"
        $errors[0].Exception.Message | Should -Not -Match "'default/aks-egress'"
        $errors[0].ErrorDetails.RecommendedAction | Should -Match ([regex]::Escape('Remove-AksEgressService -Namespace default -Name shared-web -ClusterId '))
        # Only the recipe's Service went; the IP and the other Service stay.
        $world = Get-EmulatorWorld $Emu
        $world.clusters.'legacy-basic'.services | Where-Object { $_.metadata.name -eq 'aks-egress' -and -not $_.metadata.deletionTimestamp } | Should -BeNullOrEmpty
        $world.clusters.'legacy-basic'.services | Where-Object { $_.metadata.name -eq 'shared-web' } | Should -Not -BeNullOrEmpty
        Get-EmulatorPublicIp $Emu -Name aks-egress-ip | Should -Not -BeNullOrEmpty

        # The advice, run as given, releases the IP; then Remove-AksEgressIp removes it.
        $command = [regex]::Match($errors[0].ErrorDetails.RecommendedAction, 'Remove-AksEgressService [^;]*?-Confirm:\$false').Value
        & ([scriptblock]::Create($command))
        Remove-AksEgressIp -PublicIpId $ip.Id -Confirm:$false
        Get-EmulatorPublicIp $Emu -Name aks-egress-ip | Should -BeNullOrEmpty
    }
}
