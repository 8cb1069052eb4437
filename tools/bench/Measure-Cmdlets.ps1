# Runs in a FRESH pwsh started by tools/Bench.ps1: first-call and warm-call latency of each cmdlet against the emulator
# (LRO Retry-After 0), the emulator's own time per call (from its request log: timestamp + durationMs, overlapping
# requests merged), the requests sent, and the kubectl comparisons. Writes one JSON document to -OutputFile.
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputFile,
    [int] $Warm = 10,
    [int] $PeerRuns = 5
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
Import-Module (Join-Path $root 'tools/Emulator.psm1')
Import-Module $ModulePath

$emu = Start-AksEmulator -ArgumentList '--lro-retry-after', '0'
$sub = $emu.Connection.subscriptionId
$stdId = "/subscriptions/$sub/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/standard-lb"
$legacyId = "/subscriptions/$sub/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/legacy-basic"

function Get-Log { @(Invoke-EmulatorAdmin -Emulator $emu -Path 'requests' | Where-Object { $null -ne $_ -and $_.PSObject.Properties['timestamp'] }) }
function Clear-Log { Invoke-EmulatorAdmin -Emulator $emu -Method DELETE -Path 'requests' | Out-Null }
function Reset-World { Invoke-EmulatorAdmin -Emulator $emu -Method POST -Path 'reset' | Out-Null }

function Get-BusyMilliseconds {
    <# Union of the emulator's [arrival, arrival + durationMs] intervals, clipped to the call: the time the caller was waiting
       on the emulator. A watch the client closed may still be open on the server (status 0, no duration yet) or end later
       than the call: the caller stopped waiting when the call returned, so it ends at $End. #>
    param([object[]] $Log, [double] $End)
    $iv = @($Log | Where-Object { $null -ne $_ } | ForEach-Object {
            $s = ([DateTimeOffset]$_.timestamp).UtcTicks / 10000.0
            $e = if ([int]$_.status -eq 0) { $End } else { [Math]::Min($End, $s + [double]$_.durationMs) }
            [pscustomobject]@{ S = $s; E = $e }
        } | Sort-Object S)
    $total = 0.0; $cs = $null; $ce = $null
    foreach ($i in $iv) {
        if ($null -eq $cs) { $cs = $i.S; $ce = $i.E; continue }
        if ($i.S -le $ce) { if ($i.E -gt $ce) { $ce = $i.E } } else { $total += $ce - $cs; $cs = $i.S; $ce = $i.E }
    }
    if ($null -ne $cs) { $total += $ce - $cs }
    $total
}

function Measure-Call {
    param([string] $Scenario, [string] $Kind, [scriptblock] $Call)
    Clear-Log
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $null = & $Call
    $wall = $sw.Elapsed.TotalMilliseconds
    $end = [DateTimeOffset]::UtcNow.UtcTicks / 10000.0
    $log = @(Get-Log)
    $busy = Get-BusyMilliseconds $log $end
    [pscustomobject]@{
        Scenario = $Scenario; Kind = $Kind; WallMs = [Math]::Round($wall, 2); EmulatorMs = [Math]::Round($busy, 2)
        OverheadMs = [Math]::Round($wall - $busy, 2); Requests = $log.Count
        RequestList = @($log | ForEach-Object { "$($_.target) $($_.method) $($_.pathAndQuery -replace $sub, '{sub}')" })
    }
}

$results = [Collections.Generic.List[object]]::new()
function Invoke-Scenario {
    <# First call, then $Warm warm calls; $Setup (untimed) runs before each. #>
    param([string] $Name, [scriptblock] $Call, [scriptblock] $Setup, [scriptblock] $Once)
    if ($Once) { $null = & $Once }
    for ($i = 0; $i -le $Warm; $i++) {
        $script:Iteration = $i
        if ($Setup) { $null = & $Setup }
        $results.Add((Measure-Call -Scenario $Name -Kind ($i -eq 0 ? 'first' : 'warm') -Call $Call))
    }
}

