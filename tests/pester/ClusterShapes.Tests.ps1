# Clusters whose shape changes what Test-AksEgressIp may run on or observe: nodes that cannot run the test pod
# (not Ready, cordoned, Windows, the virtual node, static egress gateway nodes) and HTTP proxy clusters.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Emu = Start-AksEmulator
    Connect-AksEmulator -Emulator $Emu | Out-Null
    function Add-EmulatorNode([string] $Cluster, [string] $Kind) {
        (Invoke-EmulatorAdmin -Emulator $Emu -Method POST -Path 'nodes' -Body @{ cluster = $Cluster; kind = $Kind }).name
    }
}
AfterAll {
    Disconnect-AksEgress
    if ($script:Emu) { Stop-AksEmulator $script:Emu }
}

Describe 'Test-AksEgressIp -AllNodes on a cluster with nodes that cannot run the test' {
    BeforeAll {
        $script:Skipped = @{
            (Add-EmulatorNode standard-lb NotReady)       = 'not Ready'
            (Add-EmulatorNode standard-lb Windows)        = 'not a Linux node'
            (Add-EmulatorNode standard-lb VirtualKubelet) = 'virtual node'
        }
        $script:Result = Get-AksNodeResourceGroup demo-rg standard-lb | Test-AksEgressIp -AllNodes -TimeoutSeconds 30 -Verbose 4>&1
        $script:Verbose = @($Result | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $script:Result = @($Result | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })[0]
    }

    It 'tests only the Ready Linux nodes and lists the others with the reason' {
        $Result.Succeeded | Should -BeTrue
        $Result.Samples.Count | Should -Be 3
        @($Result.Samples.NodeName | Where-Object { $Skipped.ContainsKey($_) }) | Should -BeNullOrEmpty
        $Result.SkippedNodes.Count | Should -Be 3
        foreach ($s in $Result.SkippedNodes) { $s.Reason | Should -BeLike "$($Skipped[$s.NodeName])*" }
        ($Verbose -join "`n") | Should -Match 'Skipping node .*: not Ready'
        Get-EmulatorTestPod $Emu -Cluster standard-lb | Should -BeNullOrEmpty
    }

    It 'says "3 nodes tested, 3 skipped" in the 80-column view and lists the skipped nodes in the list view' {
        $Result.NodeSummary | Should -Be '3 nodes tested, 3 skipped'
        $table = $Result | Out-String -Width 80
        $table | Should -Match '3 nodes tested, 3 skipped'
        ($table -split "`n" | Where-Object { $_.TrimEnd().Length -gt 80 }) | Should -BeNullOrEmpty
        $list = $Result | Format-List | Out-String -Width 200
        $list | Should -Match 'SkippedNodes'
        $list | Should -Match ([regex]::Escape(@($Skipped.Keys)[0]))
    }

    It 'fails with NoTestableNode, naming each node and why, when no node can run it' {
        foreach ($name in (Get-EmulatorWorld $Emu).clusters.natgw.nodeNames) {
            Invoke-EmulatorAdmin -Emulator $Emu -Method POST -Path 'nodes' -Body @{ cluster = 'natgw'; cordon = $name } | Out-Null
        }
        Add-EmulatorNode natgw Windows | Out-Null
        $err = $null
        Clear-EmulatorRequest $Emu
        Get-AksNodeResourceGroup demo-rg natgw | Test-AksEgressIp -AllNodes -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'NoTestableNode,AksEgress.Commands.TestAksEgressIpCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        "$($err[0])" | Should -Match 'not a Linux node'
        "$($err[0])" | Should -Match 'cordoned'
        @(Get-EmulatorRequest $Emu | Where-Object { $_.method -eq 'POST' -and $_.pathAndQuery -like '*/pods*' }) | Should -BeNullOrEmpty -Because 'no pod is created when no node can run it'
    }
}

Describe 'Test-AksEgressIp on an HTTP proxy cluster (httpProxyConfig)' {
    BeforeAll {
        $script:ProxyAddress = (Invoke-EmulatorAdmin -Emulator $Emu -Method POST -Path 'httpproxy' -Body @{ cluster = 'locked' }).proxyEgressAddress
        $script:Locked = Get-AksNodeResourceGroup demo-rg locked
        $script:Egress = @((Get-EmulatorWorld $Emu).clusters.locked.expectedEgressAddresses)
    }

    It 'by default tests the cluster''s own egress (Path Direct) and names the proxy it bypassed' {
        $r = $Locked | Test-AksEgressIp -ExpectedIpAddress $Egress
        $r.Succeeded | Should -BeTrue
        $r.Path | Should -Be 'Direct'
        $r.Proxy | Should -Be 'http://proxy.contoso.example:3128'
        $r.ObservedIpAddress | Should -Not -Be $ProxyAddress
    }

    It '-ViaProxy sees the proxy''s address (Path Proxy) and says the proxy decides instead of raising a drift alarm' {
        $r = $Locked | Test-AksEgressIp -ExpectedIpAddress $Egress -ViaProxy -WarningVariable warn -WarningAction SilentlyContinue
        $r.Path | Should -Be 'Proxy'
        $r.ObservedIpAddress | Should -Be $ProxyAddress
        $r.Succeeded | Should -BeFalse
        "$warn" | Should -Match 'the proxy decides'
        "$warn" | Should -Not -Match 'outbound rule'
        ($r | Out-String -Width 80) | Should -Match ([regex]::Escape("$ProxyAddress (proxy)"))
        ($r | Format-List | Out-String -Width 200) | Should -Match 'Path\s+: Proxy'
        Get-EmulatorTestPod $Emu -Cluster locked | Should -BeNullOrEmpty
    }
}
