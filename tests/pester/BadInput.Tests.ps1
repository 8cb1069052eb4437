# Bad input fails before any request, with a specific ErrorId (table-driven).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Emu = Start-AksEmulator
    Connect-AksEmulator -Emulator $Emu | Out-Null
    $script:Cid = "/subscriptions/$($Emu.Connection.subscriptionId)/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/legacy-basic"
    $script:PipId = "/subscriptions/$($Emu.Connection.subscriptionId)/resourceGroups/egress-rg/providers/Microsoft.Network/publicIPAddresses/x"
    $script:BadKubeconfig = Join-Path $Emu.StateDir 'malformed.kubeconfig'
    Set-Content -Path $BadKubeconfig -Value "this: is: not: [a kubeconfig"
    $script:EmptyKubeconfig = Join-Path $Emu.StateDir 'empty.kubeconfig'
    Set-Content -Path $EmptyKubeconfig -Value ''

    function Get-FirstErrorId([scriptblock] $Command) {
        $ev = $null
        try { & $Command -ErrorVariable ev -ErrorAction SilentlyContinue | Out-Null }
        catch { return $_.FullyQualifiedErrorId.Split(',')[0] }
        if ($ev) { return $ev[0].FullyQualifiedErrorId.Split(',')[0] }
        '(no error)'
    }
}
AfterAll {
    Disconnect-AksEgress
    if ($script:Emu) { Stop-AksEmulator $script:Emu }
}

