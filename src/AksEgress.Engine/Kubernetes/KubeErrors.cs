using System.Net.Http;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;
using System.Text.RegularExpressions;
using k8s;
using k8s.Autorest;

namespace AksEgress.Engine.Kubernetes;

/// <summary>A parsed Kubernetes v1 Status.</summary>
internal sealed record KubeStatus(int Code, string? Reason, string? Message, string? Kind, string? Name, IReadOnlyList<(string? Field, string? Message)> Causes);

/// <summary>The one place that turns Kubernetes client failures into <see cref="AksEgressException"/>.</summary>
internal static partial class KubeErrors
{
    [GeneratedRegex(@"cannot (?<verb>[a-z]+) resource ""(?<res>[^""]+)""(?: in API group ""(?<group>[^""]*)"")?(?: in the namespace ""(?<ns>[^""]+)"")?", RegexOptions.IgnoreCase)]
    private static partial Regex ForbiddenRegex();

    public static KubeStatus? ParseStatus(string? json, int httpStatus)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        try
        {
            using var doc = JsonDocument.Parse(json);
            var r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object) return null;
            string? S(JsonElement e, string p) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(p, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var code = r.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : httpStatus;
            var causes = new List<(string?, string?)>();
            string? kind = null, name = null;
            if (r.TryGetProperty("details", out var d) && d.ValueKind == JsonValueKind.Object)
            {
                kind = S(d, "kind"); name = S(d, "name");
                if (d.TryGetProperty("causes", out var cs) && cs.ValueKind == JsonValueKind.Array)
                    foreach (var x in cs.EnumerateArray()) causes.Add((S(x, "field"), S(x, "message")));
            }
            return new KubeStatus(code, S(r, "reason"), S(r, "message"), kind, name, causes);
        }
        catch (JsonException) { return null; }
    }

    public static bool IsStatus(Exception ex, int code) => StatusCode(ex) == code;

    public static int? StatusCode(Exception ex) => ex switch
    {
        HttpOperationException h => (int?)h.Response?.StatusCode,
        KubernetesException k => k.Status?.Code,
        _ => null,
    };

    /// <summary>Maps any failure of a Kubernetes call. <paramref name="target"/> names the object (e.g. "default/aks-egress"), <paramref name="server"/> the API server.</summary>
    public static Exception Map(Exception ex, object? target, string? server, CancellationToken cancellationToken = default)
    {
        switch (ex)
        {
            case AksEgressException:
                return ex;
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return ex;
            case HttpOperationException h:
            {
                var code = (int)(h.Response?.StatusCode ?? 0);
                var status = ParseStatus(h.Response?.Content, code);
                return FromStatus(code, status, h.Response?.Content, target, server, ex);
            }
            case KubernetesException k when k.Status is not null:
                return FromStatus(k.Status.Code ?? 0,
                    new KubeStatus(k.Status.Code ?? 0, k.Status.Reason, k.Status.Message, k.Status.Details?.Kind, k.Status.Details?.Name,
                        (IReadOnlyList<(string?, string?)>?)k.Status.Details?.Causes?.Select(c => (c.Field, c.Message)).ToList() ?? Array.Empty<(string?, string?)>()),
                    null, target, server, ex);
        }
        var auth = Find<AuthenticationException>(ex);
        if (auth is not null)
            return new AksEgressException(ErrorIds.TlsValidationFailed, EgressErrorCategory.AuthenticationError,
                $"The TLS certificate of the Kubernetes API server {server} could not be validated against the kubeconfig's certificate authority: {auth.Message}",
                server ?? target, "Use the kubeconfig issued for this cluster (its certificate-authority-data must match the API server); AksEgress never skips TLS validation.", ex);
        if (Find<SocketException>(ex) is { } se)
            return new AksEgressException(ErrorIds.EndpointUnreachable, EgressErrorCategory.ConnectionError,
                $"The Kubernetes API server {server} is unreachable: {se.Message}", server ?? target,
                "Check the server address in the kubeconfig, your network path to the cluster (private clusters need a route to the API server) and authorized IP ranges.", ex);
        if (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            return new AksEgressException(ErrorIds.EndpointUnreachable, EgressErrorCategory.ConnectionError,
                $"The request to the Kubernetes API server {server} failed: {Redaction.Text(ex.Message)}", server ?? target,
                "Check network connectivity to the cluster's API server and retry.", ex);
        if (ex is OperationCanceledException) return ex;
        return new AksEgressException(ErrorIds.KubernetesRequestFailed, EgressErrorCategory.NotSpecified,
            $"The Kubernetes request to {server} failed: {Redaction.Text(ex.Message)}", target ?? server,
            "Retry; if it persists, run with -Debug to see the requests and responses.", ex);
    }

    private static T? Find<T>(Exception? ex) where T : Exception
    {
        for (var e = ex; e is not null; e = e.InnerException)
            if (e is T t) return t;
        return null;
    }

    private static AksEgressException FromStatus(int code, KubeStatus? status, string? rawBody, object? target, string? server, Exception inner)
    {
        var msg = Redaction.Text(status?.Message ?? (string.IsNullOrWhiteSpace(rawBody) ? $"HTTP {code}" : Truncate(rawBody, 500)));
        string id; EgressErrorCategory cat; string text; string action;
        switch (code)
        {
            case 401:
                id = ErrorIds.KubernetesUnauthorized; cat = EgressErrorCategory.AuthenticationError;
                text = $"The Kubernetes API server {server} rejected the credentials (401 Unauthorized): {msg}";
                action = "Refresh the credentials: get a new kubeconfig (Import-AzAksCredential / az aks get-credentials) or reconnect (Connect-AksEgress); for Entra clusters make sure the token is issued for the AKS server application.";
                break;
            case 400 or 403 when AdmissionDenial.TryParse(msg, out var denial):
                id = ErrorIds.AdmissionDenied; cat = EgressErrorCategory.PermissionDenied;
                (text, action) = AdmissionDenial.Explain(denial!, target as string);
                break;
            case 403 when msg.Contains("PodSecurity", StringComparison.OrdinalIgnoreCase):
                id = ErrorIds.PodRejected; cat = EgressErrorCategory.PermissionDenied;
                text = $"The pod was rejected by Pod Security admission: {msg}";
                action = "The test pod is built for the 'restricted' Pod Security Standard; check the namespace's pod-security.kubernetes.io labels or run the test in another namespace (-Namespace).";
                break;
            case 403:
            {
                id = ErrorIds.KubernetesForbidden; cat = EgressErrorCategory.PermissionDenied;
                var m = ForbiddenRegex().Match(msg);
                if (m.Success)
                {
                    var verb = m.Groups["verb"].Value; var res = m.Groups["res"].Value; var grp = m.Groups["group"].Value; var ns = m.Groups["ns"].Success ? m.Groups["ns"].Value : null;
                    var where = ns is null ? "cluster-wide" : $"in the namespace \"{ns}\"";
                    text = $"Forbidden: you cannot {verb} resource \"{res}\"{(grp.Length > 0 ? $" in API group \"{grp}\"" : "")} {where}. Server message: {msg}";
                    action = $"Ask a cluster administrator for a Role/ClusterRole that allows '{verb}' on '{res}' {where} (check with: kubectl auth can-i {verb} {res}{(ns is null ? "" : " -n " + ns)}); on Entra clusters with Azure RBAC, the 'Azure Kubernetes Service RBAC Writer' role.";
                }
                else
                {
                    text = $"Forbidden by the Kubernetes API server {server}: {msg}";
                    action = "Ask a cluster administrator for the Kubernetes RBAC permissions this operation needs.";
                }
                break;
            }
            case 404:
                id = ErrorIds.KubernetesNotFound; cat = EgressErrorCategory.ObjectNotFound;
                text = $"Not found: {msg}";
                action = "Check the namespace and name (kubectl get -n <namespace> ...).";
                break;
            case 409:
                id = ErrorIds.KubernetesConflict; cat = EgressErrorCategory.ResourceExists;
                text = $"Conflict: {msg}";
                action = "The object was changed or created concurrently; retry the command.";
                break;
            case 422:
            {
                id = ErrorIds.KubernetesInvalid; cat = EgressErrorCategory.InvalidData;
                var causes = status?.Causes.Where(c => c.Message is not null).Select(c => $"{c.Field}: {c.Message}").ToList() ?? new List<string>();
                text = causes.Count > 0 ? $"The Kubernetes API server rejected the object as invalid: {msg} (causes: {string.Join("; ", causes)})" : $"The Kubernetes API server rejected the object as invalid: {msg}";
                action = "Correct the values named in the message.";
                break;
            }
            default:
                id = ErrorIds.KubernetesRequestFailed; cat = code is 429 or 503 ? EgressErrorCategory.ResourceBusy : EgressErrorCategory.InvalidResult;
                text = $"The Kubernetes API request failed with HTTP {code}{(status?.Reason is null ? "" : " " + status.Reason)}: {msg}";
                action = code is 429 or 503 ? "The API server is busy; retry in a moment." : "Retry; if it persists, check the API server's health (kubectl get --raw /readyz).";
                break;
        }
        return new AksEgressException(id, cat, text, target, action, inner) { RemoteCode = status?.Reason, HttpStatus = code };
    }

    internal static string Truncate(string s, int max) => s.Length <= max ? s : s[..max] + "…";
}

