using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Weixin.Inbox.WeixinSimulator.Tests.QrCodes;

/// <summary>One callback as the account's server received it.</summary>
public sealed record ReceivedCallback(IReadOnlyDictionary<string, string> Query, string Body)
{
    /// <summary>A field of the plain XML body (CDATA unwrapped), or null.</summary>
    public string? Field(string name)
    {
        var match = Regex.Match(Body, $"<{name}>(?:<!\\[CDATA\\[(.*?)\\]\\]>|([^<]*))</{name}>", RegexOptions.Singleline);
        return match.Success ? (match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value) : null;
    }
}

/// <summary>
/// A stand-in for the account's callback URL (the inbox's /wx/callback) on a free 127.0.0.1 port: records every POST
/// and answers a plain-mode text message with a passive text reply 「已收到 &lt;Event&gt;」, anything else with
/// <c>success</c>.
/// </summary>
public sealed class CallbackReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ReceivedCallback> _received = new();
    private readonly Task _loop;

    public CallbackReceiver()
    {
        Url = $"http://127.0.0.1:{TestEnvironment.FreePort()}/wx/callback";
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The URL to give the simulator as <c>Simulator__CallbackUrl</c>.</summary>
    public string Url { get; }

    /// <summary>The callbacks received for <paramref name="openId"/> (the <c>openid</c> query parameter), oldest first.</summary>
    public IReadOnlyList<ReceivedCallback> For(string openId) =>
        [.. _received.Where(c => c.Query.GetValueOrDefault("openid") == openId)];

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Note: the loop ends with the listener's disposal exception; nothing to report.
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var query = context.Request.QueryString.AllKeys.Where(k => k is not null)
                .ToDictionary(k => k!, k => context.Request.QueryString[k] ?? "", StringComparer.Ordinal);
            var callback = new ReceivedCallback(query, body);
            _received.Enqueue(callback);

            var answer = "success";
            if (!query.ContainsKey("encrypt_type") && callback.Field("FromUserName") is { } from && callback.Field("ToUserName") is { } to)
            {
                answer = string.Create(CultureInfo.InvariantCulture,
                    $"<xml><ToUserName><![CDATA[{from}]]></ToUserName><FromUserName><![CDATA[{to}]]></FromUserName><CreateTime>{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[已收到 {callback.Field("Event")}]]></Content></xml>");
            }

            var bytes = Encoding.UTF8.GetBytes(answer);
            context.Response.StatusCode = 200;
            context.Response.ContentType = "text/xml; charset=utf-8";
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }
}
