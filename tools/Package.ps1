#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Packs the assembled module (out/AksEgress) into AksEgress.<version>.nupkg with PSResourceGet's Publish-PSResource.
.DESCRIPTION
    Publishes to a temporary local file repository that points at -OutputDir. The repository is registered in a child
    pwsh whose per-user data folder (XDG_DATA_HOME / LOCALAPPDATA) is a temporary directory, and unregistered again, so
    no repository is left behind in the user's PSResourceGet configuration.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModuleDir,
    [Parameter(Mandatory)] [string] $OutputDir
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$ModuleDir = (Resolve-Path $ModuleDir).Path
$manifestPath = Join-Path $ModuleDir 'AksEgress.psd1'
if (-not (Test-Path $manifestPath)) { throw "No module at $ModuleDir (run build.ps1 Build first)." }
$version = (Import-PowerShellDataFile $manifestPath).ModuleVersion
New-Item -ItemType Directory -Force -Path $OutputDir | Out-Null
$OutputDir = (Resolve-Path $OutputDir).Path
Get-ChildItem -Path $OutputDir -Filter 'AksEgress.*.nupkg' | Remove-Item -Force

$scope = Join-Path ([IO.Path]::GetTempPath()) ('aksegress-psresourceget-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
New-Item -ItemType Directory -Path $scope | Out-Null
$saved = @{ XDG_DATA_HOME = $env:XDG_DATA_HOME; LOCALAPPDATA = $env:LOCALAPPDATA }
try {
    $env:XDG_DATA_HOME = $scope; $env:LOCALAPPDATA = $scope
    $env:AKSEGRESS_PACKAGE_MODULE = $ModuleDir; $env:AKSEGRESS_PACKAGE_OUTPUT = $OutputDir
    $command = @'
$ErrorActionPreference = 'Stop'
Import-Module Microsoft.PowerShell.PSResourceGet
Register-PSResourceRepository -Name AksEgressLocal -Uri $env:AKSEGRESS_PACKAGE_OUTPUT -Trusted
try { Publish-PSResource -Path $env:AKSEGRESS_PACKAGE_MODULE -Repository AksEgressLocal }
finally { Unregister-PSResourceRepository -Name AksEgressLocal }
'@
    & dotnet pwsh -NoProfile -NonInteractive -Command $command
    if ($LASTEXITCODE -ne 0) { throw "Publish-PSResource failed (exit code $LASTEXITCODE)." }
}
finally {
    $env:XDG_DATA_HOME = $saved.XDG_DATA_HOME; $env:LOCALAPPDATA = $saved.LOCALAPPDATA
    Remove-Item Env:AKSEGRESS_PACKAGE_MODULE, Env:AKSEGRESS_PACKAGE_OUTPUT -ErrorAction SilentlyContinue
    Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $scope
}
$package = Join-Path $OutputDir "AksEgress.$version.nupkg"
if (-not (Test-Path $package)) { throw "Publish-PSResource did not produce $package (found: $((Get-ChildItem $OutputDir).Name -join ', '))." }
Write-Host "Package: $package"
