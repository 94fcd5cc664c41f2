using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.PublicInbox.Data;

namespace Weixin.Inbox.PublicInbox.Admin;

/// <summary>
/// <c>/admin</c>: the Razor Pages under <c>Pages/Admin</c> (sign-in and sign-out, dashboard, history, item timeline and
/// re-queue, audit log) and the CSV export. Every page but the sign-in needs the admin cookie; every form carries an
/// antiforgery token; every admin action is audited.
/// </summary>
public static class AdminApi
{
    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        app.MapRazorPages();
        app.MapGet("/admin/items/export", ExportAsync).RequireAuthorization(AdminAuth.PolicyName);
        return app;
    }

    /// <summary>CSV of the filtered list (newest first, at most <c>Admin:ExportMaxRows</c>), streamed; the export is audited with its filter.</summary>
    public static async Task<IResult> ExportAsync(HttpContext http, InboxDbContext db, AdminAudit audit, IOptions<AdminOptions> options, TimeProvider time)
    {
        var filter = ItemFilter.Parse(http.Request.Query);
        var max = options.Value.ExportMaxRows;
        // Note: audited before the first byte: an export that is cut off midway still shows up in the log.
        await audit.WriteAsync(http, AdminAuditActions.ExportCsv, null, $"filter: {filter.Describe()}; cap {max} rows");
        var rows = ItemQuery.Project(filter.Apply(db.Items.AsNoTracking()).OrderByDescending(i => i.Id).Take(max + 1)).AsAsyncEnumerable();
        var fileName = $"inbox-items-{(time.GetUtcNow() + AdminFormat.ChinaOffset).ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.csv";
        return Results.Stream(stream => ItemCsv.WriteAsync(stream, rows, max, http.RequestAborted), "text/csv; charset=utf-8", fileName);
    }

    public static string ActionName(string action) => action switch
    {
        AdminAuditActions.SignInOk => "登录成功",
        AdminAuditActions.SignInFailed => "登录失败",
        AdminAuditActions.SignInLocked => "登录被锁定",
        AdminAuditActions.SignOut => "退出登录",
        AdminAuditActions.ViewItem => "查看记录内容",
        AdminAuditActions.ExportCsv => "导出 CSV",
        AdminAuditActions.Requeue => "重新排队",
        AdminAuditActions.RetentionPurge => "保留期清理",
        _ => action,
    };

    // Note: only our own admin pages: a crafted returnUrl must not turn the sign-in into an open redirect.
    public static string LocalAdminPath(string? returnUrl) =>
        returnUrl is not null && returnUrl.StartsWith("/admin", StringComparison.Ordinal) && !returnUrl.Contains("//", StringComparison.Ordinal)
            && !returnUrl.Contains('\\', StringComparison.Ordinal) && !returnUrl.StartsWith("/admin/login", StringComparison.Ordinal)
            ? returnUrl
            : "/admin";
}
