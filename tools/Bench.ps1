#!/usr/bin/env pwsh
<#
.SYNOPSIS
    AksEgress benchmarks (not tests): import cost, per-cmdlet latency and overhead, request counts, kubectl comparison,
    fleet-scale listing and -AllNodes parallelism. Writes docs/performance.md.
.DESCRIPTION
    Run through `dotnet pwsh ./build.ps1 Bench` (builds first). Repeated whole-process runs (import cost, fleet) and
    repeated in-process calls against the local emulator with zero injected latency (LRO Retry-After 0); min/median/max.
    The emulator's own time per call comes from its request log (arrival timestamp + durationMs, overlapping requests
    merged), so "overhead" = wall time - time spent waiting on the emulator. Takes about 3-5 minutes.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputFile,
    # Runs per import-cost variant.
    [int] $ImportRuns = 15,
    # Warm calls per cmdlet scenario (after the first call).
    [int] $WarmCalls = 10,
    # Runs per kubectl-comparison variant.
    [int] $PeerRuns = 5,
    [int[]] $FleetSizes = @(100, 1000, 2000),
    [int] $Nodes = 100,
    [int[]] $ThrottleLimits = @(5, 10, 20)
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$Root = Split-Path -Parent $PSScriptRoot
$ModulePath = (Resolve-Path $ModulePath).Path
$Work = Join-Path ([IO.Path]::GetTempPath()) ("aksegress-bench-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
New-Item -ItemType Directory -Force $Work | Out-Null
Import-Module (Join-Path $Root 'tools/Emulator.psm1') -Force
$started = Get-Date

function Get-Stats([double[]] $Values) {
    $s = @($Values | Sort-Object)
    $n = $s.Count
    $median = if ($n % 2) { $s[[int][Math]::Floor($n / 2)] } else { ($s[$n / 2 - 1] + $s[$n / 2]) / 2 }
    [pscustomobject]@{ N = $n; Min = $s[0]; Median = $median; Max = $s[-1] }
}
function Group-Ordered([object[]] $Items) {
    <# Group-Object by Scenario, in order of first appearance. #>
    foreach ($name in $Items.Scenario | Select-Object -Unique) { [pscustomobject]@{ Name = $name; Group = @($Items | Where-Object Scenario -eq $name) } }
}
function Esc([string] $s) { $s.Replace('|', '\|') }
function F([double] $v, [int] $d = 1) { [Math]::Round($v, $d).ToString("F$d", [Globalization.CultureInfo]::InvariantCulture) }
function Invoke-Pwsh {
    <# Wall time and CPU time (user + system, from /usr/bin/time) of a whole `dotnet pwsh -NoProfile -c <command>` process, in ms. #>
    param([string] $Command)
    $timeFile = Join-Path $Work 'time.txt'
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $out = & /usr/bin/time -f '%U %S' -o $timeFile dotnet pwsh -NoProfile -NonInteractive -Command $Command 2>&1
    $ms = $sw.Elapsed.TotalMilliseconds
    if ($LASTEXITCODE -ne 0) { throw "dotnet pwsh -c '$Command' failed: $out" }
    $u, $sy = (Get-Content $timeFile | Select-Object -Last 1) -split ' '
    [pscustomobject]@{ Ms = $ms; CpuMs = ([double]$u + [double]$sy) * 1000; Output = ($out | Out-String).Trim() }
}

# ---------------------------------------------------------------------------------------------------- machine
Write-Host 'Bench: machine'
$memKb = [double]((Get-Content /proc/meminfo | Select-String '^MemTotal:\s+(\d+)').Matches[0].Groups[1].Value)
$os = ((Get-Content /etc/os-release | Select-String '^PRETTY_NAME=(.*)$').Matches[0].Groups[1].Value).Trim('"')
$machine = [ordered]@{
    'date (UTC)'     = $started.ToUniversalTime().ToString('yyyy-MM-dd HH:mm')
    'CPU cores'      = (& nproc).Trim()
    'CPU'            = ((Get-Content /proc/cpuinfo | Select-String '^model name\s*:\s*(.*)$' | Select-Object -First 1).Matches[0].Groups[1].Value)
    'memory'         = "$(F ($memKb / 1MB)) GiB"
    'OS'             = "$os, kernel $((& uname -r).Trim())"
    '.NET runtimes'  = ((& dotnet --list-runtimes) -like 'Microsoft.NETCore.App *' | ForEach-Object { ($_ -split ' ')[1] }) -join ', '
    'PowerShell'     = (Invoke-Pwsh '$PSVersionTable.PSVersion.ToString()').Output
    'kubectl'        = ((& kubectl version --client 2>&1) -match 'Client Version' | Select-Object -First 1) -replace 'Client Version:\s*', ''
    'load average at start' = ((Get-Content /proc/loadavg) -split ' ')[0..2] -join ' '
}

# ---------------------------------------------------------------------------------------------------- import cost
Write-Host "Bench: import cost ($ImportRuns runs per variant)"
Invoke-Pwsh 'exit' | Out-Null   # warm the file cache
# Control: an empty manifest module, to separate PowerShell's own cost of a first Import-Module from AksEgress's.
$emptyModule = Join-Path $Work 'EmptyModule/EmptyModule.psd1'
New-Item -ItemType Directory -Force (Split-Path $emptyModule) | Out-Null
New-ModuleManifest -Path $emptyModule -ModuleVersion 1.0.0
$bare = [Collections.Generic.List[double]]::new()
$import = [Collections.Generic.List[double]]::new()
$empty = [Collections.Generic.List[double]]::new()
$inProcess = [Collections.Generic.List[double]]::new()
$pairs = [Collections.Generic.List[double]]::new()
$cpuBare = [Collections.Generic.List[double]]::new()
$cpuImport = [Collections.Generic.List[double]]::new()
for ($i = 0; $i -lt $ImportRuns; $i++) {
    $b = Invoke-Pwsh 'exit'
    $m = Invoke-Pwsh "Import-Module '$ModulePath'"
    $bare.Add($b.Ms); $import.Add($m.Ms); $pairs.Add($m.Ms - $b.Ms); $cpuBare.Add($b.CpuMs); $cpuImport.Add($m.CpuMs)
    $empty.Add((Invoke-Pwsh "Import-Module '$emptyModule'").Ms)
    $inProcess.Add([double](Invoke-Pwsh "[Math]::Round((Measure-Command { Import-Module '$ModulePath' }).TotalMilliseconds, 2)").Output)
}
$bareS = Get-Stats $bare; $importS = Get-Stats $import; $inS = Get-Stats $inProcess; $emptyS = Get-Stats $empty
$importDelta = $importS.Median - $bareS.Median
$pairS = Get-Stats $pairs
$cpuDelta = (Get-Stats $cpuImport).Median - (Get-Stats $cpuBare).Median
$loaded = (Invoke-Pwsh "Import-Module '$ModulePath'; ([AppDomain]::CurrentDomain.GetAssemblies().GetName().Name | Where-Object { `$_ -match '^(Azure\.|KubernetesClient|AksEgress|Microsoft\.Identity|YamlDotNet)' } | Sort-Object) -join ', '").Output

# ---------------------------------------------------------------------------------------------------- cmdlets + kubectl
Write-Host "Bench: cmdlet latency ($WarmCalls warm calls each) and kubectl comparison ($PeerRuns runs each)"
$cmdletJson = Join-Path $Work 'cmdlets.json'
& dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'bench/Measure-Cmdlets.ps1') -ModulePath $ModulePath -OutputFile $cmdletJson -Warm $WarmCalls -PeerRuns $PeerRuns | Out-Host
if ($LASTEXITCODE -ne 0 -or -not (Test-Path $cmdletJson)) { throw 'tools/bench/Measure-Cmdlets.ps1 failed' }
$cm = Get-Content -Raw $cmdletJson | ConvertFrom-Json

