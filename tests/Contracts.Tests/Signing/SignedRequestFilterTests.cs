using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Signing;

namespace Weixin.Inbox.Contracts.Tests.Signing;

/// <summary>A real Kestrel app on a loopback port, with a signed route group (no database: replay guard in memory).</summary>
public sealed class SignedAppFixture : IAsyncLifetime
{
    public const string Key = "filter-key-0123456789-0123456789-01234";
    public const string OtherKey = "other-key-abcdefghij-abcdefghij-abcdef";

    private WebApplication? _app;

    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    public sealed record Payload(string Name, int Count);

    private sealed class InMemoryReplayGuard : IReplayGuard
    {
        private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);

        public Task<bool> TryRecordAsync(string requestId, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
            Task.FromResult(_seen.TryAdd(requestId, expiresAt));
    }

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Signing:Keys:0"] = Key,
            ["Signing:Tolerance"] = "00:05:00",
        });
        builder.Services.AddSingleton<IReplayGuard, InMemoryReplayGuard>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSigningOptions("k", "Signing");

        _app = builder.Build();
        _app.UseSignedRequests();
        var group = _app.MapGroup("/poller/v1").RequireSignedRequests("k");
        group.MapPost("/raw", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            return Results.Text(await reader.ReadToEndAsync());
        });
        group.MapGet("/ping", () => Results.Text("pong"));
        group.MapPost("/claim", (Payload payload) => Results.Ok(payload));
        _app.MapGet("/open", () => Results.Text("open"));

        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.Single());
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

public class SignedRequestFilterTests(SignedAppFixture app) : IClassFixture<SignedAppFixture>
{
    private static readonly HttpClient Plain = new();

    private HttpClient SigningClient()
    {
        var services = new ServiceCollection();
        services.AddOptions<SigningOptions>("c").Configure(o => o.Keys = [SignedAppFixture.Key]);
        var monitor = services.BuildServiceProvider().GetRequiredService<IOptionsMonitor<SigningOptions>>();
        return new HttpClient(new SigningHandler(monitor, "c", TimeProvider.System) { InnerHandler = new SocketsHttpHandler() })
        {
            BaseAddress = app.BaseAddress,
        };
    }

    /// <summary>A hand-signed request, so a test can send exactly the same headers twice.</summary>
    private HttpRequestMessage Signed(HttpMethod method, string target, byte[] body, string id, string key = SignedAppFixture.Key, long? timestamp = null)
    {
        var ts = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = RequestSignature.Compute(RequestSignature.KeyBytes(key), id, ts, method.Method, target, body);
        var request = new HttpRequestMessage(method, new Uri(app.BaseAddress, target));
        if (method != HttpMethod.Get)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new("application/json");
        }

        request.Headers.Add(SignedRequestHeaders.Id, id);
        request.Headers.Add(SignedRequestHeaders.Timestamp, ts.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(SignedRequestHeaders.Signature, RequestSignature.Version + "," + signature);
        return request;
    }

