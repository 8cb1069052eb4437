# The module under ForEach-Object -Parallel and Start-ThreadJob: one engine per process (connection, caches, Kubernetes
# clients) shared by every runspace; every result is checked.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Emu = Start-AksEmulator -ArgumentList '--extra-clusters', '20', '--lb-delay-ms', '50', '--pod-delay-ms', '50'
    Connect-AksEmulator -Emulator $Emu | Out-Null
    $script:Sub = $Emu.Connection.subscriptionId
    $quota = [Net.Http.StringContent]::new('{"publicIpQuota":500}', [Text.Encoding]::UTF8, 'application/json')
    $null = $Emu.Http.PutAsync([Uri]::new([Uri]$Emu.Connection.armEndpoint, '_emulator/quota'), $quota).GetAwaiter().GetResult().EnsureSuccessStatusCode()
    $script:Fleet = @(Get-AksNodeResourceGroup -ResourceGroupName fleet-rg)
}
AfterAll {
    Disconnect-AksEgress
    if ($script:Emu) { Stop-AksEmulator $script:Emu }
}

Describe 'ForEach-Object -Parallel on 20 clusters' {
    It 'lists the 20 fleet clusters' {
        $Fleet.Count | Should -Be 20
    }

    It 'Get-AksNodeResourceGroup | Get-AksEgressConfiguration in 20 runspaces returns the right configuration for each' {
        $world = Get-EmulatorWorld $Emu
        $results = $Fleet.ClusterId | ForEach-Object -ThrottleLimit 20 -Parallel {
            Import-Module $using:ModuleManifest
            Get-AksNodeResourceGroup -ResourceId $_ | Get-AksEgressConfiguration
        }
        @($results).Count | Should -Be 20
        ($results.ClusterName | Sort-Object -Unique).Count | Should -Be 20
        foreach ($r in $results) {
            $r.PSObject.TypeNames[0] | Should -Be 'AksEgress.Models.EgressConfiguration'
            @($r.EgressIpAddress) | Should -Be @($world.clusters.($r.ClusterName).expectedEgressAddresses)
            $r.ClusterId | Should -BeLike "*/managedClusters/$($r.ClusterName)"
        }
    }

    It 'New-AksEgressIp with distinct names in 20 runspaces creates 20 distinct IPs, and a parallel re-run changes nothing' {
        $run = {
            $Fleet | ForEach-Object -ThrottleLimit 20 -Parallel {
                Import-Module $using:ModuleManifest
                $_ | New-AksEgressIp -Name "par-$($_.ClusterName)"
            }
        }
        $first = & $run
        @($first).Count | Should -Be 20
        $first | ForEach-Object { $_.Created | Should -BeTrue; $_.IpAddress | Should -Not -BeNullOrEmpty; $_.Name | Should -Be "par-$($_.ClusterName)" }
        ($first.IpAddress | Sort-Object -Unique).Count | Should -Be 20
        foreach ($ip in $first) { $ip.ResourceGroupName | Should -Be $ip.NodeResourceGroup }
        $second = & $run
        @($second).Count | Should -Be 20
        $second | ForEach-Object { $_.Created | Should -BeFalse }
        ($second | Sort-Object Name).IpAddress | Should -Be ($first | Sort-Object Name).IpAddress
        @(Get-EmulatorPublicIp $Emu | Where-Object { $_.name -like 'par-*' }).Count | Should -Be 20
        Get-EmulatorPublicIp $Emu | Where-Object { $_.properties.provisioningState -ne 'Succeeded' } | Should -BeNullOrEmpty
    }
}

Describe 'Start-ThreadJob on the Kubernetes clusters' {
    It 'Test-AksEgressIp on 5 clusters at once: each observes its own egress, no pod left' {
        $clusters = 'legacy-basic', 'standard-lb', 'natgw', 'udr', 'locked'
        $world = Get-EmulatorWorld $Emu
        $jobs = foreach ($c in $clusters) {
            Start-ThreadJob -ArgumentList $ModuleManifest, "/subscriptions/$Sub/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/$c" -ScriptBlock {
                param($manifest, $id)
                Import-Module $manifest
                Test-AksEgressIp -ClusterId $id -Count 2 -WarningAction SilentlyContinue
            }
        }
        $results = $jobs | Wait-Job -Timeout 120 | Receive-Job
        $jobs | Remove-Job -Force
        @($results).Count | Should -Be 5
        foreach ($r in $results) {
            $r.Succeeded | Should -BeTrue -Because $r.Explanation
            $r.Samples.Count | Should -Be 2
            $expected = @($world.clusters.($r.ClusterName).expectedEgressAddresses)
            foreach ($s in $r.Samples) {
                # a Basic LB cluster without a LoadBalancer Service egresses from a random platform address
                if ($expected.Count -eq 0) { $s.ObservedIpAddress | Should -Match '^198\.51\.100\.2\d\d$' } else { $s.ObservedIpAddress | Should -BeIn $expected }
            }
        }
        ($results.ClusterName | Sort-Object) | Should -Be ($clusters | Sort-Object)
        foreach ($c in $clusters) { Get-EmulatorTestPod $Emu -Cluster $c | Should -BeNullOrEmpty }
    }

    It 'the same pipeline on one cluster from 6 thread jobs at once converges on one Service and one IP' {
        # Force the race: every run's create of the Service is held at the server until all 6 have read "no Service" and sent
        # their POST; then one is created and the other five get 409 AlreadyExists, which they must turn into "converged".
        Clear-EmulatorRequest $Emu
        Invoke-EmulatorAdmin -Emulator $Emu -Method POST -Path 'faults' -Body @{ target = 'legacy-basic'; method = 'POST'; pathContains = '/services'; holdUntilCount = 6; count = 6 } | Out-Null
        $jobs = 1..6 | ForEach-Object {
            # ThrottleLimit: Start-ThreadJob runs only 5 jobs at once by default, and all 6 must reach the barrier
            Start-ThreadJob -ThrottleLimit 6 -ArgumentList $ModuleManifest -ScriptBlock {
                param($manifest)
                Import-Module $manifest
                Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic | New-AksEgressIp -Name race-ip |
                    Set-AksEgressService -WarningAction SilentlyContinue
            }
        }
        $results = $jobs | Wait-Job -Timeout 120 | Receive-Job -ErrorVariable jobErrors -ErrorAction SilentlyContinue
        $jobs | Remove-Job -Force
        $jobErrors | Should -BeNullOrEmpty
        @($results).Count | Should -Be 6
        $ip = (Get-EmulatorPublicIp $Emu -Name 'race-ip').properties.ipAddress
        $results | ForEach-Object { $_.IngressIpAddress | Should -Be $ip }
        @($results | Where-Object Action -eq 'Created').Count | Should -Be 1
        @((Get-EmulatorWorld $Emu).clusters.'legacy-basic'.services | Where-Object { $_.metadata.name -eq 'aks-egress' }).Count | Should -Be 1
        # the interleaving really happened: six creates at once, one won, five were told AlreadyExists
        $creates = @(Get-EmulatorRequest $Emu | Where-Object { $_.target -eq 'k8s:legacy-basic' -and $_.method -eq 'POST' -and $_.pathAndQuery -like '*/services*' })
        @($creates | Where-Object faultInjected).Count | Should -Be 6
        ($creates.status | Sort-Object) -join ',' | Should -Be '201,409,409,409,409,409'
    }
}
