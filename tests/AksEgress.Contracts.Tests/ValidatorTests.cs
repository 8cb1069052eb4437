using System.Text.Json.Nodes;
using Xunit;

namespace AksEgress.Contracts.Tests;

/// <summary>The checker can fail: each rule the traffic check relies on is shown to catch a wrong body.</summary>
public sealed class ValidatorTests
{
    private static SpecSet Specs => SpecSet.Instance;
    private const string Cluster = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1";
    private const string Pip = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/ip1";

    private static List<Violation> Check(string method, string path, string? api, JsonNode? request, int status = 200, JsonNode? response = null, string target = "arm", string? contentType = "application/json")
    {
        var r = new TrafficRecord(target, method, path, api, status, false, contentType, request, "application/json", false, response, "test", "AksEgress (validator test: judged as the module's request)");
        return new ContractChecker(Specs).Check(r, _ => false).Violations.ToList();
    }

    private static JsonObject GoodPip() => new()
    {
        ["location"] = "eastus", ["sku"] = new JsonObject { ["name"] = "Standard", ["tier"] = "Regional" },
        ["properties"] = new JsonObject { ["publicIPAllocationMethod"] = "Static", ["publicIPAddressVersion"] = "IPv4" },
        ["tags"] = new JsonObject { ["owner"] = "me" },
    };

    [Fact]
    public void The_spec_set_loads_with_every_operation_the_module_uses()
    {
        var ids = Specs.Operations.Select(o => o.OperationId).ToHashSet();
        foreach (var id in new[] { "ManagedClusters_Get", "ManagedClusters_List", "ManagedClusters_ListByResourceGroup", "ManagedClusters_CreateOrUpdate",
                     "ManagedClusters_ListClusterUserCredentials", "PublicIPAddresses_Get", "PublicIPAddresses_CreateOrUpdate", "PublicIPAddresses_Delete",
                     "PublicIPAddresses_List", "NatGateways_Get" })
            Assert.Contains(id, ids);
        Assert.Contains("io.k8s.api.core.v1.Pod", Specs.K8sDefinitions);
        // Only the references SOURCES.md lists as outside the set stay unresolved.
        Assert.All(Specs.Unresolved, u => Assert.Matches("networkInterface.json|\\.\\./2025-01-01|publicIpPrefix@2025-01-01|" +
            // virtualNetwork.json's subnet and VNet references into Network files the module never reads (SOURCES.md note 6)
            "virtualNetwork@2025-07-01 -> \\./(networkSecurityGroup|serviceEndpointPolicy|privateEndpoint|networkProfile|applicationGateway|networkWatcher)\\.json", u));
    }

    [Fact]
    public void A_valid_public_ip_body_passes()
    {
        Assert.Empty(Check("PUT", Pip, "2025-07-01", GoodPip(), 201, null));
    }

    [Fact]
    public void An_undefined_property_is_named_with_its_path()
    {
        var body = GoodPip();
        body["properties"]!["egressPinned"] = true;
        var all = Check("PUT", Pip, "2025-07-01", body, 201);
        var v = all.Count == 1 ? all[0] : throw new Xunit.Sdk.XunitException(string.Join("\n", all));
        Assert.Equal("/properties/egressPinned", v.JsonPath);
        Assert.StartsWith("additionalProperties", v.Rule);
        Assert.Equal("request", v.Direction);
        Assert.Contains("PUT " + Pip, v.Request);
    }

    [Fact]
    public void An_undefined_property_inside_an_inherited_definition_is_caught()
    {
        // sku is a $ref inside properties of a definition that inherits (allOf) Resource: the closed form must still apply.
        var body = GoodPip();
        body["sku"]!["size"] = "large";
        Assert.Contains(Check("PUT", Pip, "2025-07-01", body, 201), v => v.JsonPath == "/sku/size" && v.Rule.StartsWith("additionalProperties", StringComparison.Ordinal));
    }

    [Fact]
    public void A_value_outside_an_enum_is_caught()
    {
        var body = GoodPip();
        body["sku"]!["name"] = "Premium";
        Assert.Contains(Check("PUT", Pip, "2025-07-01", body, 201), v => v.JsonPath == "/sku/name" && v.Rule == ContractChecker.EnumRule);
    }

    [Fact]
    public void Enums_compare_case_insensitively_as_ARM_does()
    {
        // Live AKS answers "nodeIPConfiguration" where the spec lists "NodeIPConfiguration" (api-payloads.md §1.2).
        var body = GoodPip();
        body["sku"]!["name"] = "standard";
        Assert.Empty(Check("PUT", Pip, "2025-07-01", body, 201));
    }

