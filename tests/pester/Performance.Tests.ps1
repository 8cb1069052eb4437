# Performance behaviour (not timings): the exact HTTP requests each cmdlet sends in its common case, streaming of big
# cluster lists, bounded parallelism of -AllNodes, Retry-After honoured by LRO polling, and the ForEach-Object -Parallel
# fleet pattern. The figures (times, memory) come from tools/Bench.ps1 (build.ps1 Bench), never from a test.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Guid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'

    function Format-EmulatorRequest {
        <# "target METHOD path?query" with the subscription, operation ids, pod names and resourceVersions made generic. #>
        param([Parameter(ValueFromPipeline)] $Request, [string] $SubscriptionId)
        process {
            $p = $Request.pathAndQuery.Replace($SubscriptionId, '{sub}') -replace $Guid, '{id}' -replace 'aks-egress-test-[a-z0-9]+', '{pod}' -replace 'resourceVersion=\d+', 'resourceVersion={rv}'
            "$($Request.target) $($Request.method) $p"
        }
    }

    function Measure-Request {
        <# Runs the script block and returns the requests it caused, formatted. #>
        param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)] [scriptblock] $Script)
        Clear-EmulatorRequest $Emulator
        $null = & $Script
        $r = @(Get-EmulatorRequest $Emulator | Format-EmulatorRequest -SubscriptionId $Emulator.Connection.subscriptionId)
        if ($null -ne $script:Seen) { foreach ($x in $r) { $script:Seen.Add($x) } }
        $r
    }

    function Get-MaxOverlap {
        <# The largest number of [Start, End] intervals open at once. #>
        param([object[]] $Interval)
        $events = foreach ($i in $Interval) { [pscustomobject]@{ T = $i.Start; D = 1 }; [pscustomobject]@{ T = $i.End; D = -1 } }
        $open = 0; $max = 0
        foreach ($e in $events | Sort-Object T, D) { $open += $e.D; if ($open -gt $max) { $max = $open } }
        $max
    }
}

