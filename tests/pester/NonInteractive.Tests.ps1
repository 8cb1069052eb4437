# A host that cannot prompt (pwsh -NonInteractive, runbooks, jobs): a confirmation that would need an answer fails with
# NonInteractiveConfirmation and the advice to pass -Confirm:$false, and nothing is changed.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Emu = Start-AksEmulator
    Connect-AksEmulator -Emulator $Emu | Out-Null
    $script:Ip = Get-AksNodeResourceGroup demo-rg standard-lb | New-AksEgressIp -Name ni-ip -ResourceGroupName egress-rg
    $script:Svc = Get-AksNodeResourceGroup demo-rg legacy-basic | New-AksEgressIp -Name ni-svc-ip | Set-AksEgressService

    # One child `pwsh -NonInteractive` (connected to the emulator) runs each command; per command it prints the first
    # error's FullyQualifiedErrorId, category, message and recommended action as one JSON line.
    function Invoke-NonInteractive([hashtable] $Commands) {
        $c = $Emu.Connection
        $lines = foreach ($name in $Commands.Keys) {
            "`$ev = `$null; $($Commands[$name]) -ErrorVariable ev -ErrorAction SilentlyContinue | Out-Null"
            "[pscustomobject]@{ Name = '$name'; Errors = @(foreach (`$e in `$ev) { @{ Id = `$e.FullyQualifiedErrorId; Category = `"`$(`$e.CategoryInfo.Category)`"; Message = `$e.Exception.Message; Action = `$e.ErrorDetails.RecommendedAction } }) } | ConvertTo-Json -Compress -Depth 4"
        }
        $script = @"
`$ErrorActionPreference = 'Continue'
Import-Module '$ModuleManifest'
Connect-AksEgress -SubscriptionId $($c.subscriptionId) -ArmEndpoint '$($c.armEndpoint)' -CaCertificatePath '$($c.caCertificatePath)' -AccessToken (ConvertTo-SecureString -String '$($c.accessToken)' -AsPlainText -Force) | Out-Null
$($lines -join "`n")
"@
        $file = Join-Path $TestDrive "ni-$([guid]::NewGuid().ToString('n')).ps1"
        Set-Content -Path $file -Value $script
        $out = & dotnet pwsh -NoProfile -NonInteractive -File $file 2>&1
        $results = @{}
        foreach ($line in $out) { if ("$line" -like '{*') { $r = "$line" | ConvertFrom-Json; $results[$r.Name] = $r } }
        [pscustomobject]@{ Text = ($out | Out-String); Results = $results }
    }

    $script:Cases = [ordered]@{
        'Set-AksOutboundIp'             = "Set-AksOutboundIp -ClusterId '$($Ip.ClusterId)' -PublicIpId '$($Ip.Id)'"
        'Remove-AksEgressIp'            = "Remove-AksEgressIp -PublicIpId '$($Ip.Id)'"
        'Remove-AksEgressService'       = "Get-AksNodeResourceGroup demo-rg legacy-basic | Remove-AksEgressService -ServiceName '$($Svc.ServiceName)'"
        'New-AksEgressIp -Confirm'      = 'New-AksEgressIp -Name ni-new-ip -ResourceGroupName egress-rg -Location eastus -Confirm'
        'Set-AksEgressService -Confirm' = "Get-AksNodeResourceGroup demo-rg legacy-basic | Set-AksEgressService -IpAddress '$($Svc.IpAddress)' -ServiceName ni-other -Confirm"
    }
    Clear-EmulatorRequest $Emu
    $script:Run = Invoke-NonInteractive $Cases
    $script:Changes = @(Get-EmulatorRequest $Emu | Where-Object method -in 'PUT', 'PATCH', 'DELETE', 'POST' | Where-Object pathAndQuery -notmatch 'list\w*Credential')
}
AfterAll {
    Disconnect-AksEgress
    if ($script:Emu) { Stop-AksEmulator $script:Emu }
}

Describe 'Confirmation in a non-interactive host' {
    It '<_> fails with NonInteractiveConfirmation and advises -Confirm:$false' -ForEach @(
        'Set-AksOutboundIp', 'Remove-AksEgressIp', 'Remove-AksEgressService', 'New-AksEgressIp -Confirm', 'Set-AksEgressService -Confirm') {
        $r = $Run.Results[$_]
        $r | Should -Not -BeNullOrEmpty -Because $Run.Text
        $r.Errors.Count | Should -BeGreaterThan 0 -Because $Run.Text
        $r.Errors[0].Id | Should -BeLike 'NonInteractiveConfirmation,*' -Because $Run.Text
        $r.Errors[0].Category | Should -Be 'InvalidOperation'
        $r.Errors[0].Message | Should -Match 'non-interactive'
        $r.Errors[0].Action | Should -Match ([regex]::Escape('pass -Confirm:$false (no one can answer a prompt here)'))
    }

    It 'changes nothing without the confirmation' {
        $Changes | Should -BeNullOrEmpty -Because 'no PUT, PATCH, DELETE or POST may be sent'
    }

    It 'with -Confirm:$false the same Set-AksOutboundIp works non-interactively, and this session sees the change at once' {
        # This session reads the cluster just before another process (the child) changes it.
        (Get-AksEgressConfiguration -ResourceGroupName demo-rg -ClusterName standard-lb).EgressIpAddress | Should -Not -Contain $Ip.IpAddress
        $r = Invoke-NonInteractive @{ 'Set-AksOutboundIp -Confirm:$false' = "Set-AksOutboundIp -ClusterId '$($Ip.ClusterId)' -PublicIpId '$($Ip.Id)' -Confirm:`$false" }
        $r.Results['Set-AksOutboundIp -Confirm:$false'].Errors | Should -BeNullOrEmpty -Because $r.Text
        # A read asked for now sees the child's change (issue 14 item 4: it used to be answered from the read above for 30 s).
        (Get-AksEgressConfiguration -ResourceGroupName demo-rg -ClusterName standard-lb).EgressIpAddress | Should -Contain $Ip.IpAddress
    }
}