    [Fact]
    public void A_wrong_type_is_caught()
    {
        var body = GoodPip();
        body["properties"]!["idleTimeoutInMinutes"] = "four";
        Assert.Contains(Check("PUT", Pip, "2025-07-01", body, 201), v => v.JsonPath == "/properties/idleTimeoutInMinutes" && v.Rule == "type");
    }

    [Fact]
    public void A_readOnly_property_in_a_request_is_caught()
    {
        var body = GoodPip();
        body["properties"]!["provisioningState"] = "Succeeded";
        body["etag"] = "W/\"1\"";
        var found = Check("PUT", Pip, "2025-07-01", body, 201);
        Assert.Contains(found, v => v.JsonPath == "/properties/provisioningState" && v.Rule == "readOnly");
        Assert.Contains(found, v => v.JsonPath == "/etag" && v.Rule == "readOnly");
    }

    [Fact]
    public void A_missing_required_property_is_caught()
    {
        // ManagedClusters_CreateOrUpdate: ManagedCluster requires location (TrackedResource).
        var found = Check("PUT", Cluster, "2025-10-01", new JsonObject { ["properties"] = new JsonObject() }, 200);
        Assert.Contains(found, v => v.Rule == "required" && v.JsonPath == "/");
    }

    [Fact]
    public void An_operation_the_spec_does_not_define_is_caught()
    {
        Assert.Contains(Check("PATCH", Cluster + "/agentPools/np1", "2025-10-01", new JsonObject()), v => v.Rule == "operation exists");
        Assert.Contains(Check("GET", Cluster, "2024-09-01", null), v => v.Rule == "operation exists for the api-version");
    }

    [Fact]
    public void A_response_that_breaks_the_schema_is_caught()
    {
        var response = new JsonObject
        {
            ["id"] = Pip, ["name"] = "ip1", ["location"] = "eastus",
            ["properties"] = new JsonObject { ["ipAddress"] = "20.1.2.3", ["publicIPAllocationMethod"] = "static-ish" },
        };
        var found = Check("GET", Pip, "2025-07-01", null, 200, response);
        Assert.Contains(found, v => v.Direction == "response" && v.JsonPath == "/properties/publicIPAllocationMethod" && v.Rule == ContractChecker.EnumRule);
    }

