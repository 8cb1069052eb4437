# build.ps1 Demo: the recipe and the modern path, end to end against the local emulator.
param([Parameter(Mandatory)] [string] $ModulePath)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'Emulator.psm1') -Force
Import-Module $ModulePath -Force

function Show([string] $Title) { Write-Host ''; Write-Host "== $Title" -ForegroundColor Cyan }
# Wide enough for the default table views even when the host reports 80 columns (CI, redirected output).
$PSDefaultParameterValues['Out-String:Width'] = 200

$emu = Start-AksEmulator
$failed = $false
try {
    Show 'Connect-AksEgress to the local emulator (its own CA is trusted for its endpoint only)'
    Connect-AksEmulator -Emulator $emu | Format-Table -AutoSize | Out-String -Width 200 | Write-Host

    Show 'The recipe on legacy-basic (Basic load balancer: the Service IP decides egress)'
    Write-Host 'Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic | New-AksEgressIp -Name aks-egress-ip | Set-AksEgressService | Test-AksEgressIp'
    $cluster = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName legacy-basic
    $cluster | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    $ip = $cluster | New-AksEgressIp -Name aks-egress-ip
    $ip | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    $svc = $ip | Set-AksEgressService
    $svc | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    $legacy = $svc | Test-AksEgressIp -CheckUri 'http://checkip.dyndns.org'
    $legacy | Format-List | Out-String -Width 200 | Write-Host
    if (-not $legacy.Succeeded) { $failed = $true }

    Show 'What decides egress on each cluster'
    Get-AksNodeResourceGroup -ResourceGroupName demo-rg | Get-AksEgressConfiguration | Format-Table -AutoSize | Out-String -Width 200 | Write-Host

    Show 'The recipe on standard-lb (Standard load balancer): the Service is only an inbound address'
    $recipe = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName standard-lb |
        New-AksEgressIp -Name recipe-ip | Set-AksEgressService -WarningAction SilentlyContinue | Test-AksEgressIp -WarningAction SilentlyContinue
    $recipe | Format-List Succeeded, ExpectedIpAddress, ObservedIpAddress, Explanation | Out-String -Width 200 | Write-Host
    if ($recipe.Succeeded) { Write-Host 'Unexpected: the recipe moved egress on a Standard load balancer.'; $failed = $true }

    Show 'The modern path on standard-lb: the IP becomes the load balancer outbound IP'
    Write-Host 'Get-AksNodeResourceGroup ... | New-AksEgressIp -ResourceGroupName egress-rg ... | Set-AksOutboundIp -Confirm:$false | Test-AksEgressIp'
    $modern = Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName standard-lb |
        New-AksEgressIp -Name standard-egress-ip -ResourceGroupName egress-rg |
        Set-AksOutboundIp -Confirm:$false | Test-AksEgressIp
    $modern | Format-List | Out-String -Width 200 | Write-Host
    if (-not $modern.Succeeded) { $failed = $true }
}
finally {
    Disconnect-AksEgress
    Stop-AksEmulator $emu
}
if ($failed) { Write-Host 'Demo FAILED: egress was not proven.' -ForegroundColor Red; exit 1 }
Write-Host 'Demo passed: egress proven on legacy-basic (recipe) and standard-lb (Set-AksOutboundIp).' -ForegroundColor Green
exit 0
