using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Weixin.Inbox.CrmApp.Data;
using Weixin.Inbox.WeixinLogin;

namespace Weixin.Inbox.CrmApp.Accounts;

/// <summary>Registration of accounts, passwords and the sign-in cookie.</summary>
public static class AccountsExtensions
{
    public const string AuthCookie = "crm_auth";

    public static WebApplicationBuilder AddAccounts(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AccountOptions>().BindConfiguration(AccountOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.LockoutDuration > TimeSpan.Zero, "Accounts:LockoutDuration: 必须是正的时间长度 / must be a positive duration")
            .Validate(o => o.SessionLifetime > TimeSpan.Zero, "Accounts:SessionLifetime: 必须是正的时间长度 / must be a positive duration")
            .Validate(o => o.PendingBindingLifetime > TimeSpan.Zero, "Accounts:PendingBindingLifetime: 必须是正的时间长度 / must be a positive duration")
            .ValidateOnStart();
        builder.Services.AddSingleton<IPasswordHasher<Account>, PasswordHasher<Account>>();
        builder.Services.AddScoped<PasswordCheck>();
        builder.Services.AddScoped<AccountSignIn>();

        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<AccountOptions>>((cookie, accounts) =>
            {
                cookie.Cookie.Name = AuthCookie;
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.ExpireTimeSpan = accounts.Value.SessionLifetime;
                cookie.SlidingExpiration = true;
                cookie.LoginPath = "/login";
                cookie.LogoutPath = "/logout";
                cookie.AccessDeniedPath = "/login";
                cookie.ReturnUrlParameter = "returnUrl";
                cookie.Events.OnRedirectToLogin = WeixinBrowser.RedirectToLogin(cookie.Events.OnRedirectToLogin);
                cookie.Events.OnValidatePrincipal = AccountSessions.ValidateAsync;
            });
        builder.Services.AddCrmAuthorization();
        return builder;
    }
}
