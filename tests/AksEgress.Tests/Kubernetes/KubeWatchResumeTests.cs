using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using AksEgress.Engine.Kubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit;

namespace AksEgress.Tests.Kubernetes;

/// <summary>
/// List-then-watch (<see cref="KubeWatch.UntilAsync"/>) against a fake watch stream of JSON lines, as the API server sends them
/// for <c>?watch=true</c>: a dropped watch resumes from the last resourceVersion it saw (no re-list, so no event is evaluated
/// twice or missed), 410 Gone re-lists, bookmarks only move the resourceVersion, other errors fail, retries are bounded.
/// </summary>
public class KubeWatchResumeTests
{
    /// <summary>One scripted answer of the watch call: the event lines it streams, or the exception it throws.</summary>
    private sealed record Answer(string[]? Lines, Exception? Throws, HttpStatusCode? Status = null, bool BreaksOff = false);

    /// <summary>A response body that delivers its bytes, then fails as a reset connection does mid-stream.</summary>
    private sealed class BreakingStream(byte[] data) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => Position < Length ? base.Read(buffer, offset, count) : throw new IOException("the connection was reset mid-stream");
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Position < Length ? base.ReadAsync(buffer, cancellationToken) : ValueTask.FromException<int>(new IOException("the connection was reset mid-stream"));
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <summary>
    /// The fake API server behind a real Kubernetes client: plain GETs of the pods are lists, <c>watch=true</c> GETs are watches
    /// answered in order; records the resourceVersion of every watch.
    /// </summary>
    private sealed class FakePods : IDisposable
    {
        private readonly Queue<V1PodList> _lists;
        private readonly Queue<Answer> _watches;
        private readonly k8s.Kubernetes _client;
        public FakePods(IEnumerable<V1PodList> lists, IEnumerable<Answer> watches)
        {
            _lists = new Queue<V1PodList>(lists);
            _watches = new Queue<Answer>(watches);
            _client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = "https://fake-api.invalid" }, new FakeKubeTransport(Answer));
        }
        public int ListCalls;
        public ConcurrentQueue<string> WatchedFrom { get; } = new();
        public List<(WatchEventType Type, string Name, string? Phase)> Evaluated { get; } = new();

        private HttpResponseMessage Answer(HttpRequestMessage request)
        {
            var uri = request.RequestUri!;
            Assert.Equal("/api/v1/namespaces/default/pods", uri.AbsolutePath);
            if (FakeKubeTransport.Query(uri, "watch") != "true")
            {
                ListCalls++;
                return FakeKubeTransport.Json(HttpStatusCode.OK, KubernetesJson.Serialize(_lists.Dequeue()));
            }
            WatchedFrom.Enqueue(FakeKubeTransport.Query(uri, "resourceVersion") ?? "(none)");
            if (_watches.Count == 0) throw new InvalidOperationException("the test scripted no more watches");
            var a = _watches.Dequeue();
            if (a.Throws is not null) throw a.Throws;
            if (a.Status is { } code) return FakeKubeTransport.Json(code, a.Lines![0]);
            if (a.BreaksOff) return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new BreakingStream(Encoding.UTF8.GetBytes(string.Concat(a.Lines!.Select(l => l + "\n"))))) };
            return FakeKubeTransport.Json(HttpStatusCode.OK, string.Concat(a.Lines!.Select(l => l + "\n")));
        }

        public Task<V1PodList> List(CancellationToken ct) => _client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: ct);

        public Task<HttpOperationResponse<V1PodList>> Watch(string rv, CancellationToken ct) =>
            _client.CoreV1.ListNamespacedPodWithHttpMessagesAsync("default", resourceVersion: rv, allowWatchBookmarks: true, watch: true, cancellationToken: ct);

        /// <summary>Stops at the first Running pod.</summary>
        public V1Pod? UntilRunning(WatchEventType type, V1Pod pod)
        {
            Evaluated.Add((type, pod.Metadata.Name, pod.Status?.Phase));
            return pod.Status?.Phase == "Running" ? pod : null;
        }

        public Task<V1Pod> RunAsync(CancellationToken ct = default) =>
            KubeWatch.UntilAsync<V1Pod, V1PodList, V1Pod>(List, Watch, UntilRunning, ct);

        public void Dispose() => _client.Dispose();
    }

    private static V1Pod Pod(string name, string phase, string rv) =>
        new() { Metadata = new V1ObjectMeta { Name = name, ResourceVersion = rv }, Status = new V1PodStatus { Phase = phase } };

    private static V1PodList PodList(string? rv, params V1Pod[] pods) =>
        new() { Metadata = new V1ListMeta { ResourceVersion = rv }, Items = pods };

    private static string Event(string type, string name, string phase, string rv) =>
        $"{{\"type\":\"{type}\",\"object\":{{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{{\"name\":\"{name}\",\"namespace\":\"default\",\"resourceVersion\":\"{rv}\"}},\"status\":{{\"phase\":\"{phase}\"}}}}}}";

    private static string Bookmark(string rv) =>
        $"{{\"type\":\"BOOKMARK\",\"object\":{{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{{\"resourceVersion\":\"{rv}\"}}}}}}";

    /// <summary>A Status in an ERROR event (core/v1 Status: code, reason, message).</summary>
    private static string Error(int code, string reason, string message) =>
        $"{{\"type\":\"ERROR\",\"object\":{{\"apiVersion\":\"v1\",\"kind\":\"Status\",\"status\":\"Failure\",\"code\":{code},\"reason\":\"{reason}\",\"message\":\"{message}\"}}}}";

    private static Answer Stream(params string[] lines) => new(lines, null);
    private static Answer Throws(Exception ex) => new(null, ex);

    [Fact]
    public async Task A_listed_item_that_already_matches_is_returned_without_watching()
    {
        using var api = new FakePods(new[] { PodList("7", Pod("a", "Pending", "5"), Pod("b", "Running", "6")) }, Array.Empty<Answer>());
        var pod = await api.RunAsync();
        Assert.Equal("b", pod.Metadata.Name);
        Assert.Empty(api.WatchedFrom);
        Assert.Equal(new[] { (WatchEventType.Added, "a", (string?)"Pending"), (WatchEventType.Added, "b", "Running") }, api.Evaluated);
    }

    [Fact]
    public async Task The_watch_starts_at_the_list_resourceVersion_and_a_dropped_watch_resumes_from_the_last_event_without_a_relist()
    {
        using var api = new FakePods(
            new[] { PodList("100", Pod("p", "Pending", "100")) },
            new[]
            {
                Stream(Event("MODIFIED", "p", "Pending", "101"), Event("MODIFIED", "p", "ContainerCreating", "105")),
                Stream(Event("MODIFIED", "p", "Running", "106")),
            });
        var pod = await api.RunAsync();
        Assert.Equal("106", pod.Metadata.ResourceVersion);
        Assert.Equal(new[] { "100", "105" }, api.WatchedFrom);
        Assert.Equal(1, api.ListCalls);
        Assert.Equal(new[] { "Pending", "Pending", "ContainerCreating", "Running" }, api.Evaluated.Select(e => e.Phase));
        Assert.Equal(WatchEventType.Modified, api.Evaluated[^1].Type);
    }

    [Fact]
    public async Task A_list_without_a_resourceVersion_watches_from_0()
    {
        using var api = new FakePods(new[] { new V1PodList { Items = null! } }, new[] { Stream(Event("ADDED", "p", "Running", "3")) });
        Assert.Equal("p", (await api.RunAsync()).Metadata.Name);
        Assert.Equal(new[] { "0" }, api.WatchedFrom);
    }

    [Fact]
    public async Task Bookmarks_move_the_resourceVersion_but_are_never_evaluated()
    {
        using var api = new FakePods(
            new[] { PodList("10") },
            new[] { Stream(Bookmark("20")), Stream(Event("ADDED", "p", "Running", "21")) });
        await api.RunAsync();
        Assert.Equal(new[] { "10", "20" }, api.WatchedFrom);
        Assert.Single(api.Evaluated);
    }

    [Fact]
    public async Task A_410_Gone_error_event_relists_and_watches_from_the_new_list()
    {
        using var api = new FakePods(
            new[] { PodList("10", Pod("p", "Pending", "10")), PodList("50", Pod("p", "Pending", "48")) },
            new[]
            {
                Stream(Event("MODIFIED", "p", "Pending", "12"), Error(410, "Expired", "too old resource version: 12 (40)")),
                Stream(Event("MODIFIED", "p", "Running", "51")),
            });
        await api.RunAsync();
        Assert.Equal(2, api.ListCalls);
        Assert.Equal(new[] { "10", "50" }, api.WatchedFrom);
    }

    [Fact]
    public async Task A_410_Gone_answer_to_the_watch_request_relists()
    {
        var gone = new Answer(new[] { "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":410,\"reason\":\"Expired\",\"message\":\"too old resource version\"}" }, null, HttpStatusCode.Gone);
        using var api = new FakePods(
            new[] { PodList("10"), PodList("60") },
            new[] { gone, Stream(Event("ADDED", "p", "Running", "61")) });
        await api.RunAsync();
        Assert.Equal(2, api.ListCalls);
        Assert.Equal(new[] { "10", "60" }, api.WatchedFrom);
    }

    [Fact]
    public async Task Too_old_resource_version_without_a_code_relists()
    {
        using var api = new FakePods(
            new[] { PodList("10"), PodList("70") },
            new[] { Stream(Error(500, "InternalError", "too old resource version: 10 (65)")), Stream(Event("ADDED", "p", "Running", "71")) });
        await api.RunAsync();
        Assert.Equal(2, api.ListCalls);
        Assert.Equal(new[] { "10", "70" }, api.WatchedFrom);
    }

    [Fact]
    public async Task Another_error_event_fails_at_once_with_its_Status()
    {
        using var api = new FakePods(
            new[] { PodList("10") },
            new[] { Stream(Error(403, "Forbidden", "pods is forbidden: User cannot watch resource pods")), Stream(Event("ADDED", "p", "Running", "11")) });
        var e = await Assert.ThrowsAsync<KubernetesException>(() => api.RunAsync());
        Assert.Equal(403, e.Status.Code);
        Assert.Contains("cannot watch", e.Message);
        Assert.Equal(new[] { "10" }, api.WatchedFrom);
    }

    [Fact]
    public async Task Five_dropped_connections_in_a_row_are_retried_with_growing_delays_and_the_sixth_fails()
    {
        var answers = Enumerable.Range(1, 6).Select(i => Throws(new HttpRequestException($"connection reset {i}"))).ToArray();
        using var api = new FakePods(new[] { PodList("10") }, answers);
        var sw = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => api.RunAsync());
        sw.Stop();
        Assert.Equal("connection reset 6", e.Message);
        Assert.Equal(Enumerable.Repeat("10", 6), api.WatchedFrom);
        Assert.Equal(1, api.ListCalls);
        // 200 + 400 + 600 + 800 + 1000 ms of back-off between the six attempts
        Assert.True(sw.ElapsedMilliseconds >= 2900, $"retried after {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task An_event_resets_the_retry_budget()
    {
        var drop = () => Throws(new IOException("unexpected end of stream"));
        var answers = new List<Answer> { drop(), drop(), drop(), drop(), drop(), Stream(Event("MODIFIED", "p", "Pending", "12")), drop(), Stream(Event("MODIFIED", "p", "Running", "13")) };
        using var api = new FakePods(new[] { PodList("10") }, answers);
        Assert.Equal("13", (await api.RunAsync()).Metadata.ResourceVersion);
        Assert.Equal(new[] { "10", "10", "10", "10", "10", "10", "12", "12" }, api.WatchedFrom);
    }

    [Fact]
    public async Task A_watch_that_breaks_off_resumes_from_its_last_event_and_fails_after_five_retries()
    {
        // the first stream delivers an event before it breaks (failure 1), the next five deliver nothing (failures 2 to 6)
        var answers = new[] { new Answer(new[] { Event("MODIFIED", "p", "Pending", "12") }, null, BreaksOff: true) }.Concat(Enumerable.Range(1, 5).Select(_ => new Answer(Array.Empty<string>(), null, BreaksOff: true))).ToArray();
        using var api = new FakePods(new[] { PodList("10") }, answers);
        var sw = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => api.RunAsync());
        Assert.Equal("the connection was reset mid-stream", Assert.IsType<IOException>(e.InnerException).Message);
        Assert.Equal(new[] { "10", "12", "12", "12", "12", "12" }, api.WatchedFrom);
        Assert.Equal(1, api.ListCalls);
        Assert.True(sw.ElapsedMilliseconds >= 2900, $"retried after {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Events_the_client_cannot_read_are_retried_five_times_then_their_error_is_reported()
    {
        // valid JSON, but the object is not an object: the client passes the error to onError and ends the enumeration
        using var api = new FakePods(new[] { PodList("10") }, Enumerable.Range(1, 7).Select(_ => Stream("{\"type\":\"ADDED\",\"object\":[1]}")).ToArray());
        var sw = Stopwatch.StartNew();
        var e = await Assert.ThrowsAnyAsync<System.Text.Json.JsonException>(() => api.RunAsync());
        Assert.Equal(Enumerable.Repeat("10", 6), api.WatchedFrom);
        Assert.Equal(1, api.ListCalls);
        Assert.Empty(api.Evaluated);
        Assert.True(sw.ElapsedMilliseconds >= 2900, $"retried after {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Cancellation_stops_the_watch_without_retrying()
    {
        using var cts = new CancellationTokenSource();
        using var api = new FakePods(new[] { PodList("10") }, new[] { Throws(new HttpRequestException("reset")), Stream(Event("ADDED", "p", "Running", "11")) });
        var watched = 0;
        Task<HttpOperationResponse<V1PodList>> CancelThenWatch(string rv, CancellationToken ct) { watched++; cts.Cancel(); return api.Watch(rv, CancellationToken.None); }
        // the failure that happened is reported as it is, not retried (no back-off, no second watch)
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => KubeWatch.UntilAsync<V1Pod, V1PodList, V1Pod>(api.List, CancelThenWatch, api.UntilRunning, cts.Token));
        Assert.Equal("reset", e.Message);
        Assert.Equal(1, watched);
    }

    [Fact]
    public async Task An_operation_cancelled_before_it_starts_sends_no_request()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        using var api = new FakePods(new[] { PodList("10") }, new[] { Stream(Event("ADDED", "p", "Running", "11")) });
        var listed = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => KubeWatch.UntilAsync<V1Pod, V1PodList, V1Pod>(ct => { listed++; return api.List(ct); }, api.Watch, api.UntilRunning, cts.Token));
        Assert.Equal(0, listed);
        Assert.Empty(api.WatchedFrom);
    }
}
