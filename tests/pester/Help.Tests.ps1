BeforeAll { . (Join-Path $PSScriptRoot 'TestSupport.ps1') }

# The help system: docs/cmdlets/*.md compiled by tools/Build-Help.ps1 into en-US/AksEgress.dll-Help.xml, and
# docs/about_AksEgress.md into about_AksEgress.help.txt. Every check reads the ASSEMBLED module's help, and compares it
# with the live cmdlet metadata, so a parameter added, removed or changed in C# without its doc fails here.
BeforeDiscovery {
    $script:Cmdlets = @((Import-PowerShellDataFile (Join-Path $PSScriptRoot '../../AksEgress.psd1')).CmdletsToExport)
}

BeforeAll {
    $script:Common = [System.Management.Automation.PSCmdlet]::CommonParameters
    $script:HelpDir = Join-Path (Split-Path $ModuleManifest) 'en-US'
    function Get-ParamName($Items) { @($Items | ForEach-Object { "$($_.name)".Trim() } | Where-Object { $_ } | Sort-Object) }
    function Get-TypeName([type] $Type) {
        if ($Type.IsGenericType -and $Type.GetGenericTypeDefinition() -eq [Nullable`1]) { $Type = $Type.GetGenericArguments()[0] }
        $Type.Name
    }
    function Invoke-FreshPwsh([string] $Script) {
        $output = & dotnet pwsh -NoProfile -NonInteractive -Command $Script 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String) }
    }
}

Describe 'Help files' {
    It 'are assembled into en-US as <RootModule>-Help.xml and about_AksEgress.help.txt' {
        $root = (Import-PowerShellDataFile $ModuleManifest).RootModule
        Join-Path $HelpDir "$root-Help.xml" | Should -Exist
        Join-Path $HelpDir 'about_AksEgress.help.txt' | Should -Exist
        $xml = [xml](Get-Content -Raw (Join-Path $HelpDir "$root-Help.xml"))
        $xml.helpItems.schema | Should -Be 'maml'
        $xml.helpItems.NamespaceURI | Should -Be 'http://msh'
    }

    It 'are up to date with docs/ (the compiler output equals the assembled help)' {
        $out = Join-Path $TestDrive 'help'
        & (Join-Path $RepoRoot 'tools/Build-Help.ps1') -DocsPath (Join-Path $RepoRoot 'docs/cmdlets') -OutputPath $out -AboutPath (Join-Path $RepoRoot 'docs/about_AksEgress.md')
        foreach ($f in 'AksEgress.dll-Help.xml', 'about_AksEgress.help.txt') {
            Get-Content -Raw (Join-Path $out $f) | Should -BeExactly (Get-Content -Raw (Join-Path $HelpDir $f)) -Because "$f must be rebuilt (build.ps1 Build) after editing docs/"
        }
    }

    It 'has exactly one page per exported cmdlet' {
        $pages = @(Get-ChildItem (Join-Path $RepoRoot 'docs/cmdlets') -Filter '*.md' | ForEach-Object BaseName | Sort-Object)
        $pages | Should -Be @((Import-PowerShellDataFile $ModuleManifest).CmdletsToExport | Sort-Object)
    }

    It 'rejects a page that breaks the schema' {
        $bad = Join-Path $TestDrive 'bad'; New-Item -ItemType Directory $bad | Out-Null
        "# Get-Thing`n`n## SYNOPSIS`n`nx`n" | Set-Content (Join-Path $bad 'Get-Thing.md')
        { & (Join-Path $RepoRoot 'tools/Build-Help.ps1') -DocsPath $bad -OutputPath (Join-Path $TestDrive 'badout') } | Should -Throw '*missing section*'
    }
}

Describe '<_> help' -ForEach $Cmdlets {
    BeforeAll {
        $script:Name = $_
        $script:Command = Get-Command $Name -Module AksEgress
        $script:Help = Get-Help $Name -Full
        $script:Documented = @($Help.parameters.parameter | Where-Object { $_ -and "$($_.name)".Trim() })
        $script:Expected = @($Command.Parameters.Values | Where-Object { $_.Name -notin $Common })
    }

    It 'comes from the MAML file, not the auto-generated stub' {
        $Help.Category | Should -Be 'Cmdlet'
        $Help.ModuleName | Should -Be 'AksEgress'
        @($Help.relatedLinks.navigationLink).Count | Should -BeGreaterThan 0
    }

    It 'has a synopsis' {
        "$($Help.Synopsis)".Trim() | Should -Not -BeNullOrEmpty
        $Help.Synopsis | Should -Not -BeLike "$Name *" -Because 'an auto-generated synopsis is the syntax line'
    }

    It 'has a description' {
        (@($Help.description.Text) -join ' ').Trim().Length | Should -BeGreaterThan 40
    }

    It 'has at least two examples, one of them a pipeline' {
        $examples = @($Help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($e in $examples) {
            "$($e.code)".Trim() | Should -Not -BeNullOrEmpty
            (@($e.remarks.Text) -join '').Trim() | Should -Not -BeNullOrEmpty -Because "$($e.title) needs an explanation"
            $e.code | Should -Match ([regex]::Escape($Name)) -Because "$($e.title) should use the cmdlet"
        }
        @($examples | Where-Object { $_.code -match '\|' }).Count | Should -BeGreaterOrEqual 1
    }

    It 'documents every parameter, and no parameter that does not exist (drift, both directions)' {
        $missing = @($Expected.Name | Where-Object { $_ -notin (Get-ParamName $Documented) })
        $stale = @(Get-ParamName $Documented | Where-Object { -not $Command.Parameters.ContainsKey($_) })
        $missing | Should -BeNullOrEmpty -Because 'every parameter needs a ### -Name section in docs/cmdlets'
        $stale | Should -BeNullOrEmpty -Because 'documented parameters must exist'
    }

    It 'describes every parameter' {
        foreach ($p in $Documented) { (@($p.description.Text) -join '').Trim() | Should -Not -BeNullOrEmpty -Because "-$($p.name)" }
    }

    It 'matches each parameter''s type, aliases, pipeline input and requiredness' {
        foreach ($p in $Expected) {
            $doc = $Documented | Where-Object name -eq $p.Name
            if (-not $doc) { continue }   # reported by the drift test
            $doc.type.name | Should -Be (Get-TypeName $p.ParameterType) -Because "type of -$($p.Name)"
            $aliases = if ($p.Aliases.Count) { ($p.Aliases | Sort-Object) -join ', ' } else { 'none' }
            (($doc.aliases -split ',\s*' | Sort-Object) -join ', ') | Should -Be $aliases -Because "aliases of -$($p.Name)"
            $kinds = @(); if ($p.ParameterSets.Values.ValueFromPipeline -contains $true) { $kinds += 'ByValue' }
            if ($p.ParameterSets.Values.ValueFromPipelineByPropertyName -contains $true) { $kinds += 'ByPropertyName' }
            $pipe = if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
            $doc.pipelineInput | Should -Be $pipe -Because "pipeline input of -$($p.Name)"
            $doc.required | Should -Be ([string]($p.ParameterSets.Values.IsMandatory -contains $true)).ToLowerInvariant() -Because "required of -$($p.Name)"
        }
    }

    It 'has one syntax block per parameter set, with the right parameters, requiredness and positions' {
        $items = @($Help.syntax.syntaxItem)
        $items.Count | Should -Be $Command.ParameterSets.Count
        $unmatched = @($items)
        foreach ($set in $Command.ParameterSets) {
            $names = @($set.Parameters | Where-Object Name -notin $Common | ForEach-Object Name | Sort-Object)
            $item = $unmatched | Where-Object { ((Get-ParamName $_.parameter) -join ',') -eq ($names -join ',') } | Select-Object -First 1
            $item | Should -Not -BeNullOrEmpty -Because "set '$($set.Name)' ($($names -join ', ')) needs a SYNTAX block"
            $unmatched = @($unmatched | Where-Object { $_ -ne $item })
            foreach ($sp in $set.Parameters | Where-Object Name -notin $Common) {
                $doc = $item.parameter | Where-Object name -eq $sp.Name
                $doc.required | Should -Be ([string]$sp.IsMandatory).ToLowerInvariant() -Because "required of -$($sp.Name) in set $($set.Name)"
                $position = if ($sp.Position -eq [int]::MinValue) { 'named' } else { [string]$sp.Position }
                $doc.position | Should -Be $position -Because "position of -$($sp.Name) in set $($set.Name)"
            }
        }
    }

    It 'names every OutputType in OUTPUTS' {
        $documented = @($Help.returnValues.returnValue.type.name)
        foreach ($t in $Command.OutputType | Where-Object { $_.Name -ne 'System.Void' }) {
            $documented | Should -Contain $t.Name
        }
    }

    It 'lists ErrorIds and the no-secrets promise in NOTES' {
        $notes = (@($Help.alertSet.alert.Text) -join "`n")
        $notes | Should -Match 'ErrorIds'
        if ($Name -ne 'Disconnect-AksEgress') { $notes | Should -Match 'never' }
    }
}

Describe 'Documented ErrorIds' {
    BeforeAll {
        $source = Get-Content -Raw (Join-Path $RepoRoot 'src/AksEgress/Contract/ErrorIds.cs')
        $script:ErrorIds = @([regex]::Matches($source, 'public const string (\w+) = nameof') | ForEach-Object { $_.Groups[1].Value })
        $script:AllDocs = (Get-ChildItem (Join-Path $RepoRoot 'docs/cmdlets') -Filter *.md | Get-Content -Raw) -join "`n"
        $script:About = Get-Content -Raw (Join-Path $RepoRoot 'docs/about_AksEgress.md')
    }

    It 'exist in ErrorIds.cs when named in the about_AksEgress troubleshooting table' {
        $ErrorIds.Count | Should -BeGreaterThan 20
        $table = ($About -split '## TROUBLESHOOTING')[1] -split "`n" | Where-Object { $_ -match '^\| [A-Z]' -and $_ -notmatch '^\| ErrorId' }
        $named = @($table | ForEach-Object { ($_ -split '\|')[1] -split ',' | ForEach-Object Trim })
        $named.Count | Should -BeGreaterThan 10
        $named | Where-Object { $_ -notin $ErrorIds } | Should -BeNullOrEmpty
    }

    It 'covers every public ErrorId somewhere in the help' {
        $ErrorIds | Where-Object { $AllDocs + $About -notmatch "\b$_\b" } | Should -BeNullOrEmpty
    }
}

Describe 'Offline help in a fresh pwsh' {
    It 'Get-Help -Examples shows every cmdlet''s examples from the assembled module' {
        $names = @((Import-PowerShellDataFile $ModuleManifest).CmdletsToExport)
        $script = "`$ErrorActionPreference = 'Stop'; Import-Module '$ModuleManifest'; " +
        "foreach (`$n in '$($names -join "','")') { `$t = Get-Help `$n -Examples | Out-String -Width 200; " +
        "'{0}={1}' -f `$n, ([regex]::Matches(`$t, 'Example \d+:').Count) }"
        $r = Invoke-FreshPwsh $script
        $r.ExitCode | Should -Be 0 -Because $r.Output
        foreach ($n in $names) { $r.Output | Should -Match "(?m)^$n=([2-9]|\d\d)\s*$" -Because $r.Output }
    }

    It 'keeps a comment line of an example in the example''s code' {
        $r = Invoke-FreshPwsh "`$ErrorActionPreference = 'Stop'; Import-Module '$ModuleManifest'; Get-Help Get-AksEgressConfiguration -Examples | Out-String -Width 200"
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match '(?m)^\s*# Succeeded is False when a pod egresses from any other address; Explanation says why\s*$'
        $r.Output | Should -Match '(?s)# Succeeded is False.*\$config \| Test-AksEgressIp'
    }

    It 'Get-Help -Full, -Parameter and about_AksEgress work' {
        $script = "`$ErrorActionPreference = 'Stop'; Import-Module '$ModuleManifest'; " +
        "Get-Help Set-AksOutboundIp -Full | Out-String -Width 200; Get-Help New-AksEgressIp -Parameter ResourceGroupName | Out-String -Width 200; " +
        "Get-Help about_AksEgress | Out-String -Width 200"
        $r = Invoke-FreshPwsh $script
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match 'loadBalancerProfile'
        $r.Output | Should -Match 'RELATED LINKS'
        $r.Output | Should -Match 'node resource group lockdown'
        $r.Output | Should -Match 'about_AksEgress'
        $r.Output | Should -Match 'OUTBOUND TYPES AND WHICH CMDLET PINS EGRESS'
    }
}

Describe 'about_AksEgress' {
    It 'is found by Get-Help and covers outbound types, pipelines, connections and troubleshooting' {
        $about = Get-Help about_AksEgress
        $about | Should -Not -BeNullOrEmpty
        $text = $about | Out-String
        foreach ($s in 'TOPIC', 'userDefinedRouting', 'managedNATGateway', 'Set-AksOutboundIp', 'Set-AksEgressService', 'Connect-AksEgress -Identity', 'TROUBLESHOOTING', '|') {
            $text | Should -Match ([regex]::Escape($s))
        }
    }
}
