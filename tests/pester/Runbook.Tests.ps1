# The Azure Automation path: managed identity (the App Service/Automation identity endpoint protocol, served by the
# emulator), no kubeconfig, no prompt; the job fails when egress is not proven.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Emu = Start-AksEmulator
    $script:Runbook = Join-Path $RepoRoot 'docs/samples/Set-AksEgress.Runbook.ps1'
    function Invoke-Runbook([string] $Cluster) {
        $c = $Emu.Connection
        $env:IDENTITY_ENDPOINT = $c.managedIdentityEndpoint
        $env:IDENTITY_HEADER = $c.managedIdentityHeader
        $env:PSModulePath = (Join-Path $RepoRoot 'out') + [IO.Path]::PathSeparator + $env:PSModulePath
        try {
            $out = & dotnet pwsh -NoProfile -NonInteractive -File $Runbook -SubscriptionId $c.subscriptionId -ResourceGroupName demo-rg `
                -ClusterName $Cluster -EgressIpName "$Cluster-runbook-ip" -EgressIpResourceGroupName egress-rg `
                -ArmEndpoint $c.armEndpoint -CaCertificatePath $c.caCertificatePath 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out | Out-String) }
        }
        finally {
            Remove-Item Env:IDENTITY_ENDPOINT, Env:IDENTITY_HEADER -ErrorAction SilentlyContinue
        }
    }
}
AfterAll { if ($script:Emu) { Stop-AksEmulator $script:Emu } }

Describe 'The sample runbook with a managed identity' {
    It 'pins and proves egress on the Entra cluster with local accounts disabled (no kubeconfig, no admin credential)' {
        $r = Invoke-Runbook -Cluster aad
        $r.Output | Should -Match 'is pinned to'
        $r.ExitCode | Should -Be 0
        $reqs = Get-EmulatorRequest $Emu
        $reqs | Where-Object pathAndQuery -match 'listClusterAdminCredential' | Should -BeNullOrEmpty
        $reqs | Where-Object target -eq 'msi' | Should -Not -BeNullOrEmpty
    }

    It 'fails the job on a cluster whose egress a firewall decides' {
        $r = Invoke-Runbook -Cluster udr
        $r.ExitCode | Should -Not -Be 0
        $r.Output | Should -Match 'cannot pin egress'
    }
}
