# Issue 12: per-workload egress through the AKS Static Egress Gateway, the whole story on an emulator cluster, twice
# (idempotent), in teardown order, and the refusals.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Emu = Start-AksEmulator
    Connect-AksEmulator -Emulator $Emu | Out-Null
    $script:Cid = "/subscriptions/$($Emu.Connection.subscriptionId)/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/standard-lb"

    function Get-FirstError([scriptblock] $Command) {
        try { $out = & $Command 2>&1 } catch { return $_ }
        @($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })[0]
    }
}
AfterAll {
    Disconnect-AksEgress
    if ($script:Emu) { Stop-AksEmulator $script:Emu }
}

Describe 'Static Egress Gateway, end to end' {
    BeforeAll { Reset-Emulator $Emu }

    It 'enables, adds a pool, creates a gateway, opts a Deployment in, proves it per workload and tears down in order; a second run gives the same result' {
        New-EmulatorWorkload -Emulator $Emu -Cluster standard-lb -Name checkout -Replicas 2 | Out-Null
        foreach ($run in 1, 2) {
            $cluster = Get-AksNodeResourceGroup demo-rg standard-lb
            $state = $cluster | Enable-AksStaticEgressGateway -Confirm:$false
            $state.Enabled | Should -BeTrue
            $state.Action | Should -Be 'Enabled' -Because "run $run"
            ($cluster | Enable-AksStaticEgressGateway -Confirm:$false).Action | Should -Be 'Unchanged'

            $pool = $cluster | New-AksEgressGatewayPool -Name gwpool -PrefixSize 30 -Count 2 -Confirm:$false
            $pool.Action | Should -Be 'Created'
            $pool.PrefixSize | Should -Be 30
            $pool.MaxCount | Should -Be 4
            ($cluster | New-AksEgressGatewayPool -Name gwpool -PrefixSize 30 -Count 2 -Confirm:$false).Action | Should -Be 'Unchanged'

            $gw = $pool | New-AksEgressGateway -Name app-gw -ExcludeCidr 10.0.0.0/8 -Confirm:$false
            $gw.Action | Should -Be 'Created'
            $gw.Prefix | Should -Match '^\d+\.\d+\.\d+\.\d+/30$'
            $gw.AllowList.Count | Should -Be 4
            $gw.AllowList[0] | Should -Be ($gw.Prefix -split '/')[0]
            $gw.Annotation | Should -Be 'kubernetes.azure.com/static-gateway-configuration=app-gw'
            ($pool | New-AksEgressGateway -Name app-gw -ExcludeCidr 10.0.0.0/8 -Confirm:$false).Action | Should -Be 'Unchanged'

            $cfg = $cluster | Get-AksEgressConfiguration
            $cfg.StaticEgressGatewayEnabled | Should -BeTrue
            @($cfg.Gateways | ForEach-Object { "$($_.Namespace)/$($_.GatewayName)=$($_.Prefix)" }) | Should -Be @("default/app-gw=$($gw.Prefix)")

            # Opt the Deployment in: its pod template gets the annotation, the rollout replaces its pods.
            $w = $gw | Set-AksEgressGatewayWorkload -Kind Deployment -Name checkout -Confirm:$false
            $w.Action | Should -Be 'Annotated' -Because "run $run"
            $w.RolledOut | Should -BeTrue
            $w.GatewayName | Should -Be 'app-gw'
            $w.Prefix | Should -Be $gw.Prefix
            "$($w.UpdatedPods)/$($w.DesiredPods)" | Should -Be '2/2'
            $appPods = @((Get-EmulatorWorld $Emu).clusters.'standard-lb'.pods | Where-Object { $_.metadata.name -like 'checkout-*' -and -not $_.metadata.deletionTimestamp })
            $appPods.Count | Should -Be 2
            $appPods | ForEach-Object { $_.metadata.annotations.'kubernetes.azure.com/static-gateway-configuration' | Should -Be 'app-gw' }
            ($gw | Set-AksEgressGatewayWorkload -Kind Deployment -Name checkout -Confirm:$false).Action | Should -Be 'Unchanged'
            ($w | Out-String -Width 80) | Should -Match 'deployment/default/checkout\s+app-gw\s+2/2\s+Annotated'
            $e = Get-FirstError { $gw | Remove-AksEgressGateway -Confirm:$false }
            $e.FullyQualifiedErrorId | Should -BeLike 'StaticEgressGatewayInUse,*' -Because 'the Deployment is still on the gateway'
            $e.Exception.Message | Should -Match 'checkout-'

            # Proof per workload: the annotated pod leaves from the prefix, the unannotated one from the cluster's egress.
            $r = $gw | Test-AksEgressIp
            $r.Succeeded | Should -BeTrue -Because $r.Explanation
            $r.Gateway | Should -Be 'app-gw'
            $r.GatewayPrefix | Should -Be $gw.Prefix
            $annotated = $r.Samples | Where-Object Gateway -eq 'app-gw'
            $plain = $r.Samples | Where-Object { -not $_.Gateway }
            $annotated.ObservedIpAddress | Should -BeIn $gw.AllowList
            $annotated.InGatewayPrefix | Should -BeTrue
            $plain.ObservedIpAddress | Should -BeIn @((Get-EmulatorWorld $Emu).clusters.'standard-lb'.expectedEgressAddresses)
            $plain.InGatewayPrefix | Should -BeFalse
            Get-EmulatorTestPod -Emulator $Emu -Cluster standard-lb | Should -BeNullOrEmpty -Because 'test pods are always deleted'

            # Teardown in order: the workload off the gateway, the configuration (its finalizer drains), the pool, then the flag.
            $off = $w | Set-AksEgressGatewayWorkload -Remove -Confirm:$false
            $off.Action | Should -Be 'Removed'
            $off.RolledOut | Should -BeTrue
            $gw | Remove-AksEgressGateway -Confirm:$false
            $pool | Remove-AksEgressGatewayPool -Confirm:$false
            $off = $cluster | Disable-AksStaticEgressGateway -Confirm:$false
            $off.Action | Should -Be 'Disabled'
            $off.Enabled | Should -BeFalse
            $world = Get-EmulatorWorld $Emu
            @($world.clusters.'standard-lb'.pods | Where-Object { $_.metadata.annotations.'kubernetes.azure.com/static-gateway-configuration' }) | Should -BeNullOrEmpty
            (Get-AksNodeResourceGroup demo-rg standard-lb | Disable-AksStaticEgressGateway -Confirm:$false).Action | Should -Be 'Unchanged'
        }
    }

    It 'refuses to break the teardown order, and Disable -Force runs it' {
        $cluster = Get-AksNodeResourceGroup demo-rg standard-lb
        $cluster | Enable-AksStaticEgressGateway -Confirm:$false | Out-Null
        $pool = $cluster | New-AksEgressGatewayPool -Name gwpool -Confirm:$false
        $gw = $pool | New-AksEgressGateway -Name app-gw -Confirm:$false
        New-EmulatorWorkload -Emulator $Emu -Cluster standard-lb -Name billing -Kind StatefulSet -Replicas 1 | Out-Null
        ($gw | Set-AksEgressGatewayWorkload -Kind StatefulSet -Name billing -Confirm:$false).Action | Should -Be 'Annotated'

        $e = Get-FirstError { $pool | Remove-AksEgressGatewayPool -Confirm:$false }
        $e.FullyQualifiedErrorId | Should -BeLike 'StaticEgressGatewayInUse,*'
        $e.Exception.Message | Should -Match 'default/app-gw'
        $e = Get-FirstError { $cluster | Disable-AksStaticEgressGateway -Confirm:$false }
        $e.FullyQualifiedErrorId | Should -BeLike 'StaticEgressGatewayInUse,*'
        $e.Exception.Message | Should -Match 'gwpool'

        $off = $cluster | Disable-AksStaticEgressGateway -Force -Confirm:$false
        $off.Action | Should -Be 'Disabled'
        @($off.Removed) | Should -Be @('StatefulSet default/billing', 'default/app-gw', 'pool gwpool') -Because 'annotations first, then configurations, then pools'
        $world = Get-EmulatorWorld $Emu
        ($world.clusters.'standard-lb'.workloads | Where-Object { $_.metadata.name -eq 'billing' }).spec.template.metadata.annotations.'kubernetes.azure.com/static-gateway-configuration' | Should -BeNullOrEmpty
        @($world.clusters.'standard-lb'.pods | Where-Object { $_.metadata.annotations.'kubernetes.azure.com/static-gateway-configuration' -and -not $_.metadata.deletionTimestamp }) | Should -BeNullOrEmpty
        @($world.clusters.'standard-lb'.gatewayConfigurations) | Should -BeNullOrEmpty
        @($world.clusters.'standard-lb'.agentPools) | Should -Be @('nodepool1')
        $e = Get-FirstError { $gw | Test-AksEgressIp }
        $e.FullyQualifiedErrorId | Should -BeLike 'GatewayNotFound,*'
    }
}

