using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.Extensions.WebEncoders;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.ServiceDefaults;

namespace Weixin.Inbox.PublicInbox.Admin;

/// <summary>The admin's cookie scheme and claims.</summary>
public static class AdminAuth
{
    public const string Scheme = "Admin";
    public const string PolicyName = "Admin";
    public const string CookieName = "wx_admin";

    public static string? UserName(ClaimsPrincipal user) => user.Identity is { IsAuthenticated: true } ? user.FindFirstValue(ClaimTypes.Name) : null;

    /// <summary>The client's address as Kestrel sees it (IPv4-mapped addresses shown as IPv4).</summary>
    public static string? RemoteIp(HttpContext http) =>
        http.Connection.RemoteIpAddress is { } ip ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString() : null;

    public static ClaimsPrincipal Principal(AdminUser user) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, user.Name), new Claim(CredentialClaim, CredentialStamp(user))], Scheme, ClaimTypes.Name, ClaimTypes.Role));

    /// <summary>The claim tying a session to the password hash it was opened with.</summary>
    public const string CredentialClaim = "wx_admin_credential";

    /// <summary>
    /// A short digest of the admin's configured password hash: replacing the hash (after a suspected leak) ends every
    /// session opened with the old password at its next request, on every instance.
    /// </summary>
    public static string CredentialStamp(AdminUser user) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(user.PasswordHash)))[..16];
}

/// <summary>Registration of the admin pages: options, Razor Pages under /admin, cookie sign-in, antiforgery, the shared key ring.</summary>
public static class AdminHostingExtensions
{
    public static WebApplicationBuilder AddAdmin(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // Note: in Production an unrestricted /admin must be chosen, not defaulted into (issue 13 item 7).
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section).ValidateDataAnnotations()
            .Validate(admin => admin.IsSafeFor(builder.Environment), AdminOptions.OpenInProductionError).ValidateOnStart();
        services.AddScoped<AdminAudit>();
        services.AddScoped<AdminSignIn>();

        builder.AddDataProtectionKeys<InboxDbContext>("Weixin.Inbox.PublicInbox");

        services.AddAuthentication(AdminAuth.Scheme).AddCookie(AdminAuth.Scheme, o =>
        {
            o.Cookie.Name = AdminAuth.CookieName;
            o.Cookie.Path = "/admin";
            o.Cookie.HttpOnly = true;
            o.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.LoginPath = "/admin/login";
            o.LogoutPath = "/admin/logout";
            o.AccessDeniedPath = "/admin/login";
            o.ReturnUrlParameter = "returnUrl";
            o.SlidingExpiration = true;
            o.Events.OnValidatePrincipal = context =>
            {
                // Note: an admin removed from the configuration, or given a new password hash, loses a running session at the next request.
                var admins = context.HttpContext.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value;
                var name = context.Principal is { } p ? AdminAuth.UserName(p) : null;
                var stamp = context.Principal?.FindFirstValue(AdminAuth.CredentialClaim);
                if (name is null || !admins.Users.Any(u => u.Name == name && AdminAuth.CredentialStamp(u) == stamp))
                {
                    context.RejectPrincipal();
                }

                return Task.CompletedTask;
            };
        });
        services.AddOptions<CookieAuthenticationOptions>(AdminAuth.Scheme)
            .Configure<IOptions<AdminOptions>>((o, admin) => o.ExpireTimeSpan = admin.Value.SessionLifetime);
        services.AddAuthorizationBuilder().AddPolicy(AdminAuth.PolicyName, p => p.AddAuthenticationSchemes(AdminAuth.Scheme).RequireAuthenticatedUser());
        // Note: Razor Pages validate this token on every POST (a missing or wrong one answers 400, see AntiforgeryNoticeFilter).
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "wx_admin_af";
            o.Cookie.Path = "/admin";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = AdminFormat.AntiforgeryField;
        });

        services.AddRazorPages(o =>
        {
            o.Conventions.AuthorizeFolder("/Admin", AdminAuth.PolicyName);
            o.Conventions.AllowAnonymousToPage("/Admin/Login");
        }).AddMvcOptions(o => o.Filters.Add<AntiforgeryNoticeFilter>());
        // Note: the default encoder writes every Chinese character as &#x…; — correct but three times the bytes.
        services.Configure<WebEncoderOptions>(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        return builder;
    }

    /// <summary>
    /// Before any /admin (and /metrics) request: sets the admin headers (<see cref="AdminHeaders"/>), refuses addresses outside <c>Admin:AllowedNetworks</c> (403) and answers a plain page
    /// when no admin is configured; then cookie authentication and authorization.
    /// </summary>
    public static WebApplication UseAdmin(this WebApplication app)
    {
        var admin = app.Services.GetRequiredService<IOptions<AdminOptions>>().Value;
        var networks = admin.ParsedNetworks();
        // Note: /metrics tells when the intranet went silent and costs database reads; on the public host only the
        // admins' networks (where the Prometheus scraper lives) may read it.
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/metrics"), branch => branch.Use(async (http, next) =>
        {
            if (!admin.IsAllowed(http.Connection.RemoteIpAddress, networks))
            {
                await Results.Text("forbidden: outside Admin:AllowedNetworks", statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(http);
                return;
            }

            await next(http);
        }));
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/admin"), branch => branch.Use(async (http, next) =>
        {
            PageHeaders.Apply(http);
            if (!admin.IsAllowed(http.Connection.RemoteIpAddress, networks))
            {
                http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AdminAuth))
                    .LogWarning("Refused {Path} to {RemoteIp}: outside Admin:AllowedNetworks", http.Request.Path.Value, AdminAuth.RemoteIp(http));
                await new AdminNotice("禁止访问",
                    $"您的地址（{AdminAuth.RemoteIp(http)}）不在允许访问管理后台的网络范围内。如需访问，请联系管理员把您的网络加入 Admin:AllowedNetworks。")
                    .ExecuteAsync(http, StatusCodes.Status403Forbidden);
                return;
            }

            if (!admin.IsEnabled)
            {
                await new AdminNotice("管理后台未启用",
                    "这个公网收件箱没有配置管理员，所以管理后台没有开放。请用 `dotnet PublicInbox.dll hash-password` 生成密码哈希，"
                    + "再设置 Admin:Users:0:Name 和 Admin:Users:0:PasswordHash（环境变量 Admin__Users__0__Name、Admin__Users__0__PasswordHash）后重启服务。")
                    .ExecuteAsync(http, StatusCodes.Status404NotFound);
                return;
            }

            await next(http);
        }));
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}
