# Streams: -Verbose narrates, -Debug shows each HTTP request and status with secrets redacted, waits show progress.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Emu = Start-AksEmulator
    Connect-AksEmulator -Emulator $Emu | Out-Null
    $script:Secrets = @(
        $Emu.Connection.accessToken
        $Emu.Connection.managedIdentityHeader
        foreach ($f in Get-ChildItem $Emu.StateDir -Filter *.kubeconfig) {
            foreach ($m in [regex]::Matches((Get-Content -Raw $f.FullName), '(?m)^\s*(token|client-key-data|client-certificate-data|password):\s*"?([^"\s]+)')) { $m.Groups[2].Value }
        }
    ) | Where-Object { $_ -and $_.Length -ge 12 } | Sort-Object -Unique
    function ConvertTo-StreamText($Records) {
        # Every record of every stream as text: messages, objects (as JSON), errors with their details.
        @(foreach ($r in $Records) {
                switch ($r) {
                    { $_ -is [System.Management.Automation.InformationalRecord] } { "[$($_.GetType().Name)] $($_.Message)"; break }
                    { $_ -is [System.Management.Automation.ErrorRecord] } { "[Error] $($_.FullyQualifiedErrorId) $($_.Exception.Message) $($_.ErrorDetails.Message) $($_.ErrorDetails.RecommendedAction) $($_.TargetObject)"; break }
                    { $_ -is [System.Management.Automation.InformationRecord] } { "[Information] $($_.MessageData)"; break }
                    default { "[Output] $($_ | ConvertTo-Json -Depth 5 -Compress)" }
                }
            }) -join "`n"
    }
    function Assert-NoSecret([string] $Text) {
        $Secrets.Count | Should -BeGreaterThan 2
        foreach ($s in $Secrets) { $Text.Contains($s) | Should -BeFalse -Because "a secret ($($s.Substring(0, 4))...) must never reach a stream" }
        $Text | Should -Not -Match 'Bearer\s+ey'
    }
}
AfterAll {
    Disconnect-AksEgress
    if ($script:Emu) { Stop-AksEmulator $script:Emu }
}

