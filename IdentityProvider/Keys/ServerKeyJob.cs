using Microsoft.Extensions.Options;
using OpenIddict.Server;
using Quartz;
using Weixin.Inbox.IdentityProvider.Data;

namespace Weixin.Inbox.IdentityProvider.Keys;

/// <summary>
/// Every <see cref="ServerKeyOptions.CheckInterval"/>: rotates a key that is due, deletes expired keys, and when the key
/// set in effect differs from the one OpenIddict's options were built with (this job's rotation, another instance's,
/// the <c>signing-key rotate</c> command, or a pre-published key whose time came) drops OpenIddict's cached options so
/// the next request rebuilds them with the new set: rotations take effect live, on every instance.
/// </summary>
[DisallowConcurrentExecution]
public sealed class ServerKeyJob(
    ServerKeyStore store,
    ServerKeyCredentials credentials,
    IOptionsMonitorCache<OpenIddictServerOptions> optionsCache,
    ILogger<ServerKeyJob> logger) : IJob
{
    public static readonly JobKey Key = new("server-keys", "identity-provider");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            await store.RotateIfDueAsync(ServerKeyUses.Signing, cancellationToken);
            await store.RotateIfDueAsync(ServerKeyUses.Encryption, cancellationToken);
            await store.PruneAsync(cancellationToken);
            var set = await store.LoadAsync(cancellationToken);
            // Note: also when nothing was loaded yet: options whose build failed (database down at the first request) are
            // cached with their exception; dropping them makes the next request try again.
            if (credentials.LoadedFingerprint != set.Fingerprint)
            {
                // Note: the next request's IOptionsMonitor.CurrentValue runs ServerKeyCredentials again.
                optionsCache.TryRemove(Options.DefaultName);
                logger.LogInformation("Server key set changed; OpenIddict's options are rebuilt with it at the next request");
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Note: shutting down; the next start loads the keys anyway.
        }
        catch (Exception ex)
        {
            // Note: a database outage must not stop the scheduler; the keys in use stay valid, the next run retries.
            logger.LogWarning(ex, "Could not check the server keys; retrying at the next run");
        }
    }
}
