using System.Net;
using System.Text.Json;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.Signals;

/// <summary>The CRM's operating signals: probes, metrics, and the correlation id it sends on to the gateway.</summary>
[Collection(CrmCollection.Name)]
public sealed class SignalsTests(CrmFixture fixture)
{
    private CrmSystem System => fixture.System;

    [Fact]
    public async Task Probes_AnswerWithoutSignIn()
    {
        using var http = new HttpClient { BaseAddress = System.BaseAddress };

        Assert.Equal("ok", await http.GetStringAsync("/healthz"));
        using var ready = await http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Equal("ok", body.GetProperty("database").GetString());
    }

    [Fact]
    public async Task Metrics_CountRequestsByRoute_AndNeedNoSignIn()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = System.BaseAddress };
        await http.GetAsync("/login");

        var metrics = await http.GetStringAsync("/metrics");

        Assert.Contains("http_requests_received_total{", metrics);
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("http_requests_received_total{code=\"200\",method=\"GET\"", StringComparison.Ordinal) && l.Contains("page=\"/Login/Index\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CorrelationId_FromTheRequest_IsEchoedAndLogged()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = System.BaseAddress };
        var id = "crmtest" + Guid.NewGuid().ToString("N")[..12];
        using var request = new HttpRequestMessage(HttpMethod.Get, "/login");
        request.Headers.Add("X-Correlation-Id", id);

        using var response = await http.SendAsync(request);

        Assert.Equal(id, response.Headers.GetValues("X-Correlation-Id").Single());
        string log = "";
        for (var i = 0; i < 50 && !log.Contains(id, StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
            using var stream = new FileStream(System.Crm.JsonLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            log = await new StreamReader(stream).ReadToEndAsync();
        }

        Assert.Contains($"\"CorrelationId\":\"{id}\"", log);
    }
}