try {
    # ------------------------------------------------------------------ per-cmdlet latency (recipe order: first calls pay JIT/assembly loads)
    Invoke-Scenario 'Connect-AksEgress' { Connect-AksEmulator -Emulator $emu }
    Invoke-Scenario 'Get-AksNodeResourceGroup -ClusterName (GET)' -Setup { Connect-AksEmulator -Emulator $emu } `
        -Call { Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic }
    Invoke-Scenario 'Get-AksNodeResourceGroup -ClusterName (session cache)' { Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic }
    Invoke-Scenario 'Get-AksNodeResourceGroup -ResourceGroupName (list)' { Get-AksNodeResourceGroup -ResourceGroupName demo-rg }
    Invoke-Scenario 'New-AksEgressIp (new)' -Once { Reset-World } { New-AksEgressIp -Name "bench-ip-$script:Iteration" -ResourceGroupName egress-rg -Location eastus }
    Invoke-Scenario 'New-AksEgressIp (existing)' { New-AksEgressIp -Name 'bench-ip-0' -ResourceGroupName egress-rg -Location eastus }
    $legacy = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic
    Invoke-Scenario 'Set-AksEgressService (new)' -Setup { Reset-World; $script:SvcIp = $legacy | New-AksEgressIp -Name 'bench-svc' } `
        -Call { $script:SvcIp | Set-AksEgressService }
    Invoke-Scenario 'Set-AksEgressService (unchanged)' { $script:SvcIp | Set-AksEgressService }
    Invoke-Scenario 'Test-AksEgressIp' { Test-AksEgressIp -ClusterId $legacyId -ExpectedIpAddress $script:SvcIp.IpAddress }
    Connect-AksEmulator -Emulator $emu | Out-Null   # the world was reset: drop the session's cached clusters
    $standard = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName standard-lb
    Invoke-Scenario 'Get-AksEgressConfiguration' { $standard | Get-AksEgressConfiguration }
    $ipA = New-AksEgressIp -Name 'bench-out-a' -ResourceGroupName egress-rg -Location eastus
    $ipB = New-AksEgressIp -Name 'bench-out-b' -ResourceGroupName egress-rg -Location eastus
    Invoke-Scenario 'Set-AksOutboundIp (new)' -Setup { $script:OutIp = ($script:Iteration % 2) ? $ipB : $ipA } `
        -Call { Set-AksOutboundIp -ClusterId $stdId -PublicIpId $script:OutIp.Id -Confirm:$false }
    Invoke-Scenario 'Set-AksOutboundIp (unchanged)' { Set-AksOutboundIp -ClusterId $stdId -PublicIpId $script:OutIp.Id -Confirm:$false }

    # ------------------------------------------------------------------ peer comparison: kubectl on the same emulator
    $peer = [Collections.Generic.List[object]]::new()
    $kubeconfig = Join-Path $emu.StateDir 'legacy-basic.kubeconfig'
    $work = Join-Path $emu.StateDir 'bench'
    New-Item -ItemType Directory -Force $work | Out-Null
    $warmCache = Join-Path $work 'kubectl-cache-warm'
    function Invoke-Kubectl {
        param([string] $CacheDir, [string[]] $Arguments)
        $out = & timeout 60 kubectl --kubeconfig $kubeconfig --cache-dir $CacheDir @Arguments 2>&1
        if ($LASTEXITCODE -ne 0) { throw "kubectl $($Arguments -join ' ') failed ($LASTEXITCODE): $out" }
        $out
    }
    function Wait-Kubectl {
        <# The shell way to wait: `kubectl wait --for=jsonpath=<path>=<value>` (list, then watch until it holds). #>
        param([string] $CacheDir, [string] $Resource, [string] $JsonPath, [string] $Expected)
        $null = Invoke-Kubectl $CacheDir @('wait', $Resource, "--for=jsonpath=$JsonPath=$Expected", '--timeout=50s')
    }
    function New-ServiceYaml([string] $Address) {
        $file = Join-Path $work 'service.yaml'
        @"
apiVersion: v1
kind: Service
metadata:
  name: aks-egress
  namespace: default
  labels: {app.kubernetes.io/managed-by: AksEgress}
  annotations: {service.beta.kubernetes.io/azure-load-balancer-ipv4: "$Address"}
spec:
  type: LoadBalancer
  ports: [{name: egress, protocol: TCP, port: 8080, targetPort: 8080}]
"@ | Set-Content -Path $file
        $file
    }
    function Measure-Peer([string] $Name, [scriptblock] $Setup, [scriptblock] $Call) {
        for ($i = 0; $i -lt $PeerRuns; $i++) {
            $script:Iteration = $i
            $null = & $Setup
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $null = & $Call
            $peer.Add([pscustomobject]@{ Scenario = $Name; WallMs = [Math]::Round($sw.Elapsed.TotalMilliseconds, 2) })
        }
    }
    $prepare = { Reset-World; $script:SvcIp = $legacy | New-AksEgressIp -Name 'aks-egress-ip'; $script:Yaml = New-ServiceYaml $script:SvcIp.IpAddress }
    Measure-Peer 'Set-AksEgressService (create, waits for the IP)' $prepare { $script:SvcIp | Set-AksEgressService }
    Measure-Peer 'kubectl apply -f (fresh cache dir, no wait)' $prepare {
        Invoke-Kubectl (Join-Path $work "cache-$([guid]::NewGuid().ToString('n'))") @('apply', '-f', $script:Yaml, '--validate=false') }
    Measure-Peer 'kubectl apply -f + kubectl wait for the IP (fresh cache dir)' $prepare {
        $c = Join-Path $work "cache-$([guid]::NewGuid().ToString('n'))"
        Invoke-Kubectl $c @('apply', '-f', $script:Yaml, '--validate=false')
        Wait-Kubectl $c 'service/aks-egress' '{.status.loadBalancer.ingress[0].ip}' $script:SvcIp.IpAddress }
    Measure-Peer 'kubectl apply -f + kubectl wait for the IP (warm cache dir)' $prepare {
        Invoke-Kubectl $warmCache @('apply', '-f', $script:Yaml, '--validate=false')
        Wait-Kubectl $warmCache 'service/aks-egress' '{.status.loadBalancer.ingress[0].ip}' $script:SvcIp.IpAddress }

    # The whole recipe: AksEgress pipeline vs the shell sequence (Kubernetes steps only: no az CLI on this machine).
    Measure-Peer 'AksEgress recipe pipeline (Get | New | Set | Test), fresh session' { Reset-World; Connect-AksEmulator -Emulator $emu } {
        Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic | New-AksEgressIp -Name aks-egress-ip | Set-AksEgressService | Test-AksEgressIp }
    Measure-Peer 'AksEgress Kubernetes steps (Set-AksEgressService | Test-AksEgressIp)' $prepare { $script:SvcIp | Set-AksEgressService | Test-AksEgressIp }
    Measure-Peer 'kubectl Kubernetes steps (apply, wait for the IP, run, wait for Succeeded, logs, delete)' $prepare {
        $c = Join-Path $work "cache-$([guid]::NewGuid().ToString('n'))"
        Invoke-Kubectl $c @('apply', '-f', $script:Yaml, '--validate=false')
        Wait-Kubectl $c 'service/aks-egress' '{.status.loadBalancer.ingress[0].ip}' $script:SvcIp.IpAddress
        Invoke-Kubectl $c @('run', 'aks-egress-shell', '--image=curlimages/curl:8.11.1', '--restart=Never', '--command', '--', 'curl', '-s', 'https://api.ipify.org')
        Wait-Kubectl $c 'pod/aks-egress-shell' '{.status.phase}' 'Succeeded'
        $observed = Invoke-Kubectl $c @('logs', 'aks-egress-shell')
        Invoke-Kubectl $c @('delete', 'pod', 'aks-egress-shell', '--wait=false')
        if ("$observed".Trim() -ne $script:SvcIp.IpAddress) { throw "kubectl sequence observed '$observed', expected $($script:SvcIp.IpAddress)" } }

    [pscustomobject]@{ Cmdlets = $results; Peer = $peer } | ConvertTo-Json -Depth 6 | Set-Content -Path $OutputFile
}
finally {
    Disconnect-AksEgress
    Stop-AksEmulator $emu
}