# ---------------------------------------------------------------------------------------------------- fleet listing
$fleet = [Collections.Generic.List[object]]::new()
foreach ($size in $FleetSizes) {
    Write-Host "Bench: Get-AksNodeResourceGroup over $size fleet clusters"
    $emu = Start-AksEmulator -ArgumentList '--extra-clusters', $size -TimeoutSeconds 120
    try {
        $out = Join-Path $Work "fleet-$size.json"
        $sw = [Diagnostics.Stopwatch]::StartNew()
        & /usr/bin/time -f '%M' -o (Join-Path $Work "rss-$size.txt") dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'bench/Measure-Fleet.ps1') `
            -ModulePath $ModulePath -ConnectionFile (Join-Path $emu.StateDir 'connection.json') -OutputFile $out | Out-Host
        $processMs = $sw.Elapsed.TotalMilliseconds
        if ($LASTEXITCODE -ne 0) { throw "Measure-Fleet failed for $size clusters" }
        $r = Get-Content -Raw $out | ConvertFrom-Json
        $pages = @(Invoke-EmulatorAdmin -Emulator $emu -Path 'requests' | Where-Object { $_ -and $_.pathAndQuery -match '/providers/Microsoft\.ContainerService/managedClusters\?' })
        $lastPage = ($pages | ForEach-Object { [DateTimeOffset]$_.timestamp } | Sort-Object)[-1]
        $emulatorMs = ($pages | Measure-Object -Property durationMs -Sum).Sum
        $firstObj = [DateTimeOffset]$r.FirstObjectUtc
        $fleet.Add([pscustomobject]@{
                Size = $size; Clusters = $r.Count; Pages = $pages.Count; TotalMs = $r.TotalMs; FirstObjectMs = $r.FirstObjectMs
                EmulatorMs = [Math]::Round($emulatorMs, 1); ModuleMs = [Math]::Round($r.TotalMs - $emulatorMs, 1)
                LastPageAfterFirstObjectMs = [Math]::Round(($lastPage - $firstObj).TotalMilliseconds, 1)
                GcHeapGrowthMB = $r.GcHeapGrowthMB; MaxGcHeapMB = $r.MaxGcHeapMB; PeakWorkingSetMB = $r.PeakWorkingSetMB
                MaxRssMB = [Math]::Round([double](Get-Content (Join-Path $Work "rss-$size.txt") | Select-Object -Last 1) / 1024, 1)
                ProcessMs = [Math]::Round($processMs, 0)
            })
    }
    finally { Stop-AksEmulator $emu }
}

# ---------------------------------------------------------------------------------------------------- -AllNodes
Write-Host "Bench: Test-AksEgressIp -AllNodes on a $Nodes-node cluster"
Import-Module $ModulePath -Force
$allNodes = [Collections.Generic.List[object]]::new()
$emu = Start-AksEmulator -ArgumentList '--nodes', $Nodes -TimeoutSeconds 120
try {
    Connect-AksEmulator -Emulator $emu | Out-Null
    $cluster = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName standard-lb
    $cluster | Test-AksEgressIp | Out-Null   # warm: engine, credentials, JIT
    $single = [Collections.Generic.List[double]]::new()
    for ($i = 0; $i -lt 5; $i++) {
        $sw = [Diagnostics.Stopwatch]::StartNew(); $cluster | Test-AksEgressIp | Out-Null; $single.Add($sw.Elapsed.TotalMilliseconds)
    }
    $podMs = (Get-Stats $single).Median
    foreach ($t in $ThrottleLimits) {
        Invoke-EmulatorAdmin -Emulator $emu -Method DELETE -Path 'requests' | Out-Null
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $r = $cluster | Test-AksEgressIp -AllNodes -ThrottleLimit $t
        $ms = $sw.Elapsed.TotalMilliseconds
        $log = @(Invoke-EmulatorAdmin -Emulator $emu -Path 'requests' | Where-Object { $_ -and $_.target -eq 'k8s:standard-lb' })
        $starts = @($log | Where-Object { $_.method -eq 'POST' -and $_.pathAndQuery -eq '/api/v1/namespaces/default/pods' } | ForEach-Object { [DateTimeOffset]$_.timestamp })
        $ends = @($log | Where-Object { $_.method -eq 'DELETE' -and $_.pathAndQuery -like '*/pods/aks-egress-test-*' } | ForEach-Object { ([DateTimeOffset]$_.timestamp).AddMilliseconds([double]$_.durationMs) })
        $ev = @($starts | ForEach-Object { [pscustomobject]@{ T = $_; D = 1 } }) + @($ends | ForEach-Object { [pscustomobject]@{ T = $_; D = -1 } })
        $open = 0; $max = 0
        foreach ($e in $ev | Sort-Object T, D) { $open += $e.D; if ($open -gt $max) { $max = $open } }
        $ideal = $podMs * [Math]::Ceiling($Nodes / $t)
        $allNodes.Add([pscustomobject]@{
                ThrottleLimit = $t; Pods = $starts.Count; Succeeded = $r.Succeeded; Ms = $ms; MaxAlive = $max
                IdealMs = $ideal; Ratio = $ms / $ideal; SequentialMs = $podMs * $Nodes
            })
    }
}
finally { Disconnect-AksEgress; Stop-AksEmulator $emu }

# ---------------------------------------------------------------------------------------------------- report
Write-Host "Bench: writing $OutputFile"
$elapsed = (Get-Date) - $started
$command = 'dotnet tool restore && dotnet pwsh ./build.ps1 Bench'
$params = "-ImportRuns $ImportRuns -WarmCalls $WarmCalls -PeerRuns $PeerRuns -FleetSizes $($FleetSizes -join ',') -Nodes $Nodes -ThrottleLimits $($ThrottleLimits -join ',')"
$md = [Text.StringBuilder]::new()
function L([string] $line = '') { [void]$md.AppendLine($line) }

L '# AksEgress performance'
L
L "Generated by ``tools/Bench.ps1`` — run ``$command`` (it builds, then runs ``tools/Bench.ps1 -ModulePath out/AksEgress/AksEgress.psd1"
L "-OutputFile docs/performance.md``, parameters $params). Do not edit by hand: rerun the command. This run took $(F $elapsed.TotalMinutes) min."
L
L 'These are benchmarks, not tests: tests (`tests/pester/Performance.Tests.ps1`, `tests/pester/Module.Tests.ps1`) assert'
L 'request counts and behaviour; only this file holds times. Times are against the local emulator (HTTPS on loopback, zero'
L 'injected latency, LRO `Retry-After: 0`), so they show the module''s own cost; against Azure every request adds its network'
L 'and service time, which the request counts below let you estimate.'
L
L '## Machine'
L
L '| | |'
L '|---|---|'
foreach ($k in $machine.Keys) { L "| $k | $($machine[$k]) |" }
L
L 'The machine is shared (other builds may run at the same time): medians are the figure to read, max values show the noise.'
L
L '## Goals'
L
$warm = @($cm.Cmdlets | Where-Object Kind -eq 'warm')
$perScenario = $warm | Group-Object Scenario | ForEach-Object { [pscustomobject]@{ Scenario = $_.Name; Overhead = (Get-Stats @($_.Group.OverheadMs)) } }
$worst = $perScenario | Sort-Object { $_.Overhead.Median } | Select-Object -Last 1
$peerBy = $cm.Peer | Group-Object Scenario -AsHashTable -AsString
function PeerMedian([string] $name) { (Get-Stats @($peerBy[$name].WallMs)).Median }
$svcMs = PeerMedian 'Set-AksEgressService (create, waits for the IP)'
$applyMs = PeerMedian 'kubectl apply -f (fresh cache dir, no wait)'
$applyWaitMs = PeerMedian 'kubectl apply -f + kubectl wait for the IP (fresh cache dir)'
$applyWaitWarmMs = PeerMedian 'kubectl apply -f + kubectl wait for the IP (warm cache dir)'
$k8sStepsMs = PeerMedian 'AksEgress Kubernetes steps (Set-AksEgressService | Test-AksEgressIp)'
$kubectlStepsMs = PeerMedian 'kubectl Kubernetes steps (apply, wait for the IP, run, wait for Succeeded, logs, delete)'
$pipelineMs = PeerMedian 'AksEgress recipe pipeline (Get | New | Set | Test), fresh session'
$largest = $fleet | Sort-Object Size | Select-Object -Last 1
$smallest = $fleet | Sort-Object Size | Select-Object -First 1
$timeRatio = $largest.TotalMs / $smallest.TotalMs
$sizeRatio = $largest.Clusters / $smallest.Clusters
$memRatio = $largest.PeakWorkingSetMB / $smallest.PeakWorkingSetMB
$moduleRatio = $largest.ModuleMs / [Math]::Max(0.1, $smallest.ModuleMs)
$streams = @($fleet | Where-Object { $_.Pages -gt 1 -and $_.LastPageAfterFirstObjectMs -gt 0 }).Count -eq @($fleet | Where-Object Pages -gt 1).Count
$an5 = $allNodes | Where-Object ThrottleLimit -eq 5 | Select-Object -First 1
function Verdict([bool] $ok) { if ($ok) { '**met**' } else { '**missed**' } }
L '| goal | measured | verdict |'
L '|---|---|---|'
L "| import under 100 ms (median difference, ``Import-Module`` process - bare process) | $(F $pairS.Median) ms (median of the $ImportRuns back-to-back pair differences; difference of the medians: $(F $importDelta) ms; CPU time: +$(F $cpuDelta) ms; in-process ``Import-Module``: $(F $inS.Median) ms) | $(Verdict ($pairS.Median -lt 100)) |"
L "| warm overhead under 20 ms per cmdlet (wall - emulator time, median) | worst: $(F $worst.Overhead.Median) ms ($($worst.Scenario)) | $(Verdict ($worst.Overhead.Median -lt 20)) |"
L "| Set-AksEgressService vs ``kubectl apply -f`` | $(F $svcMs) ms vs $(F $applyMs) ms apply only (ratio $(F ($svcMs / $applyMs) 2)), $(F $applyWaitMs) ms apply + wait for the IP (ratio $(F ($svcMs / $applyWaitMs) 2)) | reported |"
L "| recipe, Kubernetes steps: pipeline vs kubectl sequence | $(F $k8sStepsMs) ms vs $(F $kubectlStepsMs) ms (ratio $(F ($k8sStepsMs / $kubectlStepsMs) 2)) | reported |"
L "| fleet listing streams (first object before the last page is requested) | first object after $(F $largest.FirstObjectMs) ms; last of $($largest.Pages) pages requested $(F $largest.LastPageAfterFirstObjectMs) ms later ($($largest.Clusters) clusters) | $(Verdict $streams) |"
L "| fleet listing grows linearly or better ($($smallest.Clusters) → $($largest.Clusters) clusters, ×$(F $sizeRatio)) | time ×$(F $timeRatio 2) (module part ×$(F $moduleRatio 2)), peak working set ×$(F $memRatio 2) | $(Verdict ($moduleRatio -le $sizeRatio * 1.1 -and $memRatio -le $sizeRatio)) (on the module's part) |"
if ($an5) {
    L "| -AllNodes bounded parallelism ($Nodes nodes, -ThrottleLimit 5) | $(F ($an5.Ms / 1000) 2) s vs one pod × ceil($Nodes/5) = $(F ($an5.IdealMs / 1000) 2) s (×$(F $an5.Ratio 2)); sequential would be ~$(F ($an5.SequentialMs / 1000) 1) s; at most $($an5.MaxAlive) pods alive | $(Verdict ($an5.MaxAlive -le 5 -and $an5.Ratio -lt 1.5)) |"
}
L
L '## Import cost'
L
L "$ImportRuns runs each, interleaved, whole processes (``dotnet pwsh`` = the repo's local PowerShell tool; the ``dotnet`` host start is in both):"
L
L '| command | min | median | max |'
L '|---|---:|---:|---:|'
L "| ``dotnet pwsh -NoProfile -c exit`` | $(F $bareS.Min) | $(F $bareS.Median) | $(F $bareS.Max) |"
L "| ``dotnet pwsh -NoProfile -c 'Import-Module <out/AksEgress/AksEgress.psd1>'`` | $(F $importS.Min) | $(F $importS.Median) | $(F $importS.Max) |"
L "| control: ``dotnet pwsh -NoProfile -c 'Import-Module <an empty manifest module>'`` | $(F $emptyS.Min) | $(F $emptyS.Median) | $(F $emptyS.Max) |"
L "| ``Measure-Command { Import-Module ... }`` inside a fresh process | $(F $inS.Min) | $(F $inS.Median) | $(F $inS.Max) |"
L
L "Each run of the module import directly follows a bare run; the median of those $ImportRuns pair differences is **$(F $pairS.Median) ms**"
L "(min $(F $pairS.Min), max $(F $pairS.Max)): the goal's figure (pairing removes slow drifts of the load of other jobs, not their bursts). The difference"
L "of the medians above is $(F $importDelta) ms; CPU time (user + system, ``/usr/bin/time``) grows by $(F $cpuDelta) ms (median). Of the difference of medians, PowerShell's own cost of running a first"
L "``Import-Module`` in a process (the empty-module control) is $(F ($emptyS.Median - $bareS.Median)) ms, so AksEgress itself adds"
L "$(F ($importS.Median - $emptyS.Median)) ms; measured inside the process, ``Import-Module`` of AksEgress takes $(F $inS.Median) ms. Whole-process"
L "runs on this shared 2-core machine vary by $(F ($bareS.Max - $bareS.Min)) ms between runs of the bare command alone, so the"
L "difference of medians is noisy; the CPU time is the steadiest figure."
L
L "Assemblies of the module loaded after import: ``$loaded`` — the engine, Azure SDK,"
L 'KubernetesClient and MSAL load on the first cmdlet call, not at import (asserted by `tests/pester/Module.Tests.ps1`,'
L '"loads no SDK assembly at import"). Import reads only the manifest, `AksEgress.dll`, the format file and help; it sends no request.'
L
L '## Cmdlet latency and overhead'
L
L "Each scenario: one first call, then $WarmCalls warm calls, in one fresh pwsh process (``tools/bench/Measure-Cmdlets.ps1``), against"
L 'the emulator with LRO `Retry-After: 0`. *Emulator* = time the emulator spent on the requests of the call (from its request log,'
L 'overlaps merged; it includes the simulated cloud-provider and kubelet delays of 150 ms per step, which a real cluster also'
L 'has). *Overhead* = wall - emulator: PowerShell binding, the engine, JSON, TLS on loopback, and client-side gaps. ms.'
L
L '| scenario | requests (first / warm) | first call wall | first call overhead | warm wall median (min-max) | warm emulator median | warm overhead median (min-max) |'
L '|---|---:|---:|---:|---:|---:|---:|'
foreach ($g in Group-Ordered $cm.Cmdlets) {
    $first = $g.Group | Where-Object Kind -eq 'first' | Select-Object -First 1
    $w = @($g.Group | Where-Object Kind -eq 'warm')
    $ws = Get-Stats @($w.WallMs); $es = Get-Stats @($w.EmulatorMs); $os = Get-Stats @($w.OverheadMs)
    $reqs = "$($first.Requests) / $(((Get-Stats @($w.Requests)).Median))"
    L "| $(Esc $g.Name) | $reqs | $(F $first.WallMs) | $(F $first.OverheadMs) | $(F $ws.Median) ($(F $ws.Min)-$(F $ws.Max)) | $(F $es.Median) | $(F $os.Median) ($(F $os.Min)-$(F $os.Max)) |"
}
L
L 'First calls pay one-time costs: the first ARM call loads the engine, Azure.Core and the TLS stack into the private'
L 'AssemblyLoadContext and JITs them; the first Kubernetes call fetches the cluster credential once, parses the kubeconfig and'
L 'loads KubernetesClient. Later calls reuse the process-wide engine, HTTP connections, session cache (cluster GETs, 30 s) and'
L 'Kubernetes clients (per cluster, for the session).'
L
L '## Requests per cmdlet (common case)'
L
L 'Exactly what each call sent (first call of each scenario above; `{sub}` = subscription). The sequences are asserted by'
L '`tests/pester/Performance.Tests.ps1` ("Request counts of each cmdlet"), which also asserts: no api-version or provider'
L 'discovery (every ARM call pins its api-version), one `listClusterUserCredential` per cluster per session, Kubernetes waits'
L 'are one list + one watch (never a polling loop), and LRO polls wait exactly the `Retry-After` interval.'
L
foreach ($g in Group-Ordered $cm.Cmdlets) {
    $first = $g.Group | Where-Object Kind -eq 'first' | Select-Object -First 1
    $w = $g.Group | Where-Object Kind -eq 'warm' | Select-Object -First 1
    L "**$($g.Name)** — $($first.Requests) request(s) on the first call$(if ($w -and $w.Requests -ne $first.Requests) { ", $($w.Requests) when warm" })"
    L
    if ($first.Requests -eq 0) { L '    (none)' }
    foreach ($r in $first.RequestList) { L "    $($r -replace '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '{id}' -replace 'aks-egress-test-[a-z0-9]+', '{pod}' -replace 'resourceVersion=\d+', 'resourceVersion={rv}')" }
    L
}
L 'Why each request is there:'
L
L '* `Set-AksEgressService` reads the events of the Service before creating it, so stale `SyncLoadBalancerFailed` events of a'
L '  deleted Service with the same name are not mistaken for a new failure; then it creates it and waits with list + watch.'
L '* `New-AksEgressIp` polls `Azure-AsyncOperation` (not the resource) and GETs the resource once at the end for its address.'
L '* `Set-AksOutboundIp` GETs the cluster fresh (its PUT body is the full cluster), GETs each requested IP (must be Standard,'
L '  static, same region) and the current outbound IPs (for `PreviousEgressIpAddress`); since this work it reuses the IPs it'
L '  already read instead of reading them again (one GET fewer per call, both "new" and "unchanged").'
L '* Piping `New-AksEgressIp | Set-AksOutboundIp` GETs the IP in both cmdlets: `Set-AksOutboundIp` re-reads it on purpose,'
L '  because it validates the IP''s current state just before changing egress.'
L
L '## Against kubectl on the same emulator'
L
L "$PeerRuns runs each; the world is reset and the IP created (untimed) before each run. ``kubectl`` = ``/usr/bin/kubectl``,"
L '`--kubeconfig <emulator state dir>/legacy-basic.kubeconfig`, `--validate=false` (the emulator serves no OpenAPI), a fresh'
L '`--cache-dir` per run unless noted. AksEgress runs in a warm session (the way an admin runs several commands in one shell);'
L 'every kubectl command is a new process, as in a shell sequence. Waiting is done the shell way: `kubectl wait'
L '--for=jsonpath=<path>=<value>` (a list, then a watch until it holds). ms:'
L
L '| run | min | median | max |'
L '|---|---:|---:|---:|'
foreach ($g in Group-Ordered $cm.Peer) { $s = Get-Stats @($g.Group.WallMs); L "| $(Esc $g.Name) | $(F $s.Min) | $(F $s.Median) | $(F $s.Max) |" }
L
L "* ``Set-AksEgressService`` / ``kubectl apply -f``: **$(F ($svcMs / $applyMs) 2)** — but apply returns before the IP is assigned,"
L "  while Set-AksEgressService returns with the IP bound (and fails with the cloud provider's reason if it is not). With the wait"
L "  a script needs anyway: **$(F ($svcMs / $applyWaitMs) 2)** (fresh kubectl cache), **$(F ($svcMs / $applyWaitWarmMs) 2)** (warm kubectl cache)."
L "* The recipe's Kubernetes steps (Service, then a curl pod whose log is the egress IP): AksEgress / kubectl = **$(F ($k8sStepsMs / $kubectlStepsMs) 2)**."
L "* The whole recipe pipeline ``Get-AksNodeResourceGroup | New-AksEgressIp | Set-AksEgressService | Test-AksEgressIp`` (fresh"
L "  session: cluster GET, IP create with LRO, credential fetch, Service, pod): median $(F $pipelineMs) ms. Its ARM steps have no peer"
L '  here: there is no `az` CLI on this machine, so only the Kubernetes steps are compared.'
L
L '## Fleet scale: Get-AksNodeResourceGroup over a subscription'
L
L 'Emulator with `--extra-clusters N` (`fleet-0001..` in `fleet-rg`, plus the 6 default clusters), pages of 100. One fresh process'
L 'per size (`tools/bench/Measure-Fleet.ps1`): connect, one warm-up call, then `Get-AksNodeResourceGroup | ForEach-Object { count }`.'
L 'Memory: GC heap (sampled every 50 objects, includes not-yet-collected garbage), process peak working set, and `/usr/bin/time`'
L 'max RSS of the whole process. "Last page after first object" > 0 proves streaming: the first object reached the pipeline'
L 'before the last page was even requested (from the emulator''s request log).'
L
L '| clusters | pages | list time (ms) | of which emulator (ms) | module (ms) | first object (ms) | last page requested after first object (ms) | GC heap growth (MB) | peak working set (MB) | max RSS (MB) | process wall (ms) |'
L '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'
foreach ($f in $fleet) { L "| $($f.Clusters) | $($f.Pages) | $(F $f.TotalMs) | $(F $f.EmulatorMs) | $(F $f.ModuleMs) | $(F $f.FirstObjectMs) | $(F $f.LastPageAfterFirstObjectMs) | $(F $f.GcHeapGrowthMB 2) | $(F $f.PeakWorkingSetMB) | $(F $f.MaxRssMB) | $($f.ProcessMs) |" }
L
L "From $($smallest.Clusters) to $($largest.Clusters) clusters (×$(F $sizeRatio)): time ×$(F $timeRatio 2) (module part ×$(F $moduleRatio 2)), peak working set ×$(F $memRatio 2), GC heap growth"
L "$(F $smallest.GcHeapGrowthMB 2) → $(F $largest.GcHeapGrowthMB 2) MB (the session cache keeps one small model per cluster for 30 s, so pipeline"
L 'cmdlets after the list do not GET each cluster again; everything else is released as it streams). The list runs at most'
L '8 objects ahead of the pipeline (backpressure in the cmdlet bridge, added by this work after a test showed the whole list'
L 'being fetched ahead of a slow consumer), so with a slow next command the memory stays flat too.'
L
L "## Test-AksEgressIp -AllNodes on a $Nodes-node cluster"
L
L "Emulator ``--nodes $Nodes`` (the kubelet simulation takes 150 ms per pod phase, so one test pod lives ~0.45 s). One pod"
L "(median of 5 warm runs): **$(F $podMs) ms**. Max pods alive = largest number of test pods between their create and their"
L 'delete, from the request log.'
L
L '| -ThrottleLimit | pods | time (s) | one pod × ceil(nodes / limit) (s) | ratio | max pods alive | sequential estimate (s) |'
L '|---:|---:|---:|---:|---:|---:|---:|'
foreach ($a in $allNodes) { L "| $($a.ThrottleLimit) | $($a.Pods) | $(F ($a.Ms / 1000) 2) | $(F ($a.IdealMs / 1000) 2) | $(F $a.Ratio 2) | $($a.MaxAlive) | $(F ($a.SequentialMs / 1000) 1) |" }
L
L 'The time follows one pod''s lifetime × ceil(nodes / ThrottleLimit), not 100 sequential pods; the bound is asserted by'
L '`tests/pester/Performance.Tests.ps1` (never more than 5 test pods alive with `-ThrottleLimit 5`, and 5 are used).'
L
L '## What the measurements changed, and what they leave open'
L
L 'Changed (each found by a measurement or test of this work):'
L
L '* Engine: `Set-AksOutboundIp` read the same public IP twice (once to validate it, again to resolve the previous/new'
L '  effective outbound IPs); it now reuses what it read: 2 requests instead of 3 when unchanged, 7 instead of 8 when updated.'
L '* Cmdlet bridge (`AksEgressCmdlet.RunStream`): a streamed list ran ahead of the pipeline without limit, so with a slow'
L '  next command every page was fetched and buffered, and `Select-Object -First` could still fetch a further page. It now'
L '  produces at most 8 objects ahead of the pipeline (asserted by "does not run ahead of a slow pipeline").'
L '* Emulator: the request log records `durationMs` (for the overhead figures), and the cluster list clones only the'
L '  requested page (listing 2,000 clusters was quadratic in the emulator: 1.6 s, now about 0.3 s).'
L
L 'Left open:'
L
L '* The first Kubernetes call in a process costs about 0.2-0.5 s more than later ones (parsing the ARM-issued kubeconfig'
L '  with YamlDotNet, building the KubernetesClient, JIT). It is paid once per process; ReadyToRun compilation of the'
L '  engine''s dependencies would be the way to cut it (a packaging change, not made here).'
L '* Import: about 20 ms of the ~30 ms in-process `Import-Module` is PowerShell loading format data (the first format file in'
L '  a session costs 9-18 ms whatever its size; AksEgress.format.ps1xml adds 5-8 ms). The rest of the whole-process'
L '  difference is PowerShell''s own cost of a first `Import-Module` (see the empty-module control), which is itself at or'
L '  above the 100 ms goal on this machine: the goal is missed as measured, but not by anything the module loads.'
L
L '## Beyond one machine'
L
L 'See [fleet.md](fleet.md): `ForEach-Object -Parallel` over clusters in one process (one engine, one connection, cached'
L 'credentials), and Azure Automation runbooks fanned out per subscription or cluster group for large estates.'

Set-Content -Path $OutputFile -Value $md.ToString().TrimEnd() -NoNewline
Add-Content -Path $OutputFile -Value ''
Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $Work
Write-Host "Bench: done in $(F $elapsed.TotalMinutes) min"
