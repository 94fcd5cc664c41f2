using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Weixin.Inbox.Contracts.Hooks;
using Weixin.Inbox.Contracts.Signing;

namespace Weixin.Inbox.IntranetPoller.Tests.Messages;

/// <summary>
/// Stands in for CrmApp's <c>POST /weixin/hook/message</c>: verifies the gateway's signature with the hook's key
/// exactly as a LAN app does, then answers as scripted.
/// </summary>
internal static class CrmHookStandIn
{
    public const string SigningName = "Gateway";

    public static Task<StandInServer> StartAsync(Func<MessageHookRequest, Task<IResult>> answer, ConcurrentQueue<MessageHookRequest>? received = null) =>
        StandInServer.StartAsync(
            app =>
            {
                app.UseSignedRequests();
                app.MapGroup("/weixin/hook").RequireSignedRequests(SigningName).MapPost("/message", (MessageHookRequest request) =>
                {
                    received?.Enqueue(request);
                    return answer(request);
                });
            },
            services =>
            {
                services.AddOptions<SigningOptions>(SigningName).Configure(o => o.Keys = [MessagesTestHost.HookKey]);
                services.AddSingleton<IReplayGuard, MemoryReplayGuard>();
                services.AddSingleton(TimeProvider.System);
            });

    /// <summary>Answers <paramref name="text"/> (null for "no reply").</summary>
    public static Func<MessageHookRequest, Task<IResult>> Reply(string? text) =>
        _ => Task.FromResult<IResult>(TypedResults.Ok(new MessageHookResponse(text)));

    private sealed class MemoryReplayGuard : IReplayGuard
    {
        private readonly ConcurrentDictionary<string, bool> _seen = new();

        public Task<bool> TryRecordAsync(string requestId, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
            Task.FromResult(_seen.TryAdd(requestId, true));
    }
}