Describe 'Bad input catalogue' {
    It '<Name> fails with <ErrorId> and sends no request' -ForEach @(
        @{ Name = 'IP name with a space'; ErrorId = 'InvalidPublicIpName'; Command = { New-AksEgressIp -Name 'bad name' -ClusterId $Cid } }
        @{ Name = 'IP name of 81 characters'; ErrorId = 'InvalidPublicIpName'; Command = { New-AksEgressIp -Name ('a' * 81) -ClusterId $Cid } }
        @{ Name = 'IP name starting with a hyphen'; ErrorId = 'InvalidPublicIpName'; Command = { New-AksEgressIp -Name '-egress' -ClusterId $Cid } }
        @{ Name = 'IP name ending with a period'; ErrorId = 'InvalidPublicIpName'; Command = { New-AksEgressIp -Name 'egress.' -ClusterId $Cid } }
        @{ Name = 'Basic SKU'; ErrorId = 'BasicSkuRetired'; Command = { New-AksEgressIp -Name ok-ip -Sku Basic -ClusterId $Cid } }
        @{ Name = 'target resource group ending with a period'; ErrorId = 'InvalidResourceGroupName'; Command = { New-AksEgressIp -Name ok-ip -ResourceGroupName 'rg.' -ClusterId $Cid } }
        @{ Name = 'cluster id that is not an id'; ErrorId = 'InvalidResourceId'; Command = { New-AksEgressIp -Name ok-ip -ClusterId 'legacy-basic' } }
        @{ Name = 'no cluster and no resource group'; ErrorId = 'MissingClusterContext'; Command = { New-AksEgressIp -Name ok-ip } }
        @{ Name = 'prefix name with a space'; ErrorId = 'InvalidPublicIpName'; Command = { New-AksEgressIpPrefix -Name 'bad name' -ClusterId $Cid } }
        @{ Name = 'prefix without cluster or resource group'; ErrorId = 'MissingClusterContext'; Command = { New-AksEgressIpPrefix -Name ok-prefix } }
        @{ Name = 'tag name with a slash'; ErrorId = 'InvalidTag'; Command = { New-AksEgressIp -Name ok-ip -ClusterId $Cid -Tag @{ 'a/b' = 'x' } } }
        @{ Name = 'cluster name ending with an underscore'; ErrorId = 'InvalidClusterName'; Command = { Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName 'aks_' } }
        @{ Name = 'cluster name of 64 characters'; ErrorId = 'InvalidClusterName'; Command = { Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName ('a' * 64) } }
        @{ Name = 'resource group with a slash'; ErrorId = 'InvalidResourceGroupName'; Command = { Get-AksNodeResourceGroup -ResourceGroupName 'demo/rg' -ClusterName aks } }
        @{ Name = 'subscription display name instead of GUID'; ErrorId = 'InvalidSubscriptionId'; Command = { Get-AksNodeResourceGroup -SubscriptionId 'Production' } }
        @{ Name = 'subscription GUID without hyphens'; ErrorId = 'InvalidSubscriptionId'; Command = { Get-AksNodeResourceGroup -SubscriptionId '00000000000000000000000000000000' } }
        @{ Name = 'resource id with a non-GUID subscription'; ErrorId = 'InvalidResourceId'; Command = { Get-AksNodeResourceGroup -ResourceId '/subscriptions/abc/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/aks' } }
        @{ Name = 'public IP id where a cluster id is expected'; ErrorId = 'InvalidResourceId'; Command = { Get-AksNodeResourceGroup -ResourceId $PipId } }
        @{ Name = 'cluster id of the wrong type (configuration)'; ErrorId = 'InvalidResourceId'; Command = { Get-AksEgressConfiguration -ClusterId $PipId } }
        @{ Name = 'IP address that is not an address'; ErrorId = 'InvalidIpAddress'; Command = { Set-AksEgressService -IpAddress 'not-an-ip' -ClusterId $Cid } }
        @{ Name = 'IPv4 octet out of range'; ErrorId = 'InvalidIpAddress'; Command = { Set-AksEgressService -IpAddress '203.0.113.300' -ClusterId $Cid } }
        @{ Name = 'IPv6 where IPv4 is expected'; ErrorId = 'InvalidIpAddress'; Command = { Set-AksEgressService -IpAddress '2001:db8::1' -ClusterId $Cid } }
        @{ Name = 'private 10/8 address'; ErrorId = 'NonPublicIpAddress'; Command = { Set-AksEgressService -IpAddress '10.1.2.3' -ClusterId $Cid } }
        @{ Name = 'private 192.168/16 address'; ErrorId = 'NonPublicIpAddress'; Command = { Set-AksEgressService -IpAddress '192.168.1.1' -ClusterId $Cid } }
        @{ Name = 'private 172.16/12 address'; ErrorId = 'NonPublicIpAddress'; Command = { Set-AksEgressService -IpAddress '172.20.0.5' -ClusterId $Cid } }
        @{ Name = 'loopback address'; ErrorId = 'NonPublicIpAddress'; Command = { Set-AksEgressService -IpAddress '127.0.0.1' -ClusterId $Cid } }
        @{ Name = 'CGNAT address'; ErrorId = 'NonPublicIpAddress'; Command = { Set-AksEgressService -IpAddress '100.64.1.1' -ClusterId $Cid } }
        @{ Name = 'multicast address'; ErrorId = 'NonPublicIpAddress'; Command = { Set-AksEgressService -IpAddress '224.0.0.1' -ClusterId $Cid } }
        @{ Name = 'port 0'; ErrorId = 'InvalidPort'; Command = { Set-AksEgressService -IpAddress '203.0.113.10' -Port 0 -ClusterId $Cid } }
        @{ Name = 'port 70000'; ErrorId = 'InvalidPort'; Command = { Set-AksEgressService -IpAddress '203.0.113.10' -Port 70000 -ClusterId $Cid } }
        @{ Name = 'Service name with upper case and underscore'; ErrorId = 'InvalidKubernetesName'; Command = { Set-AksEgressService -IpAddress '203.0.113.10' -ServiceName 'Aks_Egress' -ClusterId $Cid } }
        @{ Name = 'Service name starting with a digit'; ErrorId = 'InvalidKubernetesName'; Command = { Set-AksEgressService -IpAddress '203.0.113.10' -ServiceName '1egress' -ClusterId $Cid } }
        @{ Name = 'namespace with a bang'; ErrorId = 'InvalidKubernetesName'; Command = { Set-AksEgressService -IpAddress '203.0.113.10' -Namespace 'ns!' -ClusterId $Cid } }
        @{ Name = 'public IP id that is not an id'; ErrorId = 'InvalidResourceId'; Command = { Set-AksEgressService -IpAddress '203.0.113.10' -PublicIpId 'aks-egress-ip' -ClusterId $Cid } }
        @{ Name = 'missing kubeconfig file'; ErrorId = 'KubeConfigNotFound'; Command = { Set-AksEgressService -IpAddress '203.0.113.10' -KubeConfigPath (Join-Path $TestDrive 'nope.kubeconfig') } }
        @{ Name = 'missing kubeconfig file (test)'; ErrorId = 'KubeConfigNotFound'; Command = { Test-AksEgressIp -KubeConfigPath (Join-Path $TestDrive 'nope.kubeconfig') } }
        @{ Name = 'malformed kubeconfig file'; ErrorId = 'KubeConfigInvalid'; Command = { Test-AksEgressIp -KubeConfigPath $BadKubeconfig } }
        @{ Name = 'check URI with ftp scheme'; ErrorId = 'InvalidCheckUri'; Command = { Test-AksEgressIp -ClusterId $Cid -CheckUri 'ftp://example.org' } }
        @{ Name = 'check URI that is relative'; ErrorId = 'InvalidCheckUri'; Command = { Test-AksEgressIp -ClusterId $Cid -CheckUri 'checkip.dyndns.org' } }
        @{ Name = 'expected IP that is not an address'; ErrorId = 'InvalidIpAddress'; Command = { Test-AksEgressIp -ClusterId $Cid -ExpectedIpAddress '300.1.1.1' } }
        @{ Name = 'expected IP that is private'; ErrorId = 'NonPublicIpAddress'; Command = { Test-AksEgressIp -ClusterId $Cid -ExpectedIpAddress '10.0.0.4' } }
        @{ Name = '-AllNodes with -NodeName'; ErrorId = 'ConflictingParameters'; Command = { Test-AksEgressIp -ClusterId $Cid -AllNodes -NodeName aks-node-0 } }
        @{ Name = 'blank -Image'; ErrorId = 'InvalidImage'; Command = { Test-AksEgressIp -ClusterId $Cid -Image ' ' } }
        @{ Name = 'tenant that is neither a GUID nor a domain'; ErrorId = 'InvalidTenantId'; Command = { Connect-AksEgress -SubscriptionId $Emu.Connection.subscriptionId -TenantId 'my tenant' -AccessToken (ConvertTo-SecureString x -AsPlainText -Force) } }
        @{ Name = 'load balancer id where a public IP id is expected (Service)'; ErrorId = 'InvalidResourceId'; Command = { Set-AksEgressService -IpAddress '203.0.113.10' -PublicIpId ($PipId -replace 'publicIPAddresses', 'loadBalancers') -ClusterId $Cid } }
        @{ Name = 'outbound ports not a multiple of 8'; ErrorId = 'InvalidOutboundPorts'; Command = { Set-AksOutboundIp -PublicIpId $PipId -ClusterId $Cid -AllocatedOutboundPorts 1001 -Confirm:$false } }
        @{ Name = 'outbound ports above 64000'; ErrorId = 'InvalidOutboundPorts'; Command = { Set-AksOutboundIp -PublicIpId $PipId -ClusterId $Cid -AllocatedOutboundPorts 64008 -Confirm:$false } }
        @{ Name = 'idle timeout of 2 minutes'; ErrorId = 'InvalidIdleTimeout'; Command = { Set-AksOutboundIp -PublicIpId $PipId -ClusterId $Cid -IdleTimeoutInMinutes 2 -Confirm:$false } }
        @{ Name = 'cluster id where a public IP id is expected'; ErrorId = 'InvalidResourceId'; Command = { Set-AksOutboundIp -PublicIpId $Cid -ClusterId $Cid -Confirm:$false } }
        @{ Name = 'subscription id that is not a GUID (connect)'; ErrorId = 'InvalidSubscriptionId'; Command = { Connect-AksEgress -SubscriptionId 'my-subscription' -AccessToken (ConvertTo-SecureString x -AsPlainText -Force) } }
        @{ Name = 'plain http ARM endpoint'; ErrorId = 'InvalidArmEndpoint'; Command = { Connect-AksEgress -SubscriptionId $Emu.Connection.subscriptionId -ArmEndpoint 'http://127.0.0.1:1/' -AccessToken (ConvertTo-SecureString x -AsPlainText -Force) } }
        # subscription GUID formats .NET or other tools accept but Azure ids never use
        @{ Name = 'subscription GUID in braces'; ErrorId = 'InvalidSubscriptionId'; Command = { Get-AksNodeResourceGroup -SubscriptionId '{00000000-0000-0000-0000-000000000000}' } }
        @{ Name = 'subscription GUID as urn:uuid'; ErrorId = 'InvalidSubscriptionId'; Command = { Get-AksNodeResourceGroup -SubscriptionId 'urn:uuid:00000000-0000-0000-0000-000000000000' } }
        @{ Name = 'subscription GUID in parentheses'; ErrorId = 'InvalidSubscriptionId'; Command = { Get-AksNodeResourceGroup -SubscriptionId '(00000000-0000-0000-0000-000000000000)' } }
        @{ Name = 'subscription GUID with surrounding spaces'; ErrorId = 'InvalidSubscriptionId'; Command = { Get-AksNodeResourceGroup -SubscriptionId ' 00000000-0000-0000-0000-000000000000 ' } }
        @{ Name = 'subscription GUID one digit short'; ErrorId = 'InvalidSubscriptionId'; Command = { Get-AksNodeResourceGroup -SubscriptionId '0000000-0000-0000-0000-000000000000' } }
        # address families and reserved ranges
        @{ Name = 'IPv4-mapped IPv6 address'; ErrorId = 'InvalidIpAddress'; Command = { Set-AksEgressService -IpAddress '::ffff:203.0.113.10' -ClusterId $Cid } }
        # a public IPv6 expected address is accepted (a dual-stack configuration carries its IPv6 outbound IPs); a non-public one is not
        @{ Name = 'expected IP that is a unique-local IPv6 address'; ErrorId = 'NonPublicIpAddress'; Command = { Test-AksEgressIp -ClusterId $Cid -ExpectedIpAddress 'fd00::1' } }
        @{ Name = 'expected IP that is a link-local IPv6 address'; ErrorId = 'NonPublicIpAddress'; Command = { Test-AksEgressIp -ClusterId $Cid -ExpectedIpAddress 'fe80::1' } }
        @{ Name = 'expected IP that is IPv4-mapped IPv6'; ErrorId = 'InvalidIpAddress'; Command = { Test-AksEgressIp -ClusterId $Cid -ExpectedIpAddress '::ffff:203.0.113.10' } }
        @{ Name = 'link-local address'; ErrorId = 'NonPublicIpAddress'; Command = { Set-AksEgressService -IpAddress '169.254.1.1' -ClusterId $Cid } }
        @{ Name = 'unspecified address 0.0.0.0'; ErrorId = 'NonPublicIpAddress'; Command = { Set-AksEgressService -IpAddress '0.0.0.0' -ClusterId $Cid } }
        @{ Name = 'broadcast address'; ErrorId = 'NonPublicIpAddress'; Command = { Set-AksEgressService -IpAddress '255.255.255.255' -ClusterId $Cid } }
        @{ Name = 'port -1'; ErrorId = 'InvalidPort'; Command = { Set-AksEgressService -IpAddress '203.0.113.10' -Port -1 -ClusterId $Cid } }
        @{ Name = 'namespace of 64 characters'; ErrorId = 'InvalidKubernetesName'; Command = { Test-AksEgressIp -ClusterId $Cid -Namespace ('a' * 64) } }
        # kubeconfig files
        @{ Name = 'kubeconfig path that is a directory'; ErrorId = 'KubeConfigNotFound'; Command = { Test-AksEgressIp -KubeConfigPath $Emu.StateDir } }
        @{ Name = 'empty kubeconfig file'; ErrorId = 'KubeConfigInvalid'; Command = { Test-AksEgressIp -KubeConfigPath $EmptyKubeconfig } }
        @{ Name = 'kubeconfig context that does not exist'; ErrorId = 'KubeContextNotFound'; Command = { Test-AksEgressIp -KubeConfigPath (Join-Path $Emu.StateDir 'natgw.kubeconfig') -KubeContext nope } }
        # objects of unrelated types on the pipeline
        @{ Name = 'a number piped to Set-AksEgressService'; ErrorId = 'InputObjectNotBound'; Command = { 42 | Set-AksEgressService } }
        @{ Name = 'a hashtable with a bogus ClusterId piped to New-AksEgressIp'; ErrorId = 'InvalidResourceId'; Command = { [pscustomobject]@{ ClusterId = 'x' } | New-AksEgressIp -Name y } }
    ) {
        Clear-EmulatorRequest $Emu
        Get-FirstErrorId $Command | Should -Be $ErrorId
        Get-EmulatorRequest $Emu | Should -BeNullOrEmpty
    }

    It 'Connect-AksEgress -Environment with -ArmEndpoint says which wins (not silently)' {
        $c = $Emu.Connection
        $token = ConvertTo-SecureString -String $c.accessToken -AsPlainText -Force
        try {
            $wv = $null
            $conn = Connect-AksEgress -Environment AzureChinaCloud -ArmEndpoint $c.armEndpoint -CaCertificatePath $c.caCertificatePath `
                -SubscriptionId $c.subscriptionId -AccessToken $token -WarningVariable wv -WarningAction SilentlyContinue
            $conn.ArmEndpoint | Should -Be ([uri]$c.armEndpoint)
            $wv.Count | Should -Be 1
            "$($wv[0])" | Should -Match ([regex]::Escape("-ArmEndpoint $($c.armEndpoint)"))
            "$($wv[0])" | Should -Match 'AzureChinaCloud'
            "$($wv[0])" | Should -Match 'authority'
            $wv = $null
            Connect-AksEgress -ArmEndpoint $c.armEndpoint -CaCertificatePath $c.caCertificatePath -SubscriptionId $c.subscriptionId `
                -AccessToken $token -WarningVariable wv -WarningAction SilentlyContinue | Out-Null
            $wv | Should -BeNullOrEmpty -Because 'without -Environment there is nothing to choose between'
        }
        finally { Connect-AksEmulator -Emulator $Emu | Out-Null }
    }

    It 'error stack traces carry no build path (deterministic, path-mapped PDBs), but keep their line numbers' {
        $e1 = $e2 = $null
        New-AksEgressIp -Name 'bad name' -ClusterId $Cid -ErrorVariable e1 -ErrorAction SilentlyContinue   # raised in the cmdlet assembly
        Get-AksNodeResourceGroup demo-rg no-such-cluster -ErrorVariable e2 -ErrorAction SilentlyContinue   # raised in the engine (ClusterNotFound)
        foreach ($ev in $e1, $e2) {
            $ev.Count | Should -BeGreaterThan 0
            # (ScriptStackTrace names this test script, which does live under the repository: the module's own frames are checked.)
            $text = ($ev[0].Exception | Format-List * -Force | Out-String -Width 500) + $ev[0].Exception.ToString()
            $ev[0].Exception.StackTrace | Should -Match ':line \d+' -Because 'line numbers still help a bug report'
            $text | Should -Not -Match ([regex]::Escape($RepoRoot)) -Because 'the build machine''s paths must not ship'
        }
        Get-ChildItem (Split-Path $ModuleManifest) -Recurse -Filter 'AksEgress*.pdb' | Should -BeNullOrEmpty -Because 'the symbols are embedded'
    }

    It 'an unrelated object on the pipeline is refused by parameter binding' {
        { [pscustomobject]@{ Foo = 1 } | Set-AksEgressService -ErrorAction Stop } | Should -Throw
    }

    It '$null and empty pipeline items fail per item and the rest of the pipeline continues' {
        foreach ($bad in @($null, '', '   ')) {
            Clear-EmulatorRequest $Emu
            $ev = $null
            $out = @($bad, $Cid) | Get-AksNodeResourceGroup -ErrorVariable ev -ErrorAction SilentlyContinue
            $ev.Count | Should -Be 1
            $ev[0].FullyQualifiedErrorId | Should -BeIn @('ParameterArgumentValidationErrorNullNotAllowed,AksEgress.Commands.GetAksNodeResourceGroupCommand',
                'ParameterArgumentValidationErrorEmptyStringNotAllowed,AksEgress.Commands.GetAksNodeResourceGroupCommand', 'InvalidResourceId,AksEgress.Commands.GetAksNodeResourceGroupCommand')
            @($out).ClusterName | Should -Be 'legacy-basic'
            @(Get-EmulatorRequest $Emu).Count | Should -BeLessOrEqual 1   # only the good item's GET (or none: cached)
        }
        $ev = $null
        $out = @($null, $Cid) | Get-AksEgressConfiguration -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'InputObjectNotBound,*'
    }

    It 'a kubeconfig that points at another cluster is refused before any Kubernetes request or write' {
        Clear-EmulatorRequest $Emu
        { Test-AksEgressIp -ClusterId $Cid -KubeConfigPath (Join-Path $Emu.StateDir 'natgw.kubeconfig') -ErrorAction Stop } |
            Should -Throw -ErrorId 'KubeConfigClusterMismatch,AksEgress.Commands.TestAksEgressIpCommand'
        $reqs = Get-EmulatorRequest $Emu
        $reqs | Where-Object target -ne 'arm' | Should -BeNullOrEmpty
        $reqs | Where-Object { $_.method -in 'PUT', 'PATCH', 'DELETE' } | Should -BeNullOrEmpty
    }

    It 'a bad item in a multi-item pipeline does not stop the good ones' {
        $ev = $null
        $out = @('not-an-id', $Cid) | Get-AksNodeResourceGroup -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'InvalidResourceId,*'
        $ev[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $ev[0].TargetObject | Should -Be 'not-an-id'
        @($out).Count | Should -Be 1
        $out.ClusterName | Should -Be 'legacy-basic'
    }
}
