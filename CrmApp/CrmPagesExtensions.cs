using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.Extensions.WebEncoders;

namespace Weixin.Inbox.CrmApp;

/// <summary>The web side of the CRM: Razor Pages (login required except under <c>/Login</c>, roles per folder), antiforgery, headers.</summary>
public static class CrmPagesExtensions
{
    public const string AntiforgeryCookie = "crm_af";

    public static WebApplicationBuilder AddCrmPages(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<RouteOptions>(o => o.LowercaseUrls = true);
        // Note: the default encoder writes every Chinese character as &#x…; — correct but three times the bytes on a phone.
        builder.Services.Configure<WebEncoderOptions>(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        builder.Services.AddRazorPages(o =>
        {
            // Note: the default policy (every page) wants an account that exists and is not disabled; customers and
            // notifications want it active (a pending one is sent to 「等待管理员审核」); 「用户管理」 wants an active 管理员.
            // Role and status come from the database at each request (AccountAccess), not from the cookie.
            o.Conventions.AuthorizeFolder("/");
            o.Conventions.AuthorizeFolder("/Customers", Accounts.CrmPolicies.ActiveAccount);
            o.Conventions.AuthorizeFolder("/Notifications", Accounts.CrmPolicies.ActiveAccount);
            o.Conventions.AuthorizeFolder("/Admin", Accounts.CrmPolicies.Admin);
            o.Conventions.AllowAnonymousToFolder("/Login");
            o.Conventions.AllowAnonymousToPage("/Error");
        })
        .AddMvcOptions(o =>
        {
            o.Filters.Add<Pages.NamedHandlerFilter>();
            var messages = o.ModelBindingMessageProvider;
            messages.SetValueMustNotBeNullAccessor(_ => "请填写此项。");
            messages.SetMissingBindRequiredValueAccessor(_ => "请填写此项。");
            messages.SetMissingKeyOrValueAccessor(() => "请填写此项。");
            messages.SetAttemptedValueIsInvalidAccessor((_, _) => "输入的内容无效。");
            messages.SetUnknownValueIsInvalidAccessor(_ => "输入的内容无效。");
            messages.SetValueIsInvalidAccessor(_ => "输入的内容无效。");
            messages.SetValueMustBeANumberAccessor(_ => "请输入数字。");
            messages.SetNonPropertyAttemptedValueIsInvalidAccessor(_ => "输入的内容无效。");
            messages.SetNonPropertyUnknownValueIsInvalidAccessor(() => "输入的内容无效。");
            messages.SetNonPropertyValueMustBeANumberAccessor(() => "请输入数字。");
            messages.SetMissingRequestBodyRequiredValueAccessor(() => "请填写表单后再提交。");
        });

        // Note: Razor Pages validate this token on every POST (a missing or wrong token answers 400).
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.Name = AntiforgeryCookie;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        return builder;
    }

    public static WebApplication UseCrmPages(this WebApplication app)
    {
        app.Use(SecurityHeadersAsync);
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error");
        }

        app.UseStatusCodePagesWithReExecute("/Error", "?code={0}");
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapRazorPages();
        return app;
    }

    private static Task SecurityHeadersAsync(HttpContext http, RequestDelegate next)
    {
        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // Note: no Referer leaves the site: /login/weixin/done?ticket=… must not reach the avatar's host.
        headers["Referrer-Policy"] = "same-origin";
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data: https: http:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
        // Note: pages carry personal data and antiforgery tokens: never cached (the same value antiforgery would set).
        headers.CacheControl = "no-cache, no-store";
        headers.Pragma = "no-cache";
        return next(http);
    }
}