Describe 'Static Egress Gateway bad input' {
    BeforeAll { Reset-Emulator $Emu }

    It '<Name> fails with <ErrorId> before any request' -ForEach @(
        @{ Name = 'prefix size 27'; ErrorId = 'InvalidPrefixSize'; Command = { New-AksEgressGatewayPool -Name gwpool -ClusterId $Cid -PrefixSize 27 -Confirm:$false } }
        @{ Name = 'count above the prefix'; ErrorId = 'InvalidGatewayNodeCount'; Command = { New-AksEgressGatewayPool -Name gwpool -ClusterId $Cid -PrefixSize 31 -Count 3 -Confirm:$false } }
        @{ Name = 'one gateway node'; ErrorId = 'InvalidGatewayNodeCount'; Command = { New-AksEgressGatewayPool -Name gwpool -ClusterId $Cid -PrefixSize 30 -Count 1 -Confirm:$false } }
        @{ Name = 'pool name AKS refuses'; ErrorId = 'InvalidAgentPoolName'; Command = { New-AksEgressGatewayPool -Name Gateway-Pool -ClusterId $Cid -Confirm:$false } }
        @{ Name = 'exclude CIDR that is not one'; ErrorId = 'InvalidCidr'; Command = { New-AksEgressGateway -Name app-gw -PoolName gwpool -ClusterId $Cid -ExcludeCidr 10.0.0.0 -Confirm:$false } }
        @{ Name = 'gateway name with capitals'; ErrorId = 'InvalidKubernetesName'; Command = { New-AksEgressGateway -Name App-Gw -PoolName gwpool -ClusterId $Cid -Confirm:$false } }
        @{ Name = '-Gateway with an expected IP'; ErrorId = 'ConflictingParameters'; Command = { Test-AksEgressIp -Gateway app-gw -ExpectedIpAddress 203.0.113.10 -ClusterId $Cid } }
        @{ Name = 'annotation naming a gateway of another namespace'; ErrorId = 'GatewayNamespaceMismatch'; Command = { Set-AksEgressGatewayWorkload -Kind Deployment -Name app -Namespace kube-public -Gateway app-gw -GatewayNamespace default -ClusterId $Cid -Confirm:$false } }
    ) {
        Clear-EmulatorRequest $Emu
        $e = Get-FirstError $Command
        $e.FullyQualifiedErrorId.Split(',')[0] | Should -Be $ErrorId
        Get-EmulatorRequest $Emu | Should -BeNullOrEmpty
    }

    It 'a pool before the add-on is enabled is refused with a clear error' {
        $e = Get-FirstError { New-AksEgressGatewayPool -Name gwpool -ClusterId $Cid -Confirm:$false }
        $e.FullyQualifiedErrorId | Should -BeLike 'StaticEgressGatewayNotEnabled,*'
        $e.ErrorDetails.RecommendedAction + $e.Exception.Message | Should -Match 'Enable-AksStaticEgressGateway'
    }

    It 'a gateway on a pool that does not exist is refused before anything is created' {
        Get-AksNodeResourceGroup demo-rg standard-lb | Enable-AksStaticEgressGateway -Confirm:$false | Out-Null
        $e = Get-FirstError { New-AksEgressGateway -Name app-gw -PoolName nopool -ClusterId $Cid -Confirm:$false }
        $e.FullyQualifiedErrorId | Should -BeLike 'GatewayPoolNotFound,*'
        @((Get-EmulatorWorld $Emu).clusters.'standard-lb'.gatewayConfigurations) | Should -BeNullOrEmpty
    }

    It 'the annotation of another namespace does not count: testing the gateway from another namespace is refused' {
        $pool = New-AksEgressGatewayPool -Name gwpool -ClusterId $Cid -Confirm:$false
        $gw = $pool | New-AksEgressGateway -Name app-gw -Namespace default -Confirm:$false
        $e = Get-FirstError { Test-AksEgressIp -Gateway app-gw -Namespace kube-public -ClusterId $Cid }
        $e.FullyQualifiedErrorId | Should -BeLike 'GatewayNotFound,*'
        $e.Exception.Message | Should -Match 'its own namespace'
        $gw | Remove-AksEgressGateway -Confirm:$false
        $pool | Remove-AksEgressGatewayPool -Confirm:$false
    }

    It 'a hostNetwork workload and a gateway of another namespace are refused before any write; -WhatIf writes nothing' {
        $pool = New-AksEgressGatewayPool -Name gwpool -ClusterId $Cid -Confirm:$false
        $gw = $pool | New-AksEgressGateway -Name app-gw -Namespace default -Confirm:$false
        New-EmulatorWorkload -Emulator $Emu -Cluster standard-lb -Name node-agent -Kind DaemonSet -HostNetwork | Out-Null
        New-EmulatorWorkload -Emulator $Emu -Cluster standard-lb -Name web -Namespace kube-public | Out-Null
        New-EmulatorWorkload -Emulator $Emu -Cluster standard-lb -Name preview | Out-Null
        Clear-EmulatorRequest $Emu

        $gw | Set-AksEgressGatewayWorkload -Kind Deployment -Name preview -WhatIf | Should -BeNullOrEmpty

        $e = Get-FirstError { $gw | Set-AksEgressGatewayWorkload -Kind DaemonSet -Name node-agent -Confirm:$false }
        $e.FullyQualifiedErrorId | Should -BeLike 'HostNetworkWorkload,*'
        $e.Exception.Message | Should -Match 'hostNetwork'
        # The piped gateway is in default; -Namespace puts the workload in kube-public, where no such gateway exists.
        $e = Get-FirstError { $gw | Set-AksEgressGatewayWorkload -Kind Deployment -Name web -Namespace kube-public -Confirm:$false }
        $e.FullyQualifiedErrorId | Should -BeLike 'GatewayNotFound,*'
        $e.Exception.Message | Should -Match "pod's own namespace"
        $e.Exception.Message | Should -Match 'there is one in default'
        @(Get-EmulatorRequest $Emu | Where-Object { $_.method -in 'PATCH', 'PUT', 'POST', 'DELETE' }) | Should -BeNullOrEmpty -Because 'nothing may be written'
        $world = Get-EmulatorWorld $Emu
        @($world.clusters.'standard-lb'.workloads | Where-Object { $_.spec.template.metadata.annotations }) | Should -BeNullOrEmpty

        $gw | Remove-AksEgressGateway -Confirm:$false
        $pool | Remove-AksEgressGatewayPool -Confirm:$false
    }

    It '-WhatIf creates nothing' {
        Clear-EmulatorRequest $Emu
        New-AksEgressGatewayPool -Name whatif -ClusterId $Cid -WhatIf | Should -BeNullOrEmpty
        @(Get-EmulatorRequest $Emu | Where-Object { $_.method -ne 'GET' }) | Should -BeNullOrEmpty
        @((Get-EmulatorWorld $Emu).clusters.'standard-lb'.agentPools) | Should -Be @('nodepool1')
    }
}