    [Fact]
    public void A_kubernetes_pod_with_an_unknown_field_is_caught_and_a_valid_one_passes()
    {
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = new JsonObject { ["name"] = "p", ["namespace"] = "default" },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "mcr.microsoft.com/x", ["resources"] = new JsonObject { ["limits"] = new JsonObject { ["cpu"] = "100m", ["memory"] = 64 } } }) },
        };
        Assert.Empty(Check("POST", "/api/v1/namespaces/default/pods", null, pod, 201, null, "k8s"));
        pod["spec"]!["containers"]![0]!["imagePull"] = "Always";
        pod["spec"]!["restartPolicy"] = 3;
        var found = Check("POST", "/api/v1/namespaces/default/pods", null, pod, 201, null, "k8s");
        Assert.Contains(found, v => v.JsonPath == "/spec/containers/0/imagePull" && v.Rule.StartsWith("additionalProperties", StringComparison.Ordinal));
        Assert.Contains(found, v => v.JsonPath == "/spec/restartPolicy" && v.Rule == "type");
    }

    [Fact]
    public void A_kubernetes_merge_patch_needs_no_required_fields_but_still_only_known_ones()
    {
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["a"] = "b" } }, ["spec"] = new JsonObject { ["loadBalancerIP"] = null } };
        Assert.Empty(Check("PATCH", "/api/v1/namespaces/default/services/s", null, patch, 200, null, "k8s", "application/merge-patch+json"));
        patch["spec"]!["ports"] = new JsonArray(new JsonObject { ["port"] = 80, ["colour"] = "red" });
        Assert.Contains(Check("PATCH", "/api/v1/namespaces/default/services/s", null, patch, 200, null, "k8s", "application/merge-patch+json"),
            v => v.JsonPath == "/spec/ports/0/colour");
    }

    [Fact]
    public void An_allow_list_entry_matches_by_operation_rule_and_path_with_wildcards()
    {
        var file = Path.Combine(Path.GetTempPath(), "allow-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(file, """
            {"exceptions":[{"operation":"PUT PublicIPAddresses_CreateOrUpdate (2025-07-01)","direction":"request","rule":"readOnly","path":"/properties/ipTags/*/x","reason":"r","issue":"9"}]}
            """);
        try
        {
            var a = Allowlist.Load(file);
            Assert.True(a.Allows(new Violation("PUT PublicIPAddresses_CreateOrUpdate (2025-07-01)", "req", "request", "/properties/ipTags/3/x", "readOnly", "m")));
            Assert.False(a.Allows(new Violation("PUT PublicIPAddresses_CreateOrUpdate (2025-07-01)", "req", "request", "/properties/ipTags/3/y", "readOnly", "m")));
            Assert.Equal(1, a.Entries[0].Used);
        }
        finally { File.Delete(file); }
    }

    private const string Graph = "/providers/Microsoft.ResourceGraph/resources";

    private static JsonObject GraphAnswer(JsonArray? facets = null)
    {
        var o = new JsonObject
        {
            ["totalRecords"] = 1, ["count"] = 1, ["resultTruncated"] = "false",
            ["data"] = new JsonObject
            {
                ["columns"] = new JsonArray(new JsonObject { ["name"] = "id", ["type"] = "string" }),
                ["rows"] = new JsonArray(new JsonArray("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/azureFirewalls/fw")),
            },
        };
        if (facets is not null) o["facets"] = facets;
        return o;
    }

    [Fact]
    public void A_resource_graph_query_and_its_table_answer_are_judged_by_resourcegraph_json()
    {
        var request = new JsonObject { ["subscriptions"] = new JsonArray("s"), ["query"] = "resources | project id", ["options"] = new JsonObject { ["resultFormat"] = "table" } };
        Assert.Empty(Check("POST", Graph, "2024-04-01", request, 200, GraphAnswer()));
        // resultTruncated is a string enum in the spec, not a boolean
        var bad = GraphAnswer(); bad["resultTruncated"] = false;
        Assert.Contains(Check("POST", Graph, "2024-04-01", request, 200, bad), v => v.JsonPath == "/resultTruncated" && v.Direction == "response");
        var badOption = request.DeepClone().AsObject(); badOption["options"]!["resultFormat"] = "csv";
        Assert.Contains(Check("POST", Graph, "2024-04-01", badOption, 200, GraphAnswer()), v => v.JsonPath == "/options/resultFormat" && v.Direction == "request");
    }

    [Fact]
    public void A_swagger_discriminator_picks_the_derived_definition_by_its_value()
    {
        var request = new JsonObject { ["query"] = "resources | project id" };
        var result = new JsonObject { ["expression"] = "location", ["resultType"] = "FacetResult", ["totalRecords"] = 1, ["count"] = 1, ["data"] = new JsonObject() };
        var error = new JsonObject { ["expression"] = "location", ["resultType"] = "FacetError", ["errors"] = new JsonArray(new JsonObject { ["code"] = "c", ["message"] = "m" }) };
        Assert.Empty(Check("POST", Graph, "2024-04-01", request, 200, GraphAnswer(new JsonArray(result, error))));
        // a FacetError carrying FacetResult's totalRecords: undefined for that type
        var mixed = error.DeepClone().AsObject(); mixed["totalRecords"] = 3;
        Assert.Contains(Check("POST", Graph, "2024-04-01", request, 200, GraphAnswer(new JsonArray(mixed))), v => v.JsonPath == "/facets/0/totalRecords");
        // a FacetResult without its required data
        var missing = result.DeepClone().AsObject(); missing.Remove("data");
        Assert.Contains(Check("POST", Graph, "2024-04-01", request, 200, GraphAnswer(new JsonArray(missing))), v => v.Rule.StartsWith("required", StringComparison.Ordinal));
    }

    [Fact]
    public void The_vmss_public_ip_list_is_defined_only_at_the_api_version_its_parameter_pins()
    {
        const string path = "/subscriptions/s/resourceGroups/MC_rg_c_eastus/providers/Microsoft.Compute/virtualMachineScaleSets/aks-pool-12345678-vmss/publicipaddresses";
        var answer = new JsonObject { ["value"] = new JsonArray(new JsonObject
        {
            ["name"] = "pub1", ["id"] = path + "/pub1",
            ["properties"] = new JsonObject { ["ipAddress"] = "203.0.113.9", ["publicIPAllocationMethod"] = "Static", ["publicIPAddressVersion"] = "IPv4" },
        }) };
        Assert.Empty(Check("GET", path, "2017-03-30", null, 200, answer));
        Assert.Contains(Check("GET", path, "2025-07-01", null, 200, answer), v => v.Rule == "operation exists for the api-version");
        var bad = answer.DeepClone().AsObject(); bad["value"]![0]!["properties"]!["nodeName"] = "aks-pool-12345678-vmss000000";
        Assert.Contains(Check("GET", path, "2017-03-30", null, 200, bad), v => v.JsonPath == "/value/0/properties/nodeName");
    }
}
