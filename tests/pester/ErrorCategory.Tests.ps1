# Every ErrorId's CategoryInfo: one table (below) names the PowerShell ErrorCategory (or categories, where the remote
# answer decides) of each ErrorId. The tests walk it: every ErrorId is in it, every category it names comes out of the
# module's ErrorRecord conversion unchanged, and every place in src/ that raises an ErrorId with a literal category uses
# one the table allows.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:Expected = [ordered]@{
        # Input, checked before any request
        InvalidPublicIpName             = 'InvalidArgument'
        InvalidResourceGroupName        = 'InvalidArgument'
        InvalidClusterName              = 'InvalidArgument'
        InvalidResourceId               = 'InvalidArgument'
        InvalidSubscriptionId           = 'InvalidArgument'
        InvalidIpAddress                = 'InvalidArgument'
        InvalidAllowList                = 'InvalidArgument'
        NonPublicIpAddress              = 'InvalidArgument'
        InvalidKubernetesName           = 'InvalidArgument'
        InvalidPort                     = 'InvalidArgument'
        InvalidCheckUri                 = 'InvalidArgument'
        InvalidTag                      = 'InvalidArgument'
        InvalidZone                     = 'InvalidArgument'
        InvalidSku                      = 'InvalidArgument'
        InvalidImage                    = 'InvalidArgument'
        InvalidTenantId                 = 'InvalidArgument'
        InvalidEnvironment              = 'InvalidArgument'
        BasicSkuRetired                 = 'InvalidArgument'
        KubeConfigNotFound              = 'ObjectNotFound'
        KubeConfigInvalid               = 'InvalidData'
        KubeContextNotFound             = 'ObjectNotFound'
        KubeConfigClusterMismatch       = 'InvalidArgument'
        CaCertificateNotFound           = 'ObjectNotFound'
        CaCertificateInvalid            = 'InvalidData'
        ConflictingParameters           = 'InvalidArgument'
        MissingClusterContext           = 'InvalidArgument'
        UnsupportedInputObject          = 'InvalidArgument'
        InvalidOutboundPorts            = 'InvalidArgument'
        InvalidIdleTimeout              = 'InvalidArgument'
        InsufficientOutboundPorts       = 'LimitsExceeded'
        InvalidTimeout                  = 'InvalidArgument'
        InvalidCount                    = 'InvalidArgument'
        InvalidThrottleLimit            = 'InvalidArgument'
        InvalidPrefixSize               = 'InvalidArgument'
        InvalidPrefixLength             = 'InvalidArgument'
        PublicIpPrefixConflict          = 'ResourceExists'
        PublicIpPrefixNotFound          = 'ObjectNotFound'
        InvalidGatewayNodeCount         = 'InvalidArgument'
        InvalidAgentPoolName            = 'InvalidArgument'
        InvalidCidr                     = 'InvalidArgument'
        InvalidDefaultRoute             = 'InvalidArgument'
        # Static Egress Gateway (issue 12)
        StaticEgressGatewayNotEnabled   = 'InvalidOperation'
        StaticEgressGatewayNotSupported = 'InvalidOperation'
        StaticEgressGatewayInUse        = 'InvalidOperation'
        GatewayPoolNotFound             = 'ObjectNotFound', 'InvalidArgument'
        GatewayPoolConflict             = 'ResourceExists'
        GatewayNotFound                 = 'ObjectNotFound'
        GatewayNotReady                 = 'OperationTimeout', 'ResourceUnavailable'
        GatewayConflict                 = 'ResourceExists', 'ResourceBusy'
        GatewayDeletionStuck            = 'OperationTimeout'
        WorkloadNotFound                = 'ObjectNotFound'
        GatewayPrefixMismatch           = 'InvalidArgument'
        InvalidWorkloadKind             = 'InvalidArgument'
        GatewayNamespaceMismatch        = 'InvalidArgument'
        HostNetworkWorkload             = 'InvalidOperation'
        WorkloadRolloutTimeout          = 'OperationTimeout'
        NonInteractiveConfirmation      = 'InvalidOperation'
        # Connection and authentication
        NotConnected                    = 'InvalidOperation'
        SubscriptionNotDetermined       = 'InvalidOperation', 'ObjectNotFound'
        SubscriptionNotFound            = 'ObjectNotFound'
        AuthenticationFailed            = 'AuthenticationError'
        AzContextNotFound               = 'AuthenticationError'
        TlsValidationFailed             = 'AuthenticationError'
        EndpointUnreachable             = 'ConnectionError'
        InvalidArmEndpoint              = 'InvalidArgument'
        # ARM
        ClusterNotFound                 = 'ObjectNotFound'
        ResourceGroupNotFound           = 'ObjectNotFound'
        PublicIpNotFound                = 'ObjectNotFound'
        PublicIpConflict                = 'ResourceExists', 'InvalidArgument'
        PublicIpInUse                   = 'InvalidOperation'
        PublicIpQuotaExceeded           = 'QuotaExceeded'
        NodeResourceGroupLocked         = 'PermissionDenied'
        AuthorizationFailed             = 'PermissionDenied'
        LinkedAuthorizationFailed       = 'PermissionDenied'
        ScopeLocked                     = 'PermissionDenied'
        RequestDisallowedByPolicy       = 'PermissionDenied'
        DenyAssignmentAuthorizationFailed = 'PermissionDenied'
        ArmThrottled                    = 'LimitsExceeded'
        ArmRequestFailed                = 'InvalidOperation', 'ResourceUnavailable', 'InvalidResult', 'ObjectNotFound'
        OperationFailed                 = 'InvalidResult'
        OperationTimedOut               = 'OperationTimeout'
        ConflictingOperation            = 'ResourceBusy'
        LocalAccountsDisabled           = 'InvalidOperation', 'PermissionDenied'
        EgressNotConfigurableHere       = 'InvalidOperation'
        NatGatewayAddressLimitExceeded  = 'LimitsExceeded', 'InvalidArgument'
        AmbiguousNatGateway             = 'InvalidOperation'
        # Kubernetes
        KubernetesUnauthorized          = 'AuthenticationError'
        KubernetesForbidden             = 'PermissionDenied'
        KubernetesNotFound              = 'ObjectNotFound'
        KubernetesConflict              = 'ResourceExists'
        KubernetesInvalid               = 'InvalidData'
        KubernetesRequestFailed         = 'ResourceBusy', 'InvalidResult', 'NotSpecified'
        ServiceNotOwned                 = 'ResourceExists'
        LoadBalancerSyncFailed          = 'InvalidResult', 'PermissionDenied'
        LoadBalancerTimeout             = 'OperationTimeout'
        ImagePullFailed                 = 'ResourceUnavailable'
        PodUnschedulable                = 'ResourceUnavailable'
        NoTestableNode                  = 'ResourceUnavailable'
        PodRejected                     = 'InvalidOperation', 'PermissionDenied'
        AdmissionDenied                 = 'PermissionDenied'
        EgressTestTimeout               = 'OperationTimeout'
        EgressBlockedOrEndpointUnusable = 'InvalidResult'
        OperationCanceled               = 'OperationStopped'
        UnexpectedError                 = 'NotSpecified'
    }
    $asm = (Get-Module AksEgress).ImplementingAssembly
    $script:ErrorIdNames = @($asm.GetType('AksEgress.Contract.ErrorIds').GetFields() | Where-Object IsLiteral | ForEach-Object { $_.GetValue($null) })
    $script:CategoryType = $asm.GetType('AksEgress.Contract.EgressErrorCategory')
    $script:ExceptionType = $asm.GetType('AksEgress.Contract.AksEgressException')
    $script:ToRecordMethod = $asm.GetType('AksEgress.Internal.AksEgressCmdlet').GetMethod('ToErrorRecord', [System.Reflection.BindingFlags]'Static,NonPublic,Public')
    $script:ToRecord = { param($id, $category) $ToRecordMethod.Invoke($null, @($ExceptionType::new($id, $category, 'message', $null, $null, $null), $null)) }

    # Literal (ErrorId, category) pairs in the source: `ErrorIds.X, EgressErrorCategory.Y` (also `a ? Y : Z`),
    # `id = ErrorIds.X; cat = ...`, and InputValidation.Invalid(ErrorIds.X, ...) (always InvalidArgument).
    $script:SourcePairs = foreach ($file in Get-ChildItem (Join-Path $RepoRoot 'src') -Recurse -Filter *.cs | Where-Object FullName -notmatch '[\\/](bin|obj|AksEgress\.Emulator)[\\/]') {
        $text = Get-Content -Raw $file.FullName
        foreach ($m in [regex]::Matches($text, 'ErrorIds\.(\w+)\s*(?:,|;\s*cat\s*=)\s*((?:[^,;()]|\([^()]*\))*?(?:Egress)?ErrorCategory\.\w+(?:[^,;]*?(?:Egress)?ErrorCategory\.\w+)*)')) {
            foreach ($c in [regex]::Matches($m.Groups[2].Value, '(?:Egress)?ErrorCategory\.(\w+)')) {
                [pscustomobject]@{ Id = $m.Groups[1].Value; Category = $c.Groups[1].Value; File = $file.Name }
            }
        }
        foreach ($m in [regex]::Matches($text, '\bInvalid\(ErrorIds\.(\w+)')) {
            [pscustomobject]@{ Id = $m.Groups[1].Value; Category = 'InvalidArgument'; File = $file.Name }
        }
    }
}