Describe 'Request counts of each cmdlet (common case)' {
    BeforeAll {
        $script:Emu = Start-AksEmulator -ArgumentList '--lro-retry-after', '0', '--lro-polls', '1'
        $script:Cl = '/subscriptions/{sub}/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters'
        $script:Mc = '/subscriptions/{sub}/resourceGroups/MC_demo-rg_legacy-basic_eastus/providers/Microsoft.Network/publicIPAddresses'
        $script:Eg = '/subscriptions/{sub}/resourceGroups/egress-rg/providers/Microsoft.Network/publicIPAddresses'
        $script:Op = '/subscriptions/{sub}/providers/Microsoft.Network/locations/eastus/operations/{id}?api-version=2025-07-01'
        $script:Svc = '/api/v1/namespaces/default/services'
        $script:Pods = '/api/v1/namespaces/default/pods'
        $script:Events = '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Daks-egress%2CinvolvedObject.kind%3DService&watch=false'
        $script:All = [Collections.Generic.List[string]]::new()
        $script:Seen = [Collections.Generic.List[string]]::new()   # every request of every It below (the list cmdlets too)
    }
    AfterAll {
        Disconnect-AksEgress
        if ($script:Emu) { Stop-AksEmulator $script:Emu }
    }

    It 'Connect-AksEgress with a subscription and a token sends nothing' {
        $r = Measure-Request $Emu { Connect-AksEmulator -Emulator $Emu }
        $r | Should -BeNullOrEmpty
    }

    It 'Get-AksNodeResourceGroup by name: one GET per call (a read the user asks for is never served from an earlier call)' {
        $r = Measure-Request $Emu { Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic }
        $r | Should -Be @("arm GET $Cl/legacy-basic?api-version=2025-10-01")
        $All.AddRange([string[]]$r)
        # Until issue 14 item 4 this second call sent nothing: it was answered from the first call's read, so a change made
        # meanwhile by another process went unseen for up to 30 s.
        $r = Measure-Request $Emu { Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic }
        $r | Should -Be @("arm GET $Cl/legacy-basic?api-version=2025-10-01")
    }

    It 'Get-AksNodeResourceGroup list: one GET per page' {
        $r = Measure-Request $Emu { Get-AksNodeResourceGroup -ResourceGroupName demo-rg }
        $r | Should -Be @("arm GET $Cl`?api-version=2025-10-01")
        $All.AddRange([string[]]$r)
    }

    # The pipelines below start with Get-AksNodeResourceGroup: its own GET of the cluster is counted (until issue 14 item 4 it
    # was answered from the previous It's read); New-AksEgressIp uses the piped cluster and reads it no further.
    It 'New-AksEgressIp (new): GET 404, PUT, Azure-AsyncOperation polls (Retry-After 0, one InProgress), final GET' {
        $r = Measure-Request $Emu { Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic | New-AksEgressIp -Name perf-ip }
        $r | Should -Be @(
            "arm GET $Cl/legacy-basic?api-version=2025-10-01"
            "arm GET $Mc/perf-ip?api-version=2025-07-01"
            "arm PUT $Mc/perf-ip?api-version=2025-07-01"
            "arm GET $Op"
            "arm GET $Op"
            "arm GET $Mc/perf-ip?api-version=2025-07-01")
        $All.AddRange([string[]]$r)
    }

    It 'New-AksEgressIp (existing): one GET' {
        $r = Measure-Request $Emu { Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic | New-AksEgressIp -Name perf-ip }
        $r | Should -Be @("arm GET $Cl/legacy-basic?api-version=2025-10-01", "arm GET $Mc/perf-ip?api-version=2025-07-01")
    }

    It 'Set-AksEgressService (new): one credential fetch, GET, events baseline, POST, then list+watch (no polling)' {
        $ip = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic | New-AksEgressIp -Name perf-ip
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $r = Measure-Request $Emu { $ip | Set-AksEgressService }
        $sw.Stop()
        # While the load balancer works, the failure-event check lists the Service's events after 250 ms and then
        # once a second (a machine under load can take that long): bounded by the wait, not part of the sequence.
        $post = [array]::IndexOf($r, "k8s:legacy-basic POST $Svc")
        $post | Should -BeGreaterThan 0
        $afterPost = @($r | Select-Object -Skip ($post + 1))
        $eventChecks = @($afterPost | Where-Object { $_ -eq "k8s:legacy-basic GET $Events" })
        $eventChecks.Count | Should -BeLessOrEqual ([math]::Ceiling($sw.Elapsed.TotalSeconds) + 1)
        $r = @($r | Select-Object -First ($post + 1)) + @($afterPost | Where-Object { $_ -ne "k8s:legacy-basic GET $Events" })
        $watch = "k8s:legacy-basic GET $Svc`?allowWatchBookmarks=true&fieldSelector=metadata.name%3Daks-egress&resourceVersion={rv}&timeoutSeconds=300&watch=true"
        # The list may already show the IP (then no watch is opened); otherwise exactly one watch follows it.
        $expected = @(
            "arm POST $Cl/legacy-basic/listClusterUserCredential?api-version=2025-10-01"
            "k8s:legacy-basic GET $Svc/aks-egress"
            "k8s:legacy-basic GET $Events"
            "k8s:legacy-basic POST $Svc"
            "k8s:legacy-basic GET $Svc`?fieldSelector=metadata.name%3Daks-egress&watch=false")
        if ($r.Count -eq $expected.Count + 1) { $expected += $watch }
        $r | Should -Be $expected
        $All.AddRange([string[]]$r)
    }

    It 'Set-AksEgressService (unchanged): GET and events only, no second credential fetch' {
        $ip = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic | New-AksEgressIp -Name perf-ip
        $r = Measure-Request $Emu { $ip | Set-AksEgressService }
        $r | Should -Be @("k8s:legacy-basic GET $Svc/aks-egress", "k8s:legacy-basic GET $Events")
    }

    It 'Test-AksEgressIp: create, list+watch until done (no polling), one log read, delete' {
        $svc = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic | New-AksEgressIp -Name perf-ip | Set-AksEgressService
        $r = Measure-Request $Emu { $svc | Test-AksEgressIp }
        $r | Should -Be @(
            "k8s:legacy-basic POST $Pods"
            "k8s:legacy-basic GET $Pods`?fieldSelector=metadata.name%3D{pod}&watch=false"
            "k8s:legacy-basic GET $Pods`?allowWatchBookmarks=true&fieldSelector=metadata.name%3D{pod}&resourceVersion={rv}&timeoutSeconds=300&watch=true"
            "k8s:legacy-basic GET $Pods/{pod}/log?container=curl&limitBytes=65536"
            "k8s:legacy-basic DELETE $Pods/{pod}?gracePeriodSeconds=0")
        $All.AddRange([string[]]$r)
    }

    It 'Get-AksEgressConfiguration (standard-lb, from the pipeline): one GET of the effective outbound IP' {
        $c = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName standard-lb
        $r = @(Measure-Request $Emu { $c | Get-AksEgressConfiguration })
        $r.Count | Should -Be 1
        $r[0] | Should -Match '^arm GET /subscriptions/\{sub\}/resourceGroups/MC_demo-rg_standard-lb_eastus/providers/Microsoft\.Network/publicIPAddresses/\{id\}\?api-version=2025-07-01$'
        $All.AddRange([string[]]$r)
    }

    It 'Get-AksEgressConfiguration on its own: reads the cluster, even one this session read moments ago' {
        $c = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName standard-lb
        $r = @(Measure-Request $Emu { Get-AksEgressConfiguration -ClusterId $c.ClusterId })
        $r.Count | Should -Be 2
        $r[0] | Should -Be "arm GET $Cl/standard-lb?api-version=2025-10-01"
        $r[1] | Should -Match '^arm GET /subscriptions/\{sub\}/resourceGroups/MC_demo-rg_standard-lb_eastus/providers/Microsoft\.Network/publicIPAddresses/\{id\}\?api-version=2025-07-01$'
    }

    # Get-AksNodeResourceGroup and Set-AksOutboundIp are separate commands here: each reads the cluster (until issue 14 item 4
    # the first read was answered from an earlier It's read). Set-AksOutboundIp always reads it fresh for its change.
    It 'Set-AksOutboundIp (new): GET cluster, GET the IP, GET the old IP, the role assignments of the cluster identity at the IP and their role definition, PUT, Azure-AsyncOperation polls, final GET; the new IP is not read twice' {
        $ip = New-AksEgressIp -Name perf-out -ResourceGroupName egress-rg -Location eastus
        $r = Measure-Request $Emu { $c = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName standard-lb; Set-AksOutboundIp -ClusterId $c.ClusterId -PublicIpId $ip.Id -Confirm:$false }
        $r[0] | Should -Be "arm GET $Cl/standard-lb?api-version=2025-10-01" -Because "Get-AksNodeResourceGroup's read"
        $r = @($r | Select-Object -Skip 1)
        $r | Should -Be @(
            "arm GET $Cl/standard-lb?api-version=2025-10-01"
            "arm GET $Eg/perf-out?api-version=2025-07-01"
            ($r[2] -match '^arm GET /subscriptions/\{sub\}/resourceGroups/MC_demo-rg_standard-lb_eastus/providers/Microsoft\.Network/publicIPAddresses/\{id\}\?api-version=2025-07-01$' ? $r[2] : 'GET of the previous managed IP')
            ($r[3] -match '^arm GET /subscriptions/\{sub\}/resourceGroups/egress-rg/providers/Microsoft\.Network/publicIPAddresses/perf-out/providers/Microsoft\.Authorization/roleAssignments\?api-version=2022-04-01&(\$|%24)filter=principalId' ? $r[3] : 'GET of the cluster identity''s role assignments at the IP')
            ($r[4] -match '^arm GET /subscriptions/\{sub\}/providers/Microsoft\.Authorization/roleDefinitions/\{id\}\?api-version=2022-04-01$' ? $r[4] : 'GET of the role definition (Network Contributor)')
            "arm PUT $Cl/standard-lb?api-version=2025-10-01"
            "arm GET /subscriptions/{sub}/providers/Microsoft.ContainerService/locations/eastus/operations/{id}?api-version=2025-10-01"
            "arm GET /subscriptions/{sub}/providers/Microsoft.ContainerService/locations/eastus/operations/{id}?api-version=2025-10-01"
            "arm GET $Cl/standard-lb?api-version=2025-10-01")
        $All.AddRange([string[]]$r)
    }

    It 'Set-AksOutboundIp (unchanged): GET cluster and GET the IP only' {
        $ip = New-AksEgressIp -Name perf-out -ResourceGroupName egress-rg -Location eastus
        $r = Measure-Request $Emu { Set-AksOutboundIp -ClusterId (Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName standard-lb).ClusterId -PublicIpId $ip.Id -Confirm:$false }
        $r | Should -Be @("arm GET $Cl/standard-lb?api-version=2025-10-01", "arm GET $Cl/standard-lb?api-version=2025-10-01", "arm GET $Eg/perf-out?api-version=2025-07-01") -Because "Get-AksNodeResourceGroup's read, then Set-AksOutboundIp's"
    }

    It 'never discovers api-versions or providers, and every ARM call pins its api-version' {
        $All.Count | Should -BeGreaterThan 10
        foreach ($line in $All | Where-Object { $_ -like 'arm *' }) {
            $line | Should -Match 'api-version=20\d\d-\d\d-\d\d'
            $line | Should -Not -Match '/providers/Microsoft\.[A-Za-z]+\?|/providers\?'
        }
    }

    It 'fetches the credentials of a cluster once per session' {
        # Three Kubernetes calls on legacy-basic (Set-AksEgressService new and unchanged, Test-AksEgressIp): one fetch.
        @($Seen | Where-Object { $_ -like '*/legacy-basic/listClusterUserCredential*' }).Count | Should -Be 1
        @($Seen | Where-Object { $_ -like '*listClusterAdminCredential*' }).Count | Should -Be 0
    }
}

