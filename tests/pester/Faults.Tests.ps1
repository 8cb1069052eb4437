# Fault rows through the assembled module and the emulator's HTTP fault API (POST /_emulator/faults), and Ctrl+C during
# every wait: [powershell]::Create() + BeginInvoke + Stop() calls StopProcessing exactly like Ctrl+C does. Each row checks
# the outcome, that nothing leaked, and that running the same command again converges.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Emu = Start-AksEmulator -ArgumentList '--lb-delay-ms', '50', '--pod-delay-ms', '50'
    Connect-AksEmulator -Emulator $Emu | Out-Null
    $script:Sub = $Emu.Connection.subscriptionId
    $script:Injected = 0
    function script:ClusterId([string] $Name) { "/subscriptions/$Sub/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/$Name" }
    function script:Add-Fault([hashtable] $Rule) { Invoke-EmulatorAdmin -Emulator $Emu -Method POST -Path 'faults' -Body $Rule | Out-Null }
    function script:Get-Injected { @(Get-EmulatorRequest $Emu | Where-Object faultInjected).Count }
    function script:Assert-NoLeak {
        $world = Get-EmulatorWorld $Emu
        foreach ($c in 'legacy-basic', 'standard-lb', 'natgw', 'udr', 'locked', 'aad') { Get-EmulatorTestPod $Emu -Cluster $c | Should -BeNullOrEmpty }
        $world.publicIPAddresses | Where-Object { $_.properties.provisioningState -ne 'Succeeded' } | Should -BeNullOrEmpty
        $world.clusters.PSObject.Properties.Value | Where-Object { $_.provisioningState -and $_.provisioningState -ne 'Succeeded' } | Should -BeNullOrEmpty
    }
    function script:Complete-Lro {
        # Time passes in Azure: poll the operation the stopped command left behind until it is done (the emulator advances on polls).
        $poll = Get-EmulatorRequest $Emu | Where-Object { $_.pathAndQuery -match '/operations/' } | Select-Object -Last 1
        if (-not $poll) { return }
        for ($i = 0; $i -lt 20; $i++) {
            $r = $Emu.Http.GetAsync([Uri]::new([Uri]$Emu.Connection.armEndpoint, $poll.pathAndQuery.TrimStart('/'))).GetAwaiter().GetResult()
            if (($r.Content.ReadAsStringAsync().GetAwaiter().GetResult() | ConvertFrom-Json).status -ne 'InProgress') { return }
        }
    }
    function script:Stop-Midway {
        <# Runs Command with Parameters in a new runspace of this process (same engine), waits until Until is true, then Stop()s it. #>
        param([string] $Command, [hashtable] $Parameters, [scriptblock] $Until)
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddParameter('Name', $ModuleManifest).AddStatement().AddCommand($Command).AddParameters($Parameters)
            $async = $ps.BeginInvoke()
            $sw = [Diagnostics.Stopwatch]::StartNew()
            while (-not (& $Until) -and -not $async.IsCompleted -and $sw.Elapsed.TotalSeconds -lt 20) { Start-Sleep -Milliseconds 25 }
            $completedBeforeStop = $async.IsCompleted
            $stop = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $stopSeconds = $stop.Elapsed.TotalSeconds
            $thrown = $null
            try { $null = $ps.EndInvoke($async) } catch { $thrown = $_.Exception }
            [pscustomobject]@{ State = "$($ps.InvocationStateInfo.State)"; CompletedBeforeStop = $completedBeforeStop; StopSeconds = $stopSeconds; Thrown = $thrown }
        }
        finally { $ps.Dispose() }
    }
}
AfterAll {
    if ($script:Emu) {
        Write-Host "Pester fault rows: faults injected $Injected"
        Disconnect-AksEgress
        Stop-AksEmulator $script:Emu
    }
}