    private static string NewId() => "test_" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Filter_SignedPost_ReachesEndpointWithBodyIntact()
    {
        var body = Encoding.UTF8.GetBytes("{\"hello\":\"世界\"}");
        using var request = Signed(HttpMethod.Post, "/poller/v1/raw?a=1", body, NewId());

        using var response = await Plain.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"hello\":\"世界\"}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Filter_SigningHandlerClient_IsAccepted()
    {
        using var client = SigningClient();
        using var content = new StringContent("abc", Encoding.UTF8, "text/plain");

        using var response = await client.PostAsync(new Uri("/poller/v1/raw?x=1&y=%E4%B8%AD", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("abc", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Filter_SignedGetWithQuery_IsAccepted()
    {
        using var client = SigningClient();

        using var response = await client.GetAsync(new Uri("/poller/v1/ping?after=5", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Filter_SignedJsonBoundToParameter_ReachesEndpoint()
    {
        // The poller's endpoints bind their JSON body to a parameter (ClaimRequest etc.), as here.
        using var client = SigningClient();

        using var response = await client.PostAsJsonAsync(new Uri("/poller/v1/claim", UriKind.Relative), new SignedAppFixture.Payload("a", 3));

        // Shows the refusal reason (e.g. BadSignature: the filter saw an empty body because binding had consumed it).
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var echoed = await response.Content.ReadFromJsonAsync<SignedAppFixture.Payload>();
        Assert.Equal(new SignedAppFixture.Payload("a", 3), echoed);
    }

    [Fact]
    public async Task Filter_SignedJsonToUnboundEndpoint_IsAccepted()
    {
        // Control for the test above: the same client and payload, to an endpoint that reads the body itself.
        using var client = SigningClient();

        using var response = await client.PostAsJsonAsync(new Uri("/poller/v1/raw", UriKind.Relative), new SignedAppFixture.Payload("a", 3));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Filter_ReplayedRequest_Returns401()
    {
        var body = Encoding.UTF8.GetBytes("{}");
        var id = NewId();
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        using var first = Signed(HttpMethod.Post, "/poller/v1/raw", body, id, timestamp: ts);
        using var firstResponse = await Plain.SendAsync(first);
        using var replay = Signed(HttpMethod.Post, "/poller/v1/raw", body, id, timestamp: ts);
        using var replayResponse = await Plain.SendAsync(replay);

        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replayResponse.StatusCode);
        Assert.Contains(nameof(SignatureFailure.Replayed), await replayResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Filter_UnsignedRequest_Returns401()
    {
        using var content = new StringContent("{}", Encoding.UTF8, "application/json");

        using var response = await Plain.PostAsync(new Uri(app.BaseAddress, "/poller/v1/raw"), content);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Filter_WrongKey_Returns401()
    {
        using var request = Signed(HttpMethod.Post, "/poller/v1/raw", "{}"u8.ToArray(), NewId(), key: SignedAppFixture.OtherKey);

        using var response = await Plain.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(nameof(SignatureFailure.BadSignature), await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Filter_StaleTimestamp_Returns401()
    {
        var old = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds();
        using var request = Signed(HttpMethod.Post, "/poller/v1/raw", "{}"u8.ToArray(), NewId(), timestamp: old);

        using var response = await Plain.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(nameof(SignatureFailure.Stale), await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Filter_TamperedQuery_Returns401()
    {
        var body = "{}"u8.ToArray();
        var id = NewId();
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = RequestSignature.Compute(RequestSignature.KeyBytes(SignedAppFixture.Key), id, ts, "POST", "/poller/v1/raw?a=1", body);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(app.BaseAddress, "/poller/v1/raw?a=2")) { Content = new ByteArrayContent(body) };
        request.Headers.Add(SignedRequestHeaders.Id, id);
        request.Headers.Add(SignedRequestHeaders.Timestamp, ts.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(SignedRequestHeaders.Signature, "v1," + signature);

        using var response = await Plain.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Filter_BodyOverOneMiB_Returns413()
    {
        var body = new byte[SignedRequestMiddleware.MaxBodyBytes + 1];
        using var request = Signed(HttpMethod.Post, "/poller/v1/raw", body, NewId());

        using var response = await Plain.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Filter_ChunkedBodyOverOneMiB_Returns413()
    {
        // No Content-Length: the size is only known while reading.
        var body = new byte[SignedRequestMiddleware.MaxBodyBytes + 1];
        using var request = Signed(HttpMethod.Post, "/poller/v1/raw", body, NewId());
        request.Content = new StreamContent(new NonSeekableStream(body));
        request.Headers.TransferEncodingChunked = true;

        using var response = await Plain.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Filter_UnsignedRouteOutsideGroup_IsNotAffected()
    {
        using var response = await Plain.GetAsync(new Uri(app.BaseAddress, "/open"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public void AddSigningOptions_NoKeysConfigured_FailsValidation()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bad:Keys:0"] = "short",
        }).Build());
        services.AddSigningOptions("bad", "Bad");
        services.AddSigningOptions("empty", "Empty");
        using var provider = services.BuildServiceProvider();
        var monitor = provider.GetRequiredService<IOptionsMonitor<SigningOptions>>();

        Assert.Throws<OptionsValidationException>(() => monitor.Get("bad"));
        Assert.Throws<OptionsValidationException>(() => monitor.Get("empty"));
        Assert.Equal([SignedAppFixture.Key], app.Services.GetRequiredService<IOptionsMonitor<SigningOptions>>().Get("k").Keys);
    }

    /// <summary>A stream without a length, so HttpClient must send the body chunked.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