Describe 'ErrorId categories' {
    It 'the table names every ErrorId, and only ErrorIds' {
        $ErrorIdNames | Where-Object { -not $Expected.Contains($_) } | Should -BeNullOrEmpty -Because 'a new ErrorId needs its category in this table'
        $Expected.Keys | Where-Object { $_ -notin $ErrorIdNames } | Should -BeNullOrEmpty
    }

    It 'every module category converts to the PowerShell ErrorCategory of the same name' {
        foreach ($name in [enum]::GetNames($CategoryType)) {
            $record = & $ToRecord 'AnyId' ([enum]::Parse($CategoryType, $name))
            $record.CategoryInfo.Category.ToString() | Should -Be $name
        }
    }

    It '<_> has the category of the table in its ErrorRecord' -ForEach @(
        'InvalidPublicIpName', 'PublicIpInUse', 'EndpointUnreachable', 'LoadBalancerSyncFailed', 'OperationFailed', 'KubeConfigInvalid', 'ArmRequestFailed',
        'KubernetesRequestFailed', 'EgressBlockedOrEndpointUnusable', 'AuthenticationFailed', 'NonInteractiveConfirmation') {
        foreach ($category in @($Expected[$_])) {
            $record = & $ToRecord $_ ([enum]::Parse($CategoryType, $category))
            $record.CategoryInfo.Category.ToString() | Should -Be $category -Because "$_ raised as $category"
            $record.FullyQualifiedErrorId | Should -Be $_
        }
    }

    It 'every ErrorId converts to each category the table allows for it' {
        foreach ($id in $Expected.Keys) {
            foreach ($category in @($Expected[$id])) {
                (& $ToRecord $id ([enum]::Parse($CategoryType, $category))).CategoryInfo.Category.ToString() | Should -Be $category -Because $id
            }
        }
    }

    It 'every place in src/ that raises an ErrorId with a literal category uses a category the table allows' {
        @($SourcePairs).Count | Should -BeGreaterThan 50 -Because 'the scan must find the throw sites'
        foreach ($p in $SourcePairs) {
            if ($p.Id -notin $ErrorIdNames) { continue }
            @($Expected[$p.Id]) | Should -Contain $p.Category -Because "$($p.File) raises $($p.Id) as $($p.Category)"
        }
    }
}