Describe 'LRO polling honours Retry-After' {
    BeforeAll { $script:Emu = Start-AksEmulator -ArgumentList '--lro-retry-after', '1', '--lro-polls', '2'; Connect-AksEmulator -Emulator $Emu | Out-Null }
    AfterAll { Disconnect-AksEgress; if ($script:Emu) { Stop-AksEmulator $script:Emu } }

    It 'waits Retry-After (1 s) between polls, not longer, and polls no more than needed' {
        Clear-EmulatorRequest $Emu
        New-AksEgressIp -Name perf-ra -ResourceGroupName egress-rg -Location eastus | Out-Null
        $log = @(Get-EmulatorRequest $Emu)
        $put = $log | Where-Object method -eq 'PUT'
        $polls = @($log | Where-Object { $_.pathAndQuery -like '*/operations/*' })
        $polls.Count | Should -Be 3 -Because 'two InProgress answers, then Succeeded'
        $times = @([DateTimeOffset]$put.timestamp) + @($polls | ForEach-Object { [DateTimeOffset]$_.timestamp })
        for ($i = 1; $i -lt $times.Count; $i++) {
            $gap = ($times[$i] - $times[$i - 1]).TotalSeconds
            $gap | Should -BeGreaterOrEqual 0.95
            $gap | Should -BeLessThan 2.5 -Because 'no extra sleep beyond Retry-After'
        }
    }
}

