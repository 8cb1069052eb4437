# Dot-sourced by every *.Tests.ps1 in BeforeAll: imports the ASSEMBLED module and the emulator helpers.
$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:ModuleManifest = Join-Path $RepoRoot 'out/AksEgress/AksEgress.psd1'
Import-Module (Join-Path $RepoRoot 'tools/Emulator.psm1') -Force
Import-Module $ModuleManifest -Force

function Get-EmulatorRequest {
    <# The non-admin requests the emulator received since the last Clear-EmulatorRequest. #>
    param([Parameter(Mandatory)] $Emulator)
    @(Invoke-EmulatorAdmin -Emulator $Emulator -Path 'requests') | Where-Object { -not $_.admin }
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
