using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.CrmApp.Data;
using Weixin.Inbox.WeixinLogin.Devices;

namespace Weixin.Inbox.CrmApp.Devices;

/// <summary>One device in 「我的」.</summary>
public sealed record DeviceView(long Id, string Label, DateTime CreatedAt, DateTime LastSeenAt, bool IsCurrent);

/// <summary>
/// The devices each account signed in on with WeChat (<c>account_devices</c>): what makes a phone OAuth login "known"
/// so it goes straight in without the two-digit number. Only the SHA-256 of the device id is stored, never the id itself,
/// so a copy of the table cannot be turned back into cookies.
/// </summary>
/// <remarks>
/// Note: only a WeChat sign-in that was confirmed by number (or happened on an already known device), and a bind that
/// followed such a confirmed identity, make a device known. A password sign-in does not: the number proves that the
/// WeChat user holds this device, while a password proves only the account, not which WeChat user is at the browser.
/// </remarks>
public sealed class DeviceStore(CrmDbContext db, DeviceCookie cookie, TimeProvider time, ILogger<DeviceStore> logger)
{
    /// <summary>True when this browser carries a device id already known for <paramref name="accountId"/>.</summary>
    public async Task<bool> IsKnownAsync(HttpContext http, int accountId)
    {
        if (cookie.Read(http) is not { } deviceId)
        {
            return false;
        }

        var hash = Hash(deviceId);
        return await db.AccountDevices.AnyAsync(d => d.AccountId == accountId && d.DeviceHash == hash, http.RequestAborted);
    }

    /// <summary>Remembers this browser for <paramref name="accountId"/> (or refreshes its last use); sets the device cookie if needed.</summary>
    public async Task RememberAsync(HttpContext http, int accountId)
    {
        var hash = Hash(cookie.GetOrCreate(http));
        var label = DeviceLabel.From(http.Request.Headers.UserAgent.ToString());
        var now = time.GetUtcNow().UtcDateTime;
        // Note: one statement, so two tabs finishing at once cannot both insert (the unique key decides).
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO account_devices (account_id, device_hash, label, created_at, last_seen_at)
            VALUES ({accountId}, {hash}, {label}, {now}, {now})
            ON DUPLICATE KEY UPDATE last_seen_at = VALUES(last_seen_at), label = VALUES(label)
            """, http.RequestAborted);
        logger.LogInformation("Device {DeviceHash} remembered for account {AccountId}", hash[..12], accountId);
    }

    /// <summary>The account's devices, most recently used first, this browser marked.</summary>
    public async Task<IReadOnlyList<DeviceView>> ListAsync(HttpContext http, int accountId)
    {
        var current = cookie.Read(http) is { } id ? Hash(id) : null;
        var rows = await db.AccountDevices.AsNoTracking()
            .Where(d => d.AccountId == accountId)
            .OrderByDescending(d => d.LastSeenAt).ThenByDescending(d => d.Id)
            .Select(d => new { d.Id, d.Label, d.CreatedAt, d.LastSeenAt, d.DeviceHash })
            .ToListAsync(http.RequestAborted);
        return rows.Select(r => new DeviceView(r.Id, r.Label, r.CreatedAt, r.LastSeenAt, r.DeviceHash == current)).ToList();
    }

    /// <summary>An account's devices for 「用户管理」, most recently used first (none marked current: it is not the admin's browser).</summary>
    public async Task<IReadOnlyList<DeviceView>> ListForAdminAsync(int accountId, CancellationToken cancellationToken)
    {
        var rows = await db.AccountDevices.AsNoTracking()
            .Where(d => d.AccountId == accountId)
            .OrderByDescending(d => d.LastSeenAt).ThenByDescending(d => d.Id)
            .Select(d => new DeviceView(d.Id, d.Label, d.CreatedAt, d.LastSeenAt, false))
            .ToListAsync(cancellationToken);
        return rows;
    }

    /// <summary>Forgets one of the account's own devices (another account's id changes nothing); true when one was removed.</summary>
    public async Task<bool> RemoveAsync(int accountId, long deviceId, CancellationToken cancellationToken)
    {
        var removed = await db.AccountDevices.Where(d => d.Id == deviceId && d.AccountId == accountId).ExecuteDeleteAsync(cancellationToken);
        if (removed > 0)
        {
            logger.LogInformation("Device {DeviceId} removed from account {AccountId}", deviceId, accountId);
        }

        return removed > 0;
    }

    /// <summary>Forgets every device of the account (its WeChat user changed: the devices were known for the previous one).</summary>
    public Task<int> ForgetAllAsync(int accountId, CancellationToken cancellationToken) =>
        db.AccountDevices.Where(d => d.AccountId == accountId).ExecuteDeleteAsync(cancellationToken);

    /// <summary>What is stored of a device id: its SHA-256, lower-case hex.</summary>
    public static string Hash(string deviceId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(deviceId)));
}