Describe 'Fleet scale behaviour' {
    BeforeAll {
        $script:Emu = Start-AksEmulator -ArgumentList '--extra-clusters', '250', '--nodes', '12'
        Connect-AksEmulator -Emulator $Emu | Out-Null
    }
    AfterAll { Disconnect-AksEgress; if ($script:Emu) { Stop-AksEmulator $script:Emu } }

    It 'streams: the first cluster arrives before the second page is requested' {
        Clear-EmulatorRequest $Emu
        $pagesAtFirst = $null
        $n = 0
        Get-AksNodeResourceGroup | ForEach-Object {
            if ($n++ -eq 0) { $script:pagesAtFirst = @(Get-EmulatorRequest $Emu | Where-Object pathAndQuery -match '/managedClusters\?').Count }
        }
        $n | Should -Be 259   # 6 in demo-rg, 3 egress-path clusters in paths-rg, 250 fleet
        $pages = @(Get-EmulatorRequest $Emu | Where-Object pathAndQuery -match '/managedClusters\?')
        $pages.Count | Should -Be 3
        $pages[1].pathAndQuery | Should -Match 'skipToken'
        $script:pagesAtFirst | Should -Be 1
    }

    It 'does not run ahead of a slow pipeline: no further page while the first objects are being processed' {
        Clear-EmulatorRequest $Emu
        $script:pagesAfterWait = $null
        $n = 0
        Get-AksNodeResourceGroup | ForEach-Object {
            if ($n++ -eq 0) {
                Start-Sleep -Milliseconds 1500   # a slow consumer (for example Test-AksEgressIp per cluster)
                $script:pagesAfterWait = @(Get-EmulatorRequest $Emu | Where-Object pathAndQuery -match '/managedClusters\?').Count
            }
        }
        $n | Should -Be 259   # 6 in demo-rg, 3 egress-path clusters in paths-rg, 250 fleet
        $script:pagesAfterWait | Should -Be 1 -Because 'at most a few objects are produced ahead of the pipeline, not whole pages'
    }

    It 'stops paging when the pipeline stops (Select-Object -First)' {
        Clear-EmulatorRequest $Emu
        $first = Get-AksNodeResourceGroup | Select-Object -First 3
        $first.Count | Should -Be 3
        @(Get-EmulatorRequest $Emu | Where-Object pathAndQuery -match '/managedClusters\?').Count | Should -Be 1
    }

    It 'Test-AksEgressIp -AllNodes -ThrottleLimit 5 never has more than 5 test pods alive, and does use 5' {
        Clear-EmulatorRequest $Emu
        $result = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName standard-lb | Test-AksEgressIp -AllNodes -ThrottleLimit 5
        $result.Succeeded | Should -BeTrue
        $log = @(Get-EmulatorRequest $Emu | Where-Object target -eq 'k8s:standard-lb')
        $created = @($log | Where-Object { $_.method -eq 'POST' -and $_.pathAndQuery -eq '/api/v1/namespaces/default/pods' })
        $created.Count | Should -Be 12
        # Pair each create with a delete in time order: a pod is alive from its POST to its DELETE.
        $starts = @($created | ForEach-Object { [DateTimeOffset]$_.timestamp } | Sort-Object)
        $ends = @($log | Where-Object { $_.method -eq 'DELETE' -and $_.pathAndQuery -like '*/pods/aks-egress-test-*' } |
            ForEach-Object { ([DateTimeOffset]$_.timestamp).AddMilliseconds([double]$_.durationMs) } | Sort-Object)
        $ends.Count | Should -Be 12
        $intervals = for ($i = 0; $i -lt 12; $i++) { [pscustomobject]@{ Start = $starts[$i]; End = $ends[$i] } }
        $max = Get-MaxOverlap $intervals
        $max | Should -BeLessOrEqual 5
        $max | Should -Be 5 -Because 'the throttle limit is used, the pods are not run one by one'
        @(Get-EmulatorTestPod $Emu -Cluster standard-lb | Where-Object { -not $_.metadata.deletionTimestamp }) | Should -BeNullOrEmpty
    }
}

