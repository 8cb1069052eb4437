using System.Collections.Concurrent;
using Azure.Core;
using Azure.Identity;
using AksEgress.Engine;
using AksEgress.Engine.Session;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>An operation context whose runspace has an Az context (or none) and hands out Az tokens, counting the calls.</summary>
internal sealed class AzStandInContext : IOperationContext
{
    public AzContextInfo? Az { get; set; }
    public Func<string, AzAccessToken> Token { get; set; } = r => new AzAccessToken("token-for-" + r, DateTimeOffset.UtcNow.AddHours(1));
    public ConcurrentQueue<string> TokenCalls { get; } = new();
    public ConcurrentQueue<string> Verbose { get; } = new();
    public int ContextCalls;
    public CancellationToken CancellationToken => default;
    public void WriteVerbose(string message) => Verbose.Enqueue(message);
    public void WriteDebug(string message) { }
    public void WriteWarning(string message) { }
    public void WriteProgress(ProgressUpdate update) { }
    public bool ShouldProcess(string target, string action) => true;
    public AzContextInfo? GetAzContext() { Interlocked.Increment(ref ContextCalls); return Az; }
    public AzAccessToken GetAzAccessToken(string resourceUrl) { TokenCalls.Enqueue(resourceUrl); return Token(resourceUrl); }
}

[Collection("process-environment")]
public class AzContextTests
{
    private static AzContextInfo Context(string subscription, string account = "jane@contoso.example", string environment = "AzureCloud") => new()
    {
        AccountId = account, SubscriptionId = subscription, TenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47", EnvironmentName = environment,
        ResourceManagerUrl = new Uri("https://management.azure.com/"), ArmAudience = "https://management.core.windows.net/",
    };

    private const string SubA = "11111111-1111-1111-1111-111111111111";
    private const string SubB = "22222222-2222-2222-2222-222222222222";

    [Fact]
    public async Task Without_Connect_the_session_follows_the_Az_context_and_says_so()
    {
        var sessions = new SessionService(() => null!);
        var ctx = new AzStandInContext { Az = Context(SubA) };
        var s = await sessions.GetAsync(ctx);
        Assert.Equal("AzContext", s.Connection.AuthenticationMethod);
        Assert.Equal(SubA, s.SubscriptionId);
        Assert.Equal("72f988bf-86f1-41af-91ab-2d7cd011db47", s.Connection.TenantId);
        Assert.Equal(new Uri("https://management.azure.com/"), s.Endpoint);
        Assert.IsType<AzContextCredential>(s.Credential);
        Assert.Contains(ctx.Verbose, v => v.Contains("following the Az PowerShell context (account jane@contoso.example"));
        // the same context: the same session
        Assert.Same(s, await sessions.GetAsync(new AzStandInContext { Az = Context(SubA) }));
        // Set-AzContext to another subscription: followed
        var other = await sessions.GetAsync(new AzStandInContext { Az = Context(SubB) });
        Assert.Equal(SubB, other.SubscriptionId);
        // a runspace without Az (a -Parallel runspace that did not import it) keeps the current implicit session instead of flipping
        Assert.Same(other, await sessions.GetAsync(new AzStandInContext { Az = null }));
        // Connect-AksEgress wins over the Az context
        await sessions.ConnectAsync(new ConnectRequest { AccessToken = "x", SubscriptionId = SubA }, new AzStandInContext { Az = Context(SubB) });
        Assert.Equal("AccessToken", (await sessions.GetAsync(new AzStandInContext { Az = Context(SubB) })).Connection.AuthenticationMethod);
    }

    [Fact]
    public async Task Without_Az_the_default_credential_chain_is_used()
    {
        var sessions = new SessionService(() => null!);
        using var env = new EnvironmentOverride(("AZURE_SUBSCRIPTION_ID", SubA));
        var ctx = new AzStandInContext { Az = null };
        var s = await sessions.GetAsync(ctx);
        Assert.Equal("DefaultAzureCredential", s.Connection.AuthenticationMethod);
        Assert.Contains(ctx.Verbose, v => v.Contains("DefaultAzureCredential"));
    }

