<#
.SYNOPSIS
    Desired-state (DSC-style Get/Test/Set) script: make sure a cluster egresses from a given static IP. Safe to run
    every hour.
.DESCRIPTION
    Get:  reads the cluster, its egress configuration and the egress IP (New-AksEgressIp returns an existing IP without
          changing it; it creates the IP only the first time).
    Test: asks a pod in the cluster which address it egresses from (Test-AksEgressIp -Quiet): $true means converged.
    Set:  only when the test fails, pins egress the way that works for the cluster (Set-AksOutboundIp on Standard load
          balancer clusters, the Service recipe on legacy Basic ones), then tests again and throws if egress is still
          not the IP.
    On a converged cluster nothing is changed: the only writes are the short-lived test pod. -WhatIf reports what Set
    would do without doing it. Connect first (Connect-AksEgress, or -Identity in Azure Automation).
    Output: one object with ClusterName, EgressIpAddress, InDesiredState (before this run), Changed and Action.
.EXAMPLE
    Connect-AksEgress -Identity
    ./Ensure-AksEgress.ps1 -ResourceGroupName prod-rg -ClusterName prod-aks -EgressIpName prod-egress-ip -EgressIpResourceGroupName prod-egress-rg
.EXAMPLE
    ./Ensure-AksEgress.ps1 -ResourceGroupName prod-rg -ClusterName prod-aks -EgressIpName prod-egress-ip -WhatIf
    # Test only: tells whether the cluster has drifted and what Set would change.
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)] [string] $ResourceGroupName,
    [Parameter(Mandatory)] [string] $ClusterName,
    [Parameter(Mandatory)] [string] $EgressIpName,
    # Where the IP lives. Default: the cluster's node resource group (the original recipe).
    [string] $EgressIpResourceGroupName,
    [string] $SubscriptionId,
    # Connect with the managed identity first (Azure Automation).
    [switch] $Identity
)
$ErrorActionPreference = 'Stop'
if (-not (Get-Module AksEgress)) { Import-Module AksEgress }
if ($Identity) {
    $connect = @{ Identity = $true }
    if ($SubscriptionId) { $connect.SubscriptionId = $SubscriptionId }
    Connect-AksEgress @connect | Out-Null
}

# Get
$get = @{ ResourceGroupName = $ResourceGroupName; ClusterName = $ClusterName }
if ($SubscriptionId) { $get.SubscriptionId = $SubscriptionId }
$cluster = Get-AksNodeResourceGroup @get
$newIp = @{ Name = $EgressIpName }
if ($EgressIpResourceGroupName) { $newIp.ResourceGroupName = $EgressIpResourceGroupName }
# Creating the IP is not a change of egress; under -WhatIf it is still only reported.
$ip = $cluster | New-AksEgressIp @newIp
if (-not $ip) {
    return [pscustomobject]@{ ClusterName = $ClusterName; EgressIpAddress = $null; InDesiredState = $false; Changed = $false; Action = "WhatIf: would create public IP $EgressIpName and pin egress to it" }
}

# Test (a drifted cluster is not an error here: Set follows)
$inDesiredState = $ip | Test-AksEgressIp -Quiet -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
if ($inDesiredState) {
    Write-Verbose "$ClusterName already egresses from $($ip.IpAddress): nothing to do."
    return [pscustomobject]@{ ClusterName = $ClusterName; EgressIpAddress = $ip.IpAddress; InDesiredState = $true; Changed = $false; Action = 'None' }
}

# Set
$config = $cluster | Get-AksEgressConfiguration
$action = switch ($config.PinWith) {
    'Set-AksOutboundIp' { 'Set-AksOutboundIp' }
    'Set-AksEgressService' { 'Set-AksEgressService' }
    default { throw "AksEgress cannot pin egress on $ClusterName ($($config.OutboundType)): $($config.Explanation)" }
}
if (-not $PSCmdlet.ShouldProcess($ClusterName, "Pin egress to $($ip.IpAddress) with $action")) {
    return [pscustomobject]@{ ClusterName = $ClusterName; EgressIpAddress = $ip.IpAddress; InDesiredState = $false; Changed = $false; Action = "WhatIf: $action" }
}
if ($action -eq 'Set-AksOutboundIp') { $ip | Set-AksOutboundIp -Confirm:$false | Out-Null } else { $ip | Set-AksEgressService -Confirm:$false | Out-Null }
$result = $ip | Test-AksEgressIp
if (-not $result.Succeeded) { throw "Egress of $ClusterName is still not $($ip.IpAddress) after $($action): $($result.Explanation)" }
[pscustomobject]@{ ClusterName = $ClusterName; EgressIpAddress = $ip.IpAddress; InDesiredState = $false; Changed = $true; Action = $action }
