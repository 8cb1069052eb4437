# Secrets never leave the engine (streams, transcript, objects, JSON, error records, files), the documented least-privilege
# Role is enough (the emulator enforces it), and the test pod runs in a namespace enforcing the "restricted" standard.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Emu = Start-AksEmulator -ArgumentList '--lb-delay-ms', '50', '--pod-delay-ms', '50'
    $script:C = $Emu.Connection
    $script:Sub = $C.subscriptionId
    function script:ClusterId([string] $Name) { "/subscriptions/$Sub/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/$Name" }

    # Every credential the emulator can hand out: the ARM token, the MI header, each kubeconfig's token and the kubeconfigs
    # themselves as ARM returns them (base64), plus the decoded text.
    $script:Secrets = [Collections.Generic.List[string]]::new()
    $Secrets.Add($C.accessToken); $Secrets.Add($C.managedIdentityHeader)
    foreach ($kc in Get-ChildItem -Path $Emu.StateDir -Filter '*.kubeconfig') {
        foreach ($m in [regex]::Matches((Get-Content -Raw $kc.FullName), '(?m)^\s*token:\s*(\S+)')) { $Secrets.Add($m.Groups[1].Value) }
    }
    foreach ($name in 'legacy-basic', 'standard-lb', 'natgw', 'udr', 'locked', 'aad') {
        $uri = [Uri]::new([Uri]$C.armEndpoint, "subscriptions/$Sub/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/$name/listClusterUserCredential?api-version=2025-10-01")
        $resp = $Emu.Http.PostAsync($uri, [Net.Http.StringContent]::new('')).GetAwaiter().GetResult()
        $body = $resp.Content.ReadAsStringAsync().GetAwaiter().GetResult() | ConvertFrom-Json
        foreach ($k in $body.kubeconfigs) {
            $Secrets.Add($k.value)
            $text = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($k.value))
            foreach ($m in [regex]::Matches($text, '(?m)^\s*token:\s*(\S+)')) { $Secrets.Add($m.Groups[1].Value) }
        }
    }
    # Shapes no output may contain whatever the value: a JWT (MI-issued tokens are not known in advance), base64 kubeconfig
    # text ("apiVersion" in base64), a kubeconfig token line, a bearer header with a value.
    $script:SecretPatterns = 'eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.', 'YXBpVmVyc2lvbj', '(?m)^\s*token:\s*\S{16,}', 'Bearer\s+(?!\*\*\*)[A-Za-z0-9._~+/-]{16,}'

    function script:Find-Secret([string] $Text, [string] $Where) {
        $hits = @()
        foreach ($s in $Secrets) { if ($s -and $s.Length -ge 8 -and $Text.Contains($s)) { $hits += "$Where contains a credential ($($s.Substring(0, 4))...)" } }
        foreach ($p in $SecretPatterns) { if ($Text -match $p) { $hits += "$Where matches $p" } }
        $hits
    }

    $script:SkipDirs = '.nuget', '.dotnet', '.cargo', '.rustup', '.pyenv', '.npm'
    function script:Get-FileSnapshot {
        $o = [IO.EnumerationOptions]::new(); $o.RecurseSubdirectories = $true; $o.IgnoreInaccessible = $true; $o.AttributesToSkip = 0
        $roots = @([IO.DirectoryInfo]::new([IO.Path]::GetTempPath()), [IO.DirectoryInfo]::new((Split-Path $ModuleManifest)))
        $roots += [IO.DirectoryInfo]::new($HOME).EnumerateDirectories() | Where-Object { $SkipDirs -notcontains $_.Name }
        $map = @{}
        foreach ($f in [IO.DirectoryInfo]::new($HOME).EnumerateFiles()) { $map[$f.FullName] = "$($f.LastWriteTimeUtc.Ticks)/$($f.Length)" }
        foreach ($r in $roots) { foreach ($f in $r.EnumerateFiles('*', $o)) { $map[$f.FullName] = "$($f.LastWriteTimeUtc.Ticks)/$($f.Length)" } }
        $map
    }
}
AfterAll {
    Disconnect-AksEgress
    Remove-Item Env:IDENTITY_ENDPOINT, Env:IDENTITY_HEADER -ErrorAction SilentlyContinue
    if ($script:Emu) { Stop-AksEmulator $script:Emu }
}

