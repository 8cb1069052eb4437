# Tab completion through TabExpansion2 in this process, against the emulator (C# IArgumentCompleter -> engine).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Emu = Start-AksEmulator
    Connect-AksEmulator -Emulator $Emu | Out-Null
    $script:Sub = $Emu.Connection.subscriptionId
    function Complete([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText)
    }
}
AfterAll {
    Disconnect-AksEgress
    if ($script:Emu) { Stop-AksEmulator $script:Emu }
}

Describe 'Tab completion' {
    It '-ClusterName completes the clusters of an already-typed -ResourceGroupName' {
        $expected = @(Get-AksNodeResourceGroup -ResourceGroupName demo-rg | ForEach-Object ClusterName | Sort-Object)
        $expected.Count | Should -BeGreaterThan 2
        $got = Complete 'Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName '
        @($got | Sort-Object) | Should -Be $expected
        Complete 'Get-AksEgressConfiguration -ResourceGroupName demo-rg -ClusterName leg' | Should -Be @('legacy-basic')
    }

    It '-ClusterName without a resource group completes every cluster of the subscription' {
        $all = @(Get-AksNodeResourceGroup | ForEach-Object ClusterName | Sort-Object -Unique)
        @(Complete 'Get-AksNodeResourceGroup -ClusterName ' | Sort-Object) | Should -Be $all
    }

    It '-ResourceGroupName completes resource groups, filtered by the typed prefix' {
        $got = Complete 'Get-AksNodeResourceGroup -ResourceGroupName '
        $got | Should -Contain 'demo-rg'
        $got | Should -Contain 'egress-rg'
        Complete 'New-AksEgressIp -Name x -ResourceGroupName egr' | Should -Be @('egress-rg')
    }

    It '-SubscriptionId completes the subscriptions the identity sees' {
        Complete 'Get-AksNodeResourceGroup -SubscriptionId ' | Should -Contain $Sub
    }

    It '-KubeContext completes the contexts of the typed -KubeConfigPath' {
        $path = Join-Path $TestDrive 'two-contexts.kubeconfig'
        @'
apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster: { server: "https://127.0.0.1:1" }
users:
- name: u1
  user: { token: not-a-real-token }
contexts:
- name: alpha-ctx
  context: { cluster: c1, user: u1 }
- name: beta-ctx
  context: { cluster: c1, user: u1, namespace: beta }
current-context: alpha-ctx
'@ | Set-Content -Path $path
        @(Complete "Test-AksEgressIp -KubeConfigPath '$path' -KubeContext " | Sort-Object) | Should -Be @('alpha-ctx', 'beta-ctx')
        Complete "Set-AksEgressService -IpAddress 1.2.3.4 -KubeConfigPath '$path' -KubeContext be" | Should -Be @('beta-ctx')
    }

    It '-Namespace completes the namespaces of the cluster named by -KubeConfigPath or -ClusterId' {
        $kubeconfig = $Emu.Connection.clusters.'legacy-basic'.kubeconfigPath
        $got = Complete "Set-AksEgressService -IpAddress 1.2.3.4 -KubeConfigPath '$kubeconfig' -Namespace "
        $got | Should -Contain 'default'
        $got | Should -Contain 'kube-system'
        $id = (Get-AksNodeResourceGroup demo-rg legacy-basic).ClusterId
        Complete "Test-AksEgressIp -ClusterId '$id' -Namespace kube-sys" | Should -Be @('kube-system')
    }

    It 'is cached briefly: a second completion sends no request' {
        Complete 'Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName ' | Out-Null
        Clear-EmulatorRequest $Emu
        Complete 'Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName ' | Should -Not -BeNullOrEmpty
        Get-EmulatorRequest $Emu | Should -BeNullOrEmpty
    }

    # (PowerShell swallows a completer's exceptions, so "never throws" is not observable here: the empty answer is.)
    It 'bad input and a missing or broken kubeconfig give no completion' {
        $broken = Join-Path $TestDrive 'broken.kubeconfig'
        'this: is: not: [yaml' | Set-Content $broken
        foreach ($line in @(
                "Test-AksEgressIp -KubeConfigPath '$(Join-Path $TestDrive 'missing')' -KubeContext "
                "Test-AksEgressIp -KubeConfigPath '$broken' -KubeContext "
                "Test-AksEgressIp -KubeConfigPath '$broken' -Namespace "
                "Test-AksEgressIp -ClusterId 'not-an-id' -Namespace "
                "Get-AksNodeResourceGroup -ResourceGroupName 'no-such-rg' -ClusterName "
            )) {
            Complete $line | Should -BeNullOrEmpty -Because $line
        }
    }

    It 'gives no completion when connected to an unreachable endpoint, and answers within a few seconds' {
        $token = ConvertTo-SecureString 'x' -AsPlainText -Force
        Connect-AksEgress -ArmEndpoint 'https://127.0.0.1:9/' -AccessToken $token -SubscriptionId $Sub -CaCertificatePath $Emu.Connection.caCertificatePath | Out-Null
        try {
            $sw = [Diagnostics.Stopwatch]::StartNew()
            Complete 'Get-AksNodeResourceGroup -ResourceGroupName ' | Should -BeNullOrEmpty
            Complete 'Get-AksNodeResourceGroup -ClusterName ' | Should -BeNullOrEmpty
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 10
        }
        finally { Connect-AksEmulator -Emulator $Emu | Out-Null }
    }
}
