# Dot-sourced by every *.Tests.ps1 in BeforeAll: imports the ASSEMBLED module and the emulator helpers.
$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:ModuleManifest = Join-Path $RepoRoot 'out/AksEgress/AksEgress.psd1'
Import-Module (Join-Path $RepoRoot 'tools/Emulator.psm1') -Force
Import-Module $ModuleManifest -Force

function Get-EmulatorRequest {
    <# The non-admin requests the emulator received since the last Clear-EmulatorRequest. #>
    param([Parameter(Mandatory)] $Emulator)
    @(Invoke-EmulatorAdmin -Emulator $Emulator -Path 'requests')
}

function Clear-EmulatorRequest {
    param([Parameter(Mandatory)] $Emulator)
    Invoke-EmulatorAdmin -Emulator $Emulator -Method DELETE -Path 'requests' | Out-Null
}

function Reset-Emulator {
    param([Parameter(Mandatory)] $Emulator)
    Invoke-EmulatorAdmin -Emulator $Emulator -Method POST -Path 'reset' | Out-Null
}

function Get-EmulatorWorld {
    param([Parameter(Mandatory)] $Emulator)
    Invoke-EmulatorAdmin -Emulator $Emulator -Path 'world'
}

function Get-EmulatorPublicIp {
    <# The emulator's public IP resources (ARM JSON), optionally by name. #>
    param([Parameter(Mandatory)] $Emulator, [string] $Name)
    $ips = @((Get-EmulatorWorld $Emulator).publicIPAddresses)
    if ($Name) { $ips | Where-Object name -eq $Name } else { $ips }
}

function Get-EmulatorTestPod {
    <# Egress test pods still present in a cluster of the emulator. #>
    param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)] [string] $Cluster)
    @((Get-EmulatorWorld $Emulator).clusters.$Cluster.pods) | Where-Object { $_ -and $_.metadata.name -like 'aks-egress-test-*' }
}

function New-EmulatorWorkload {
    <# Creates an apps/v1 workload in an emulator cluster (POST /_emulator/workloads): pods from its template, rolled out by the emulator's controller. #>
    param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)] [string] $Cluster, [Parameter(Mandatory)] [string] $Name,
        [ValidateSet('Deployment', 'StatefulSet', 'DaemonSet')] [string] $Kind = 'Deployment', [string] $Namespace = 'default',
        [int] $Replicas = 2, [switch] $HostNetwork)
    $spec = [ordered]@{
        selector = @{ matchLabels = @{ app = $Name } }
        template = @{ metadata = @{ labels = @{ app = $Name } }; spec = @{ hostNetwork = [bool]$HostNetwork; containers = @(@{ name = 'app'; image = 'nginx:1.27' }) } }
    }
    if ($Kind -ne 'DaemonSet') { $spec.replicas = $Replicas }
    $object = @{ apiVersion = 'apps/v1'; kind = $Kind; metadata = @{ name = $Name }; spec = $spec }
    Invoke-EmulatorAdmin -Emulator $Emulator -Method POST -Path workloads -Body @{ cluster = $Cluster; namespace = $Namespace; object = $object }
}
