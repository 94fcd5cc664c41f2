using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.PublicInbox.Data;
using static Weixin.Inbox.PublicInbox.Admin.AdminHtml;

namespace Weixin.Inbox.PublicInbox.Admin;

/// <summary>
/// <c>/admin</c>: sign-in, dashboard, history, item timeline, CSV export, re-queue, audit log. Every page but the
/// sign-in needs the admin cookie; every form carries an antiforgery token; every admin action is audited.
/// </summary>
public static class AdminApi
{
    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/login", SignInPage);
        app.MapPost("/admin/login", SignInAsync);

        var group = app.MapGroup("/admin").RequireAuthorization(AdminAuth.PolicyName);
        group.MapPost("/logout", SignOutAsync);
        group.MapGet("", DashboardPage.RenderAsync);
        group.MapGet("/items", ItemPages.ListAsync);
        group.MapGet("/items/export", ItemPages.ExportAsync);
        group.MapGet("/items/{id:long}", ItemPages.DetailAsync);
        group.MapPost("/items/{id:long}/requeue", ItemPages.RequeueAsync);
        group.MapGet("/audit", AuditPageAsync);
        return app;
    }

    public static IResult SignInPage(HttpContext http, string? returnUrl) => SignInForm(http, returnUrl, null, StatusCodes.Status200OK);

    public static async Task<IResult> SignInAsync(HttpContext http, IAntiforgery antiforgery, AdminSignIn signIn)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Notice(StatusCodes.Status400BadRequest, "页面已过期", "表单已过期或来源不对，请返回刷新后重试。");
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        string name = form["name"].ToString();
        string password = form["password"].ToString();
        string? returnUrl = form["returnUrl"];
        if (name.Length == 0 || password.Length == 0 || password.Length > 512)
        {
            return SignInForm(http, returnUrl, "请输入用户名和密码。", StatusCodes.Status400BadRequest);
        }

        var outcome = await signIn.AttemptAsync(name, password, AdminAuth.RemoteIp(http), http.RequestAborted);
        if (outcome.User is { } user)
        {
            await http.SignInAsync(AdminAuth.Scheme, AdminAuth.Principal(user));
            return Results.Redirect(LocalAdminPath(returnUrl));
        }

        var message = outcome.LockedUntil is { } until
            ? $"密码错误次数过多，该账号已锁定，请在 {China(until)}（北京时间）之后再试。"
            : $"用户名或密码错误。再错 {outcome.FailuresLeft} 次将锁定账号。";
        return SignInForm(http, returnUrl, message, outcome.LockedUntil is null ? StatusCodes.Status401Unauthorized : StatusCodes.Status429TooManyRequests);
    }

    public static async Task<IResult> SignOutAsync(HttpContext http, IAntiforgery antiforgery, AdminAudit audit)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Notice(StatusCodes.Status400BadRequest, "页面已过期", "表单已过期或来源不对，请返回刷新后重试。");
        }

        await audit.WriteAsync(http, AdminAuditActions.SignOut, null, null);
        await http.SignOutAsync(AdminAuth.Scheme);
        return Results.Redirect("/admin/login");
    }

    /// <summary>The audit log, newest first, keyset-paged, filterable by action and actor.</summary>
    public static async Task<IResult> AuditPageAsync(HttpContext http, InboxDbContext db, IOptions<AdminOptions> options, string? action, string? actor, long? before)
    {
        var query = db.AdminAudit.AsNoTracking();
        action = action is not null && AdminAuditActions.All.Contains(action) ? action : null;
        actor = string.IsNullOrWhiteSpace(actor) ? null : actor.Trim();
        if (action is not null)
        {
            query = query.Where(a => a.Action == action);
        }

        if (actor is not null)
        {
            query = query.Where(a => a.Actor == actor);
        }

        if (before is { } b)
        {
            query = query.Where(a => a.Id < b);
        }

        var pageSize = options.Value.PageSize;
        var rows = await query.OrderByDescending(a => a.Id).Take(pageSize + 1).ToListAsync(http.RequestAborted);
        var more = rows.Count > pageSize;
        rows = rows.Take(pageSize).ToList();

        var body = new StringBuilder();
        body.Append("""<div class="card"><form class="filters" method="get" action="/admin/audit"><label>操作<select name="action"><option value="">全部</option>""");
        foreach (var a in AdminAuditActions.All)
        {
            body.Append(CultureInfo.InvariantCulture, $"""<option value="{a}"{(a == action ? " selected" : "")}>{H(ActionName(a))}</option>""");
        }

        body.Append(CultureInfo.InvariantCulture, $"""</select></label><label>操作人<input name="actor" value="{H(actor)}" placeholder="用户名或 retention"></label><button class="btn" type="submit">筛选</button></form></div>""");
        body.Append("""<div class="card"><table><thead><tr><th>时间（北京时间）</th><th>操作人</th><th>操作</th><th>来源 IP</th><th>记录</th><th>详情</th></tr></thead><tbody>""");
        foreach (var row in rows)
        {
            var item = row.ItemId is { } id ? $"""<a href="/admin/items/{id}">#{id}</a>""" : "";
            body.Append(CultureInfo.InvariantCulture,
                $"""<tr><td>{China(row.At)}</td><td>{H(row.Actor)}</td><td>{H(ActionName(row.Action))}</td><td>{H(row.RemoteIp)}</td><td>{item}</td><td class="wrap">{H(row.Detail)}</td></tr>""");
        }

        if (rows.Count == 0)
        {
            body.Append("""<tr><td colspan="6" class="muted">没有审计记录。</td></tr>""");
        }

        body.Append("</tbody></table>");
        if (more)
        {
            var keep = (action is null ? "" : "&action=" + Uri.EscapeDataString(action)) + (actor is null ? "" : "&actor=" + Uri.EscapeDataString(actor));
            body.Append(CultureInfo.InvariantCulture, $"""<div class="pager"><a class="btn secondary" href="/admin/audit?before={rows[^1].Id}{H(keep)}">更早 →</a></div>""");
        }

        body.Append("</div>");
        return Page(http, "审计日志", "audit", body.ToString());
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

    private static IResult SignInForm(HttpContext http, string? returnUrl, string? error, int statusCode)
    {
        var body = $"""
            <p class="muted">请使用配置中的管理员账号登录。连续输错密码会暂时锁定账号。</p>
            {(error is null ? "" : $"""<p class="error" role="alert">{H(error)}</p>""")}
            <form method="post" action="/admin/login">{AntiforgeryInput(http)}
            <input type="hidden" name="returnUrl" value="{H(LocalAdminPath(returnUrl))}">
            <label>用户名<input name="name" autocomplete="username" required maxlength="64" autofocus></label>
            <label>密码<input name="password" type="password" autocomplete="current-password" required maxlength="512"></label>
            <button class="btn" type="submit">登录</button></form>
            """;
        return Bare("管理员登录", body, statusCode);
    }

    // Note: only our own admin pages: a crafted returnUrl must not turn the sign-in into an open redirect.
    private static string LocalAdminPath(string? returnUrl) =>
        returnUrl is not null && returnUrl.StartsWith("/admin", StringComparison.Ordinal) && !returnUrl.Contains("//", StringComparison.Ordinal)
            && !returnUrl.Contains('\\', StringComparison.Ordinal) && !returnUrl.StartsWith("/admin/login", StringComparison.Ordinal)
            ? returnUrl
            : "/admin";
}
