using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Weixin.Inbox.IntranetPoller.Tests.Messages;

/// <summary>
/// Stands in for api.weixin.qq.com's <c>cgi-bin</c> (the one party the tests may replace): hands out numbered
/// access tokens and answers <c>message/custom/send</c> as scripted (ok when the script is empty).
/// </summary>
internal sealed class FakeWeixinApi : IAsyncDisposable
{
    private readonly ConcurrentQueue<Func<IResult>> _sendScript = new();
    private int _tokens;

    private FakeWeixinApi(StandInServer server) => Server = server;

    public StandInServer Server { get; private set; }

    public Uri BaseAddress => Server.BaseAddress;

    /// <summary>Each token request: the endpoint, the query or JSON body.</summary>
    public ConcurrentQueue<RecordedRequest> TokenRequests { get; } = new();

    /// <summary>Each send: the access_token used and the JSON body.</summary>
    public ConcurrentQueue<(string AccessToken, JsonElement Body)> Sends { get; } = new();

    /// <summary>Delay before each token answer (to make concurrent refreshes overlap).</summary>
    public TimeSpan TokenDelay { get; set; }

    /// <summary>The errcode answered to token requests (0 = a token).</summary>
    public (int ErrCode, string ErrMsg) TokenError { get; set; }

    public static async Task<FakeWeixinApi> StartAsync()
    {
        FakeWeixinApi? api = null;
        var server = await StandInServer.StartAsync(app =>
        {
            app.MapPost("/cgi-bin/stable_token", (HttpRequest request) => api!.IssueTokenAsync(request));
            app.MapGet("/cgi-bin/token", (HttpRequest request) => api!.IssueTokenAsync(request));
            app.MapPost("/cgi-bin/message/custom/send", async (HttpRequest request) =>
            {
                using var body = await JsonDocument.ParseAsync(request.Body);
                api!.Sends.Enqueue((request.Query["access_token"].ToString(), body.RootElement.Clone()));
                return api._sendScript.TryDequeue(out var answer) ? answer() : Ok();
            });
        });
        api = new FakeWeixinApi(server);
        return api;
    }

    /// <summary>Scripts the next send answers, in order.</summary>
    public void ThenSend(params Func<IResult>[] answers)
    {
        foreach (var answer in answers)
        {
            _sendScript.Enqueue(answer);
        }
    }

    public static IResult Ok() => Results.Text("""{"errcode":0,"errmsg":"ok"}""", "application/json");

    public static IResult Error(int errCode, string errMsg) => Results.Text($$"""{"errcode":{{errCode}},"errmsg":"{{errMsg}}"}""", "text/plain");

    public static IResult Http(int status) => Results.StatusCode(status);

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();

    private async Task<IResult> IssueTokenAsync(HttpRequest request)
    {
        var body = await new StreamReader(request.Body).ReadToEndAsync();
        TokenRequests.Enqueue(new RecordedRequest(request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "", body));
        if (TokenDelay > TimeSpan.Zero)
        {
            await Task.Delay(TokenDelay);
        }

        if (TokenError.ErrCode != 0)
        {
            return Error(TokenError.ErrCode, TokenError.ErrMsg);
        }

        var n = Interlocked.Increment(ref _tokens);
        return Results.Text($$"""{"access_token":"TOKEN_{{n}}","expires_in":7200}""", "application/json");
    }
}
