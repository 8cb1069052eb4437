#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Compiles docs/cmdlets/*.md into MAML (AksEgress.dll-Help.xml) and docs/about_AksEgress.md into about_AksEgress.help.txt.
.DESCRIPTION
    Dependency-free (no platyPS). The Markdown schema is strict and platyPS-like; anything unexpected throws with the
    file and line, so a broken page fails the build instead of silently losing help:
      # Verb-Noun
      ## SYNOPSIS | ## SYNTAX (### <SetName> [(Default)] + fenced block) | ## DESCRIPTION
      ## EXAMPLES  (### Example N: title, a ```powershell block, then remarks)
      ## PARAMETERS (### -Name, description, a ```yaml block: Type, Parameter Sets, Aliases, Required, Position,
                     Default value, Accept pipeline input, Accept wildcard characters; then ### CommonParameters)
      ## INPUTS / ## OUTPUTS (### TypeName + description) | ## NOTES | ## RELATED LINKS (- [text](uri))
    Required and Position may vary per parameter set: "True (ByName); False (List)".
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $DocsPath,
    [Parameter(Mandatory)] [string] $OutputPath,
    [string] $AboutPath,
    [string] $HelpFileName = 'AksEgress.dll-Help.xml'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$Sections = 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS'
$YamlKeys = 'Type', 'Parameter Sets', 'Aliases', 'Required', 'Position', 'Default value', 'Accept pipeline input', 'Accept wildcard characters'

function Get-Block([string[]] $Lines) {
    # Splits lines into text paragraphs and fenced code blocks: @{ Kind = 'text'|'code'; Lang; Text }
    $blocks = [System.Collections.Generic.List[object]]::new(); $buf = @(); $inCode = $false; $lang = ''
    foreach ($line in $Lines) {
        if ($line -match '^```(\S*)\s*$') {
            if ($inCode) { $blocks.Add(@{ Kind = 'code'; Lang = $lang; Text = ($buf -join "`n") }); $buf = @(); $inCode = $false }
            else {
                if (($buf -join '').Trim()) { $blocks.Add(@{ Kind = 'text'; Text = ($buf -join "`n").Trim() }) }
                $buf = @(); $inCode = $true; $lang = $Matches[1]
            }
        }
        elseif (-not $inCode -and -not $line.Trim()) {
            if (($buf -join '').Trim()) { $blocks.Add(@{ Kind = 'text'; Text = ($buf -join "`n").Trim() }) }
            $buf = @()
        }
        else { $buf += $line }
    }
    if ($inCode) { throw 'unterminated code fence' }
    if (($buf -join '').Trim()) { $blocks.Add(@{ Kind = 'text'; Text = ($buf -join "`n").Trim() }) }
    $blocks
}

function Split-H3([string[]] $Lines) {
    # Returns @{ Title; Lines } for each '### ' heading (text before the first heading is dropped if blank).
    $items = [System.Collections.Generic.List[object]]::new(); $cur = $null; $inCode = $false
    foreach ($line in $Lines) {
        if ($line -match '^```') { $inCode = -not $inCode }
        if (-not $inCode -and $line -match '^### (.+)$') { $cur = @{ Title = $Matches[1].Trim(); Lines = [System.Collections.Generic.List[string]]::new() }; $items.Add($cur) }
        elseif ($cur) { $cur.Lines.Add($line) }
        elseif ($line.Trim()) { throw "text before the first ### heading: '$line'" }
    }
    $items
}

