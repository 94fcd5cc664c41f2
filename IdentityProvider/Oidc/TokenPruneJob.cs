using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;
using Quartz;
using Weixin.Inbox.IdentityProvider.Data;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Weixin.Inbox.IdentityProvider.Oidc;

/// <summary>
/// Every <see cref="OidcOptions.PruneInterval"/>: deletes the tokens that can no longer be used (expired, redeemed,
/// revoked, or of an authorization that is no longer valid) and the authorizations left without use (ad-hoc ones
/// without tokens, revoked ones), once a day old. Remembered consents (valid permanent authorizations) stay.
/// </summary>
/// <remarks>
/// The conditions are those of OpenIddict's own <c>PruneAsync</c> (OpenIddict.EntityFrameworkCore 7.8). Its
/// statements are not used: they delete with <c>WHERE Id IN (SELECT … LIMIT n)</c>, which MariaDB refuses ("doesn't
/// yet support 'LIMIT &amp; IN/ALL/ANY/SOME subquery'"; seen in the demo, every run failed). Here each batch reads at
/// most <see cref="BatchSize"/> ids first, then deletes exactly those ids, so the locks stay short and a batch never
/// races a token created meanwhile.
/// </remarks>
[DisallowConcurrentExecution]
public sealed class TokenPruneJob(IServiceScopeFactory scopes, TimeProvider time, ILogger<TokenPruneJob> logger) : IJob
{
    public static readonly JobKey Key = new("oidc-prune", "identity-provider");

    /// <summary>What is younger than this stays, whatever its state (an operator can still see a replayed code's trail).</summary>
    public static readonly TimeSpan KeepFor = TimeSpan.FromDays(1);

    /// <summary>Rows per delete statement.</summary>
    public const int BatchSize = 1000;

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
            var (tokens, authorizations) = await PruneAsync(db, (time.GetUtcNow() - KeepFor).UtcDateTime, time.GetUtcNow().UtcDateTime, cancellationToken);
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

    /// <summary>Deletes what <see cref="TokenPruneJob"/> describes, created before <paramref name="threshold"/>.</summary>
    /// <returns>How many tokens and authorizations were deleted.</returns>
    public static async Task<(long Tokens, long Authorizations)> PruneAsync(IdpDbContext db, DateTime threshold, DateTime now, CancellationToken cancellationToken)
    {
        var tokens = db.Set<OpenIddictEntityFrameworkCoreToken>();
        var authorizations = db.Set<OpenIddictEntityFrameworkCoreAuthorization>();
        long tokenCount = 0, authorizationCount = 0;

        while (true)
        {
            var ids = await tokens.AsNoTracking()
                .Where(t => t.CreationDate < threshold)
                .Where(t => (t.Status != Statuses.Inactive && t.Status != Statuses.Valid)
                    || (t.Authorization != null && t.Authorization.Status != Statuses.Valid)
                    || t.ExpirationDate < now)
                .OrderBy(t => t.Id).Select(t => t.Id).Take(BatchSize).ToListAsync(cancellationToken);
            if (ids.Count == 0)
            {
                break;
            }

            tokenCount += await tokens.Where(t => ids.Contains(t.Id)).ExecuteDeleteAsync(cancellationToken);
            if (ids.Count < BatchSize)
            {
                break;
            }
        }

        while (true)
        {
            var ids = await authorizations.AsNoTracking()
                .Where(a => a.CreationDate < threshold)
                .Where(a => a.Status != Statuses.Valid || (a.Type == AuthorizationTypes.AdHoc && !a.Tokens.Any()))
                .OrderBy(a => a.Id).Select(a => a.Id).Take(BatchSize).ToListAsync(cancellationToken);
            if (ids.Count == 0)
            {
                break;
            }

            // Note: a revoked authorization may still have tokens (revoked with it); they go first, as OpenIddict's
            // prune does, in one transaction with their authorization.
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            tokenCount += await tokens.Where(t => ids.Contains(EF.Property<string>(t, "AuthorizationId"))).ExecuteDeleteAsync(cancellationToken);
            authorizationCount += await authorizations.Where(a => ids.Contains(a.Id)).ExecuteDeleteAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            if (ids.Count < BatchSize)
            {
                break;
            }
        }

        return (tokenCount, authorizationCount);
    }
}
