# Packaging: one version source, complete manifest metadata, a .nupkg that PSResourceGet installs into a clean pwsh,
# and no repository left behind.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:ModuleDir = Split-Path $ModuleManifest
    $script:Version = ([xml](Get-Content -Raw (Join-Path $RepoRoot 'Directory.Build.props'))).Project.PropertyGroup.VersionPrefix | Where-Object { $_ } | Select-Object -First 1
    Import-Module Microsoft.PowerShell.PSResourceGet
    $script:ReposBefore = @(Get-PSResourceRepository | ForEach-Object Name | Sort-Object)
}

Describe 'Version and manifest metadata' {
    It 'stamps the one version (Directory.Build.props) into the manifest and both assemblies' {
        $m = Import-PowerShellDataFile $ModuleManifest
        $m.ModuleVersion | Should -Be $Version
        foreach ($dll in (Join-Path $ModuleDir 'AksEgress.dll'), (Join-Path $ModuleDir 'dependencies/AksEgress.Engine.dll')) {
            $info = (Get-Item $dll).VersionInfo
            ([version]$info.FileVersion).ToString(3) | Should -Be $Version -Because "$dll FileVersion"
            ($info.ProductVersion -replace '\+.*$', '') | Should -Be $Version -Because "$dll InformationalVersion"
        }
        (Get-Module AksEgress).Version.ToString() | Should -Be $Version
    }

    It 'has complete PSData: tags for editions and platforms, project and licence links, release notes from CHANGELOG.md' {
        $d = (Import-PowerShellDataFile $ModuleManifest).PrivateData.PSData
        foreach ($t in 'PSEdition_Core', 'Linux', 'Windows', 'MacOS', 'Azure', 'AKS') { $d.Tags | Should -Contain $t }
        $d.ProjectUri | Should -Match '^https://'
        $d.LicenseUri | Should -Match '^https://'
        $d.ReleaseNotes | Should -Match '## \[Unreleased\]|## \[\d'
        $d.ReleaseNotes | Should -Match 'Remove-AksEgressIp'
        $d.ReleaseNotes | Should -Not -Be 'See CHANGELOG.md.'
        Join-Path $ModuleDir 'LICENSE' | Should -Exist
        Join-Path $ModuleDir 'CHANGELOG.md' | Should -Exist
    }
}

Describe 'Package' {
    BeforeAll {
        $script:PackageDir = Join-Path $TestDrive 'package'
        & (Join-Path $RepoRoot 'tools/Package.ps1') -ModuleDir $ModuleDir -OutputDir $PackageDir 6>$null
        $script:Nupkg = Join-Path $PackageDir "AksEgress.$Version.nupkg"
    }

    It 'produces AksEgress.<version>.nupkg with the module and its metadata' {
        $Nupkg | Should -Exist
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($Nupkg)
        try {
            $names = @($zip.Entries.FullName)
            foreach ($f in 'AksEgress.psd1', 'AksEgress.dll', 'AksEgress.format.ps1xml', 'en-US/AksEgress.dll-Help.xml', 'en-US/about_AksEgress.help.txt', 'dependencies/AksEgress.Engine.dll', 'LICENSE') {
                $names | Should -Contain $f
            }
            $reader = [IO.StreamReader]::new(($zip.Entries | Where-Object FullName -eq 'AksEgress.nuspec').Open())
            $nuspec = [xml]$reader.ReadToEnd(); $reader.Dispose()
        }
        finally { $zip.Dispose() }
        $nuspec.package.metadata.id | Should -Be 'AksEgress'
        $nuspec.package.metadata.version | Should -Be $Version
        $nuspec.package.metadata.tags | Should -Match 'PSEdition_Core'
        $nuspec.package.metadata.projectUrl | Should -Match '^https://'
    }

    It 'leaves no repository registered' {
        @(Get-PSResourceRepository | ForEach-Object Name | Sort-Object) | Should -Be $ReposBefore
    }

    It 'installs (Save-PSResource) from a local file repository into a clean pwsh, imports by name, and runs against the emulator' {
        $emu = Start-AksEmulator
        $scope = Join-Path $TestDrive 'user'
        New-Item -ItemType Directory -Path $scope | Out-Null
        $saved = @{ XDG_DATA_HOME = $env:XDG_DATA_HOME; LOCALAPPDATA = $env:LOCALAPPDATA; PSModulePath = $env:PSModulePath }
        try {
            # A private per-user data folder keeps the temporary repository out of the user's PSResourceGet settings;
            # Save-PSResource installs into a temp module folder put on PSModulePath (never the user's module folder).
            $env:XDG_DATA_HOME = $scope; $env:LOCALAPPDATA = $scope
            $env:AKSEGRESS_TEST_MODULES = Join-Path $scope 'Modules'
            $env:AKSEGRESS_TEST_REPO = $PackageDir
            $env:AKSEGRESS_TEST_CONNECTION = Join-Path $emu.StateDir 'connection.json'
            $script = @'
$ErrorActionPreference = 'Stop'
Import-Module Microsoft.PowerShell.PSResourceGet
Register-PSResourceRepository -Name AksEgressLocal -Uri $env:AKSEGRESS_TEST_REPO -Trusted
New-Item -ItemType Directory -Path $env:AKSEGRESS_TEST_MODULES | Out-Null
try { Save-PSResource -Name AksEgress -Repository AksEgressLocal -TrustRepository -Path $env:AKSEGRESS_TEST_MODULES -Quiet }
finally { Unregister-PSResourceRepository -Name AksEgressLocal }
$env:PSModulePath = $env:AKSEGRESS_TEST_MODULES + [IO.Path]::PathSeparator + $env:PSModulePath
'repos=' + (@(Get-PSResourceRepository | Where-Object Name -like 'AksEgress*').Count)
Import-Module AksEgress
'base=' + (Get-Module AksEgress).ModuleBase
'commands=' + (Get-Command -Module AksEgress).Count
'examples=' + ([regex]::Matches((Get-Help Get-AksNodeResourceGroup -Examples | Out-String), 'Example \d+:').Count)
$c = Get-Content -Raw $env:AKSEGRESS_TEST_CONNECTION | ConvertFrom-Json
Connect-AksEgress -ArmEndpoint $c.armEndpoint -CaCertificatePath $c.caCertificatePath -SubscriptionId $c.subscriptionId -AccessToken (ConvertTo-SecureString $c.accessToken -AsPlainText -Force) | Out-Null
'clusters=' + ((Get-AksNodeResourceGroup -ResourceGroupName demo-rg).ClusterName -join ',')
'@
            $output = & dotnet pwsh -NoProfile -NonInteractive -Command $script 2>&1 | Out-String
            $LASTEXITCODE | Should -Be 0 -Because $output
        }
        finally {
            foreach ($k in $saved.Keys) { Set-Item "Env:$k" -Value $saved[$k] }
            Remove-Item Env:AKSEGRESS_TEST_REPO, Env:AKSEGRESS_TEST_CONNECTION, Env:AKSEGRESS_TEST_MODULES -ErrorAction SilentlyContinue
            Stop-AksEmulator $emu
        }
        $output | Should -Match 'repos=0'
        $output | Should -Match ([regex]::Escape("base=$scope"))
        $output | Should -Match "commands=$(@((Import-PowerShellDataFile $ModuleManifest).CmdletsToExport).Count)"
        $output | Should -Match 'examples=[2-9]'
        $output | Should -Match 'clusters=.*legacy-basic.*standard-lb|clusters=.*standard-lb.*legacy-basic'
    }
}