Describe 'Ctrl+C during each wait (StopProcessing through the assembled module)' {
    BeforeEach { Reset-Emulator $Emu; Clear-EmulatorRequest $Emu }
    AfterEach { $script:Injected += Get-Injected }

    It 'New-AksEgressIp while waiting for the public IP operation' {
        Add-Fault @{ method = 'GET'; pathContains = '/operations/'; latencyMilliseconds = 20000 }
        $r = Stop-Midway New-AksEgressIp @{ Name = 'stop-ip'; ResourceGroupName = 'egress-rg'; Location = 'eastus' } { Get-EmulatorRequest $Emu | Where-Object faultInjected }
        $r.CompletedBeforeStop | Should -BeFalse
        $r.State | Should -Be 'Stopped'
        $r.StopSeconds | Should -BeLessThan 5
        Invoke-EmulatorAdmin -Emulator $Emu -Method DELETE -Path 'faults' | Out-Null
        Complete-Lro
        $again = New-AksEgressIp -Name stop-ip -ResourceGroupName egress-rg -Location eastus
        $again.IpAddress | Should -Not -BeNullOrEmpty
        Assert-NoLeak
    }

    It 'Set-AksOutboundIp while waiting for the cluster update' {
        $ip = New-AksEgressIp -Name stop-out -ResourceGroupName egress-rg -Location eastus
        Clear-EmulatorRequest $Emu
        Add-Fault @{ method = 'GET'; pathContains = '/operations/'; latencyMilliseconds = 20000 }
        $r = Stop-Midway Set-AksOutboundIp @{ PublicIpId = $ip.Id; ClusterId = (ClusterId standard-lb); Confirm = $false } { Get-EmulatorRequest $Emu | Where-Object faultInjected }
        $r.CompletedBeforeStop | Should -BeFalse
        $r.State | Should -Be 'Stopped'
        $r.StopSeconds | Should -BeLessThan 5
        Invoke-EmulatorAdmin -Emulator $Emu -Method DELETE -Path 'faults' | Out-Null
        Complete-Lro
        $again = Set-AksOutboundIp -PublicIpId $ip.Id -ClusterId (ClusterId standard-lb) -Confirm:$false
        $again.EgressIpAddress | Should -Be @($ip.IpAddress)
        Assert-NoLeak
    }

    It 'Set-AksEgressService while waiting for the load balancer' {
        $ip = (Invoke-EmulatorAdmin -Emulator $Emu -Method POST -Path 'publicIPs' -Body @{ resourceGroup = 'MC_demo-rg_legacy-basic_eastus'; name = 'stop-svc' }).ipAddress
        # Hold the wait's first list of the Service (not only its watch): with the LB's 50 ms a loaded machine could list the
        # Service with its IP already and finish without ever watching (CompletedBeforeStop was True).
        Add-Fault @{ target = 'legacy-basic'; pathContains = 'services?fieldSelector'; latencyMilliseconds = 20000 }
        $r = Stop-Midway Set-AksEgressService @{ IpAddress = $ip; ClusterId = (ClusterId legacy-basic) } { Get-EmulatorRequest $Emu | Where-Object faultInjected }
        $r.CompletedBeforeStop | Should -BeFalse
        $r.State | Should -Be 'Stopped'
        $r.StopSeconds | Should -BeLessThan 5
        $again = Set-AksEgressService -IpAddress $ip -ClusterId (ClusterId legacy-basic)
        $again.IngressIpAddress | Should -Be $ip
        $again.Action | Should -Be 'Unchanged'
        Assert-NoLeak
    }

    It 'Set-AksEgressService -Cleanup while waiting for the load balancer: the Service it created is removed (issue 14, item 17)' {
        $ip = (Invoke-EmulatorAdmin -Emulator $Emu -Method POST -Path 'publicIPs' -Body @{ resourceGroup = 'MC_demo-rg_legacy-basic_eastus'; name = 'stop-clean' }).ipAddress
        Add-Fault @{ target = 'legacy-basic'; pathContains = 'services?fieldSelector'; latencyMilliseconds = 20000 }
        $r = Stop-Midway Set-AksEgressService @{ IpAddress = $ip; ClusterId = (ClusterId legacy-basic); Cleanup = $true } { Get-EmulatorRequest $Emu | Where-Object faultInjected }
        $r.CompletedBeforeStop | Should -BeFalse
        $r.State | Should -Be 'Stopped'
        @(Get-EmulatorRequest $Emu | Where-Object { $_.method -eq 'DELETE' -and $_.pathAndQuery -like '*/services/aks-egress*' }).Count | Should -Be 1
        $sw = [Diagnostics.Stopwatch]::StartNew()
        while (@((Get-EmulatorWorld $Emu).clusters.'legacy-basic'.services | Where-Object { $_.metadata.name -eq 'aks-egress' }).Count -and $sw.Elapsed.TotalSeconds -lt 10) { Start-Sleep -Milliseconds 100 }
        @((Get-EmulatorWorld $Emu).clusters.'legacy-basic'.services | Where-Object { $_.metadata.name -eq 'aks-egress' }) | Should -BeNullOrEmpty
        Assert-NoLeak
    }

    It 'Test-AksEgressIp while waiting for the pod: the pod is deleted' {
        Add-Fault @{ target = 'standard-lb'; pathContains = 'watch=true'; latencyMilliseconds = 20000 }
        $r = Stop-Midway Test-AksEgressIp @{ ClusterId = (ClusterId standard-lb) } { Get-EmulatorRequest $Emu | Where-Object faultInjected }
        $r.CompletedBeforeStop | Should -BeFalse
        $r.State | Should -Be 'Stopped'
        $r.StopSeconds | Should -BeLessThan 5
        Assert-NoLeak
        @((Get-EmulatorWorld $Emu).clusters.'standard-lb'.deletedPods).Count | Should -Be 1
        (Test-AksEgressIp -ClusterId (ClusterId standard-lb)).Succeeded | Should -BeTrue
        Assert-NoLeak
    }

    It 'Test-AksEgressIp -AllNodes while several pods wait: every pod is deleted' {
        Add-Fault @{ target = 'natgw'; pathContains = 'watch=true'; latencyMilliseconds = 20000; count = -1 }
        $r = Stop-Midway Test-AksEgressIp @{ ClusterId = (ClusterId natgw); AllNodes = $true } { @(Get-EmulatorRequest $Emu | Where-Object faultInjected).Count -ge 3 }
        $r.State | Should -Be 'Stopped'
        $r.StopSeconds | Should -BeLessThan 5
        Invoke-EmulatorAdmin -Emulator $Emu -Method DELETE -Path 'faults' | Out-Null
        Assert-NoLeak
        @((Get-EmulatorWorld $Emu).clusters.natgw.deletedPods).Count | Should -Be 3
        (Test-AksEgressIp -ClusterId (ClusterId natgw) -AllNodes).Succeeded | Should -BeTrue
    }
}

