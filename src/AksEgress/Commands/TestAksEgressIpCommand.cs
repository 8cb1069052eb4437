namespace AksEgress.Commands;

/// <summary>Proves the egress IP from inside the cluster: a short-lived pod asks a "what is my IP" endpoint.</summary>
[Cmdlet(VerbsDiagnostic.Test, "AksEgressIp")]
[OutputType(typeof(EgressTestResult), typeof(bool))]
public sealed class TestAksEgressIpCommand : PipedKubeAccessCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("IpAddress", "EgressIpAddress")]
    public string[]? ExpectedIpAddress { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string Namespace { get; set; } = "default";

    /// <summary>A StaticGatewayConfiguration in -Namespace: prove that its annotated pods leave from its prefix and others do not.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("GatewayName")]
    public string? Gateway { get; set; }

    [Parameter]
    public string CheckUri { get; set; } = "https://api.ipify.org";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Image { get; set; } = TestEgressIpRequest.DefaultImage;

    [Parameter]
    [ValidateRange(5, 3600)]
    public int TimeoutSeconds { get; set; } = 120;

    [Parameter]
    [ValidateRange(1, 100)]
    public int Count { get; set; } = 1;

    [Parameter]
    public SwitchParameter AllNodes { get; set; }

    [Parameter]
    public string? NodeName { get; set; }

    /// <summary>Sample every node of this node pool (pools egress differently with node public IPs or their own subnet).</summary>
    [Parameter]
    public string? NodePool { get; set; }

    /// <summary>Addresses and CIDRs every observed address must be inside (bound from Get-AksEgressConfiguration's AllowList).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string[]? AllowList { get; set; }

    [Parameter]
    [ValidateRange(1, 50)]
    public int ThrottleLimit { get; set; } = 5;

    /// <summary>On an HTTP proxy cluster, test the proxy path the workloads take instead of the cluster's own egress.</summary>
    [Parameter]
    public SwitchParameter ViaProxy { get; set; }

    /// <summary>Return only $true or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        object? target = ClusterId ?? KubeConfigPath ?? (object?)ExpectedIpAddress;
        try
        {
            var expected = (ExpectedIpAddress ?? Array.Empty<string>())
                .Where(s => !string.IsNullOrWhiteSpace(s))
                .Select(s => s.Trim())
                .Distinct()
                .ToArray();
            var request = new TestEgressIpRequest
            {
                ExpectedIpAddress = expected,
                Kube = Kube(),
                CheckUri = CheckUri,
                Image = Image,
                Namespace = Namespace,
                TimeoutSeconds = TimeoutSeconds,
                Count = Count,
                AllNodes = AllNodes.IsPresent,
                NodeName = NodeName,
                NodePool = NodePool,
                AllowList = (AllowList ?? Array.Empty<string>()).Where(a => !string.IsNullOrWhiteSpace(a)).ToArray(),
                ThrottleLimit = ThrottleLimit,
                ViaProxy = ViaProxy.IsPresent,
                Gateway = string.IsNullOrWhiteSpace(Gateway) ? null : Gateway.Trim(),
            };
            var result = Run(context => Engine.TestEgressIpAsync(request, context));
            if (result.ObservedIpAddresses.Length == 0 && !result.Succeeded)
            {
                // Nothing usable came back: egress is blocked or the endpoint is unusable. The result still follows.
                WriteError(new ErrorRecord(
                    // The explanation already quotes the start of the raw response; the full one stays in the result's RawResponse (issue 14, item 19).
                    new InvalidOperationException(result.Explanation ?? $"egress blocked or endpoint unusable (check {CheckUri}; raw response: {result.RawResponse})"),
                    ErrorIds.EgressBlockedOrEndpointUnusable, ErrorCategory.InvalidResult, CheckUri)
                {
                    ErrorDetails = new ErrorDetails($"No egress address was observed: {result.Explanation ?? "egress blocked or endpoint unusable"}")
                    {
                        RecommendedAction = "Check that the cluster has internet egress (outbound type none/block, a firewall), or pass -CheckUri with an endpoint your firewall allows.",
                    },
                });
            }
            else if (!result.Succeeded && result.Explanation is not null && !Quiet)
            {
                WriteWarning(result.Explanation);
            }
            WriteObject(Quiet ? result.Succeeded : result);
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteFailure(e, target);
            if (Quiet) WriteObject(false);
        }
    }
}