Describe 'Fleet pattern: ForEach-Object -Parallel over clusters' {
    BeforeAll {
        $script:Emu = Start-AksEmulator
        Connect-AksEmulator -Emulator $Emu | Out-Null
    }
    AfterAll { Disconnect-AksEgress; if ($script:Emu) { Stop-AksEmulator $script:Emu } }

    It 'each runspace imports the module and uses the process-wide connection and engine' {
        Clear-EmulatorRequest $Emu
        $manifest = $ModuleManifest
        $clusters = Get-AksNodeResourceGroup -ResourceGroupName demo-rg
        $results = $clusters | ForEach-Object -ThrottleLimit 4 -Parallel {
            Import-Module $using:manifest
            # No Connect-AksEgress here: the connection made by the parent runspace is process-wide.
            $_ | Get-AksEgressConfiguration
        }
        @($results).Count | Should -Be @($clusters).Count
        ($results.ClusterName | Sort-Object) | Should -Be ($clusters.ClusterName | Sort-Object)
        foreach ($r in $results) { $r.PSObject.TypeNames[0] | Should -Be 'AksEgress.Models.EgressConfiguration' }
        # Every cluster came from the one list call; no runspace listed again or re-read a cluster.
        @(Get-EmulatorRequest $Emu | Where-Object pathAndQuery -match '/managedClusters\?').Count | Should -Be 1
        @(Get-EmulatorRequest $Emu | Where-Object { $_.pathAndQuery -match '/managedClusters/[^/?]+\?' }).Count | Should -Be 0
    }

    It 'runs Test-AksEgressIp on several clusters in parallel, one credential fetch per cluster' {
        Clear-EmulatorRequest $Emu
        $manifest = $ModuleManifest
        $names = 'standard-lb', 'natgw', 'udr'
        $results = $names | ForEach-Object -ThrottleLimit 3 -Parallel {
            Import-Module $using:manifest
            Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName $_ | Test-AksEgressIp
        }
        @($results).Count | Should -Be 3
        foreach ($r in $results) { $r.Succeeded | Should -BeTrue -Because $r.ClusterName }
        $creds = @(Get-EmulatorRequest $Emu | Where-Object pathAndQuery -like '*listClusterUserCredential*')
        $creds.Count | Should -Be 3
        @($creds.pathAndQuery | Sort-Object -Unique).Count | Should -Be 3
    }
}