function ConvertFrom-CmdletMarkdown([string] $Path) {
    $lines = (Get-Content -Raw $Path) -replace "`r", '' -split "`n"
    if ($lines[0] -notmatch '^# ([A-Za-z]+-[A-Za-z]+)\s*$') { throw "${Path}:1: expected '# Verb-Noun'" }
    $doc = @{ Name = $Matches[1]; Section = [ordered]@{} }; $current = $null; $inCode = $false
    for ($i = 1; $i -lt $lines.Count; $i++) {
        # Headings count only outside code fences: an example may hold a '# comment' line.
        if ($lines[$i] -match '^```') { $inCode = -not $inCode }
        if ($inCode -or $lines[$i] -match '^```') { if ($current) { $doc.Section[$current].Add($lines[$i]) }; continue }
        if ($lines[$i] -match '^## (.+)$') {
            $current = $Matches[1].Trim()
            if ($current -notin $Sections) { throw "${Path}:$($i + 1): unknown section '## $current'" }
            $doc.Section[$current] = [System.Collections.Generic.List[string]]::new()
        }
        elseif ($lines[$i] -match '^# ') { throw "${Path}:$($i + 1): a second '# ' heading" }
        elseif ($current) { $doc.Section[$current].Add($lines[$i]) }
        elseif ($lines[$i].Trim()) { throw "${Path}:$($i + 1): text before ## SYNOPSIS" }
    }
    $missing = $Sections | Where-Object { -not $doc.Section.Contains($_) }
    if ($missing) { throw "${Path}: missing section(s): $($missing -join ', ')" }
    $doc.Synopsis = ((Get-Block $doc.Section['SYNOPSIS']) | ForEach-Object Text) -join ' '
    $doc.Description = @((Get-Block $doc.Section['DESCRIPTION']) | ForEach-Object Text)
    $doc.Notes = @((Get-Block $doc.Section['NOTES']) | ForEach-Object Text)
    $doc.Sets = @(Split-H3 $doc.Section['SYNTAX'] | ForEach-Object { ($_.Title -replace '\s*\(Default\)\s*$', '').Trim() })
    $doc.Examples = @(foreach ($h in Split-H3 $doc.Section['EXAMPLES']) {
            if ($h.Title -notmatch '^Example \d+: .+') { throw "${Path}: example heading must be 'Example N: title', got '$($h.Title)'" }
            $blocks = Get-Block $h.Lines
            $code = @($blocks | Where-Object Kind -eq 'code')
            if ($code.Count -lt 1 -or $code[0].Lang -ne 'powershell') { throw "${Path}: '$($h.Title)' needs a ``````powershell block" }
            @{ Title = $h.Title; Code = ($code.Text -join "`n`n"); Remarks = @($blocks | Where-Object Kind -eq 'text' | ForEach-Object Text) }
        })
    $doc.Parameters = @(foreach ($h in Split-H3 $doc.Section['PARAMETERS']) {
            if ($h.Title -eq 'CommonParameters') { continue }
            if ($h.Title -notmatch '^-(\w+)$') { throw "${Path}: parameter heading must be '### -Name', got '$($h.Title)'" }
            $name = $Matches[1]
            $blocks = Get-Block $h.Lines
            $yaml = @($blocks | Where-Object { $_.Kind -eq 'code' -and $_.Lang -eq 'yaml' })
            if ($yaml.Count -ne 1) { throw "${Path}: -$name needs exactly one ``````yaml block" }
            $meta = [ordered]@{}
            foreach ($l in $yaml[0].Text -split "`n") { if ($l -match '^([^:]+):\s*(.*)$') { $meta[$Matches[1].Trim()] = $Matches[2].Trim() } }
            $bad = @($YamlKeys | Where-Object { -not $meta.Contains($_) }) + @($meta.Keys | Where-Object { $_ -notin $YamlKeys })
            if ($bad) { throw "${Path}: -$name yaml keys wrong/missing: $($bad -join ', ')" }
            @{ Name = $name; Meta = $meta; Description = @($blocks | Where-Object Kind -eq 'text' | ForEach-Object Text) }
        })
    foreach ($kind in 'INPUTS', 'OUTPUTS') {
        $doc[$kind] = @(foreach ($h in Split-H3 $doc.Section[$kind]) { @{ Type = $h.Title; Description = @((Get-Block $h.Lines) | ForEach-Object Text) } })
    }
    $doc.Links = @(foreach ($l in $doc.Section['RELATED LINKS']) {
            if ($l -match '^\s*-\s*\[([^\]]+)\]\(([^)]*)\)') { $text, $uri = $Matches[1], $Matches[2]; @{ Text = $text; Uri = $(if ($uri -match '^https?://') { $uri } else { '' }) } }
            elseif ($l.Trim()) { throw "${Path}: related link must be '- [text](uri)', got '$l'" }
        })
    $doc
}

function Get-PerSet([string] $Value, [string] $Set) {
    # "True" or "True (ByName); False (List)" -> the value for $Set.
    if ($Value -notmatch '\(') { return $Value }
    foreach ($part in $Value -split ';') {
        if ($part.Trim() -match '^(\S+)\s*\(([^)]+)\)$' -and ($Matches[2] -split ',' | ForEach-Object Trim) -contains $Set) { return $Matches[1] }
    }
    throw "no value for parameter set '$Set' in '$Value'"
}

function Test-InSet($Parameter, [string] $Set) {
    $sets = $Parameter.Meta['Parameter Sets']
    $sets -eq '(All)' -or (($sets -split ',' | ForEach-Object Trim) -contains $Set)
}

