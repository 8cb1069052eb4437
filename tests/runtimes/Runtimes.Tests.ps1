# The module's engine on each .NET that a supported PowerShell runs on: 7.4 = .NET 8, 7.5 = .NET 9, 7.6 = .NET 10.
# For each, tests/runtimes/AksEgress.RuntimeProbe is published self-contained with that runtime (the runtime pack comes
# from NuGet, so only the .NET 10 SDK is needed), loads the assembled module out/AksEgress the way Import-Module does and
# lets the module's own EngineHost/EngineLoadContext load dependencies/, then drives IAksEgressEngine against the emulator:
# connect, read a cluster, create an IP, pin it with a Service, prove egress from a pod, clean up.
# What this cannot cover: the PowerShell 7.4/7.5 hosts themselves (not served here), their own assemblies in the default
# context, and Windows. Run with `dotnet pwsh ./build.ps1 Test -Suite Runtimes` (after Build).
BeforeAll {
    . (Join-Path $PSScriptRoot '../pester/TestSupport.ps1')
    $script:ModuleDir = Split-Path $ModuleManifest
    $script:ProbeProject = Join-Path $PSScriptRoot 'AksEgress.RuntimeProbe/AksEgress.RuntimeProbe.csproj'
    $script:Rid = [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
    $script:Emu = Start-AksEmulator -ArgumentList '--lro-retry-after', '0', '--lb-delay-ms', '0', '--pod-delay-ms', '0'

    function Publish-Probe([string] $Tfm) {
        # Self-contained: the probe runs on the runtime pack of $Tfm, not on the machine's .NET 10.
        $out = Join-Path $RepoRoot "out/runtime-probe/$Tfm"
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $log = & dotnet publish $ProbeProject -c Release -f $Tfm -r $Rid --self-contained -o $out --nologo -v q "-p:AksEgressModuleDir=$ModuleDir/" 2>&1
        if ($LASTEXITCODE -ne 0) { throw "dotnet publish of the runtime probe for $Tfm failed: $($log | Out-String)" }
        Write-Host "Published the $Tfm probe in $([int]$sw.Elapsed.TotalSeconds) s"
        $exe = Join-Path $out ('AksEgress.RuntimeProbe' + ($IsWindows ? '.exe' : ''))
        if (-not (Test-Path $exe)) { throw "The $Tfm probe was published without its executable ($exe)" }
        $exe
    }

    function Invoke-Probe([string] $Exe, [string] $IpName) {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $stderr = Join-Path $TestDrive "probe-$IpName.stderr"
        $lines = & $Exe --module $ModuleDir --connection (Join-Path $Emu.StateDir 'connection.json') --cluster legacy-basic --ip-name $IpName 2>$stderr
        $result = [pscustomobject]@{
            ExitCode   = $LASTEXITCODE
            Lines      = @($lines)
            Runtime    = "$(@($lines) -match '^runtime ' | Select-Object -First 1)"
            RuntimeDir = "$(@($lines) -match '^runtime-dir ' | Select-Object -First 1)" -replace '^runtime-dir ', ''
            Steps      = [ordered]@{}
            Assemblies = @()
            Stderr     = (Get-Content -Raw -ErrorAction SilentlyContinue $stderr)
        }
        foreach ($line in $lines) {
            if ($line -match '^step (\S+) (\S+)(?: (.*))?$') { $result.Steps[$Matches[1]] = [pscustomobject]@{ Outcome = $Matches[2]; Detail = $Matches[3] } }
            elseif ($line -match '^assembly (\S+) (\S+) (\S+) framework=(\S+)$') {
                $result.Assemblies += [pscustomobject]@{ Name = $Matches[1]; Version = $Matches[2]; Context = $Matches[3]; Framework = $Matches[4] }
            }
        }
        Write-Host "$($result.Runtime): exit $($result.ExitCode) in $([int]$sw.Elapsed.TotalSeconds) s"
        $result
    }
}
AfterAll { if ($script:Emu) { Stop-AksEmulator $script:Emu } }

Describe 'PowerShell <PowerShell> (.NET <Major>): the engine from dependencies/ on its runtime' -ForEach @(
    @{ PowerShell = '7.4'; Major = 8; Tfm = 'net8.0' }
    @{ PowerShell = '7.5'; Major = 9; Tfm = 'net9.0' }
    @{ PowerShell = '7.6'; Major = 10; Tfm = 'net10.0' }
) {
    BeforeAll {
        Reset-Emulator $Emu
        $script:IpName = "probe-$($Tfm -replace '\.', '')"
        $script:Probe = Invoke-Probe -Exe (Publish-Probe $Tfm) -IpName $IpName
        $script:Why = "probe output:`n$($Probe.Lines -join "`n")`n$($Probe.Stderr)"
    }

    It 'runs on the .NET <Major> runtime pack it was published with, not on the machine''s shared .NET' {
        $Probe.Runtime | Should -Match "^runtime \.NET $Major\.0\.\d+ " -Because $Why
        # Self-contained: the framework directory (where EngineLoadContext looks for framework copies) is the probe's own.
        [IO.Path]::GetFullPath($Probe.RuntimeDir).TrimEnd('/', '\') | Should -Be ([IO.Path]::GetFullPath((Join-Path $RepoRoot "out/runtime-probe/$Tfm")).TrimEnd('/', '\'))
    }

    It 'loads the engine into the private AksEgress.Dependencies context through the module''s EngineHost' {
        $Probe.Steps['load'].Outcome | Should -Be 'ok' -Because $Why
        $Probe.Steps['load'].Detail | Should -Match ' in AksEgress\.Dependencies '
        $engine = $Probe.Assemblies | Where-Object Name -eq 'AksEgress.Engine'
        $engine.Context | Should -Be 'AksEgress.Dependencies'
        # One contract: AksEgress.dll only in the default context, from the module directory.
        @($Probe.Assemblies | Where-Object Name -eq 'AksEgress').Context | Should -Be @('Default')
    }

    It 'connects, reads a cluster, creates an IP, pins it, proves egress and cleans up' {
        foreach ($step in 'connect', 'get-cluster', 'new-ip', 'set-service', 'test-egress', 'remove-service', 'remove-ip') {
            $Probe.Steps[$step].Outcome | Should -Be 'ok' -Because "step $step; $Why"
        }
        $Probe.Steps['get-cluster'].Detail | Should -Match 'nodeResourceGroup=MC_demo-rg_legacy-basic_eastus'
        $Probe.Steps['new-ip'].Detail -match 'ipAddress=(\S+)' | Should -BeTrue
        $ip = $Matches[1]
        $Probe.Steps['test-egress'].Detail | Should -Match "succeeded=True observed=$([regex]::Escape($ip)) "
        $Probe.ExitCode | Should -Be 0 -Because $Why
    }

    It 'left no IP, Service or test pod behind in the emulator' {
        Get-EmulatorPublicIp -Emulator $Emu -Name $IpName | Should -BeNullOrEmpty
        @((Get-EmulatorWorld $Emu).clusters.'legacy-basic'.services | Where-Object { $_.metadata.name -eq $IpName }) | Should -HaveCount 0
        Get-EmulatorTestPod -Emulator $Emu -Cluster legacy-basic | Should -BeNullOrEmpty
    }

    It 'takes a framework assembly from the framework only when it is at least the version requested' {
        # Azure.Core 1.64 asks for System.Text.Json 10.0.0.0: .NET 8 and 9 must use the copy in dependencies/, .NET 10 its own.
        $json = @($Probe.Assemblies | Where-Object Name -eq 'System.Text.Json' | Where-Object Version -eq '10.0.0.0')
        $json | Should -HaveCount 1 -Because $Why
        $json[0].Context | Should -Be ($Major -lt 10 ? 'AksEgress.Dependencies' : 'Default')
        foreach ($a in $Probe.Assemblies | Where-Object { $_.Context -eq 'AksEgress.Dependencies' -and $_.Framework -ne 'none' }) {
            # A private copy of a framework assembly exists only where the framework's is older than the one requested.
            [version]$a.Framework | Should -BeLessThan ([version]$a.Version) -Because "$($a.Name) $($a.Version) was loaded privately next to framework $($a.Framework)"
        }
    }
}