Describe 'Secrets' {
    BeforeAll {
        $script:Before = Get-FileSnapshot
        $script:Transcript = Join-Path $TestDrive 'transcript.txt'
        $script:Outputs = [Collections.Generic.List[object]]::new()
        $script:Errors = [Collections.Generic.List[object]]::new()
        $script:Steps = [Collections.Generic.List[object]]::new()
        # Every step lists the ErrorIds it is meant to produce (none for the successes): an unexpected error, terminating
        # or not, fails the coverage test instead of being collected with the rest.
        function script:Invoke-Captured([string] $Label, [scriptblock] $Command, [string[]] $ExpectError = @()) {
            $step = [pscustomobject]@{ Label = $Label; ExpectError = $ExpectError; Errors = [Collections.Generic.List[object]]::new() }
            try { foreach ($o in (& $Command *>&1)) { if ($o -is [Management.Automation.ErrorRecord]) { $Errors.Add($o); $step.Errors.Add($o) } else { $Outputs.Add($o) } } }
            catch { $Errors.Add($_); $step.Errors.Add($_) }
            $Steps.Add($step)
        }
        $token = ConvertTo-SecureString -String $C.accessToken -AsPlainText -Force
        $v = @{ Verbose = $true; Debug = $true }
        Start-Transcript -Path $Transcript -IncludeInvocationHeader | Out-Null
        try {
            Invoke-Captured 'connect' { Connect-AksEgress -SubscriptionId $Sub -ArmEndpoint $C.armEndpoint -CaCertificatePath $C.caCertificatePath -AccessToken $token @v }
            Invoke-Captured 'list' { Get-AksNodeResourceGroup -ResourceGroupName demo-rg @v }
            Invoke-Captured 'recipe' {
                Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic @v | New-AksEgressIp -Name sec-ip @v | Set-AksEgressService @v |
                    Tee-Object -Variable service | Test-AksEgressIp @v
                $script:RecipeService = $service
            }
            # The Service object of Set-AksEgressService carries the PublicIpId that Remove-AksEgressIp binds. The IP is free only
            # once the cloud provider has released the Service's load balancer frontend (after the Service is gone), so wait for that.
            Invoke-Captured 'remove' {
                $RecipeService | Remove-AksEgressService -Confirm:$false @v
                $deadline = [DateTime]::UtcNow.AddSeconds(30)
                while ([DateTime]::UtcNow -lt $deadline -and (Get-EmulatorPublicIp $Emu -Name sec-ip).properties.ipConfiguration) { Start-Sleep -Milliseconds 200 }
                $RecipeService | Remove-AksEgressIp -Confirm:$false @v
            }
            Invoke-Captured 'config' { Get-AksEgressConfiguration -ResourceGroupName demo-rg -ClusterName standard-lb @v }
            Invoke-Captured 'modern' { New-AksEgressIp -Name sec-out -ResourceGroupName egress-rg -Location eastus @v | Set-AksOutboundIp -ClusterId (ClusterId standard-lb) -Confirm:$false @v | Test-AksEgressIp @v }
            Invoke-Captured 'prefix' { Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName standard-lb @v | New-AksEgressIpPrefix -Name sec-prefix -ResourceGroupName egress-rg -PrefixLength 31 @v }
            Invoke-Captured 'nat gateway' {
                Get-AksNodeResourceGroup -ResourceGroupName paths-rg -ClusterName uanat @v | New-AksEgressIp -Name sec-nat -ResourceGroupName egress-rg @v |
                    Set-AksNatGatewayIp -Confirm:$false @v | Test-AksEgressIp -Count 2 @v
            }
            Invoke-Captured 'kubeconfig' { Test-AksEgressIp -KubeConfigPath (Join-Path $Emu.StateDir 'natgw.kubeconfig') -AllNodes @v }
            Invoke-Captured 'gateway' {
                $cl = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName standard-lb @v
                $cl | Enable-AksStaticEgressGateway -Confirm:$false @v
                $gw = $cl | New-AksEgressGatewayPool -Name secgw -Confirm:$false @v | New-AksEgressGateway -Name sec-gw -Confirm:$false @v
                $gw
                $gw | Test-AksEgressIp @v
                New-EmulatorWorkload -Emulator $Emu -Cluster standard-lb -Name sec-app | Out-Null
                $gw | Set-AksEgressGatewayWorkload -Kind Deployment -Name sec-app -Confirm:$false @v
                $gw | Set-AksEgressGatewayWorkload -Kind Deployment -Name sec-app -Remove -Confirm:$false @v
                $gw | Remove-AksEgressGateway -Confirm:$false @v
                $gw | Remove-AksEgressGatewayPool -Confirm:$false @v
                $cl | Disable-AksStaticEgressGateway -Confirm:$false @v
            }
            # failures: their messages and records must be as clean as the successes
            Invoke-Captured 'image pull' -ExpectError ImagePullFailed { Test-AksEgressIp -ClusterId (ClusterId standard-lb) -Image 'doesnotexist/curl:1' @v }
            Invoke-Captured 'sync failure' -ExpectError LoadBalancerSyncFailed { Set-AksEgressService -IpAddress 203.0.113.251 -ClusterId (ClusterId legacy-basic) -ServiceName sec-missing -TimeoutSeconds 20 @v }
            Invoke-Captured 'blocked' { Test-AksEgressIp -ClusterId (ClusterId standard-lb) -CheckUri 'https://blocked.invalid/' @v }
            Invoke-Captured 'unauthorized' -ExpectError KubernetesUnauthorized {
                $bad = Join-Path $TestDrive 'bad-token.kubeconfig'
                (Get-Content -Raw (Join-Path $Emu.StateDir 'udr.kubeconfig')) -replace '(?m)^(\s*token:\s*)\S+', '$1not-the-token' | Set-Content $bad
                Test-AksEgressIp -KubeConfigPath $bad @v
            }
            Invoke-Captured 'wrong arm token' -ExpectError AuthenticationFailed { Connect-AksEgress -SubscriptionId $Sub -ArmEndpoint $C.armEndpoint -CaCertificatePath $C.caCertificatePath -AccessToken (ConvertTo-SecureString -String ($C.accessToken + 'x') -AsPlainText -Force) @v; Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName udr @v }
            # managed identity + Entra cluster: the engine gets MI tokens for ARM and for the AKS server app
            $env:IDENTITY_ENDPOINT = $C.managedIdentityEndpoint; $env:IDENTITY_HEADER = $C.managedIdentityHeader
            Invoke-Captured 'identity' { Connect-AksEgress -Identity -SubscriptionId $Sub -ArmEndpoint $C.armEndpoint -CaCertificatePath $C.caCertificatePath @v }
            Invoke-Captured 'entra' { Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName aad @v | Test-AksEgressIp @v }
            Invoke-Captured 'disconnect' { Disconnect-AksEgress @v }
        }
        finally {
            Stop-Transcript | Out-Null
            Remove-Item Env:IDENTITY_ENDPOINT, Env:IDENTITY_HEADER -ErrorAction SilentlyContinue
        }
        $script:After = Get-FileSnapshot
    }

    It 'ran every exported cmdlet: each wrote records of its own, and each step failed only as it was meant to' {
        # Coverage from what ran: the cmdlet that wrote each verbose/debug/warning record (its InvocationInfo), not the names
        # written in the script blocks above. A cmdlet that failed before doing its work wrote none.
        $ran = @($Outputs | Where-Object { $_ -is [Management.Automation.InformationalRecord] -and $_.InvocationInfo } |
                ForEach-Object { $_.InvocationInfo.MyCommand.Name } | Select-Object -Unique)
        foreach ($step in $Steps) {
            $ids = @($step.Errors | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] } | Select-Object -Unique)
            ($ids -join ',') | Should -Be ($step.ExpectError -join ',') -Because "step '$($step.Label)' ($(@($step.Errors | ForEach-Object { "$_" }) -join ' | '))"
        }
        $exported = (Import-PowerShellDataFile $ModuleManifest).CmdletsToExport
        $exported | Where-Object { $_ -notin $ran } | Should -BeNullOrEmpty -Because 'every exported cmdlet must have run and written its own records'
        $Outputs.Count | Should -BeGreaterThan 20
        @($Outputs | Where-Object { $_ -is [Management.Automation.DebugRecord] }).Count | Should -BeGreaterThan 10
    }

    It 'no credential in any stream, object, JSON, error record or the transcript' {
        $hits = @()
        foreach ($o in $Outputs) {
            $hits += Find-Secret ($o | Out-String -Width 500) 'stream/object'
            if ($o -isnot [Management.Automation.InformationalRecord]) { $hits += Find-Secret ($o | ConvertTo-Json -Depth 10 -WarningAction SilentlyContinue) 'object JSON' }
        }
        foreach ($e in $Errors) {
            $projection = [ordered]@{
                Message = $e.ToString(); Id = $e.FullyQualifiedErrorId; Category = "$($e.CategoryInfo)"; Target = "$($e.TargetObject)"
                Details = "$($e.ErrorDetails)"; Recommended = $e.ErrorDetails.RecommendedAction; Exception = $e.Exception.ToString()
                Data = @($e.Exception.Data.Keys | ForEach-Object { "$_=$($e.Exception.Data[$_])" })
            }
            $hits += Find-Secret ($projection | ConvertTo-Json -Depth 10) 'error record'
            $hits += Find-Secret ($e | Format-List * -Force | Out-String -Width 500) 'error record (all properties)'
        }
        $hits += Find-Secret (Get-Content -Raw $Transcript) 'transcript'
        $hits += Find-Secret (($Error | ForEach-Object { $_.ToString() + $_.Exception }) -join "`n") '$Error'
        $hits | Should -BeNullOrEmpty
        Write-Host "secrets found: $(@($hits).Count) (searched $($Outputs.Count) outputs, $($Errors.Count) error records, the transcript, $($Secrets.Count) credentials + $($SecretPatterns.Count) patterns)"
    }

    It 'writes no file holding a credential, and nothing into the module folder' {
        $stateDir = [IO.Path]::GetFullPath($Emu.StateDir)
        $testDrive = [IO.Path]::GetFullPath("$TestDrive")
        $changed = $After.Keys | Where-Object { $Before[$_] -ne $After[$_] } |
            Where-Object { -not $_.StartsWith($stateDir) -and -not $_.StartsWith($testDrive) } |
            # other emulators' state dirs (parallel test runs on this machine) hold their own kubeconfigs, not written by the module
            Where-Object { $_ -notmatch '[/\\]aksegress-emu(lator)?-[^/\\]+[/\\]' }
        $hits = foreach ($f in $changed) {
            $info = Get-Item -LiteralPath $f -Force -ErrorAction SilentlyContinue
            # regular files only: opening a FIFO or socket (other tools' pipes in temp) would block
            if ($info -and ($IsWindows -or $info.UnixMode -like '-*') -and $info.Length -lt 5MB) {
                try { Find-Secret ([IO.File]::ReadAllText($f)) $f } catch { }
            }
        }
        $hits | Should -BeNullOrEmpty
        $moduleDir = [IO.Path]::GetFullPath((Split-Path $ModuleManifest))
        $changed | Where-Object { $_.StartsWith($moduleDir) } | Should -BeNullOrEmpty
    }
}

