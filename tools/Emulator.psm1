# Starting, stopping and talking to the AksEgress emulator from PowerShell (build.ps1 Demo, Pester tests).
# TLS to the emulator is verified against its own CA (custom root trust); validation is never disabled.

Set-StrictMode -Version 3.0

$script:Root = Split-Path -Parent $PSScriptRoot

function Start-AksEmulator {
    [CmdletBinding()]
    param(
        [string] $StateDir = (Join-Path ([IO.Path]::GetTempPath()) ("aksegress-emu-" + [guid]::NewGuid().ToString('n').Substring(0, 8))),
        [string[]] $ArgumentList = @(),
        [int] $TimeoutSeconds = 60
    )
    $dll = Join-Path $script:Root 'out/emulator/AksEgress.Emulator.dll'
    if (-not (Test-Path $dll)) { throw "The emulator is not built ($dll). Run: dotnet pwsh ./build.ps1 Build" }
    New-Item -ItemType Directory -Force -Path $StateDir | Out-Null
    $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($dll, '--state-dir', $StateDir) + $ArgumentList) { $psi.ArgumentList.Add([string]$a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($psi)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    $ready = $false
    while ([DateTime]::UtcNow -lt $deadline -and -not $process.HasExited) {
        $read = $process.StandardOutput.ReadLineAsync()
        if (-not $read.Wait([TimeSpan]::FromSeconds([Math]::Max(1, ($deadline - [DateTime]::UtcNow).TotalSeconds)))) { break }
        if ($null -eq $read.Result) { break }
        if ($read.Result.Trim() -eq 'ready') { $ready = $true; break }
    }
    if (-not $ready) {
        $err = if ($process.HasExited) { $process.StandardError.ReadToEnd() } else { $process.Kill($true); '' }
        throw "The emulator did not print 'ready' within $TimeoutSeconds s. $err"
    }
    # Keep draining stdout so the emulator never blocks on a full pipe.
    $null = $process.StandardOutput.ReadToEndAsync()
    $null = $process.StandardError.ReadToEndAsync()
    $connection = Get-Content -Raw -Path (Join-Path $StateDir 'connection.json') | ConvertFrom-Json
    [pscustomobject]@{
        PSTypeName = 'AksEgress.TestEmulator'
        Process    = $process
        StateDir   = $StateDir
        Connection = $connection
        Http       = New-EmulatorHttpClient -CaCertificatePath $connection.caCertificatePath -AccessToken $connection.accessToken
    }
}

function Stop-AksEmulator {
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] $Emulator)
    process {
        $p = $Emulator.Process
        if ($p -and -not $p.HasExited) {
            & kill -TERM $p.Id 2>$null
            if (-not $p.WaitForExit(10000)) { $p.Kill($true); $p.WaitForExit() }
        }
        if ($Emulator.Http) { $Emulator.Http.Dispose() }
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue -Path $Emulator.StateDir
    }
}

function New-EmulatorHttpClient {
    param([string] $CaCertificatePath, [string] $AccessToken)
    $ca = [Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem((Get-Content -Raw $CaCertificatePath))
    $policy = [Security.Cryptography.X509Certificates.X509ChainPolicy]::new()
    $policy.TrustMode = [Security.Cryptography.X509Certificates.X509ChainTrustMode]::CustomRootTrust
    $policy.RevocationMode = [Security.Cryptography.X509Certificates.X509RevocationMode]::NoCheck
    $null = $policy.CustomTrustStore.Add($ca)
    $handler = [Net.Http.SocketsHttpHandler]::new()
    $handler.SslOptions.CertificateChainPolicy = $policy
    $client = [Net.Http.HttpClient]::new($handler)
    $client.DefaultRequestHeaders.Authorization = [Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $AccessToken)
    $client
}

function Invoke-EmulatorAdmin {
    <# Calls the emulator's admin API (/_emulator/...) and returns the parsed JSON, if any. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Emulator,
        [ValidateSet('GET', 'POST', 'DELETE')] [string] $Method = 'GET',
        [Parameter(Mandatory)] [string] $Path,
        $Body
    )
    $uri = [Uri]::new([Uri]$Emulator.Connection.armEndpoint, "_emulator/$($Path.TrimStart('/'))")
    $request = [Net.Http.HttpRequestMessage]::new([Net.Http.HttpMethod]::new($Method), $uri)
    if ($null -ne $Body) {
        $json = if ($Body -is [string]) { $Body } else { $Body | ConvertTo-Json -Depth 10 -Compress }
        $request.Content = [Net.Http.StringContent]::new($json, [Text.Encoding]::UTF8, 'application/json')
    }
    $response = $Emulator.Http.SendAsync($request).GetAwaiter().GetResult()
    $text = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
    if (-not $response.IsSuccessStatusCode) { throw "Emulator admin $Method $Path failed: $([int]$response.StatusCode) $text" }
    if ($text) { $text | ConvertFrom-Json -Depth 50 } else { $null }
}

function Connect-AksEmulator {
    <# Connect-AksEgress to the emulator with its access token, endpoint and CA. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Emulator)
    $c = $Emulator.Connection
    Connect-AksEgress -SubscriptionId $c.subscriptionId -ArmEndpoint $c.armEndpoint -CaCertificatePath $c.caCertificatePath `
        -AccessToken (ConvertTo-SecureString -String $c.accessToken -AsPlainText -Force)
}

Export-ModuleMember -Function Start-AksEmulator, Stop-AksEmulator, Invoke-EmulatorAdmin, Connect-AksEmulator, New-EmulatorHttpClient
