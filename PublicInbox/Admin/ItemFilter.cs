using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.PublicInbox.Data;

namespace Weixin.Inbox.PublicInbox.Admin;

/// <summary>
/// The history's filters as the list page, the CSV export and the links carry them. Times are entered and shown in
/// China time (<c>yyyy-MM-ddTHH:mm</c>, the format of <c>&lt;input type="datetime-local"&gt;</c>) and compared in UTC.
/// </summary>
public sealed record ItemFilter(string? Kind, string? Status, string? From, string? To, string? Who, string? Text)
{
    public const int MaxTextLength = 100;

    public static readonly IReadOnlyList<string> Kinds = [InboxItemKinds.OAuth, InboxItemKinds.Message, InboxItemKinds.Event];

    public static readonly IReadOnlyList<string> Statuses =
        [InboxItemStatuses.Pending, InboxItemStatuses.Leased, InboxItemStatuses.Done, InboxItemStatuses.Failed, InboxItemStatuses.Expired];

    public DateTime? FromUtc => ParseChina(From);

    public DateTime? ToUtc => ParseChina(To);

    /// <summary>Reads the filters from a query string; unknown values are dropped, not trusted.</summary>
    public static ItemFilter Parse(IQueryCollection query)
    {
        static string? Clean(string? value, int max) =>
            string.IsNullOrWhiteSpace(value) ? null : value.Trim() is var t && t.Length > max ? t[..max] : value.Trim();

        var kind = Clean(query["kind"], 16);
        var status = Clean(query["status"], 16);
        var from = Clean(query["from"], 19);
        var to = Clean(query["to"], 19);
        return new ItemFilter(
            kind is not null && Kinds.Contains(kind) ? kind : null,
            status is not null && Statuses.Contains(status) ? status : null,
            ParseChina(from) is null ? null : from,
            ParseChina(to) is null ? null : to,
            Clean(query["who"], 128),
            Clean(query["text"], MaxTextLength));
    }

    /// <summary>The filters as a query string (without <c>?</c>), for links that keep them.</summary>
    public string ToQuery()
    {
        var parts = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                parts.Add(name + "=" + Uri.EscapeDataString(value));
            }
        }

        Add("kind", Kind);
        Add("status", Status);
        Add("from", From);
        Add("to", To);
        Add("who", Who);
        Add("text", Text);
        return string.Join('&', parts);
    }

    /// <summary>For the audit log: what was asked for, in words.</summary>
    public string Describe()
    {
        var query = ToQuery();
        return query.Length == 0 ? "(no filter)" : Uri.UnescapeDataString(query.Replace("&", "; ", StringComparison.Ordinal));
    }

    /// <summary>Applies the filters to the items (no ordering, no paging).</summary>
    public IQueryable<InboxItem> Apply(IQueryable<InboxItem> items)
    {
        if (Kind is not null)
        {
            items = items.Where(i => i.Kind == Kind);
        }

        if (Status is not null)
        {
            items = items.Where(i => i.Status == Status);
        }

        if (FromUtc is { } from)
        {
            items = items.Where(i => i.ReceivedAt >= from);
        }

        if (ToUtc is { } to)
        {
            items = items.Where(i => i.ReceivedAt < to);
        }

        if (Who is not null)
        {
            // Note: an OAuth item learns its openid only when the poller completes it with a ticket; until then (and for a
            // failed login) its state is what identifies it.
            items = items.Where(i => i.OpenId == Who || i.OAuthState == Who);
        }

        if (Text is not null)
        {
            // Note: a full scan of the bodies, bounded by the page size (newest first stops at the first page's matches).
            // Safe-mode bodies are ciphertext and never match plaintext.
            var pattern = "%" + EscapeLike(Text) + "%";
            items = items.Where(i => i.Body != null && EF.Functions.Like(i.Body, pattern, "\\"));
        }

        return items;
    }

    private static string EscapeLike(string value)
    {
        var builder = new StringBuilder(value.Length + 4);
        foreach (var c in value)
        {
            if (c is '%' or '_' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private static DateTime? ParseChina(string? value) =>
        value is not null && DateTime.TryParseExact(value, ["yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"],
            CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)
            ? DateTime.SpecifyKind(local - AdminFormat.ChinaOffset, DateTimeKind.Utc)
            : null;
}

/// <summary>One row of the history list.</summary>
public sealed record ItemRow(
    long Id, DateTime ReceivedAt, string Kind, string Status, int Attempts, DateTime? CompletedAt, DateTime? FailedAt, DateTime? ExpiredAt,
    string? OpenId, string? OAuthState, string? LeasedBy, string? Outcome, string? EncryptType, string? Error)
{
    /// <summary>From receipt to completion or failure; null while open or when it expired.</summary>
    public TimeSpan? ProcessingTime => (CompletedAt ?? FailedAt) is { } end ? end - ReceivedAt : null;
}

/// <summary>One page of the history, newest first.</summary>
/// <param name="Rows">The rows, newest first.</param>
/// <param name="OlderThan">Set when there are older rows: the <c>before</c> of the next page.</param>
/// <param name="NewerThan">Set when there are newer rows: the <c>after</c> of the previous page.</param>
public sealed record ItemPage(IReadOnlyList<ItemRow> Rows, long? OlderThan, long? NewerThan);

/// <summary>The history list's query: keyset paging on the id (newest first), which stays an index walk on any page.</summary>
public static class ItemQuery
{
    public static IQueryable<ItemRow> Project(IQueryable<InboxItem> items) => items.Select(i => new ItemRow(
        i.Id, i.ReceivedAt, i.Kind, i.Status, i.Attempts, i.CompletedAt, i.FailedAt, i.ExpiredAt, i.OpenId, i.OAuthState, i.LeasedBy, i.Outcome, i.EncryptType, i.Error));

    /// <summary>A page before id <paramref name="before"/> (older), or after id <paramref name="after"/> (newer), or the newest.</summary>
    public static async Task<ItemPage> PageAsync(InboxDbContext db, ItemFilter filter, long? before, long? after, int pageSize, CancellationToken cancellationToken)
    {
        var items = filter.Apply(db.Items.AsNoTracking());
        List<ItemRow> rows;
        bool moreOlder, moreNewer;
        if (after is { } a && before is null)
        {
            rows = await Project(items.Where(i => i.Id > a).OrderBy(i => i.Id).Take(pageSize + 1)).ToListAsync(cancellationToken);
            moreNewer = rows.Count > pageSize;
            rows = rows.Take(pageSize).Reverse().ToList();
            moreOlder = true;
        }
        else
        {
            var query = before is { } b ? items.Where(i => i.Id < b) : items;
            rows = await Project(query.OrderByDescending(i => i.Id).Take(pageSize + 1)).ToListAsync(cancellationToken);
            moreOlder = rows.Count > pageSize;
            rows = rows.Take(pageSize).ToList();
            moreNewer = before is not null;
        }

        return new ItemPage(rows, moreOlder && rows.Count > 0 ? rows[^1].Id : null, moreNewer && rows.Count > 0 ? rows[0].Id : null);
    }
}