$script:X = $null
$NS = [ordered]@{ maml = 'http://schemas.microsoft.com/maml/2004/10'; command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'; dev = 'http://schemas.microsoft.com/maml/dev/2004/10' }
function Add-Para([string[]] $Paragraphs) {
    foreach ($p in $Paragraphs) { $X.WriteElementString('maml', 'para', $NS.maml, ($p -replace '\s*\n\s*', ' ')) }
}
function Add-Description([string[]] $Paragraphs) {
    $X.WriteStartElement('maml', 'description', $NS.maml); Add-Para $Paragraphs; $X.WriteEndElement()
}
function Add-Parameter($P, [string] $Set) {
    $m = $P.Meta
    $required = if ($Set) { Get-PerSet $m['Required'] $Set } else { [string]($m['Required'] -match 'True') }
    $position = if ($Set) { Get-PerSet $m['Position'] $Set } else { ($m['Position'] -replace '\s*\([^)]*\)', '' -split ';')[0].Trim() }
    $isSwitch = $m['Type'] -eq 'SwitchParameter'
    $X.WriteStartElement('command', 'parameter', $NS.command)
    $X.WriteAttributeString('required', $required.ToLowerInvariant())
    $X.WriteAttributeString('variableLength', ([string]($m['Type'] -like '*`[`]')).ToLowerInvariant())
    $X.WriteAttributeString('globbing', $m['Accept wildcard characters'].ToLowerInvariant())
    $X.WriteAttributeString('pipelineInput', $m['Accept pipeline input'])
    $X.WriteAttributeString('position', $(if ($position -eq 'Named') { 'named' } else { $position }))
    $X.WriteAttributeString('aliases', $(if ($m['Aliases'] -eq 'None') { 'none' } else { $m['Aliases'] }))
    $X.WriteElementString('maml', 'name', $NS.maml, $P.Name)
    Add-Description $P.Description
    if (-not ($isSwitch -and $Set)) {
        $X.WriteStartElement('command', 'parameterValue', $NS.command)
        $X.WriteAttributeString('required', ([string](-not $isSwitch)).ToLowerInvariant())
        $X.WriteAttributeString('variableLength', 'false')
        $X.WriteString($m['Type']); $X.WriteEndElement()
    }
    $X.WriteStartElement('dev', 'type', $NS.dev); $X.WriteElementString('maml', 'name', $NS.maml, $m['Type']); $X.WriteElementString('maml', 'uri', $NS.maml, ''); $X.WriteEndElement()
    $X.WriteElementString('dev', 'defaultValue', $NS.dev, $m['Default value'])
    $X.WriteEndElement()
}

function Write-Maml($Docs, [string] $Path) {
    $settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
    $script:X = [System.Xml.XmlWriter]::Create($Path, $settings)
    try {
        $X.WriteStartDocument()
        $X.WriteStartElement('helpItems', 'http://msh'); $X.WriteAttributeString('schema', 'maml')
        foreach ($d in $Docs) {
            $X.WriteStartElement('command', 'command', $NS.command)
            foreach ($k in $NS.Keys) { $X.WriteAttributeString('xmlns', $k, $null, $NS[$k]) }
            $verb, $noun = $d.Name -split '-', 2
            $X.WriteStartElement('command', 'details', $NS.command)
            $X.WriteElementString('command', 'name', $NS.command, $d.Name)
            $X.WriteElementString('command', 'verb', $NS.command, $verb)
            $X.WriteElementString('command', 'noun', $NS.command, $noun)
            Add-Description @($d.Synopsis)
            $X.WriteEndElement()
            Add-Description $d.Description
            $X.WriteStartElement('command', 'syntax', $NS.command)
            foreach ($set in $d.Sets) {
                $X.WriteStartElement('command', 'syntaxItem', $NS.command)
                $X.WriteElementString('maml', 'name', $NS.maml, $d.Name)
                $inSet = @($d.Parameters | Where-Object { Test-InSet $_ $set })
                $positional = @($inSet | Where-Object { (Get-PerSet $_.Meta['Position'] $set) -ne 'Named' } | Sort-Object { [int](Get-PerSet $_.Meta['Position'] $set) })
                foreach ($p in $positional + @($inSet | Where-Object { $_ -notin $positional })) { Add-Parameter $p $set }
                $X.WriteEndElement()
            }
            $X.WriteEndElement()
            $X.WriteStartElement('command', 'parameters', $NS.command)
            foreach ($p in $d.Parameters) { Add-Parameter $p $null }
            $X.WriteEndElement()
            foreach ($kind in @(@('INPUTS', 'inputTypes', 'inputType'), @('OUTPUTS', 'returnValues', 'returnValue'))) {
                $X.WriteStartElement('command', $kind[1], $NS.command)
                foreach ($t in $d[$kind[0]]) {
                    $X.WriteStartElement('command', $kind[2], $NS.command)
                    $X.WriteStartElement('dev', 'type', $NS.dev); $X.WriteElementString('maml', 'name', $NS.maml, $t.Type); $X.WriteEndElement()
                    Add-Description $t.Description
                    $X.WriteEndElement()
                }
                $X.WriteEndElement()
            }
            $X.WriteStartElement('maml', 'alertSet', $NS.maml); $X.WriteStartElement('maml', 'alert', $NS.maml); Add-Para $d.Notes; $X.WriteEndElement(); $X.WriteEndElement()
            $X.WriteStartElement('command', 'examples', $NS.command)
            foreach ($e in $d.Examples) {
                $X.WriteStartElement('command', 'example', $NS.command)
                $X.WriteElementString('maml', 'title', $NS.maml, "-------------------------- $($e.Title) --------------------------")
                $X.WriteElementString('dev', 'code', $NS.dev, $e.Code)
                $X.WriteStartElement('dev', 'remarks', $NS.dev); Add-Para $e.Remarks; $X.WriteEndElement()
                $X.WriteEndElement()
            }
            $X.WriteEndElement()
            $X.WriteStartElement('maml', 'relatedLinks', $NS.maml)
            foreach ($l in $d.Links) {
                $X.WriteStartElement('maml', 'navigationLink', $NS.maml)
                $X.WriteElementString('maml', 'linkText', $NS.maml, $l.Text); $X.WriteElementString('maml', 'uri', $NS.maml, $l.Uri)
                $X.WriteEndElement()
            }
            $X.WriteEndElement(); $X.WriteEndElement()
        }
        $X.WriteEndElement(); $X.WriteEndDocument()
    }
    finally { $X.Dispose() }
}

function ConvertTo-AboutText([string] $Path) {
    # '# about_X' -> TOPIC; '## HEADING' -> upper-case heading; body indented 4, code 8; links become 'text (uri)'.
    $out = [System.Text.StringBuilder]::new(); $inCode = $false
    foreach ($line in ((Get-Content -Raw $Path) -replace "`r", '' -split "`n")) {
        if ($line -match '^```') { $inCode = -not $inCode; continue }
        if ($inCode) { [void]$out.AppendLine(('        ' + $line).TrimEnd()); continue }
        $line = $line -replace '\[([^\]]+)\]\(([^)]+)\)', '$1 ($2)' -replace '\*\*([^*]+)\*\*', '$1' -replace '`([^`]+)`', '$1'
        if ($line -match '^# (about_\w+)') { [void]$out.AppendLine('TOPIC').AppendLine("    $($Matches[1])") }
        elseif ($line -match '^#{2,3} (.+)$') { [void]$out.AppendLine($Matches[1].ToUpperInvariant()) }
        elseif ($line.Trim()) { [void]$out.AppendLine("    $line".TrimEnd()) }
        else { [void]$out.AppendLine() }
    }
    if ($inCode) { throw "${Path}: unterminated code fence" }
    $out.ToString()
}

$files = @(Get-ChildItem -Path $DocsPath -Filter '*-*.md' | Sort-Object Name)
if (-not $files) { throw "No cmdlet pages in $DocsPath" }
$docs = foreach ($f in $files) {
    $d = ConvertFrom-CmdletMarkdown $f.FullName
    if ($d.Name -ne $f.BaseName) { throw "$($f.Name): heading '# $($d.Name)' does not match the file name" }
    $d
}
New-Item -ItemType Directory -Force -Path $OutputPath | Out-Null
Write-Maml $docs (Join-Path $OutputPath $HelpFileName)
[void][xml](Get-Content -Raw (Join-Path $OutputPath $HelpFileName))
if ($AboutPath) {
    $name = [System.IO.Path]::GetFileNameWithoutExtension($AboutPath)
    Set-Content -Path (Join-Path $OutputPath "$name.help.txt") -Value (ConvertTo-AboutText $AboutPath) -Encoding utf8NoBOM
}
Write-Verbose "Help: $($docs.Count) cmdlet page(s) -> $(Join-Path $OutputPath $HelpFileName)"
