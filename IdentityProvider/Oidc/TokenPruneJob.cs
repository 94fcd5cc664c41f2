using OpenIddict.Abstractions;
using Quartz;

namespace Weixin.Inbox.IdentityProvider.Oidc;

/// <summary>
/// Every <see cref="OidcOptions.PruneInterval"/>: deletes, through OpenIddict's managers, the tokens that can no longer be
/// used (expired, redeemed, revoked) and the authorizations left without use (ad-hoc ones without valid tokens, revoked
/// ones), once a day old. Remembered consents (valid permanent authorizations) stay.
/// </summary>
[DisallowConcurrentExecution]
public sealed class TokenPruneJob(IServiceScopeFactory scopes, TimeProvider time, ILogger<TokenPruneJob> logger) : IJob
{
    public static readonly JobKey Key = new("oidc-prune", "identity-provider");

    /// <summary>What is younger than this stays, whatever its state (an operator can still see a replayed code's trail).</summary>
    public static readonly TimeSpan KeepFor = TimeSpan.FromDays(1);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var threshold = time.GetUtcNow() - KeepFor;
            var tokens = await scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>().PruneAsync(threshold, cancellationToken);
            var authorizations = await scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>().PruneAsync(threshold, cancellationToken);
            if (tokens + authorizations > 0)
            {
                logger.LogInformation("Pruned {Tokens} token(s) and {Authorizations} authorization(s)", tokens, authorizations);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Note: shutting down; the next run prunes.
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not prune tokens and authorizations; retrying at the next run");
        }
    }
}
