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

    /// <summary>A new scene: "L" + 32 letters and digits (scene_str allows 1–64 characters).</summary>
    public static string NewScene() => ScenePrefix + RandomNumberGenerator.GetString(LoginSecrets.StateAlphabet, SceneRandomLength);

    /// <summary>True when <paramref name="scene"/> has the shape of our scenes.</summary>
    public static bool IsSceneShaped(string? scene) =>
        scene is { Length: SceneRandomLength + 1 } && scene.StartsWith(ScenePrefix, StringComparison.Ordinal) && scene.All(char.IsAsciiLetterOrDigit);

    /// <summary>Stores a waiting login for a QR code just created.</summary>
    public async Task<ScanLoginEntry> CreateAsync(string scene, string returnUrl, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var login = new ScanLoginEntry
        {
            Id = LoginSecrets.NewToken(),
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