Describe '-Verbose and -Debug on every cmdlet' {
    BeforeAll {
        Reset-Emulator $Emu
        $c = $Emu.Connection
        $cluster = Get-AksNodeResourceGroup demo-rg legacy-basic
        $std = Get-AksNodeResourceGroup demo-rg standard-lb
        $token = ConvertTo-SecureString $c.accessToken -AsPlainText -Force
        $script:Runs = [ordered]@{
            'Connect-AksEgress'          = { Connect-AksEgress -ArmEndpoint $c.armEndpoint -CaCertificatePath $c.caCertificatePath -AccessToken $token -SubscriptionId $c.subscriptionId -Verbose -Debug *>&1 }
            'Get-AksNodeResourceGroup'   = { Get-AksNodeResourceGroup -ResourceGroupName demo-rg -Verbose -Debug *>&1 }
            'Get-AksEgressConfiguration' = { $std | Get-AksEgressConfiguration -Verbose -Debug *>&1 }
            'New-AksEgressIp'            = { $cluster | New-AksEgressIp -Name streams-ip -Verbose -Debug *>&1 }
            'Set-AksEgressService'       = { $cluster | New-AksEgressIp -Name streams-ip | Set-AksEgressService -Verbose -Debug *>&1 }
            'Test-AksEgressIp'           = { $cluster | Test-AksEgressIp -Verbose -Debug *>&1 }
            'Set-AksOutboundIp'          = { $std | New-AksEgressIp -Name streams-out -ResourceGroupName egress-rg | Set-AksOutboundIp -Confirm:$false -Verbose -Debug *>&1 }
            'Remove-AksEgressService'    = { Remove-AksEgressService -ClusterId $cluster.ClusterId -Confirm:$false -Verbose -Debug *>&1 }
            'Remove-AksEgressIp'         = { $cluster | New-AksEgressIp -Name streams-gone -ResourceGroupName egress-rg | Remove-AksEgressIp -Confirm:$false -Verbose -Debug *>&1 }
            'New-AksEgressIpPrefix'          = { $std | New-AksEgressIpPrefix -Name streams-prefix -ResourceGroupName egress-rg -PrefixLength 31 -Verbose -Debug *>&1 }
            'Set-AksNatGatewayIp'            = { Get-AksNodeResourceGroup paths-rg uanat | New-AksEgressIp -Name streams-nat -ResourceGroupName egress-rg | Set-AksNatGatewayIp -Confirm:$false -Verbose -Debug *>&1 }
            'Enable-AksStaticEgressGateway'  = { $std | Enable-AksStaticEgressGateway -Confirm:$false -Verbose -Debug *>&1 }
            'New-AksEgressGatewayPool'       = { $std | New-AksEgressGatewayPool -Name streamsgw -Confirm:$false -Verbose -Debug *>&1 }
            'New-AksEgressGateway'           = { New-AksEgressGateway -Name streams-gw -PoolName streamsgw -ClusterId $std.ClusterId -Confirm:$false -Verbose -Debug *>&1 }
            'Set-AksEgressGatewayWorkload'   = { New-EmulatorWorkload -Emulator $Emu -Cluster standard-lb -Name streams-app | Out-Null
                                                 Set-AksEgressGatewayWorkload -Kind Deployment -Name streams-app -Gateway streams-gw -ClusterId $std.ClusterId -Confirm:$false -Verbose -Debug *>&1
                                                 Set-AksEgressGatewayWorkload -Kind Deployment -Name streams-app -Remove -ClusterId $std.ClusterId -Confirm:$false -Verbose -Debug *>&1 }
            'Remove-AksEgressGateway'        = { Remove-AksEgressGateway -Name streams-gw -ClusterId $std.ClusterId -Confirm:$false -Verbose -Debug *>&1 }
            'Remove-AksEgressGatewayPool'    = { Remove-AksEgressGatewayPool -Name streamsgw -ClusterId $std.ClusterId -Confirm:$false -Verbose -Debug *>&1 }
            'Disable-AksStaticEgressGateway' = { $std | Disable-AksStaticEgressGateway -Confirm:$false -Verbose -Debug *>&1 }
            'Disconnect-AksEgress'       = { Disconnect-AksEgress -Verbose -Debug *>&1; Connect-AksEmulator -Emulator $Emu | Out-Null }
        }
        $script:Text = @{}
        foreach ($name in $Runs.Keys) { $Text[$name] = ConvertTo-StreamText (& $Runs[$name]) }
    }

    It 'covers every exported cmdlet' {
        @($Runs.Keys | Sort-Object) | Should -Be @((Get-Command -Module AksEgress).Name | Sort-Object)
    }

    It '<_> never shows a token or kubeconfig secret in any stream' -ForEach @(
        'Connect-AksEgress', 'Get-AksNodeResourceGroup', 'Get-AksEgressConfiguration', 'New-AksEgressIp', 'Set-AksEgressService',
        'Test-AksEgressIp', 'Set-AksOutboundIp', 'Remove-AksEgressService', 'Remove-AksEgressIp', 'Disconnect-AksEgress', 'Set-AksEgressGatewayWorkload') {
        $Text[$_] | Should -Not -BeNullOrEmpty
        Assert-NoSecret $Text[$_]
    }

    It '-Debug shows each ARM request with its response status, and redacts Authorization' {
        foreach ($name in 'Get-AksNodeResourceGroup', 'Get-AksEgressConfiguration', 'New-AksEgressIp', 'Set-AksOutboundIp', 'Remove-AksEgressIp') {
            $Text[$name] | Should -Match '\[DebugRecord\] HTTP GET https://' -Because $name
            $Text[$name] | Should -Match '\[DebugRecord\] HTTP 200 OK for GET' -Because $name
        }
        $Text['Set-AksOutboundIp'] | Should -Match '\[DebugRecord\] HTTP PUT .*/managedClusters/standard-lb'
        $Text['Remove-AksEgressIp'] | Should -Match '\[DebugRecord\] HTTP 20\d \w+ for DELETE'
    }

    It '-Debug shows each Kubernetes request with its status, Authorization redacted' {
        foreach ($name in 'Set-AksEgressService', 'Test-AksEgressIp', 'Remove-AksEgressService', 'Set-AksEgressGatewayWorkload') {
            $Text[$name] | Should -Match '\[DebugRecord\] Kubernetes request: (GET|POST|PUT|PATCH|DELETE) https://' -Because $name
            $Text[$name] | Should -Match '\[DebugRecord\] Kubernetes response: 20\d' -Because $name
            $Text[$name] | Should -Match 'Authorization: \*\*\*REDACTED\*\*\*' -Because $name
        }
        $Text['Set-AksEgressService'] | Should -Match 'listClusterUserCredential' -Because 'the kubeconfig fetched from Azure is a secret source'
    }

    It '-Verbose narrates which cluster, which call and which decision' {
        $Text['Get-AksEgressConfiguration'] | Should -Match '\[VerboseRecord\].*standard-lb'
        $Text['New-AksEgressIp'] | Should -Match '\[VerboseRecord\].*streams-ip'
        $Text['Set-AksOutboundIp'] | Should -Match '\[VerboseRecord\] PUT cluster demo-rg/standard-lb'
        $Text['Set-AksOutboundIp'] | Should -Match '\[VerboseRecord\] Cluster standard-lb egress is now'
        $Text['Set-AksEgressService'] | Should -Match '\[VerboseRecord\].*Service default/aks-egress'
        $Text['Test-AksEgressIp'] | Should -Match '\[VerboseRecord\] Created egress test pod'
        $Text['Test-AksEgressIp'] | Should -Match '\[VerboseRecord\] Deleted egress test pod'
        $Text['Remove-AksEgressService'] | Should -Match '\[VerboseRecord\] Deleted Service default/aks-egress'
        $Text['Remove-AksEgressIp'] | Should -Match '\[VerboseRecord\] Deleting public IP egress-rg/streams-gone'
        $Text['Set-AksEgressGatewayWorkload'] | Should -Match '\[VerboseRecord\] Set the gateway annotation on the pod template of Deployment default/streams-app'
        $Text['Set-AksEgressGatewayWorkload'] | Should -Match '\[VerboseRecord\] Removed the gateway annotation on the pod template of Deployment default/streams-app'
    }

    It 'an error carries no secret either (a Kubernetes 401 and an ARM 403)' {
        Invoke-EmulatorAdmin -Emulator $Emu -Method POST -Path 'faults' -Body @{ Target = 'legacy-basic'; PathContains = '/services'; Status = 401; Count = 1 } | Out-Null
        Invoke-EmulatorAdmin -Emulator $Emu -Method POST -Path 'faults' -Body @{ Target = 'arm'; PathContains = 'resourceGroups/egress-rg/providers/Microsoft.ContainerService/managedClusters'; Status = 403; Count = 1 } | Out-Null
        $cluster = Get-AksNodeResourceGroup demo-rg legacy-basic
        $t = ConvertTo-StreamText (@($cluster | New-AksEgressIp -Name streams-ip | Set-AksEgressService -Verbose -Debug -ErrorAction Continue *>&1) +
            @(Get-AksNodeResourceGroup -ResourceGroupName egress-rg -Verbose -Debug -ErrorAction Continue *>&1))
        $t | Should -Match '\[Error\] Kubernetes\w+'
        $t | Should -Match '\[Error\] AuthorizationFailed'
        $t | Should -Match 'HTTP 403'
        Assert-NoSecret $t
        Invoke-EmulatorAdmin -Emulator $Emu -Method DELETE -Path 'faults' | Out-Null
    }
}

