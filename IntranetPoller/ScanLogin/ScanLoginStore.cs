using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Diagnostics;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.OAuth;

namespace Weixin.Inbox.IntranetPoller.ScanLogin;

/// <summary>
/// The only code that reads or writes <c>scan_logins</c>. Every state change is a conditional update, so two
/// scans of one code, or two numbers arriving together, change a login at most once.
/// </summary>
public sealed class ScanLoginStore(GatewayDbContext db, IOptionsMonitor<OAuthOptions> oauth, TimeProvider time)
{
    /// <summary>Prefix of our scenes; other parametric QR codes of the account are left to the other handlers.</summary>
    public const string ScenePrefix = "L";

    /// <summary>Random letters and digits after the prefix (32 of 62: about 190 bits).</summary>
    public const int SceneRandomLength = 32;

    /// <summary>Lifetime of the QR code (<c>expire_seconds</c>).</summary>
    public const int ExpireSeconds = 300;

    /// <summary>How long after the scan the number is accepted.</summary>
    public static readonly TimeSpan ConfirmWindow = TimeSpan.FromMinutes(2);

    /// <summary>Wrong numbers that cancel the login.</summary>
    public const int MaxWrongAttempts = 3;

    /// <summary>Prefix of the scene column of device confirmations: never <see cref="ScenePrefix"/>, so no scan event can name one.</summary>
    public const string DeviceScenePrefix = "D";

    /// <summary>A new scene: "L" + 32 letters and digits (scene_str allows 1–64 characters).</summary>
    public static string NewScene() => ScenePrefix + RandomNumberGenerator.GetString(LoginSecrets.StateAlphabet, SceneRandomLength);

    /// <summary>A new two-digit number, 10–99.</summary>
    // Note: from the CSPRNG, so someone who did not see the LAN page guesses it with 1 chance in 90 per try (3 tries).
    public static int NewConfirmCode() => RandomNumberGenerator.GetInt32(10, 100);

    /// <summary>True when <paramref name="scene"/> has the shape of our scenes.</summary>
    public static bool IsSceneShaped(string? scene) =>
        scene is { Length: SceneRandomLength + 1 } && scene.StartsWith(ScenePrefix, StringComparison.Ordinal) && scene.All(char.IsAsciiLetterOrDigit);

    /// <summary>Stores a waiting login for a QR code just created.</summary>
    public async Task<ScanLoginEntry> CreateAsync(string scene, string returnUrl, DateTimeOffset expiresAt, string? clientId, CancellationToken cancellationToken)
    {
        var login = new ScanLoginEntry
        {
            Id = LoginSecrets.NewToken(),
            ClientId = clientId,
            Scene = scene,
            ReturnUrl = returnUrl,
            CreatedAt = time.GetUtcNow(),
            ExpiresAt = expiresAt,
            CorrelationId = Correlation.Current ?? Correlation.NewId(),
        };
        db.ScanLogins.Add(login);
        await db.SaveChangesAsync(cancellationToken);
        return login;
    }

