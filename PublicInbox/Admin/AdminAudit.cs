using Weixin.Inbox.PublicInbox.Data;
using static Weixin.Inbox.Contracts.Text.TextClip;

namespace Weixin.Inbox.PublicInbox.Admin;

/// <summary>Writes <c>admin_audit_log</c>: one row per admin action, committed before the action's answer goes out.</summary>
public sealed class AdminAudit(InboxDbContext db, TimeProvider time)
{
    public async Task WriteAsync(string actor, string action, string? remoteIp, long? itemId, string? detail, CancellationToken cancellationToken)
    {
        db.AdminAudit.Add(new AdminAuditEntry
        {
            At = time.GetUtcNow().UtcDateTime,
            Actor = Clip(actor, 64)!,
            Action = action,
            RemoteIp = Clip(remoteIp, 64),
            ItemId = itemId,
            Detail = Clip(detail, 1024),
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Writes a row for the request's signed-in admin and address.</summary>
    public Task WriteAsync(HttpContext http, string action, long? itemId, string? detail) =>
        WriteAsync(AdminAuth.UserName(http.User) ?? "?", action, AdminAuth.RemoteIp(http), itemId, detail, http.RequestAborted);
}
