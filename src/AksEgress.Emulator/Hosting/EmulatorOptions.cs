namespace AksEgress.Emulator;

/// <summary>Options of an emulator instance.</summary>
public sealed class EmulatorOptions
{
    /// <summary>Where ca.pem, kubeconfigs and connection.json go; null = a new temp directory (aksegress-emulator-*), which the
    /// emulator deletes again when it is disposed.</summary>
    public string? StateDir { get; set; }
    /// <summary>How many status polls answer InProgress before Succeeded.</summary>
    public int LroInProgressPolls { get; set; } = 1;
    /// <summary>Retry-After header value on 201/202 and InProgress polls.</summary>
    public int LroRetryAfterSeconds { get; set; }
    /// <summary>managedClusters list page size.</summary>
    public int PageSize { get; set; } = 100;
    /// <summary>Cloud-provider reconcile delay for Services.</summary>
    public int LoadBalancerDelayMilliseconds { get; set; } = 150;
    /// <summary>Kubelet step delay (Pending -> Running -> Succeeded).</summary>
    public int PodStartDelayMilliseconds { get; set; } = 150;
    /// <summary>Graceful pod deletion: how long a deleted pod stays (with deletionTimestamp) before it disappears.</summary>
    public int PodTerminationDelayMilliseconds { get; set; } = 1000;
    /// <summary>Extra Standard LB clusters fleet-0001.. in resource group fleet-rg (ARM only).</summary>
    public int ExtraClusters { get; set; }
    public int NodesPerCluster { get; set; } = 3;
    /// <summary>Where to append the contract-test traffic record (Logging/ContractRecorder.cs); null = the AKSEGRESS_CONTRACT_TRAFFIC
    /// environment variable; neither = not recorded.</summary>
    public string? ContractTrafficDirectory { get; set; }
}
