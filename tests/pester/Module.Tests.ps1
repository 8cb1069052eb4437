# The module's structure: manifest, assembled layout, cheap import, and assembly isolation from other modules' Azure.Core.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:ModuleDir = Split-Path $ModuleManifest
    function Invoke-FreshPwsh([string] $Script) {
        $output = & dotnet pwsh -NoProfile -NonInteractive -Command $Script 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String) }
    }
}

Describe 'The assembled module' {
    It 'has a strict manifest: Core 7.4+, explicit exports, no wildcard' {
        $m = Import-PowerShellDataFile $ModuleManifest
        $m.CompatiblePSEditions | Should -Be @('Core')
        $m.PowerShellVersion | Should -Be '7.4'
        $m.CmdletsToExport | Should -Not -Contain '*'
        $m.FunctionsToExport.Count | Should -Be 0
        $m.AliasesToExport.Count | Should -Be 0
        $m.PrivateData.PSData.Tags | Should -Contain 'PSEdition_Core'
        $m.ModuleVersion | Should -Be (([xml](Get-Content -Raw (Join-Path $RepoRoot 'Directory.Build.props'))).Project.PropertyGroup.VersionPrefix | Where-Object { $_ })
    }

    It 'exports exactly the manifest cmdlets, each with an OutputType' {
        $m = Import-PowerShellDataFile $ModuleManifest
        $commands = Get-Command -Module AksEgress
        ($commands.Name | Sort-Object) | Should -Be ($m.CmdletsToExport | Sort-Object)
        foreach ($c in $commands | Where-Object Name -ne 'Disconnect-AksEgress') { $c.OutputType.Count | Should -BeGreaterThan 0 -Because $c.Name }
    }

    It 'marks every state-changing cmdlet SupportsShouldProcess' {
        foreach ($name in 'New-AksEgressIp', 'Set-AksEgressService', 'Set-AksOutboundIp', 'Remove-AksEgressIp', 'Remove-AksEgressService') {
            (Get-Command $name).Parameters.Keys | Should -Contain 'WhatIf' -Because $name
        }
    }

    It 'keeps the engine and every SDK in dependencies/, and never ships System.Management.Automation' {
        Get-ChildItem $ModuleDir -Recurse -Filter 'System.Management.Automation*.dll' | Should -BeNullOrEmpty
        Test-Path (Join-Path $ModuleDir 'dependencies/AksEgress.Engine.dll') | Should -BeTrue
        Test-Path (Join-Path $ModuleDir 'dependencies/Azure.Core.dll') | Should -BeTrue
        Test-Path (Join-Path $ModuleDir 'dependencies/AksEgress.dll') | Should -BeFalse
        (Get-ChildItem $ModuleDir -File -Filter *.dll).Name | Should -Be @('AksEgress.dll')
    }

    It 'loads no SDK assembly at import' {
        $r = Invoke-FreshPwsh "Import-Module '$ModuleManifest'; [AppDomain]::CurrentDomain.GetAssemblies().GetName().Name | Where-Object { `$_ -match '^(Azure\.|KubernetesClient|AksEgress\.Engine|Microsoft\.Identity)' }"
        $r.ExitCode | Should -Be 0
        $r.Output.Trim() | Should -BeNullOrEmpty
    }
}

Describe 'Assembly isolation' {
    BeforeAll {
        $script:Emu = Start-AksEmulator
        $script:OldCore = Join-Path $env:AKSEGRESS_NUGET_PACKAGES 'azure.core/1.44.1/lib/net6.0/Azure.Core.dll'
    }
    AfterAll { if ($script:Emu) { Stop-AksEmulator $script:Emu } }

    It 'works after another module loaded Azure.Core 1.44.1 into the session' {
        Test-Path $OldCore | Should -BeTrue
        $c = $Emu.Connection
        $script = @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$OldCore'
Import-Module '$ModuleManifest'
Connect-AksEgress -SubscriptionId '$($c.subscriptionId)' -ArmEndpoint '$($c.armEndpoint)' -CaCertificatePath '$($c.caCertificatePath)' -AccessToken (ConvertTo-SecureString '$($c.accessToken)' -AsPlainText -Force) | Out-Null
'cluster=' + (Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ClusterName standard-lb).NodeResourceGroup
foreach (`$a in [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Azure.Core' }) {
    'core=' + `$a.GetName().Version + '@' + [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$a).Name
}
"@
        $r = Invoke-FreshPwsh $script
        $r.Output | Should -Match 'cluster=MC_demo-rg_standard-lb_eastus'
        $r.Output | Should -Match 'core=1\.44\.1\.0@Default'
        $r.Output | Should -Match 'core=1\.64\.0\.0@AksEgress\.Dependencies'
        $r.ExitCode | Should -Be 0
    }
}