Describe 'Categories of real failures' {
    BeforeAll {
        $script:Emu = Start-AksEmulator
        Connect-AksEmulator -Emulator $Emu | Out-Null
    }
    AfterAll {
        Disconnect-AksEgress
        if ($script:Emu) { Stop-AksEmulator $script:Emu }
    }

    It 'an IP in use is InvalidOperation (not InvalidResult)' {
        $ip = Get-AksNodeResourceGroup demo-rg standard-lb | New-AksEgressIp -Name cat-ip -ResourceGroupName egress-rg
        $ip | Set-AksOutboundIp -Confirm:$false | Out-Null
        $ev = $null
        $ip | Remove-AksEgressIp -Confirm:$false -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'PublicIpInUse,*'
        $ev[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
    }

    It 'an unreachable ARM endpoint is ConnectionError (not DeviceError)' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $token = ConvertTo-SecureString 'not-a-real-token-but-long-enough' -AsPlainText -Force
        try {
            Connect-AksEgress -AccessToken $token -SubscriptionId 00000000-0000-0000-0000-000000000001 -ArmEndpoint "https://127.0.0.1:$port/" | Out-Null
            $ev = $null
            Get-AksNodeResourceGroup -ResourceGroupName demo-rg -ErrorVariable ev -ErrorAction SilentlyContinue
            $ev[0].FullyQualifiedErrorId | Should -BeLike 'EndpointUnreachable,*'
            $ev[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        }
        finally { Connect-AksEmulator -Emulator $Emu | Out-Null }
    }
}
