using Microsoft.AspNetCore.Http;
using Weixin.Inbox.Contracts.Diagnostics;

namespace Weixin.Inbox.Contracts.Tests.Diagnostics;

public sealed class CorrelationTests
{
    [Theory]
    [InlineData("0123456789abcdef", true)]
    [InlineData("crm-req_1.2", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("new\nline", false)]
    [InlineData("<script>", false)]
    public void IsValid_AcceptsOnlyShortPlainIds(string id, bool valid) => Assert.Equal(valid, Correlation.IsValid(id));

    [Fact]
    public void IsValid_RefusesOverlongIds() => Assert.False(Correlation.IsValid(new string('a', 65)));

    [Fact]
    public async Task Middleware_ValidIncomingId_IsCurrentDuringTheRequestAndEchoed()
    {
        string? seen = null;
        var middleware = new CorrelationMiddleware(_ => { seen = Correlation.Current; return Task.CompletedTask; }, _ => true);
        var context = new DefaultHttpContext();
        context.Request.Headers[Correlation.HeaderName] = "abc123";

        await middleware.InvokeAsync(context);

        Assert.Equal("abc123", seen);
        Assert.Equal("abc123", context.Response.Headers[Correlation.HeaderName].ToString());
        Assert.Null(Correlation.Current);
    }

    [Fact]
    public async Task Middleware_InvalidIncomingId_IsReplacedByANewOne()
    {
        string? seen = null;
        var middleware = new CorrelationMiddleware(_ => { seen = Correlation.Current; return Task.CompletedTask; }, _ => true);
        var context = new DefaultHttpContext();
        context.Request.Headers[Correlation.HeaderName] = "bad id\r\nX-Injected: 1";

        await middleware.InvokeAsync(context);

        Assert.NotNull(seen);
        Assert.Matches("^[0-9a-f]{16}$", seen);
    }

    [Fact]
    public async Task Middleware_UntrustedRequest_GetsItsOwnIdWhateverItSends()
    {
        string? seen = null;
        var middleware = new CorrelationMiddleware(_ => { seen = Correlation.Current; return Task.CompletedTask; },
            http => http.Request.Path.StartsWithSegments("/poller"));
        var context = new DefaultHttpContext();
        context.Request.Path = "/wx/callback";
        context.Request.Headers[Correlation.HeaderName] = "someone-elses-id";

        await middleware.InvokeAsync(context);

        Assert.NotEqual("someone-elses-id", seen);
        Assert.Matches("^[0-9a-f]{16}$", seen);
    }

    [Fact]
    public async Task Handler_SendsTheCurrentId()
    {
        var inner = new CapturingHandler();
        using var client = new HttpClient(new CorrelationHandler { InnerHandler = inner });
        using (Correlation.Begin("flow42"))
        {
            await client.GetAsync(new Uri("http://127.0.0.1/"));
        }

        await client.GetAsync(new Uri("http://127.0.0.1/"));

        Assert.Equal(["flow42", null], inner.Seen);
    }

    private sealed class CapturingHandler : HttpMessageHandler
    {
        public List<string?> Seen { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Seen.Add(request.Headers.TryGetValues(Correlation.HeaderName, out var values) ? values.Single() : null);
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK));
        }
    }
}
