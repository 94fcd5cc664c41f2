using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Signing;

namespace Weixin.Inbox.Contracts.Tests.Signing;

public class SigningHandlerTests
{
    private const string Key = "poller-key-0123456789-0123456789-0123";
    private const string OtherKey = "next-key-abcdefghij-abcdefghij-abcdefg";
    private static readonly DateTimeOffset Now = new(2025, 5, 17, 10, 0, 0, TimeSpan.Zero);

    /// <summary>Stands in for the network: records what the signing handler passed on.</summary>
    private sealed class CapturingHandler : HttpMessageHandler
    {
        public List<(HttpRequestMessage Request, byte[] Body)> Sent { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            Sent.Add((request, body));
            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }

    private static IOptionsMonitor<SigningOptions> Monitor(params string[] keys)
    {
        var services = new ServiceCollection();
        services.AddOptions<SigningOptions>("poller").Configure(o => o.Keys = [.. keys]);
        return services.BuildServiceProvider().GetRequiredService<IOptionsMonitor<SigningOptions>>();
    }

    private static (HttpClient Client, CapturingHandler Network) Client(TimeProvider time, params string[] keys)
    {
        var network = new CapturingHandler();
        var handler = new SigningHandler(Monitor(keys), "poller", time) { InnerHandler = network };
        return (new HttpClient(handler), network);
    }

    private static string Header(HttpRequestMessage request, string name) => string.Join(" ", request.Headers.GetValues(name));

    private static SignatureFailure VerifyCaptured(HttpRequestMessage request, byte[] body, string target, params string[] keys) =>
        new RequestVerifier(new SigningOptions { Keys = [.. keys] }, new FixedTimeProvider(Now)).Verify(
            Header(request, SignedRequestHeaders.Id),
            Header(request, SignedRequestHeaders.Timestamp),
            Header(request, SignedRequestHeaders.Signature),
            request.Method.Method,
            target,
            body);

    [Fact]
    public async Task SendAsync_JsonPost_ProducesHeadersTheVerifierAccepts()
    {
        var (client, network) = Client(new FixedTimeProvider(Now), Key);
        using var content = new StringContent("{\"maxItems\":10,\"note\":\"中文\"}", Encoding.UTF8, "application/json");

        await client.PostAsync(new Uri("http://x/poller/v1/claim?a=1"), content);

        var (request, body) = Assert.Single(network.Sent);
        Assert.Equal(SignatureFailure.None, VerifyCaptured(request, body, "/poller/v1/claim?a=1", Key));
        Assert.Equal(Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), Header(request, SignedRequestHeaders.Timestamp));
        Assert.StartsWith("v1,", Header(request, SignedRequestHeaders.Signature), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_SignatureCoversQuery_OtherTargetRefused()
    {
        var (client, network) = Client(new FixedTimeProvider(Now), Key);
        using var content = new StringContent("{}", Encoding.UTF8, "application/json");

        await client.PostAsync(new Uri("http://x/poller/v1/claim?a=1"), content);

        var (request, body) = Assert.Single(network.Sent);
        Assert.Equal(SignatureFailure.BadSignature, VerifyCaptured(request, body, "/poller/v1/claim", Key));
    }

    [Fact]
    public async Task SendAsync_TwoSends_UseDifferentIds()
    {
        var (client, network) = Client(new FixedTimeProvider(Now), Key);

        using var first = new StringContent("{}", Encoding.UTF8, "application/json");
        using var second = new StringContent("{}", Encoding.UTF8, "application/json");
        await client.PostAsync(new Uri("http://x/poller/v1/claim"), first);
        await client.PostAsync(new Uri("http://x/poller/v1/claim"), second);

        Assert.Equal(2, network.Sent.Count);
        var ids = network.Sent.Select(s => Header(s.Request, SignedRequestHeaders.Id)).ToList();
        Assert.All(ids, id => Assert.False(string.IsNullOrEmpty(id)));
        Assert.NotEqual(ids[0], ids[1]);
    }

    [Fact]
    public async Task SendAsync_ResentMessage_ReplacesHeadersInsteadOfAppending()
    {
        var (client, network) = Client(new FixedTimeProvider(Now), Key);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("http://x/poller/v1/claim"));
        request.Headers.Add(SignedRequestHeaders.Id, "stale-id");
        request.Headers.Add(SignedRequestHeaders.Signature, "v1,stale");

        await client.SendAsync(request);

        var (sent, body) = Assert.Single(network.Sent);
        Assert.Single(sent.Headers.GetValues(SignedRequestHeaders.Id));
        Assert.Single(sent.Headers.GetValues(SignedRequestHeaders.Signature));
        Assert.Equal(SignatureFailure.None, VerifyCaptured(sent, body, "/poller/v1/claim", Key));
    }

    [Fact]
    public async Task SendAsync_GetWithoutBody_SignsEmptyBody()
    {
        var (client, network) = Client(new FixedTimeProvider(Now), Key);

        await client.GetAsync(new Uri("http://x/poller/v1/items?after=5"));

        var (request, body) = Assert.Single(network.Sent);
        Assert.Empty(body);
        Assert.Equal(SignatureFailure.None, VerifyCaptured(request, body, "/poller/v1/items?after=5", Key));
    }

    [Fact]
    public async Task SendAsync_TwoKeys_SignsWithFirstKey()
    {
        var (client, network) = Client(new FixedTimeProvider(Now), Key, OtherKey);
        using var content = new StringContent("{}", Encoding.UTF8, "application/json");

        await client.PostAsync(new Uri("http://x/poller/v1/claim"), content);

        var (request, body) = Assert.Single(network.Sent);
        Assert.Equal(SignatureFailure.None, VerifyCaptured(request, body, "/poller/v1/claim", Key));
        Assert.Equal(SignatureFailure.BadSignature, VerifyCaptured(request, body, "/poller/v1/claim", OtherKey));
    }
}
