# Follows the Az context: with Az.Accounts loaded and signed in (a stand-in module here, tests/pester/fixtures/Az.Accounts,
# same command names and output shapes), AksEgress takes the subscription, tenant and cloud from Get-AzContext and its
# tokens from Get-AzAccessToken -AsSecureString, without Connect-AksEgress (implicit) or with Connect-AksEgress -AzContext.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:StandIn = Join-Path $PSScriptRoot 'fixtures/Az.Accounts/Az.Accounts.psd1'
    $script:Emu = Start-AksEmulator
    $c = $Emu.Connection
    $script:Saved = @{}
    $script:TokenLog = Join-Path ([IO.Path]::GetTempPath()) "aksegress-standin-$([guid]::NewGuid().ToString('N')).log"
    $script:StandInEnv = @{
        AKSEGRESS_STANDIN_AZ_ACCOUNT      = 'jane@contoso.example'
        AKSEGRESS_STANDIN_AZ_SUBSCRIPTION = $c.subscriptionId
        AKSEGRESS_STANDIN_AZ_TENANT       = $c.tenantId
        AKSEGRESS_STANDIN_AZ_ENVIRONMENT  = 'AksEgressEmulator'
        AKSEGRESS_STANDIN_AZ_ARM_URL      = $c.armEndpoint
        AKSEGRESS_STANDIN_AZ_MSI_ENDPOINT = $c.managedIdentityEndpoint
        AKSEGRESS_STANDIN_AZ_MSI_HEADER   = $c.managedIdentityHeader
        AKSEGRESS_STANDIN_AZ_LOG          = $TokenLog
    }
    foreach ($k in $StandInEnv.Keys) { $Saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $StandInEnv[$k]) }
    Import-Module $StandIn -Force

    function Get-TokenCall { @(if (Test-Path $TokenLog) { Get-Content $TokenLog }) }
    function Clear-TokenCall { if (Test-Path $TokenLog) { Remove-Item $TokenLog } }
}
AfterAll {
    Disconnect-AksEgress
    Remove-Module Az.Accounts -ErrorAction SilentlyContinue
    foreach ($k in $Saved.Keys) { [Environment]::SetEnvironmentVariable($k, $Saved[$k]) }
    if (Test-Path $TokenLog) { Remove-Item $TokenLog }
    if ($script:Emu) { Stop-AksEmulator $script:Emu }
}

