#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests and demonstrates AksEgress.
.DESCRIPTION
    Tasks (first positional parameter):
      Build    assemble the importable module in out/AksEgress (manifest, cmdlet dll, dependencies/, format, help)
               and the emulator in out/emulator
      Test     Build, then the xunit tests, the Pester tests, the runtime probes (the engine on .NET 8, 9 and 10) and
               last the contract check of the run's recorded traffic (docs/contracts.md); ends with one line
               'N passed, N failed'. -Suite Xunit|Pester|Runtimes runs one part (its traffic is recorded);
               -Suite Contracts judges the traffic the previous run left in out/contracts/traffic.
      Demo     Build, start the emulator, run the recipe and the modern pipeline, exit non-zero if egress is not proven
      Bench    Build, then the benchmarks (writes docs/performance.md)
      Package  Build, then a .nupkg of the module in out/package
      Mutate   Stryker.NET (dotnet-stryker, local tool) mutates the engine's Arm/ and Kubernetes/ code and runs the xunit engine
               tests against each mutant (tests/AksEgress.Tests/stryker-config.json); writes the score to docs/reliability.md.
               Slow (hours on 2 cores): not part of Test. -MutatePath narrows it to some files (globs) for a trial.
      Clean    remove out/ and every bin/obj
    Needs only the .NET SDK: run it as `dotnet tool restore && dotnet pwsh ./build.ps1 <Task>`.
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Package', 'Mutate', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Test: run only the xunit, the Pester or the runtime-probe part (tests/runtimes: the engine on .NET 8, 9 and 10), or
    # only the contract check of the traffic the previous run recorded (docs/contracts.md).
    [ValidateSet('All', 'Xunit', 'Pester', 'Runtimes', 'Contracts')]
    [string] $Suite = 'All',

    # Mutate: only these files (globs relative to src/AksEgress.Engine, e.g. '**/Kubernetes/KubeWatch.cs') instead of the
    # configured Arm/ and Kubernetes/ folders; the score written is then labelled with them.
    [string[]] $MutatePath,

    # Mutate: do not run Stryker; write the score of this finished run's mutation-report.json to docs/reliability.md.
    [string] $MutationReport,

    # Mutate: judge mutants with the in-process unit tests only ($MutationUnitTests), not the emulator-backed ones. Each Stryker
    # test run starts a test host, and an emulator-backed test adds an HTTPS emulator per test: on the shared 2-core machine
    # that is 15-30 s per run. The score is then a lower bound (a mutant only an emulator test kills counts as survived or
    # not covered), and code only the emulator reaches (ArmRest, ArmSession, KubeClientFactory, KubeWatch) is not covered.
    [switch] $UnitTestsOnly
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleDir = Join-Path $Out 'AksEgress'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

function Invoke-Native {
    # Plain $args (no [Parameter]): native flags such as -o must not be taken for common parameters.
    $File, $Arguments = $args
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "'$File $($Arguments -join ' ')' failed with exit code $LASTEXITCODE" }
}

function Get-ModuleVersion {
    ([xml](Get-Content -Raw (Join-Path $Root 'Directory.Build.props'))).Project.PropertyGroup.VersionPrefix | Where-Object { $_ } | Select-Object -First 1
}

function Get-ReleaseNote([string] $Version) {
    # From the first '## [' heading down to the heading of the release before $Version.
    $lines = (Get-Content -Raw (Join-Path $Root 'CHANGELOG.md')) -replace "`r", '' -split "`n"
    $out = [System.Collections.Generic.List[string]]::new(); $inside = $false; $seenVersion = $false
    foreach ($line in $lines) {
        if ($line -match '^## \[([^\]]+)\]') {
            if ($seenVersion) { break }
            $inside = $true
            if ($Matches[1] -eq $Version) { $seenVersion = $true }
        }
        if ($inside) { $out.Add($line) }
    }
    ($out -join "`n").Trim()
}