Describe 'Fleet pattern: the child runbook of docs/fleet.md' {
    BeforeAll {
        $script:Emu = Start-AksEmulator
        # The runbook exactly as documented: the code block after '### Child runbook'.
        $doc = Get-Content -Raw (Join-Path $RepoRoot 'docs/fleet.md')
        $m = [regex]::Match($doc, '### Child runbook[^\n]*\n+```powershell\n(?<code>.*?)\n```', 'Singleline')
        $script:ChildRunbook = Join-Path $Emu.StateDir 'Test-AksEgressFleet.Runbook.ps1'
        Set-Content -Path $ChildRunbook -Value $m.Groups['code'].Value
    }
    AfterAll { if ($script:Emu) { Stop-AksEmulator $script:Emu } }

    It 'tests every cluster of a group in parallel with the managed identity, and passes when all are proven' {
        $c = $Emu.Connection
        $env:IDENTITY_ENDPOINT = $c.managedIdentityEndpoint
        $env:IDENTITY_HEADER = $c.managedIdentityHeader
        $oldPath = $env:PSModulePath
        $env:PSModulePath = (Join-Path $RepoRoot 'out') + [IO.Path]::PathSeparator + $env:PSModulePath
        try {
            $out = & dotnet pwsh -NoProfile -NonInteractive -File $ChildRunbook -SubscriptionId $c.subscriptionId -ResourceGroupName demo-rg `
                -TestEgress -ArmEndpoint $c.armEndpoint -CaCertificatePath $c.caCertificatePath 2>&1 | Out-String
            $exit = $LASTEXITCODE
        }
        finally {
            Remove-Item Env:IDENTITY_ENDPOINT, Env:IDENTITY_HEADER -ErrorAction SilentlyContinue
            $env:PSModulePath = $oldPath
        }
        $out | Should -Match '6 cluster\(s\), 0 failed'
        foreach ($name in 'legacy-basic', 'standard-lb', 'natgw', 'udr', 'locked', 'aad') { $out | Should -Match $name }
        $exit | Should -Be 0
        # One list for the group, one credential fetch per cluster, no cluster GET after the list.
        $log = @(Get-EmulatorRequest $Emu)
        @($log | Where-Object pathAndQuery -match '/managedClusters\?').Count | Should -Be 1
        @($log | Where-Object pathAndQuery -like '*listClusterUserCredential*').Count | Should -Be 6
        @($log | Where-Object { $_.pathAndQuery -match '/managedClusters/[^/?]+\?' }).Count | Should -Be 0
    }
}