Describe 'Connect-AksEgress -AzContext' {
    BeforeEach { Disconnect-AksEgress; Clear-TokenCall }

    It 'takes subscription, tenant and cloud from Get-AzContext, says so in Verbose, and ARM calls carry Get-AzAccessToken tokens (SecureString form, cached)' {
        $verbose = $( $conn = Connect-AksEgress -AzContext -CaCertificatePath $Emu.Connection.caCertificatePath -Verbose ) 4>&1
        $conn.AuthenticationMethod | Should -Be 'AzContext'
        $conn.SubscriptionId | Should -Be $Emu.Connection.subscriptionId
        $conn.TenantId | Should -Be $Emu.Connection.tenantId
        $conn.Environment | Should -Be 'AksEgressEmulator'
        $conn.ArmEndpoint | Should -Be $Emu.Connection.armEndpoint
        ($verbose -join "`n") | Should -Match 'AzContext.*Get-AzAccessToken'
        (Get-AksNodeResourceGroup demo-rg standard-lb).ClusterName | Should -Be 'standard-lb'
        (Get-AksNodeResourceGroup demo-rg legacy-basic).ClusterName | Should -Be 'legacy-basic'
        Get-AksEgressConfiguration -ResourceGroupName demo-rg -ClusterName udr | Should -Not -BeNullOrEmpty
        # One token for ARM (the environment's audience), asked in the SecureString form, reused until near expiry.
        Get-TokenCall | Should -Be @('https://management.core.windows.net/|True')
    }

    It 'an Entra cluster gets its Kubernetes token from Get-AzAccessToken for the AKS server application' {
        Connect-AksEgress -AzContext -CaCertificatePath $Emu.Connection.caCertificatePath | Out-Null
        $r = Get-AksNodeResourceGroup demo-rg aad | Test-AksEgressIp -ErrorAction Stop
        $r.ClusterName | Should -Be 'aad'
        Get-TokenCall | Should -Contain '6dae42f8-4368-4678-94ff-3960e28e3630|True'
    }

    It 'a legacy Entra cluster gets its token for the server application its kubeconfig names (kubelogin --server-id), not the AKS one' {
        $legacy = '3c1f6a7e-55b2-4d0e-9d43-0a1b2c3d4e5f'
        Invoke-EmulatorAdmin -Emulator $Emu -Method POST -Path 'entra' -Body @{ cluster = 'aad'; serverAppId = $legacy } | Out-Null
        try {
            Connect-AksEgress -AzContext -CaCertificatePath $Emu.Connection.caCertificatePath | Out-Null
            $r = Get-AksNodeResourceGroup demo-rg aad | Test-AksEgressIp -ErrorAction Stop
            $r.Succeeded | Should -BeTrue
            Get-TokenCall | Should -Contain "$legacy|True"
            Get-TokenCall | Should -Not -Contain '6dae42f8-4368-4678-94ff-3960e28e3630|True'
        }
        finally { Reset-Emulator $Emu }
    }

    It 'without a signed-in Az context it fails with AzContextNotFound before any request' {
        $saved = $env:AKSEGRESS_STANDIN_AZ_ACCOUNT
        $env:AKSEGRESS_STANDIN_AZ_ACCOUNT = ''
        try {
            Clear-EmulatorRequest $Emu
            { Connect-AksEgress -AzContext -ErrorAction Stop } | Should -Throw -ErrorId 'AzContextNotFound,AksEgress.Commands.ConnectAksEgressCommand'
            @(Get-EmulatorRequest $Emu | Where-Object target -eq 'arm') | Should -BeNullOrEmpty
        }
        finally { $env:AKSEGRESS_STANDIN_AZ_ACCOUNT = $saved }
    }

    It '-AzContext with -Environment or -ArmEndpoint is ConflictingParameters' {
        { Connect-AksEgress -AzContext -Environment AzureChinaCloud -ErrorAction Stop } | Should -Throw -ErrorId 'ConflictingParameters,AksEgress.Commands.ConnectAksEgressCommand'
        { Connect-AksEgress -AzContext -ArmEndpoint https://management.local/ -ErrorAction Stop } | Should -Throw -ErrorId 'ConflictingParameters,AksEgress.Commands.ConnectAksEgressCommand'
    }

    It 'never shows a token, even with -Debug' {
        Connect-AksEgress -AzContext -CaCertificatePath $Emu.Connection.caCertificatePath | Out-Null
        $all = Get-AksNodeResourceGroup demo-rg standard-lb -Debug -Verbose 5>&1 4>&1 | Out-String
        # The emulator's tokens are JWT-shaped: header.payload.signature, the header starting eyJ.
        $all | Should -Not -Match 'eyJ[A-Za-z0-9_-]{10,}\.'
        $all | Should -Match 'HTTP GET'
    }
}

Describe 'Without Connect-AksEgress: the Az context is followed' {
    It 'a fresh pwsh with Az.Accounts signed in uses its context (Verbose names it), also in ForEach-Object -Parallel runspaces' {
        Clear-TokenCall
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$StandIn'
Import-Module '$ModuleManifest'
`$v = `$( `$c = Get-AksNodeResourceGroup demo-rg standard-lb -Verbose ) 4>&1
"CLUSTER=`$(`$c.ClusterName)"
`$v | ForEach-Object { "VERBOSE=`$_" }
`$p = 1..3 | ForEach-Object -ThrottleLimit 3 -Parallel {
    Import-Module '$StandIn'
    Import-Module '$ModuleManifest'
    (Get-AksNodeResourceGroup demo-rg legacy-basic).ClusterName
}
"PARALLEL=`$(`$p -join ',')"
"@
        # The emulator's CA is trusted through that process's system store only (SSL_CERT_FILE): an implicit session has no -CaCertificatePath.
        $saved = $env:SSL_CERT_FILE
        $env:SSL_CERT_FILE = $Emu.Connection.caCertificatePath
        try { $out = (& dotnet pwsh -NoProfile -NonInteractive -Command $script 2>&1) -join "`n" }
        finally { $env:SSL_CERT_FILE = $saved }
        $LASTEXITCODE | Should -Be 0 -Because $out
        $out | Should -Match '(?m)^CLUSTER=standard-lb$'
        $out | Should -Match '(?m)^VERBOSE=Not connected: following the Az PowerShell context \(account jane@contoso\.example'
        $out | Should -Match '(?m)^VERBOSE=Using subscription .* \(from the Az context\)'
        $out | Should -Match '(?m)^PARALLEL=legacy-basic,legacy-basic,legacy-basic$'
        # One ARM token for the whole process, asked through Get-AzAccessToken in the SecureString form: the runspaces share the cache.
        Get-TokenCall | Should -Be @('https://management.core.windows.net/|True')
    }
}
