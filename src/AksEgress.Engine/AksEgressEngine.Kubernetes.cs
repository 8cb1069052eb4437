using AksEgress.Models;

namespace AksEgress.Engine;

// STUB: replaced by the Kubernetes implementation.
public sealed partial class AksEgressEngine
{
    public Task<EgressService> SetEgressServiceAsync(SetEgressServiceRequest request, IOperationContext context) => throw new NotImplementedException();
    public Task<EgressTestResult> TestEgressIpAsync(TestEgressIpRequest request, IOperationContext context) => throw new NotImplementedException();
    public Task<bool> RemoveEgressServiceAsync(RemoveEgressServiceRequest request, IOperationContext context) => throw new NotImplementedException();
}
