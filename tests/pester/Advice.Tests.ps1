# Every message and advice text names only parameters that exist on the cmdlet that raises it (issue 14, item 7: the
# Kubernetes cmdlets' advice said "-ResourceGroupName/-ClusterName", which none of them has).
# The texts are read from the sources; which cmdlets raise the texts of a file comes from $FileCmdlets, or, inside a file, from
# a "// ---- raised by: Verb-Noun[, Verb-Noun]" line that names the cmdlets of the texts below it. A -Parameter that follows
# a command in the same clause (New-AksEgressIp -SubscriptionId, New-AzRoleAssignment -Scope, kubectl ...) belongs to that
# command: checked against it when it is one of this module's cmdlets, skipped when it is another tool's.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Cmdlets = @{}
    Get-Command -Module AksEgress -CommandType Cmdlet | ForEach-Object {
        $names = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)
        foreach ($p in $_.Parameters.Values) { [void]$names.Add($p.Name); foreach ($a in $p.Aliases) { [void]$names.Add($a) } }
        $Cmdlets[$_.Name] = $names
    }
    $kube = 'Set-AksEgressService', 'Remove-AksEgressService', 'Test-AksEgressIp'
    # Folders/files of the engine -> the cmdlets whose errors, warnings and output carry their texts.
    $script:FileCmdlets = [ordered]@{
        'src/AksEgress.Engine/EgressTest/'                          = @('Test-AksEgressIp')
        'src/AksEgress.Engine/EgressServices/'                      = @('Set-AksEgressService')   # Remove's part is marked in the file
        'src/AksEgress.Engine/Kubernetes/'                          = $kube
        'src/AksEgress.Engine/Session/CredentialService.cs'         = $kube
        'src/AksEgress.Engine/EgressConfig/EgressTexts.cs'          = @()                          # marked per part in the file
        'src/AksEgress.Engine/EgressConfig/EgressConfigurationService.cs' = @('Get-AksEgressConfiguration')
        'src/AksEgress.Engine/OutboundIps/'                         = @('Set-AksOutboundIp')
    }

    function Get-AdviceFinding {
        <# Findings "file:line: -Param is not a parameter of Verb-Noun" for the given lines raised by the given cmdlets. #>
        param([string[]] $Line, [string[]] $Cmdlet, [string] $File = 'text')
        $raisedBy = @($Cmdlet)
        for ($i = 0; $i -lt $Line.Count; $i++) {
            $text = $Line[$i]
            if ($text -match '^\s*//\s*-+\s*raised by:\s*(.+?)\s*$') { $raisedBy = @($Matches[1] -split '\s*,\s*'); continue }
            if ($text -match '^\s*//') { continue }
            # clauses: a command's parameters end at ; , ( ) ". " or " or "
            foreach ($clause in [regex]::Split($text, '[;,()]|\.\s|\s(?:or|and)\s')) {
                $owner = $null
                foreach ($m in [regex]::Matches($clause, '(?<![\w-])(?:(?<cmd>[A-Z][a-z]+-[A-Z][A-Za-z]+)|(?<tool>kubectl|az|helm)\b|-(?<param>[A-Z][A-Za-z]+)\b)')) {
                    if ($m.Groups['cmd'].Success) { $owner = $m.Groups['cmd'].Value; continue }
                    if ($m.Groups['tool'].Success) { $owner = $m.Groups['tool'].Value; continue }
                    $param = $m.Groups['param'].Value
                    $targets = if ($owner) { if ($Cmdlets.ContainsKey($owner)) { @($owner) } else { @() } } else { $raisedBy }
                    foreach ($c in $targets) {
                        if (-not $Cmdlets.ContainsKey($c)) { "${File}:$($i + 1): '$c' is not a cmdlet of the module"; continue }
                        if (-not $Cmdlets[$c].Contains($param)) { "${File}:$($i + 1): -$param is not a parameter of $c" }
                    }
                }
            }
        }
    }
}

Describe 'Advice texts name only parameters of the cmdlet that raises them' {
    It 'the check finds a parameter the raising cmdlet does not have (and accepts one another command owns)' {
        @(Get-AdviceFinding -Line '"Name the cluster (-ResourceGroupName/-ClusterName)."' -Cmdlet 'Test-AksEgressIp') |
            Should -Be @('text:1: -ResourceGroupName is not a parameter of Test-AksEgressIp', 'text:1: -ClusterName is not a parameter of Test-AksEgressIp')
        @(Get-AdviceFinding -Line '"Create it (New-AksEgressIp -SubscriptionId <id>); New-AzRoleAssignment -ObjectId x -Scope y"' -Cmdlet 'Test-AksEgressIp') | Should -BeNullOrEmpty
        @(Get-AdviceFinding -Line '"Pass -Force."', '// ---- raised by: Remove-AksEgressService', '"Pass -PublicIpId."' -Cmdlet 'Set-AksEgressService') |
            Should -Be @('text:3: -PublicIpId is not a parameter of Remove-AksEgressService')
    }

    It 'every cmdlet''s own source names only its parameters' {
        $findings = foreach ($f in Get-ChildItem (Join-Path $RepoRoot 'src/AksEgress/Commands') -Filter '*Command.cs') {
            if ($f.Name -notmatch '^(?<verb>[A-Z][a-z]+)(?<noun>Aks\w+)Command\.cs$') { continue }
            Get-AdviceFinding -Line (Get-Content $f.FullName) -Cmdlet "$($Matches.verb)-$($Matches.noun)" -File "src/AksEgress/Commands/$($f.Name)"
        }
        @($findings) | Should -BeNullOrEmpty
    }

    It 'every engine text names only parameters of the cmdlets that raise it' {
        $findings = foreach ($entry in $FileCmdlets.GetEnumerator()) {
            $path = Join-Path $RepoRoot $entry.Key
            $files = if (Test-Path $path -PathType Container) { Get-ChildItem $path -Filter '*.cs' } else { Get-Item $path }
            $files | Should -Not -BeNullOrEmpty -Because "$($entry.Key) must exist"
            foreach ($f in $files) {
                Get-AdviceFinding -Line (Get-Content $f.FullName) -Cmdlet $entry.Value -File ([IO.Path]::GetRelativePath($RepoRoot, $f.FullName))
            }
        }
        @($findings) | Should -BeNullOrEmpty
    }
}
