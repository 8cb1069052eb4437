@{
    RootModule           = 'AksEgress.dll'
    # Stamped by build.ps1 from Directory.Build.props (VersionPrefix): the one version source.
    ModuleVersion        = '0.1.0'
    GUID                 = '6f1d3a52-8b0e-4c5a-9f43-2d7c1e0a9b61'
    Author               = 'AksEgress contributors'
    CompanyName          = 'AksEgress contributors'
    Copyright            = '(c) AksEgress contributors. MIT licence.'
    Description          = 'Pin and prove the egress IP of Azure Kubernetes Service clusters: find the node resource group, create a static public IP, make it the egress address (Standard load balancer outbound IPs, or the original Basic-LB Service recipe), and test from inside the cluster that traffic really leaves from it.'
    CompatiblePSEditions = @('Core')
    # 7.4 (.NET 8), 7.5 (.NET 9) and 7.6 (.NET 10): the engine is run on each of those runtimes by tests/runtimes.
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('AksEgress.format.ps1xml')
    CmdletsToExport      = @(
        'Connect-AksEgress'
        'Disconnect-AksEgress'
        'Get-AksNodeResourceGroup'
        'New-AksEgressIp'
        'New-AksEgressIpPrefix'
        'Set-AksEgressService'
        'Test-AksEgressIp'
        'Get-AksEgressConfiguration'
        'Set-AksOutboundIp'
        'Set-AksNatGatewayIp'
        'Remove-AksEgressService'
        'Remove-AksEgressIp'
        'Enable-AksStaticEgressGateway'
        'Disable-AksStaticEgressGateway'
        'New-AksEgressGatewayPool'
        'Remove-AksEgressGatewayPool'
        'New-AksEgressGateway'
        'Remove-AksEgressGateway'
        'Set-AksEgressGatewayWorkload'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Azure', 'AKS', 'Kubernetes', 'Egress', 'PublicIP', 'LoadBalancer', 'NATGateway', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            ProjectUri   = 'https://github.com/aksegress/AksEgress'
            LicenseUri   = 'https://github.com/aksegress/AksEgress/blob/main/LICENSE'
            ReleaseNotes = 'See CHANGELOG.md.'
            Prerelease   = ''
        }
    }
}
