using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Weixin.Inbox.IntranetPoller.Tests.Messages;

/// <summary>One request a stand-in server received.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, string Body);

/// <summary>A small Kestrel app on 127.0.0.1 (a free port) that records every request before its endpoints run.</summary>
public sealed class StandInServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StandInServer(WebApplication app, Uri baseAddress, ConcurrentQueue<RecordedRequest> requests)
    {
        _app = app;
        BaseAddress = baseAddress;
        Requests = requests;
    }

    public Uri BaseAddress { get; }

    public ConcurrentQueue<RecordedRequest> Requests { get; }

    public int CountOf(string path) => Requests.Count(r => r.Path == path);

    public static async Task<StandInServer> StartAsync(Action<WebApplication> map, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        services?.Invoke(builder.Services);
        var app = builder.Build();

        var requests = new ConcurrentQueue<RecordedRequest>();
        app.Use(async (http, next) =>
        {
            http.Request.EnableBuffering();
            var body = await new StreamReader(http.Request.Body).ReadToEndAsync();
            http.Request.Body.Position = 0;
            requests.Enqueue(new RecordedRequest(http.Request.Method, http.Request.Path.Value ?? "", http.Request.QueryString.Value ?? "", body));
            await next(http);
        });
        map(app);
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new StandInServer(app, new Uri(address + "/"), requests);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
