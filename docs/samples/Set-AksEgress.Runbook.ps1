<#
.SYNOPSIS
    Azure Automation runbook: pin a cluster's egress IP and prove it, with the Automation account's managed identity.
.DESCRIPTION
    Non-interactive: no kubeconfig (Kubernetes credentials come from ARM, in memory only; Entra clusters get a token for
    the AKS server application from the same identity), no prompt (-Confirm:$false), and the job FAILS (throws) when egress
    cannot be pinned on this kind of cluster or when the egress test does not see the expected address.
    Safe to schedule: every step is idempotent; a converged cluster is not changed.

    The identity needs: Reader on the cluster, Azure Kubernetes Service Cluster User Role (or RBAC Writer on the
    namespace for Entra clusters), Network Contributor on the egress IP's resource group, and Contributor on the cluster
    for Set-AksOutboundIp.
.EXAMPLE
    # In Azure Automation (PowerShell 7.4 runtime, AksEgress imported into the account):
    .\Set-AksEgress.Runbook.ps1 -SubscriptionId $sub -ResourceGroupName prod-rg -ClusterName prod-aks -EgressIpName prod-egress-ip -EgressIpResourceGroupName prod-egress-rg
#>
param(
    [Parameter(Mandatory)] [string] $SubscriptionId,
    [Parameter(Mandatory)] [string] $ResourceGroupName,
    [Parameter(Mandatory)] [string] $ClusterName,
    [Parameter(Mandatory)] [string] $EgressIpName,
    [Parameter(Mandatory)] [string] $EgressIpResourceGroupName,
    # Client id of a user-assigned identity; omit for the system-assigned one.
    [string] $ClientId,
    # Only for a custom ARM endpoint (Azure Stack Hub, the AksEgress emulator).
    [string] $ArmEndpoint,
    [string] $CaCertificatePath
)
$ErrorActionPreference = 'Stop'
Import-Module AksEgress

$connect = @{ Identity = $true; SubscriptionId = $SubscriptionId }
if ($ClientId) { $connect.ClientId = $ClientId }
if ($ArmEndpoint) { $connect.ArmEndpoint = $ArmEndpoint; $connect.CaCertificatePath = $CaCertificatePath }
Connect-AksEgress @connect | Out-Null

$cluster = Get-AksNodeResourceGroup -ResourceGroupName $ResourceGroupName -ClusterName $ClusterName
$config = $cluster | Get-AksEgressConfiguration
Write-Output "Egress of $ClusterName is decided by $($config.EgressDecidedBy)."

$ip = $cluster | New-AksEgressIp -Name $EgressIpName -ResourceGroupName $EgressIpResourceGroupName
$pinned = switch ($config.PinWith) {
    'Set-AksOutboundIp' { $ip | Set-AksOutboundIp -Confirm:$false }
    'Set-AksEgressService' { $ip | Set-AksEgressService -Confirm:$false }
    default { throw "AksEgress cannot pin egress on $ClusterName ($($config.OutboundType)): $($config.Explanation)" }
}

$result = $pinned | Test-AksEgressIp -ClusterId $cluster.ClusterId
$result | Format-List Succeeded, ExpectedIpAddress, ObservedIpAddress, Explanation | Out-String | Write-Output
if (-not $result.Succeeded) { throw "Egress test failed on ${ClusterName}: $($result.Explanation)" }
Write-Output "Egress of $ClusterName is pinned to $($result.ObservedIpAddress)."