function Invoke-Build {
    $version = Get-ModuleVersion
    Write-Host "Building AksEgress $version ($Configuration)"
    if (Test-Path $ModuleDir) { Remove-Item -Recurse -Force $ModuleDir }
    $deps = Join-Path $ModuleDir 'dependencies'
    # The engine and every third-party dependency go to dependencies/ (loaded into a private AssemblyLoadContext).
    Invoke-Native dotnet publish (Join-Path $Root 'src/AksEgress.Engine') -c $Configuration -o $deps --nologo -v q "-p:Version=$version"
    # The cmdlet assembly (contract + cmdlets) is the module root; it must not also sit in dependencies/.
    Invoke-Native dotnet build (Join-Path $Root 'src/AksEgress') -c $Configuration --nologo -v q "-p:Version=$version"
    $bin = Join-Path $Root "src/AksEgress/bin/$Configuration/net8.0"
    # Symbols are embedded in the dll with source paths mapped to /_/ (Directory.Build.props): no .pdb ships.
    Copy-Item (Join-Path $bin 'AksEgress.dll') $ModuleDir
    Remove-Item -Force -ErrorAction SilentlyContinue (Join-Path $deps 'AksEgress.dll'), (Join-Path $deps 'AksEgress.pdb')
    Get-ChildItem -Recurse $ModuleDir -Filter 'System.Management.Automation*.dll' | Remove-Item -Force
    Copy-Item (Join-Path $Root 'src/AksEgress/AksEgress.format.ps1xml') $ModuleDir
    $manifest = Get-Content -Raw (Join-Path $Root 'AksEgress.psd1')
    $manifest = $manifest -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion        = '$version'"
    # ReleaseNotes: what CHANGELOG.md lists for this version (the Unreleased section and the version's own section).
    $notes = Get-ReleaseNote -Version $version
    $manifest = [regex]::Replace($manifest, "ReleaseNotes\s*=\s*'[^']*'", { param($m) "ReleaseNotes = '" + ($notes -replace "'", "''") + "'" })
    Copy-Item (Join-Path $Root 'LICENSE'), (Join-Path $Root 'CHANGELOG.md') $ModuleDir
    Set-Content -Path (Join-Path $ModuleDir 'AksEgress.psd1') -Value $manifest -NoNewline
    $helpScript = Join-Path $Root 'tools/Build-Help.ps1'
    if (Test-Path $helpScript) { & $helpScript -DocsPath (Join-Path $Root 'docs/cmdlets') -OutputPath (Join-Path $ModuleDir 'en-US') -AboutPath (Join-Path $Root 'docs/about_AksEgress.md') }
    Invoke-Native dotnet build (Join-Path $Root 'src/AksEgress.Emulator') -c $Configuration --nologo -v q -o (Join-Path $Out 'emulator')
    Write-Host "Module: $ModuleDir"
}