Describe 'Write-Progress for waits' {
    BeforeAll {
        Reset-Emulator $Emu
        function Invoke-InRunspace([string] $Script) {
            # A separate runspace in this process (same engine and connection): its Streams.Progress holds every record.
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("Import-Module '$ModuleManifest'; $Script")
                $out = $ps.Invoke()
                [pscustomobject]@{ Output = $out; Progress = @($ps.Streams.Progress); Errors = @($ps.Streams.Error) }
            }
            finally { $ps.Dispose() }
        }
    }

    It 'a cluster update that takes more than a second shows what it waits for, then completes the bar' {
        Invoke-EmulatorAdmin -Emulator $Emu -Method POST -Path 'faults' -Body @{ Target = 'arm'; PathContains = '/operations/'; Method = 'GET'; LatencyMilliseconds = 1200; Count = 2 } | Out-Null
        $std = Get-AksNodeResourceGroup demo-rg standard-lb
        $ip = $std | New-AksEgressIp -Name progress-ip -ResourceGroupName egress-rg
        $r = Invoke-InRunspace "Set-AksOutboundIp -PublicIpId '$($ip.Id)' -ClusterId '$($std.ClusterId)' -Confirm:`$false"
        $r.Errors | Should -BeNullOrEmpty
        $r.Output.Count | Should -Be 1
        $waits = @($r.Progress | Where-Object Activity -eq 'Waiting for the update of cluster standard-lb')
        $waits.Count | Should -BeGreaterThan 1
        $waits[0].StatusDescription | Should -Match 's elapsed'
        $waits[-1].RecordType | Should -Be 'Completed'
        Invoke-EmulatorAdmin -Emulator $Emu -Method DELETE -Path 'faults' | Out-Null
    }

    It 'the egress test pod and the Service wait show progress' {
        $cluster = Get-AksNodeResourceGroup demo-rg legacy-basic
        $r = Invoke-InRunspace "Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic | New-AksEgressIp -Name progress-svc-ip | Set-AksEgressService -ServiceName progress-svc | Test-AksEgressIp -Count 2"
        $r.Errors | Should -BeNullOrEmpty
        $r.Output[0].Succeeded | Should -BeTrue
        $activities = @($r.Progress.Activity | Sort-Object -Unique)
        ($activities -join "`n") | Should -Match 'progress-svc'
        ($activities -join "`n") | Should -Match 'legacy-basic|egress'
        @($r.Progress | Where-Object RecordType -eq 'Completed').Count | Should -BeGreaterOrEqual 2
    }
}
