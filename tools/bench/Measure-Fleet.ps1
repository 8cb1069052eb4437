# Runs in a FRESH pwsh started by tools/Bench.ps1: streams Get-AksNodeResourceGroup over the whole subscription of a
# running emulator (started with --extra-clusters N) and records time, the arrival time of the first object, and memory
# (GC heap sampled every 50 objects, process peak working set). Objects are counted, never kept. Writes JSON to -OutputFile.
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ConnectionFile,
    [Parameter(Mandatory)] [string] $OutputFile
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$c = Get-Content -Raw $ConnectionFile | ConvertFrom-Json
Connect-AksEgress -SubscriptionId $c.subscriptionId -ArmEndpoint $c.armEndpoint -CaCertificatePath $c.caCertificatePath `
    -AccessToken (ConvertTo-SecureString -String $c.accessToken -AsPlainText -Force) | Out-Null
# Warm the engine (assembly loads, TLS) with one small call so the figures are about the list itself.
Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName standard-lb | Out-Null
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
$proc = [Diagnostics.Process]::GetCurrentProcess()
$proc.Refresh()
$baselineWs = $proc.WorkingSet64
$baselineHeap = [GC]::GetTotalMemory($true)
$maxHeap = $baselineHeap
$maxWs = $baselineWs
$count = 0
$firstUtc = $null
$firstMs = $null
$startUtc = [DateTimeOffset]::UtcNow
$sw = [Diagnostics.Stopwatch]::StartNew()
Get-AksNodeResourceGroup | ForEach-Object {
    if ($count -eq 0) { $script:firstUtc = [DateTimeOffset]::UtcNow; $script:firstMs = $sw.Elapsed.TotalMilliseconds }
    $script:count++
    if ($script:count % 50 -eq 0) {
        $h = [GC]::GetTotalMemory($false); if ($h -gt $script:maxHeap) { $script:maxHeap = $h }
        $proc.Refresh(); if ($proc.WorkingSet64 -gt $script:maxWs) { $script:maxWs = $proc.WorkingSet64 }
    }
}
$totalMs = $sw.Elapsed.TotalMilliseconds
$proc.Refresh()
[pscustomobject]@{
    Count = $count; TotalMs = [Math]::Round($totalMs, 1); FirstObjectMs = [Math]::Round($firstMs, 1)
    StartUtc = $startUtc.ToString('o'); FirstObjectUtc = $firstUtc.ToString('o')
    BaselineWorkingSetMB = [Math]::Round($baselineWs / 1MB, 1); MaxWorkingSetMB = [Math]::Round([Math]::Max($maxWs, $proc.WorkingSet64) / 1MB, 1)
    PeakWorkingSetMB = [Math]::Round($proc.PeakWorkingSet64 / 1MB, 1)
    BaselineGcHeapMB = [Math]::Round($baselineHeap / 1MB, 2); MaxGcHeapMB = [Math]::Round($maxHeap / 1MB, 2)
    GcHeapGrowthMB = [Math]::Round(($maxHeap - $baselineHeap) / 1MB, 2)
} | ConvertTo-Json | Set-Content -Path $OutputFile
