using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Weixin.Inbox.IdentityProvider.Data;
using Weixin.Inbox.IdentityProvider.Oidc;

namespace Weixin.Inbox.IdentityProvider.Keys;

/// <summary>The keys in effect at one moment, as OpenIddict gets them.</summary>
/// <param name="Signing">Signing keys, the one that signs first, then every other still published (newest first).</param>
/// <param name="Encryption">Encryption keys, the one that encrypts first, then every other that may still decrypt.</param>
/// <param name="Fingerprint">Changes whenever the set or the key in use changes: the cue to reload OpenIddict's options.</param>
public sealed record ServerKeySet(IReadOnlyList<RsaSecurityKey> Signing, IReadOnlyList<RsaSecurityKey> Encryption, string Fingerprint);

/// <summary>
/// Owns <c>server_keys</c>: the provider's RSA keys, kept in MySQL (private halves protected with the data-protection key
/// ring, itself in MySQL), so every instance signs with the same key, a restart keeps issued codes, refresh tokens and
/// JWTs valid, and keys rotate.
/// </summary>
/// <remarks>
/// Lifecycle of a key: made by <see cref="RotateAsync"/> with <c>activates_at</c> = now + <see cref="ServerKeyOptions.PublishAhead"/>
/// (published in the JWKS at once, signing from then); the newest key whose <c>activates_at</c> has come signs (or
/// encrypts); the key it replaces gets <c>retires_at</c> = that time and <c>expires_at</c> = <c>retires_at</c> + the longest
/// lifetime of a token it can have made (plus a margin for clocks). Until then it stays in the JWKS and among the keys
/// OpenIddict validates (decrypts) with, so a rotation never invalidates an issued token before it expires; then
/// <see cref="PruneAsync"/> deletes it.
/// Note: a rotation takes effect live: <see cref="ServerKeyJob"/> re-reads the set every <see cref="ServerKeyOptions.CheckInterval"/>
/// and, when its <see cref="ServerKeySet.Fingerprint"/> changed, drops OpenIddict's cached options so the next request
/// builds them with the new set (<see cref="ServerKeyCredentials"/>).
/// </remarks>
public sealed class ServerKeyStore(
    IDbContextFactory<IdpDbContext> dbFactory,
    IDataProtectionProvider protection,
    IOptions<ServerKeyOptions> keyOptions,
    IOptions<OidcOptions> oidcOptions,
    TimeProvider time,
    ILogger<ServerKeyStore> logger)
{
    /// <summary>RSA 2048, as the JWT ecosystem (RS256, RSA-OAEP) expects.</summary>
    public const int KeySize = 2048;

    /// <summary>Allowance for the clocks of relying parties (the usual 5 minutes of token validation).</summary>
    public static readonly TimeSpan ClockAllowance = TimeSpan.FromMinutes(5);

    private readonly IDataProtector _protector = protection.CreateProtector("IdentityProvider.ServerKeys.v1");

    /// <summary>
    /// The keys in effect now; makes the first signing and encryption keys when none is active (first start).
    /// </summary>
    public async Task<ServerKeySet> LoadAsync(CancellationToken cancellationToken)
    {
        var rows = await ReadAsync(cancellationToken);
        var missing = false;
        foreach (var use in new[] { ServerKeyUses.Signing, ServerKeyUses.Encryption })
        {
            if (!rows.Any(k => k.Use == use && k.ActivatesAt <= Now))
            {
                // Note: nothing can sign (encrypt) yet: a key active at once, not published ahead; decided again under
                // the lock, so instances starting together make one.
                // (Read again afterwards: another instance, or this one's job, may have made it meanwhile.)
                await RotateUnderLockAsync(use, ofUse => ofUse.Any(k => k.ActivatesAt <= Now) ? null : TimeSpan.Zero, cancellationToken);
                missing = true;
            }
        }

        if (missing)
        {
            rows = await ReadAsync(cancellationToken);
        }

        return ToSet(rows);
    }

    /// <summary>
    /// Makes a new key of <paramref name="use"/> that takes over after <paramref name="publishAhead"/> (default
    /// <see cref="ServerKeyOptions.PublishAhead"/>) and schedules the retirement of the one it replaces.
    /// </summary>
    public async Task<ServerKey> RotateAsync(string use, TimeSpan? publishAhead, CancellationToken cancellationToken) =>
        (await RotateUnderLockAsync(use, _ => publishAhead ?? keyOptions.Value.PublishAhead, cancellationToken))!;

    /// <summary>
    /// Makes a new key of <paramref name="use"/> when there is none (active at once) or the newest is older than
    /// <see cref="ServerKeyOptions.RotationInterval"/> (published ahead).
    /// </summary>
    public async Task<bool> RotateIfDueAsync(string use, CancellationToken cancellationToken) =>
        await RotateUnderLockAsync(use, ofUse =>
            ofUse.Count == 0 ? TimeSpan.Zero
            : Now - ofUse.Max(k => k.CreatedAt) >= keyOptions.Value.RotationInterval ? keyOptions.Value.PublishAhead
            : null, cancellationToken) is not null;

    /// <summary>
    /// Under a MySQL named lock (one rotation at a time across every instance and the command), reads the keys of
    /// <paramref name="use"/>, asks <paramref name="decide"/> whether (and how far ahead) to make a new one, and makes it.
    /// </summary>
    private async Task<ServerKey?> RotateUnderLockAsync(string use, Func<List<ServerKey>, TimeSpan?> decide, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        // Note: a named lock rather than SELECT … FOR UPDATE: on an empty table two instances would both pass a gap lock
        // and make two first keys (or deadlock).
        var locked = await db.Database.SqlQueryRaw<int>("SELECT GET_LOCK('weixin_idp.server_keys', 10) AS `Value`").SingleAsync(cancellationToken);
        if (locked != 1)
        {
            throw new InvalidOperationException("Could not take the server-key lock within 10 s.");
        }

        try
        {
            var ofUse = await db.ServerKeys.Where(k => k.Use == use).ToListAsync(cancellationToken);
            if (decide(ofUse) is not { } ahead)
            {
                return null;
            }

            var now = Now;
            var activatesAt = now + ahead;
            using var rsa = RSA.Create(KeySize);
            var key = new ServerKey
            {
                Use = use,
                // Note: a random kid (not derived from the key) says nothing about the key and never collides across uses.
                KeyId = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16)),
                ProtectedKey = Convert.ToBase64String(_protector.Protect(rsa.ExportPkcs8PrivateKey())),
                CreatedAt = now,
                ActivatesAt = activatesAt,
            };
            var replaced = ofUse.Where(k => k.RetiresAt == null).ToList();
            foreach (var old in replaced)
            {
                old.RetiresAt = activatesAt;
                old.ExpiresAt = activatesAt + Retention(use);
            }

            db.ServerKeys.Add(key);
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("New {Use} key {KeyId} made, active from {ActivatesAt:u}; {Retired} key(s) retire then", use, key.KeyId, activatesAt, replaced.Count);
            return key;
        }
        finally
        {
            await db.Database.ExecuteSqlRawAsync("DO RELEASE_LOCK('weixin_idp.server_keys')", CancellationToken.None);
        }
    }

    /// <summary>Deletes the keys whose last token has expired; answers how many.</summary>
    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = Now;
        var deleted = await db.ServerKeys.Where(k => k.ExpiresAt != null && k.ExpiresAt <= now).ExecuteDeleteAsync(cancellationToken);
        if (deleted > 0)
        {
            logger.LogInformation("Deleted {Count} expired server key(s)", deleted);
        }

        return deleted;
    }

    /// <summary>How long a replaced key must stay after it stopped signing (encrypting): the longest life of what it made.</summary>
    public TimeSpan Retention(string use)
    {
        var oidc = oidcOptions.Value;
        // Note: OpenIddict signs every token it makes, codes and refresh tokens too (before encrypting those), so a
        // signing key must outlive the longest of them, not only access and id tokens: else every refresh token issued
        // before a rotation fails with invalid_grant once its key is deleted. The SSO session's length covers an
        // id_token_hint a relying party sends at end-session.
        var longest = use == ServerKeyUses.Signing
            ? new[] { oidc.AccessTokenLifetime, oidc.IdentityTokenLifetime, oidc.AuthorizationCodeLifetime, oidc.RefreshTokenLifetime, oidc.SessionLifetime }.Max()
            : Max(oidc.AuthorizationCodeLifetime, oidc.RefreshTokenLifetime);
        return longest + ClockAllowance;
    }

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private async Task<List<ServerKey>> ReadAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = Now;
        return await db.ServerKeys.AsNoTracking().Where(k => k.ExpiresAt == null || k.ExpiresAt > now).ToListAsync(cancellationToken);
    }

    private ServerKeySet ToSet(List<ServerKey> rows)
    {
        var now = Now;
        List<RsaSecurityKey> Ordered(string use)
        {
            // Note: the newest active key first (it signs), then the rest newest first; a pre-published key is only published.
            var ofUse = rows.Where(k => k.Use == use).ToList();
            var current = ofUse.Where(k => k.ActivatesAt <= now).MaxBy(k => (k.ActivatesAt, k.Id));
            return ofUse.OrderByDescending(k => k == current).ThenByDescending(k => k.ActivatesAt).ThenByDescending(k => k.Id)
                .Select(ToSecurityKey).ToList();
        }

        var signing = Ordered(ServerKeyUses.Signing);
        var encryption = Ordered(ServerKeyUses.Encryption);
        var fingerprint = string.Join(",", signing.Select(k => k.KeyId)) + "|" + string.Join(",", encryption.Select(k => k.KeyId));
        return new ServerKeySet(signing, encryption, fingerprint);
    }

    private RsaSecurityKey ToSecurityKey(ServerKey row)
    {
        var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(_protector.Unprotect(Convert.FromBase64String(row.ProtectedKey)), out _);
        return new RsaSecurityKey(rsa) { KeyId = row.KeyId };
    }
}