Describe 'Least privilege (the Role of docs/least-privilege.md, enforced by the emulator)' {
    BeforeAll {
        Connect-AksEmulator -Emulator $Emu | Out-Null
        $md = Get-Content -Raw (Join-Path $RepoRoot 'docs/least-privilege.md')
        $script:RoleYaml = [regex]::Match($md, '```yaml\n(?<y>.*?)```', 'Singleline').Groups['y'].Value
        $RoleYaml | Should -Match 'kind: Role'
        $script:Ip = (Invoke-EmulatorAdmin -Emulator $Emu -Method POST -Path 'publicIPs' -Body @{ resourceGroup = 'MC_demo-rg_legacy-basic_eastus'; name = 'lp-ip' }).ipAddress
    }
    AfterAll { Invoke-EmulatorAdmin -Emulator $Emu -Method DELETE -Path 'rbac' | Out-Null }

    It 'Set-AksEgressService and Test-AksEgressIp succeed under the Role' {
        $r = Invoke-EmulatorAdmin -Emulator $Emu -Method POST -Path 'rbac' -Body @{ cluster = 'legacy-basic'; role = $RoleYaml }
        $r.user | Should -Be 'aksegress-limited@legacy-basic'
        $svc = Set-AksEgressService -IpAddress $Ip -KubeConfigPath $r.kubeconfigPath -WarningAction SilentlyContinue
        $svc.IngressIpAddress | Should -Be $Ip
        $t = Test-AksEgressIp -KubeConfigPath $r.kubeconfigPath -ExpectedIpAddress $Ip -AllNodes
        $t.Succeeded | Should -BeTrue
        Get-EmulatorTestPod $Emu -Cluster legacy-basic | Should -BeNullOrEmpty
    }

    It 'without "<Verb>" on <Resource> the cmdlet fails with KubernetesForbidden naming both' -ForEach @(
        @{ Resource = 'services'; Verb = 'patch'; Command = { param($k) Set-AksEgressService -IpAddress $Ip -Port 8443 -KubeConfigPath $k -WarningAction SilentlyContinue -ErrorAction Stop } }
        @{ Resource = 'pods'; Verb = 'watch'; Command = { param($k) Test-AksEgressIp -KubeConfigPath $k -ErrorAction Stop } }
        @{ Resource = 'pods/log'; Verb = 'get'; Command = { param($k) Test-AksEgressIp -KubeConfigPath $k -ErrorAction Stop } }
    ) {
        $lines = $RoleYaml -split "`n"
        $yaml = ($lines | ForEach-Object {
                if ($_ -match "resources: \[`"$([regex]::Escape($Resource))`"\]") { $script:cut = $true; $_ }
                elseif ($script:cut -and $_ -match '^\s*verbs:') { $script:cut = $false; $_ -replace "`"$Verb`",?\s*", '' -replace ',\s*\]', ']' }
                else { $_ }
            }) -join "`n"
        $yaml | Should -Not -Be $RoleYaml
        $r = Invoke-EmulatorAdmin -Emulator $Emu -Method POST -Path 'rbac' -Body @{ cluster = 'legacy-basic'; role = $yaml }
        $err = $null
        try { & $Command $r.kubeconfigPath | Out-Null } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'KubernetesForbidden,*'
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $err.ToString() | Should -BeLike "*cannot $Verb resource `"$Resource`"*"
        Get-EmulatorTestPod $Emu -Cluster legacy-basic | Should -BeNullOrEmpty
    }

    It 'Remove-AksEgressService succeeds under the Role' {
        $r = Invoke-EmulatorAdmin -Emulator $Emu -Method POST -Path 'rbac' -Body @{ cluster = 'legacy-basic'; role = $RoleYaml }
        Clear-EmulatorRequest $Emu
        $removed = Remove-AksEgressService -KubeConfigPath $r.kubeconfigPath -Confirm:$false -PassThru
        $removed.ServiceName | Should -Be 'aks-egress'
        # gone, or going (the cloud provider's finalizer releases the frontend first)
        (Get-EmulatorWorld $Emu).clusters.'legacy-basic'.services | Where-Object { $_.metadata.name -eq 'aks-egress' -and -not $_.metadata.deletionTimestamp } | Should -BeNullOrEmpty
        (Get-EmulatorRequest $Emu | Where-Object { $_.target -eq 'k8s:legacy-basic' -and $_.status -eq 403 }) | Should -BeNullOrEmpty
    }
}

Describe 'Restricted pod security end to end' {
    BeforeAll { Connect-AksEmulator -Emulator $Emu | Out-Null }
    It 'Test-AksEgressIp runs its pod in restricted-ns (enforce: restricted) through the assembled module' {
        $r = Test-AksEgressIp -ClusterId (ClusterId standard-lb) -Namespace restricted-ns
        $r.Succeeded | Should -BeTrue
        $r.Namespace | Should -Be 'restricted-ns'
        $r.ObservedIpAddress | Should -BeIn @((Get-EmulatorWorld $Emu).clusters.'standard-lb'.expectedEgressAddresses)
        Get-EmulatorTestPod $Emu -Cluster standard-lb | Should -BeNullOrEmpty
        (Get-EmulatorRequest $Emu | Where-Object { $_.method -eq 'POST' -and $_.pathAndQuery -like '*/namespaces/restricted-ns/pods*' }).status | Should -Be 201
    }
}
