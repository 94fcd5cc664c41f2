using System.Net;
using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.PublicInbox.Data;

namespace Weixin.Inbox.PublicInbox.CallbackIps;

/// <summary>The one row of <c>weixin_callback_ips</c>: WeChat's callback IP list as a poller last handed it in.</summary>
public sealed class StoredCallbackIps
{
    /// <summary>Always <see cref="CallbackIpStore.RowId"/>: there is one list.</summary>
    public int Id { get; set; }

    /// <summary>The entries (addresses or CIDR ranges), one per line.</summary>
    public string IpList { get; set; } = "";

    /// <summary>When a poller last handed it in (UTC).</summary>
    public DateTime UpdatedAt { get; set; }

    /// <summary>Which poller did.</summary>
    public string PollerId { get; set; } = "";
}

/// <summary>WeChat's callback IP list, parsed: empty <see cref="Networks"/> when none has arrived yet.</summary>
public sealed record CallbackIpList(IReadOnlyList<IPNetwork> Networks, DateTime? UpdatedAt)
{
    /// <summary>No list has arrived yet.</summary>
    public static CallbackIpList None { get; } = new([], null);

    /// <summary>True once a poller handed a list in.</summary>
    public bool HasArrived => UpdatedAt is not null;

    /// <summary>True when <paramref name="remote"/> is one of WeChat's addresses.</summary>
    public bool Contains(IPAddress? remote)
    {
        if (remote is null)
        {
            return false;
        }

        // Note: Kestrel reports IPv4 clients on a dual-stack socket as ::ffff:a.b.c.d; WeChat's list is IPv4.
        var address = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
        return Networks.Any(n => n.Contains(address));
    }

    /// <summary>An entry as WeChat writes it: an address (<c>101.226.103.7</c>) or a range (<c>101.226.103.0/25</c>); null when neither.</summary>
    public static IPNetwork? ParseEntry(string? entry)
    {
        var text = entry?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > 64)
        {
            return null;
        }

        if (text.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(text, out var network) ? network : null;
        }

        return IPAddress.TryParse(text, out var address)
            ? new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
            : null;
    }

    /// <summary>Parses the stored lines; unreadable lines (none are stored, the API checks them) are skipped.</summary>
    public static CallbackIpList FromStored(StoredCallbackIps? row) => row is null
        ? None
        : new([.. row.IpList.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(ParseEntry).OfType<IPNetwork>()], row.UpdatedAt);
}

/// <summary>The only code that reads or writes <c>weixin_callback_ips</c> (in MySQL, so every inbox instance shares the list).</summary>
public sealed class CallbackIpStore(InboxDbContext db, TimeProvider time)
{
    /// <summary>The id of the single row.</summary>
    public const int RowId = 1;

    /// <summary>Replaces the list with <paramref name="entries"/> (already checked); answers when it was stored.</summary>
    public async Task<DateTime> ReplaceAsync(string pollerId, IReadOnlyList<string> entries, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var text = string.Join('\n', entries.Select(e => e.Trim()));
        // Note: one upsert, so two pollers (or two inbox instances) handing lists in at once leave one whole list.
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO weixin_callback_ips (id, ip_list, updated_at, poller_id) VALUES ({RowId}, {text}, {now}, {pollerId})
            ON DUPLICATE KEY UPDATE ip_list = {text}, updated_at = {now}, poller_id = {pollerId}
            """, cancellationToken);
        return now;
    }

    /// <summary>The current list, <see cref="CallbackIpList.None"/> when none has arrived.</summary>
    public async Task<CallbackIpList> ReadAsync(CancellationToken cancellationToken) =>
        CallbackIpList.FromStored(await db.CallbackIps.AsNoTracking().SingleOrDefaultAsync(r => r.Id == RowId, cancellationToken));
}