function Get-PesterModulePath {
    Invoke-Native dotnet restore (Join-Path $Root 'tools/test-deps/TestDependencies.csproj') --nologo -v q
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else {
        ((& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
    }
    $env:AKSEGRESS_NUGET_PACKAGES = $packages
    $path = Join-Path $packages 'pester/6.2.0/tools/Pester.psd1'
    if (-not (Test-Path $path)) { throw "Pester was not restored to $path" }
    $path
}

function Get-TrxText($Node, [string[]] $Path) {
    # A trx result need not have Output/ErrorInfo/Message (a failure with a stack trace only): '' then, not a StrictMode error.
    Set-StrictMode -Off
    foreach ($name in $Path) { if ($null -eq $Node) { break }; $Node = $Node.$name }
    "$Node"
}

function Invoke-XunitTests {
    param(
        [string] $Target = (Join-Path $Root 'AksEgress.sln'),
        # The contract-traffic tests judge the whole run's traffic: they run last (Invoke-ContractTests), not here.
        [string] $Filter = 'Category!=ContractTraffic',
        [string] $Name = 'xunit'
    )
    $results = Join-Path $Out "test-results/$Name"
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    & dotnet test $Target -c $Configuration --nologo --filter $Filter --logger 'trx' --logger 'console;verbosity=minimal' --results-directory $results | Out-Host
    $exit = $LASTEXITCODE
    $passed = 0; $failed = 0; $names = @(); $skipped = @()
    foreach ($trx in Get-ChildItem -Path $results -Filter *.trx -ErrorAction SilentlyContinue) {
        $run = ([xml](Get-Content -Raw $trx.FullName)).TestRun
        $counters = $run.ResultSummary.Counters
        $passed += [int]$counters.passed
        $failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        # a skipped test (e.g. kubectl not on PATH) is neither passed nor failed: it is named, so it cannot pass unnoticed
        foreach ($r in @($run.Results.UnitTestResult | Where-Object { $_ -and $_.outcome -eq 'NotExecuted' })) {
            $skipped += "xunit: $($r.testName): $("$(Get-TrxText $r Output, StdOut)$(Get-TrxText $r Output, ErrorInfo, Message)".Trim() -split "`n" | Select-Object -First 1)"
        }
        foreach ($r in @($run.Results.UnitTestResult | Where-Object { $_ -and $_.outcome -notin 'Passed', 'NotExecuted' })) {
            $message = (Get-TrxText $r Output, ErrorInfo, Message).Trim() -split "`n" | Select-Object -First 1
            $names += "${Name}: $($r.testName) ($($r.duration)): $message"
        }
    }
    if ($exit -ne 0 -and $failed -eq 0) { $failed = 1; $names += "${Name}: dotnet test exited $exit without a failed test: counted as one failure (build error or crash)." }
    [pscustomobject]@{ Passed = $passed; Failed = $failed; FailedNames = $names; SkippedNames = $skipped }
}

function Invoke-PesterTests {
    param([string] $TestPath = (Join-Path $Root 'tests/pester'), [string] $Label = 'pester')
    $pester = Get-PesterModulePath
    $resultFile = Join-Path $Out "test-results/$Label.json"
    New-Item -ItemType Directory -Force (Split-Path $resultFile) | Out-Null
    Remove-Item -Force -ErrorAction SilentlyContinue $resultFile
    # A fresh pwsh imports the ASSEMBLED module (tests/*.Tests.ps1 import out/AksEgress); Pester's exit code is not
    # trusted (it exits 0 on failures): the counts come back in a file.
    $runner = Join-Path $Root 'tests/pester/Invoke-PesterTests.ps1'
    & dotnet pwsh -NoProfile -NonInteractive -File $runner -PesterPath $pester -TestPath $TestPath -ResultFile $resultFile | Out-Host
    if (-not (Test-Path $resultFile)) { return [pscustomobject]@{ Passed = 0; Failed = 1; FailedNames = @("${Label}: the runner wrote no result file") } }
    $r = Get-Content -Raw $resultFile | ConvertFrom-Json
    [pscustomobject]@{ Passed = [int]$r.Passed; Failed = [int]$r.Failed; FailedNames = @($r.FailedNames | ForEach-Object { "${Label}: $_" })
        SkippedNames = @($r.SkippedNames | Where-Object { $_ } | ForEach-Object { "${Label}: $_" }) }
}

function Invoke-RuntimeTests {
    # tests/runtimes/Runtimes.Tests.ps1 publishes tests/runtimes/AksEgress.RuntimeProbe self-contained for net8.0, net9.0
    # and net10.0 (runtime packs restored from NuGet) and runs the module's engine on each against the emulator.
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $result = Invoke-PesterTests -TestPath (Join-Path $Root 'tests/runtimes') -Label 'runtimes'
    Write-Host "Runtime probes: $([int]$sw.Elapsed.TotalSeconds) s"
    $result
}

function Invoke-ContractTests {
    # Last: every request the module sent and every answer the emulator gave in this run, against the published specs
    # (tests/contracts, docs/contracts.md). Summary: out/contracts/summary.json.
    $r = Invoke-XunitTests -Target (Join-Path $Root 'tests/AksEgress.Contracts.Tests') -Filter 'Category=ContractTraffic' -Name 'contracts'
    $summaryFile = Join-Path $Out 'contracts/summary.json'
    if (Test-Path $summaryFile) {
        $s = Get-Content -Raw $summaryFile | ConvertFrom-Json
        Write-Host "Contract checks: $($s.checks) over $($s.records) recorded requests; $(@($s.operations).Count) distinct operations, $(@($s.kubernetesKinds).Count) Kubernetes object kinds; $(@($s.allowed).Count) allow-listed finding(s)."
    }
    $r
}

function Invoke-Test {
    Invoke-Build
    $totals = [pscustomobject]@{ Passed = 0; Failed = 0 }
    $parts = @()
    # Every emulator started by the tests (in-process or as a process) appends its traffic here (ContractRecorder);
    # -Suite Contracts judges what the previous run left there.
    $traffic = Join-Path $Out 'contracts/traffic'
    if ($Suite -ne 'Contracts') {
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue (Join-Path $Out 'contracts')
        New-Item -ItemType Directory -Force $traffic | Out-Null
        $env:AKSEGRESS_CONTRACT_TRAFFIC = $traffic
    }
    if ($Suite -in 'All', 'Xunit') { $parts += Invoke-XunitTests }
    if ($Suite -in 'All', 'Pester') { $parts += Invoke-PesterTests }
    if ($Suite -in 'All', 'Runtimes') { $parts += Invoke-RuntimeTests }
    $env:AKSEGRESS_CONTRACT_TRAFFIC = $null
    if ($Suite -in 'All', 'Contracts') { $parts += Invoke-ContractTests }
    foreach ($p in $parts) { $totals.Passed += $p.Passed; $totals.Failed += $p.Failed }
    # Name every failure again just above the count, so a log read from its end shows what failed.
    $skippedNames = @(foreach ($p in $parts) { if ($p.PSObject.Properties['SkippedNames']) { $p.SkippedNames } })
    foreach ($name in $skippedNames) { Write-Host "SKIPPED $name" }
    $skippedCount = $skippedNames.Count
    if ($skippedCount) { Write-Host "$skippedCount skipped (not counted as passed)" }
    foreach ($p in $parts) { foreach ($name in $p.FailedNames) { Write-Host "FAILED $name" } }
    if ($totals.Passed + $totals.Failed -eq 0) { $totals.Failed = 1; Write-Host 'No test ran: counted as a failure.' }
    Write-Host "$($totals.Passed) passed, $($totals.Failed) failed"
    if ($totals.Failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    & (Join-Path $Root 'tools/Demo.ps1') -ModulePath (Join-Path $ModuleDir 'AksEgress.psd1')
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

function Invoke-Bench {
    Invoke-Build
    & (Join-Path $Root 'tools/Bench.ps1') -ModulePath (Join-Path $ModuleDir 'AksEgress.psd1') -OutputFile (Join-Path $Root 'docs/performance.md')
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

function Invoke-Package {
    Invoke-Build
    & (Join-Path $Root 'tools/Package.ps1') -ModuleDir $ModuleDir -OutputDir (Join-Path $Out 'package')
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

# The xunit classes that test Arm/ and Kubernetes/ code in process (no emulator): Mutate -UnitTestsOnly runs only these.
# A new in-process test class of that code belongs here.
$MutationUnitTests = @(
    'Arm.ArmErrorMappingTests', 'Arm.ArmModelTests', 'Arm.ArmModelFieldTests', 'Arm.ArmCloudTests', 'Arm.ArmTlsTests', 'Arm.AzContextTests',
    'Kubernetes.CheckResponseParserTests', 'Kubernetes.KubeErrorsTests', 'Kubernetes.SpecBuilderTests', 'Kubernetes.KubeConfigResolverTests', 'Kubernetes.KubeErrorsTransportTests', 'Kubernetes.AdmissionDenialWordingTests',
    'Kubernetes.KubeClientFactoryTests.Kubeconfig_errors_come_before_any_request',
    'Kubernetes.EgressServiceDriftTests',
    'Arm.ArmResultTests',
    'Arm.ArmRestSendTests',
    'Arm.ArmRestLongRunningTests',
    'Arm.ArmSessionPipelineTests',
    'Arm.ArmErrorMessageTests',
    'Arm.LinkedAuthorizationWordingTests',
    'Arm.ArmModelEdgeTests',
    'Kubernetes.KubeWatchResumeTests',
    'Kubernetes.KubeClientSessionTests',
    'Kubernetes.KubeConfigSelectionTests',
    'Kubernetes.KubeConfigMergeRuleTests',
    'Kubernetes.KubeloginServerIdTests',
    'Kubernetes.AadTokenProviderTests',
    'Kubernetes.KubeDebugTraceTests',
    'Kubernetes.KubeErrorsStatusTests',
    'Kubernetes.EgressSpecFieldTests'
)

function Invoke-Mutate {
    # `dotnet pwsh ./build.ps1 Mutate -MutatePath a,b` from bash arrives as ONE string 'a,b' (-File does not parse arrays):
    # split it, or Stryker gets one glob that matches nothing and every mutant is "Removed by mutate filter".
    $script:MutatePath = @($MutatePath | ForEach-Object { "$_" -split ',' } | ForEach-Object { $_.Trim() } | Where-Object { $_ })
    if ($MutationReport) {
        $result = Get-MutationScore -ReportPath $MutationReport
        $scope = if ($MutatePath) { $MutatePath -join ', ' } else { "the files mutated in $MutationReport" }
        if ($UnitTestsOnly) { $scope += ', in-process unit tests only (-UnitTestsOnly)' }
        Write-MutationScore -Result $result -Scope $scope -Minutes 0
        return
    }
    Invoke-Native dotnet tool restore
    $testProject = Join-Path $Root 'tests/AksEgress.Tests'
    $output = Join-Path $Out 'mutation'
    if (Test-Path $output) { Remove-Item -Recurse -Force $output }
    $arguments = @('dotnet-stryker', '--config-file', (Join-Path $testProject 'stryker-config.json'), '--output', $output)
    foreach ($glob in @($MutatePath)) { if ($glob) { $arguments += '--mutate', $glob } }
    if ($UnitTestsOnly) { $arguments += '--test-case-filter', (($MutationUnitTests | ForEach-Object { "FullyQualifiedName~AksEgress.Tests.$_" }) -join '|') }
    $started = Get-Date
    Push-Location $testProject
    try { Invoke-Native dotnet @arguments }
    finally { Pop-Location }
    $report = Join-Path $output 'reports/mutation-report.json'
    if (-not (Test-Path $report)) { throw "Stryker wrote no report at $report" }
    $result = Get-MutationScore -ReportPath $report
    # Nothing scored (globs that match no file, or every mutant a compile error): keep the last real score instead of an empty table.
    if ($result.Rows.Count -eq 0) { throw "Stryker scored no mutant (scope: $(if ($MutatePath) { $MutatePath -join ', ' } else { 'stryker-config.json' })); docs/reliability.md was not changed. Check the -MutatePath globs (relative to src/AksEgress.Engine, e.g. '**/Kubernetes/KubeWatch.cs')." }
    $scope = if ($MutatePath) { $MutatePath -join ', ' } else { 'src/AksEgress.Engine Arm/ and Kubernetes/ (tests/AksEgress.Tests/stryker-config.json)' }
    if ($UnitTestsOnly) { $scope += ', in-process unit tests only (-UnitTestsOnly)' }
    Write-MutationScore -Result $result -Scope $scope -Minutes ((Get-Date) - $started).TotalMinutes
    foreach ($row in $result.Rows) { Write-Host ("{0,-12} {1,5:N1}% killed ({2} killed, {3} timeout, {4} survived, {5} no coverage)" -f $row.Folder, $row.Score, $row.Killed, $row.Timeout, $row.Survived, $row.NoCoverage) }
    Write-Host "HTML report: $(Join-Path $output 'reports/mutation-report.html')"
}

function Get-MutationScore([string] $ReportPath) {
    # mutation-testing-elements schema: files -> mutants with status Killed, Survived, Timeout, NoCoverage, CompileError, Ignored.
    # Score = (Killed + Timeout) / (Killed + Timeout + Survived + NoCoverage), per folder under src/AksEgress.Engine.
    $json = Get-Content -Raw $ReportPath | ConvertFrom-Json -AsHashtable
    $rows = @{}; $survivors = [Collections.Generic.List[string]]::new()
    foreach ($file in $json.files.Keys) {
        $relative = ($file -replace '\\', '/') -replace '^.*?/src/AksEgress\.Engine/', ''
        $folder = if ($relative -match '^([^/]+)/') { $Matches[1] + '/' } else { '(root)' }
        if (-not $rows.ContainsKey($folder)) { $rows[$folder] = [ordered]@{ Folder = $folder; Killed = 0; Timeout = 0; Survived = 0; NoCoverage = 0 } }
        foreach ($m in $json.files[$file].mutants) {
            if ($rows[$folder].Contains($m.status)) { $rows[$folder][$m.status]++ }
            if ($m.status -in 'Survived', 'NoCoverage') {
                # Shorten the one-line form, not the raw text (collapsing whitespace makes it shorter than the original).
                $replacement = ("$($m.replacement)" -replace '\s+', ' ') -replace '\|', '\|'
                $survivors.Add("| $relative`:$($m.location.start.line) | $($m.status) | $($m.mutatorName) | ``$($replacement.Substring(0, [Math]::Min(80, $replacement.Length)))`` |")
            }
        }
    }
    $list = foreach ($r in $rows.Values | Sort-Object { $_.Folder }) {
        $valid = $r.Killed + $r.Timeout + $r.Survived + $r.NoCoverage
        if ($valid -eq 0) { continue }   # a folder outside the mutated scope
        [pscustomobject]@{ Folder = $r.Folder; Killed = $r.Killed; Timeout = $r.Timeout; Survived = $r.Survived; NoCoverage = $r.NoCoverage
            Score = if ($valid) { 100.0 * ($r.Killed + $r.Timeout) / $valid } else { 0 } }
    }
    [pscustomobject]@{ Rows = @($list); Survivors = $survivors }
}

function Write-MutationScore($Result, [string] $Scope, [double] $Minutes) {
    # Replaces the text between the two markers in docs/reliability.md; the hand-written "survivors kept" list stays outside.
    $doc = Join-Path $Root 'docs/reliability.md'
    $begin = '<!-- mutation-score:begin (written by build.ps1 Mutate) -->'; $end = '<!-- mutation-score:end -->'
    $when = if ($Minutes -gt 0) { "Last run $((Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm')) UTC, $([Math]::Round($Minutes)) min" } else { "Scored $((Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm')) UTC from an earlier run's report" }
    $lines = @($begin, '', "$when, scope: $Scope.", '',
        '| folder | score (killed + timeout) | killed | timeout | survived | no coverage |', '|---|---|---|---|---|---|')
    foreach ($r in $Result.Rows) { $lines += "| $($r.Folder) | $($r.Score.ToString('N1'))% | $($r.Killed) | $($r.Timeout) | $($r.Survived) | $($r.NoCoverage) |" }
    $lines += '', "Surviving and uncovered mutants ($($Result.Survivors.Count)):", '', '| where | status | mutator | replacement |', '|---|---|---|---|'
    $lines += $Result.Survivors
    $lines += '', $end
    $text = (Get-Content -Raw $doc) -replace "`r", ''
    $block = $lines -join "`n"
    $i = $text.IndexOf($begin); $j = $text.IndexOf($end)
    $text = if ($i -ge 0 -and $j -gt $i) { $text.Substring(0, $i) + $block + $text.Substring($j + $end.Length) } else { $text.TrimEnd() + "`n`n## Mutation score`n`n" + $block + "`n" }
    Set-Content -Path $doc -Value $text -NoNewline
    Write-Host "Mutation score written to $doc"
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'Bench' { Invoke-Bench }
    'Package' { Invoke-Package }
    'Mutate' { Invoke-Mutate }
    'Clean' {
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $Out
        Get-ChildItem -Path (Join-Path $Root 'src'), (Join-Path $Root 'tests') -Directory -Recurse -Include bin, obj | Remove-Item -Recurse -Force
    }
}
