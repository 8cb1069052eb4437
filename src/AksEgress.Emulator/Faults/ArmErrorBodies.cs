namespace AksEgress.Emulator;

/// <summary>
/// Realistic ARM error bodies a <see cref="FaultRule"/> can ask for by <see cref="FaultRule.ErrorCode"/> (with a Status): the shapes
/// ARM really sends for a management lock, an Azure Policy deny, a deny assignment that is not AKS's lockdown, and a
/// deployment-style error whose cause is nested in details[].
/// </summary>
internal static class ArmErrorBodies
{
    public const string CallerObjectId = "5b1f6f3e-2a0d-4c55-9e0b-0c0ffee00001";

    public static JsonObject? For(string code, string method, string path)
    {
        var resourceId = path.Split('?')[0].TrimEnd('/');
        var parts = resourceId.Trim('/').Split('/');
        var sub = parts.Length >= 2 ? parts[1] : "00000000-0000-0000-0000-000000000000";
        var rgId = parts.Length >= 4 ? $"/subscriptions/{sub}/resourceGroups/{parts[3]}" : $"/subscriptions/{sub}";
        var name = parts[^1];
        var operation = method.Equals("DELETE", StringComparison.OrdinalIgnoreCase) ? "delete" : method.Equals("GET", StringComparison.OrdinalIgnoreCase) ? "read" : "write";
        return code switch
        {
            "ScopeLocked" => Error("ScopeLocked",
                $"The scope '{resourceId}' cannot perform {operation} operation because following scope(s) are locked: '{rgId}'. Please remove the lock and try again."),
            "RequestDisallowedByPolicy" => Policy(resourceId, name, sub),
            "SubscriptionNotFound" => Error("SubscriptionNotFound", $"The subscription '{sub}' could not be found."),
            "InvalidSubscriptionId" => Error("InvalidSubscriptionId", $"The provided subscription identifier '{sub}' is malformed or invalid."),
            "DenyAssignmentAuthorizationFailed" => Error("DenyAssignmentAuthorizationFailed",
                $"The client 'alice@contoso.com' with object id '{CallerObjectId}' has permission to perform action '{ActionOf(resourceId, operation)}' on scope '{resourceId}'; " +
                $"however, the access is denied because of the deny assignment with name 'Deny network changes (platform-stack)' and Id '3f2b0c1e9d8a4b7c8e6f5a4d3c2b1a09' at scope '{rgId}'."),
            // No role grants the action on that scope (a network resource in another team's resource group or subscription).
            "AuthorizationFailed" => Error("AuthorizationFailed",
                $"The client 'alice@contoso.com' with object id '{CallerObjectId}' does not have authorization to perform action '{ActionOf(resourceId, operation)}' over scope '{resourceId}' or the scope is invalid. If access was recently granted, please refresh your credentials."),
            "NestedRequestDisallowedByPolicy" => new JsonObject
            {
                ["error"] = new JsonObject
                {
                    ["code"] = "InvalidTemplateDeployment",
                    ["message"] = $"The template deployment failed because of policy violation. Please see details for more information.",
                    ["details"] = new JsonArray(Policy(resourceId, name, sub)["error"]!.DeepClone()),
                },
            },
            _ => null,
        };
    }

    private static string ActionOf(string resourceId, string operation)
    {
        var i = resourceId.IndexOf("/providers/", StringComparison.OrdinalIgnoreCase);
        if (i < 0) return $"Microsoft.Resources/subscriptions/resourceGroups/{operation}";
        var p = resourceId[(i + 11)..].Split('/');
        // namespace/type/name[/childType/childName...]: the action names every type (Microsoft.Network/virtualNetworks/subnets/read).
        return string.Join('/', p.Where((_, i) => i == 0 || i % 2 == 1).Append(operation));
    }

    private static JsonObject Error(string code, string message) =>
        new() { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };

    private static JsonObject Policy(string resourceId, string name, string sub)
    {
        var assignmentId = $"/subscriptions/{sub}/providers/Microsoft.Authorization/policyAssignments/deny-public-ip-tags";
        const string definitionId = "/providers/Microsoft.Authorization/policyDefinitions/871b6d14-10aa-478d-b590-94f262ecfa99";
        var identifiers = $"[{{\"policyAssignment\":{{\"name\":\"Require a cost-center tag on resources\",\"id\":\"{assignmentId}\"}},\"policyDefinition\":{{\"name\":\"Require a tag on resources\",\"id\":\"{definitionId}\"}}}}]";
        return new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = "RequestDisallowedByPolicy",
                ["target"] = name,
                ["message"] = $"Resource '{name}' was disallowed by policy. Policy identifiers: '{identifiers}'.",
                ["additionalInfo"] = new JsonArray(new JsonObject
                {
                    ["type"] = "PolicyViolation",
                    ["info"] = new JsonObject
                    {
                        ["evaluationDetails"] = new JsonObject { ["evaluatedExpressions"] = new JsonArray(new JsonObject
                        {
                            ["result"] = "False", ["expressionKind"] = "Field", ["expression"] = "tags[cost-center]", ["path"] = "tags[cost-center]",
                            ["targetValue"] = "false", ["operator"] = "Exists",
                        }) },
                        ["policyDefinitionId"] = definitionId,
                        ["policyDefinitionName"] = "871b6d14-10aa-478d-b590-94f262ecfa99",
                        ["policyDefinitionDisplayName"] = "Require a tag on resources",
                        ["policyDefinitionVersion"] = "1.0.0",
                        ["policyDefinitionEffect"] = "deny",
                        ["policyAssignmentId"] = assignmentId,
                        ["policyAssignmentName"] = "deny-public-ip-tags",
                        ["policyAssignmentDisplayName"] = "Require a cost-center tag on resources",
                        ["policyAssignmentScope"] = $"/subscriptions/{sub}",
                        ["policyAssignmentParameters"] = new JsonObject { ["tagName"] = new JsonObject { ["value"] = "cost-center" } },
                        ["policyExemptionIds"] = new JsonArray(),
                        ["policyEnrollmentIds"] = new JsonArray(),
                    },
                }),
            },
        };
    }
}