    /// <summary>
    /// Stores a device confirmation: a row that starts <c>scanned</c> by <paramref name="openId"/> with a fresh number,
    /// accepted for <see cref="ConfirmWindow"/>. Cancels the user's other logins still waiting for a number and answers
    /// how many.
    /// </summary>
    public async Task<(ScanLoginEntry Login, int Superseded)> CreateDeviceConfirmationAsync(string openId, string returnUrl, string? clientId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var login = new ScanLoginEntry
        {
            Id = LoginSecrets.NewToken(),
            ClientId = clientId,
            Kind = ScanLoginKinds.Device,
            // Note: the column is unique and required; "D" + random never has the shape of a QR scene, so no scan
            // event (which could be forged in plaintext) can ever reach this row.
            Scene = DeviceScenePrefix + RandomNumberGenerator.GetString(LoginSecrets.StateAlphabet, SceneRandomLength),
            State = ScanLoginStates.Scanned,
            ReturnUrl = returnUrl,
            CreatedAt = now,
            ExpiresAt = now + ConfirmWindow,
            OpenId = openId,
            ScannedAt = now,
            ConfirmCode = NewConfirmCode(),
            CorrelationId = Correlation.Current ?? Correlation.NewId(),
        };

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Note: the user can only be reading one number, the newest; an older login still waiting for a number would
        // otherwise stay confirmable, and a number typed for the new one could be counted against (or, when the two
        // codes happen to match, confirm) the stale one. So a newer confirmation cancels the older ones.
        var superseded = await db.ScanLogins
            .Where(l => l.OpenId == openId && l.State == ScanLoginStates.Scanned)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.State, ScanLoginStates.Cancelled), cancellationToken);
        db.ScanLogins.Add(login);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (login, superseded);
    }

    /// <summary>
    /// Retention: deletes logins that expired before <paramref name="expiredBefore"/>, <paramref name="batchSize"/>
    /// rows per statement; answers how many. Their <c>weixin_logins</c> rows (ticket hashes) are not touched.
    /// </summary>
    public async Task<int> DeleteExpiredAsync(DateTimeOffset expiredBefore, int batchSize, CancellationToken cancellationToken)
    {
        var deleted = 0;
        while (true)
        {
            // Note: ids first, then a delete by id: a short statement per batch, so a large backlog never holds long locks.
            var ids = await db.ScanLogins.AsNoTracking()
                .Where(l => l.ExpiresAt < expiredBefore)
                .OrderBy(l => l.ExpiresAt).Select(l => l.Id).Take(batchSize).ToListAsync(cancellationToken);
            if (ids.Count == 0)
            {
                return deleted;
            }

            deleted += await db.ScanLogins.Where(l => ids.Contains(l.Id)).ExecuteDeleteAsync(cancellationToken);
            if (ids.Count < batchSize)
            {
                return deleted;
            }
        }
    }

    /// <summary>The login, or null.</summary>
    public Task<ScanLoginEntry?> FindAsync(string id, CancellationToken cancellationToken) =>
        db.ScanLogins.AsNoTracking().SingleOrDefaultAsync(l => l.Id == id, cancellationToken);

    /// <summary>The login of a scene, or null.</summary>
    public Task<ScanLoginEntry?> FindBySceneAsync(string scene, CancellationToken cancellationToken) =>
        db.ScanLogins.AsNoTracking().SingleOrDefaultAsync(l => l.Scene == scene, cancellationToken);

    /// <summary>Records the scan of a waiting, unexpired login; false when it was not waiting (used, expired).</summary>
    public async Task<bool> TryScanAsync(string scene, string openId, long itemId, int code, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await db.ScanLogins
            .Where(l => l.Scene == scene && l.State == ScanLoginStates.Waiting && l.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s
                .SetProperty(l => l.State, ScanLoginStates.Scanned)
                .SetProperty(l => l.OpenId, openId)
                .SetProperty(l => l.ScanItemId, itemId)
                .SetProperty(l => l.ScannedAt, now)
                .SetProperty(l => l.ConfirmCode, code), cancellationToken) == 1;
    }

    /// <summary>The login of <paramref name="openId"/> waiting for its number (scanned within the confirm window), or null.</summary>
    public Task<ScanLoginEntry?> FindAwaitingNumberAsync(string openId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var scannedAfter = now - ConfirmWindow;
        return db.ScanLogins.AsNoTracking()
            .Where(l => l.OpenId == openId && l.State == ScanLoginStates.Scanned && l.ScannedAt > scannedAfter && l.ExpiresAt > now)
            .OrderByDescending(l => l.ScannedAt)
            .FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>Confirms a scanned login; false when it changed meanwhile.</summary>
    public async Task<bool> TryConfirmAsync(string id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await db.ScanLogins
            .Where(l => l.Id == id && l.State == ScanLoginStates.Scanned)
            .ExecuteUpdateAsync(s => s
                .SetProperty(l => l.State, ScanLoginStates.Confirmed)
                .SetProperty(l => l.ConfirmedAt, now), cancellationToken) == 1;
    }

    /// <summary>Counts a wrong number; the third cancels the login. Answers the state afterwards.</summary>
    public async Task<string> RecordWrongNumberAsync(string id, CancellationToken cancellationToken)
    {
        await db.ScanLogins
            .Where(l => l.Id == id && l.State == ScanLoginStates.Scanned)
            .ExecuteUpdateAsync(s => s
                .SetProperty(l => l.WrongAttempts, l => l.WrongAttempts + 1)
                .SetProperty(l => l.State, l => l.WrongAttempts + 1 >= MaxWrongAttempts ? ScanLoginStates.Cancelled : l.State), cancellationToken);
        var login = await FindAsync(id, cancellationToken);
        return login?.State ?? ScanLoginStates.Cancelled;
    }

    /// <summary>
    /// Hands out the one-time ticket of a confirmed login, once: marks it issued and stores a <c>weixin_logins</c> row
    /// (same id, status ticket_issued, only the ticket's hash) so the ordinary redeem endpoint accepts it. Null when
    /// it was already handed out.
    /// </summary>
    public async Task<string?> TryIssueTicketAsync(ScanLoginEntry login, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var marked = await db.ScanLogins
            .Where(l => l.Id == login.Id && l.State == ScanLoginStates.Confirmed && l.TicketIssuedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.TicketIssuedAt, now), cancellationToken);
        if (marked == 0)
        {
            return null;
        }

        var ticket = LoginSecrets.NewToken();
        db.Logins.Add(new WeixinLogin
        {
            Id = login.Id,
            // Note: the ticket redeems only for the application that started the scan login.
            ClientId = login.ClientId,
            // Note: never sent to WeChat; a fresh random value only fills the unique column, so no OAuth callback can match it.
            State = LoginSecrets.NewState(),
            ReturnUrl = login.ReturnUrl,
            ErrorUrl = ReturnUrlPolicy.DefaultErrorUrlFor(login.ReturnUrl),
            CreatedAt = login.CreatedAt,
            ExpiresAt = login.ExpiresAt,
            Status = LoginStatuses.TicketIssued,
            OpenId = login.OpenId,
            TicketHash = LoginSecrets.HashTicket(ticket),
            TicketExpiresAt = now + oauth.CurrentValue.TicketLifetime,
            CompletedAt = now,
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ticket;
    }

    /// <summary>The state as the LAN application sees it: stored state, or <c>expired</c> when the time ran out.</summary>
    public ScanLoginStatus ToStatus(ScanLoginEntry login, string? ticket = null)
    {
        var now = time.GetUtcNow();
        var state = login.State;
        var expiresAt = login.ExpiresAt;
        if (state == ScanLoginStates.Scanned && login.ScannedAt is { } scannedAt)
        {
            var confirmBy = scannedAt + ConfirmWindow;
            expiresAt = confirmBy < expiresAt ? confirmBy : expiresAt;
        }

        if ((state == ScanLoginStates.Waiting || state == ScanLoginStates.Scanned) && now >= expiresAt)
        {
            state = ScanLoginStates.Expired;
        }

        return new ScanLoginStatus(login.Id, state, expiresAt,
            state == ScanLoginStates.Scanned ? login.ConfirmCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
            state == ScanLoginStates.Confirmed ? ticket : null);
    }
}
