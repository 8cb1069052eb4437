# Runs the Pester suite in this (fresh) pwsh and writes the counts to -ResultFile.
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $TestPath,
    [Parameter(Mandatory)] [string] $ResultFile
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath
$config = New-PesterConfiguration
$config.Run.Path = $TestPath
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.Output.RenderMode = 'Plaintext'
$result = Invoke-Pester -Configuration $config
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
$names = @($result.Failed | ForEach-Object { "$($_.ExpandedPath): $("$($_.ErrorRecord | Select-Object -First 1)".Trim() -split "`n" | Select-Object -First 1)" })
$names += @($result.FailedBlocks + $result.FailedContainers | Where-Object { $_ } | ForEach-Object { "$($_.Name ?? $_.Item): failed in setup" })
@{ Passed = $result.PassedCount; Failed = $failed; Skipped = $result.SkippedCount; FailedNames = $names; SkippedNames = @($result.Skipped | ForEach-Object { $_.ExpandedPath }) } | ConvertTo-Json -Depth 3 | Set-Content -Path $ResultFile
exit ([int]($failed -gt 0))