Describe 'Fault rows over the emulator HTTP fault API' {
    BeforeEach { Reset-Emulator $Emu; Clear-EmulatorRequest $Emu }
    AfterEach { $script:Injected += Get-Injected }

    It 'ARM 429 with Retry-After is honoured, then succeeds' {
        Connect-AksEmulator -Emulator $Emu | Out-Null   # a new connection: no cached cluster
        Clear-EmulatorRequest $Emu
        Add-Fault @{ method = 'GET'; pathContains = 'managedClusters/udr'; status = 429; headers = @{ 'Retry-After' = '1' } }
        $c = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName udr
        $c.ClusterName | Should -Be udr
        $gets = @(Get-EmulatorRequest $Emu | Where-Object pathAndQuery -match 'managedClusters/udr')
        $gets.Count | Should -Be 2
        ([datetimeoffset]$gets[1].timestamp - [datetimeoffset]$gets[0].timestamp).TotalMilliseconds | Should -BeGreaterThan 900
    }

    It 'an LRO slower than -TimeoutSeconds ends with OperationTimedOut, and a re-run once Azure finished converges' {
        Add-Fault @{ method = 'GET'; pathContains = '/operations/'; latencyMilliseconds = 3000 }
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $err = $null
        try { New-AksEgressIp -Name never -ResourceGroupName egress-rg -Location eastus -TimeoutSeconds 2 -ErrorAction Stop } catch { $err = $_ }
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 8
        $err.FullyQualifiedErrorId | Should -Be 'OperationTimedOut,AksEgress.Commands.NewAksEgressIpCommand'
        $err.CategoryInfo.Category | Should -Be 'OperationTimeout'
        $err.TargetObject | Should -Be 'egress-rg/never'
        $err.ErrorDetails.RecommendedAction | Should -Match 'TimeoutSeconds'
        Complete-Lro
        (New-AksEgressIp -Name never -ResourceGroupName egress-rg -Location eastus).IpAddress | Should -Not -BeNullOrEmpty
        Assert-NoLeak
    }

    It 'an LRO that fails carries the operation''s code and message' {
        Add-Fault @{ method = 'PUT'; pathContains = 'publicIPAddresses/broken'; lroOutcome = 'failed'; lroErrorCode = 'ZonalAllocationFailed'; lroErrorMessage = 'No capacity in zone 1.' }
        $err = $null
        try { New-AksEgressIp -Name broken -ResourceGroupName egress-rg -Location eastus -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'OperationFailed,AksEgress.Commands.NewAksEgressIpCommand'
        $err.ToString() | Should -Match 'ZonalAllocationFailed: No capacity in zone 1\.'
        (New-AksEgressIp -Name broken -ResourceGroupName egress-rg -Location eastus).IpAddress | Should -Not -BeNullOrEmpty
        Assert-NoLeak
    }

    It 'Kubernetes 409 on the Service create (someone else created it) converges' {
        $ip = (Invoke-EmulatorAdmin -Emulator $Emu -Method POST -Path 'publicIPs' -Body @{ resourceGroup = 'MC_demo-rg_legacy-basic_eastus'; name = 'race' }).ipAddress
        $a = Start-ThreadJob -ArgumentList $ModuleManifest, $ip, (ClusterId legacy-basic) -ScriptBlock {
            param($m, $ip, $id) Import-Module $m; Set-AksEgressService -IpAddress $ip -ClusterId $id -WarningAction SilentlyContinue
        }
        Add-Fault @{ target = 'legacy-basic'; method = 'POST'; pathContains = '/services'; latencyMilliseconds = 800 }
        $b = Set-AksEgressService -IpAddress $ip -ClusterId (ClusterId legacy-basic) -WarningAction SilentlyContinue
        $a2 = $a | Wait-Job -Timeout 60 | Receive-Job; $a | Remove-Job -Force
        @($a2, $b).IngressIpAddress | Should -Be @($ip, $ip)
        @((Get-EmulatorWorld $Emu).clusters.'legacy-basic'.services | Where-Object { $_.metadata.name -eq 'aks-egress' }).Count | Should -Be 1
    }

    It 'a failed Set-AksEgressService says the pending Service was left and how to remove it; the command it gives removes it (issue 14, item 17)' {
        # 203.0.113.250 is no public IP of the emulator: the cloud provider fails the sync (SyncLoadBalancerFailed event).
        $err = $null
        $null = Set-AksEgressService -IpAddress 203.0.113.250 -ClusterId (ClusterId legacy-basic) -TimeoutSeconds 60 -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'LoadBalancerSyncFailed,*'
        $err[0].Exception.Message | Should -BeLike '*The pending LoadBalancer Service default/aks-egress this call created was left in place*'
        $advice = $err[0].ErrorDetails.RecommendedAction
        $advice | Should -BeLike '*Remove it with: Remove-AksEgressService -Name aks-egress -Namespace default*-Cleanup*'
        @((Get-EmulatorWorld $Emu).clusters.'legacy-basic'.services | Where-Object { $_.metadata.name -eq 'aks-egress' }).Count | Should -Be 1
        $command = [regex]::Match($advice, 'Remove-AksEgressService -Name \S+ -Namespace \S+').Value
        & ([scriptblock]::Create("$command -ClusterId '$(ClusterId legacy-basic)' -Confirm:`$false"))
        $sw = [Diagnostics.Stopwatch]::StartNew()
        while (@((Get-EmulatorWorld $Emu).clusters.'legacy-basic'.services | Where-Object { $_.metadata.name -eq 'aks-egress' }).Count -and $sw.Elapsed.TotalSeconds -lt 10) { Start-Sleep -Milliseconds 100 }
        @((Get-EmulatorWorld $Emu).clusters.'legacy-basic'.services | Where-Object { $_.metadata.name -eq 'aks-egress' }) | Should -BeNullOrEmpty
    }

    It 'Set-AksEgressService -Cleanup removes the Service it created when the wait times out, never one that existed (issue 14, item 17)' {
        $ip = (Invoke-EmulatorAdmin -Emulator $Emu -Method POST -Path 'publicIPs' -Body @{ resourceGroup = 'MC_demo-rg_legacy-basic_eastus'; name = 'clean-timeout' }).ipAddress
        Add-Fault @{ target = 'legacy-basic'; pathContains = 'services?fieldSelector'; latencyMilliseconds = 20000 }
        $err = $null
        $null = Set-AksEgressService -IpAddress $ip -ClusterId (ClusterId legacy-basic) -TimeoutSeconds 2 -Cleanup -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'LoadBalancerTimeout,*'
        $err[0].Exception.Message | Should -BeLike '*-Cleanup removed the Service default/aks-egress this call had created*'
        $sw = [Diagnostics.Stopwatch]::StartNew()
        while (@((Get-EmulatorWorld $Emu).clusters.'legacy-basic'.services | Where-Object { $_.metadata.name -eq 'aks-egress' }).Count -and $sw.Elapsed.TotalSeconds -lt 10) { Start-Sleep -Milliseconds 100 }
        @((Get-EmulatorWorld $Emu).clusters.'legacy-basic'.services | Where-Object { $_.metadata.name -eq 'aks-egress' }) | Should -BeNullOrEmpty

        # A Service that existed before the call: -Cleanup leaves it.
        Invoke-EmulatorAdmin -Emulator $Emu -Method DELETE -Path 'faults' | Out-Null
        $svc = Set-AksEgressService -IpAddress $ip -ClusterId (ClusterId legacy-basic) -WarningAction SilentlyContinue
        $svc.Action | Should -Be 'Created'
        $null = Set-AksEgressService -IpAddress 203.0.113.250 -ClusterId (ClusterId legacy-basic) -TimeoutSeconds 60 -Cleanup -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'LoadBalancerSyncFailed,*'
        $err[0].Exception.Message | Should -BeLike '*existed before this call, so -Cleanup left it*'
        $left = @((Get-EmulatorWorld $Emu).clusters.'legacy-basic'.services | Where-Object { $_.metadata.name -eq 'aks-egress' })
        $left.Count | Should -Be 1
        $left[0].metadata.deletionTimestamp | Should -BeNullOrEmpty
    }

    It 'a warning under -Debug in this non-interactive host does not fail the cmdlet' {
        $ip = (Invoke-EmulatorAdmin -Emulator $Emu -Method POST -Path 'publicIPs' -Body @{ resourceGroup = 'MC_demo-rg_standard-lb_eastus'; name = 'dbg' }).ipAddress
        $out = Set-AksEgressService -IpAddress $ip -ClusterId (ClusterId standard-lb) -Debug 3>&1 5>$null
        $svc = $out | Where-Object { $_ -isnot [Management.Automation.WarningRecord] }
        $svc.IngressIpAddress | Should -Be $ip
        $out | Where-Object { $_ -is [Management.Automation.WarningRecord] } | Should -Not -BeNullOrEmpty
    }
}
