namespace AksEgress.Contract;

/// <summary>
/// The System.Management.Automation.ErrorCategory members the module uses (the engine does not reference PowerShell).
/// Names AND numbers match ErrorCategory; the cmdlet converts by name (<c>AksEgressCmdlet.ToCategory</c>), and
/// tests/pester/ErrorCategory.Tests.ps1 checks every ErrorId's category.
/// </summary>
public enum EgressErrorCategory
{
    NotSpecified = 0,
    ConnectionError = 27,
    InvalidArgument = 5,
    InvalidData = 6,
    InvalidOperation = 7,
    InvalidResult = 8,
    ObjectNotFound = 13,
    OperationStopped = 14,
    OperationTimeout = 15,
    PermissionDenied = 18,
    ResourceBusy = 19,
    ResourceExists = 20,
    ResourceUnavailable = 21,
    AuthenticationError = 28,
    LimitsExceeded = 29,
    QuotaExceeded = 30,
    NotEnabled = 31,
}

/// <summary>
/// The one exception the engine throws for anything a user should see. The cmdlet turns it into an ErrorRecord with
/// this ErrorId, category, target object and recommended action.
/// </summary>
public sealed class AksEgressException : Exception
{
    public AksEgressException(string errorId, EgressErrorCategory category, string message,
        object? targetObject = null, string? recommendedAction = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Category = category;
        TargetObject = targetObject;
        RecommendedAction = recommendedAction;
    }

    /// <summary>Stable id, one of <see cref="ErrorIds"/>.</summary>
    public string ErrorId { get; }
    public EgressErrorCategory Category { get; }
    public object? TargetObject { get; }
    public string? RecommendedAction { get; }
    /// <summary>The remote error code (ARM error.code, Kubernetes Status reason), when there was one.</summary>
    public string? RemoteCode { get; init; }
    /// <summary>The HTTP status of the remote failure, when there was one.</summary>
    public int? HttpStatus { get; init; }
}