    [Fact]
    public async Task Connect_AzContext_without_a_context_is_AzContextNotFound()
    {
        var e = await Assert.ThrowsAsync<AksEgressException>(() => new SessionService(() => null!).ConnectAsync(new ConnectRequest { AzContext = true }, new AzStandInContext()));
        Assert.Equal(ErrorIds.AzContextNotFound, e.ErrorId);
        // checked with every request's validation, before any request
        var e2 = Assert.Throws<AksEgressException>(() => RequestValidation.Validate(new ConnectRequest { AzContext = true, Identity = true }));
        Assert.Equal(ErrorIds.ConflictingParameters, e2.ErrorId);
    }

    [Fact]
    public async Task A_custom_Az_environment_gives_its_ARM_url_and_audience_and_must_be_https()
    {
        var custom = Context(SubA, environment: "AzureStackUser") with { ResourceManagerUrl = new Uri("https://management.local.azurestack.external/"), ArmAudience = "https://management.azurestackid.local/abc" };
        var s = await new SessionService(() => null!).ConnectAsync(new ConnectRequest { AzContext = true }, new AzStandInContext { Az = custom });
        Assert.Equal(new Uri("https://management.local.azurestack.external/"), s.ArmEndpoint);
        Assert.Equal("AzureStackUser", s.Environment);
        var http = custom with { ResourceManagerUrl = new Uri("http://management.local.azurestack.external/") };
        var e = await Assert.ThrowsAsync<AksEgressException>(() => new SessionService(() => null!).ConnectAsync(new ConnectRequest { AzContext = true }, new AzStandInContext { Az = http }));
        Assert.Equal(ErrorIds.InvalidArmEndpoint, e.ErrorId);
    }

    [Theory]
    [InlineData("https://management.azure.com/.default", "https://management.azure.com/")]
    [InlineData("https://management.core.windows.net/.default", "https://management.core.windows.net/")]
    [InlineData("6dae42f8-4368-4678-94ff-3960e28e3630/.default", "6dae42f8-4368-4678-94ff-3960e28e3630")]
    public void Scopes_become_Get_AzAccessToken_resource_urls(string scope, string resource) =>
        Assert.Equal(resource, AzContextCredential.ResourceOf(new[] { scope }));

    [Fact]
    public async Task Tokens_are_asked_through_the_running_operation_and_cached_until_near_expiry()
    {
        var credential = new AzContextCredential();
        var ctx = new AzStandInContext();
        var arm = new TokenRequestContext(new[] { "https://management.azure.com/.default" });
        var aks = new TokenRequestContext(new[] { "6dae42f8-4368-4678-94ff-3960e28e3630/.default" });
        var t1 = await Operation.RunAsync(ctx, async () => await credential.GetTokenAsync(arm, default));
        var t2 = await Operation.RunAsync(ctx, async () => await credential.GetTokenAsync(arm, default));
        Assert.Equal("token-for-https://management.azure.com/", t1.Token);
        Assert.Equal(t1.Token, t2.Token);
        Assert.Single(ctx.TokenCalls);
        await Operation.RunAsync(ctx, async () => await credential.GetTokenAsync(aks, default));
        Assert.Equal(new[] { "https://management.azure.com/", "6dae42f8-4368-4678-94ff-3960e28e3630" }, ctx.TokenCalls);
        // a token within five minutes of its expiry is asked again
        var shortLived = new AzContextCredential();
        var ctx2 = new AzStandInContext { Token = r => new AzAccessToken("short", DateTimeOffset.UtcNow.AddMinutes(3)) };
        await Operation.RunAsync(ctx2, async () => await shortLived.GetTokenAsync(arm, default));
        await Operation.RunAsync(ctx2, async () => await shortLived.GetTokenAsync(arm, default));
        Assert.Equal(2, ctx2.TokenCalls.Count);
        // outside a cmdlet call there is no PowerShell to ask
        await Assert.ThrowsAsync<CredentialUnavailableException>(async () => await new AzContextCredential().GetTokenAsync(arm, default));
    }

    [Fact]
    public void The_token_holder_never_prints_its_token() =>
        Assert.DoesNotContain("secret-value", new AzAccessToken("secret-value", DateTimeOffset.UtcNow).ToString());
}
