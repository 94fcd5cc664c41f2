using Microsoft.Extensions.Options;
using OpenIddict.Server;

namespace Weixin.Inbox.IdentityProvider.Keys;

/// <summary>
/// Builds OpenIddict's options (and so loads, on a first start makes, the server keys) once the provider listens, in the
/// background: OpenIddict's handler builds them at the first request of any kind (a health probe too), which on a first
/// start waits for two new RSA keys and the key ring.
/// </summary>
/// <remarks>Note: not before listening, for the same reason as KeyRingWarmUp: start-up within 2 s (issue 14).</remarks>
public sealed class ServerKeyWarmUp(
    IHostApplicationLifetime lifetime,
    IOptionsMonitor<OpenIddictServerOptions> options,
    IOptionsMonitorCache<OpenIddictServerOptions> cache,
    ILogger<ServerKeyWarmUp> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => _ = Task.Factory.StartNew(() =>
        {
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
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
