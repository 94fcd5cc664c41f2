using Microsoft.Extensions.Options;
using OpenIddict.Server;

namespace Weixin.Inbox.IdentityProvider.Keys;

/// <summary>
/// Builds OpenIddict's options (and so loads, on a first start makes, the server keys) in the background once the clients
/// are written: OpenIddict's handler builds them at the first request of any kind (a health probe too), which on a first
/// start waits for two new RSA keys and the key ring.
/// </summary>
/// <remarks>Note: not before listening, for the same reason as KeyRingWarmUp: start-up within 2 s (issue 14).</remarks>
public sealed class ServerKeyWarmUp(
    IOptionsMonitor<OpenIddictServerOptions> options,
    IOptionsMonitorCache<OpenIddictServerOptions> cache,
    Oidc.ClientSync clients,
    ILogger<ServerKeyWarmUp> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Note: after the clients are written (they too are written in the background, see ClientSync), not beside
        // them: both are the first users of EF Core's model and queries; one after the other the provider was ready in
        // 1.5-1.7 s instead of 1.6-1.9 s, with 0.3 s less CPU (idp start-up timings, 2026-12-03).
        _ = clients.Written.ContinueWith(written =>
        {
            if (!written.IsCompletedSuccessfully)
            {
                return; // Note: the provider is stopping (ClientSync said why).
            }

            try
            {
                _ = options.CurrentValue;
            }
            catch (Exception ex)
            {
                // Note: a database that is down now is no reason to stop; the failed build is dropped (it would be cached
                // with its exception), so the first request tries again.
                cache.TryRemove(Options.DefaultName);
                logger.LogWarning(ex, "Could not load the server keys at start-up; the first request will try again");
            }
        }, CancellationToken.None, TaskContinuationOptions.LongRunning, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
