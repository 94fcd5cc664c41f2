using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Weixin.Inbox.PublicInbox.Admin;
using Weixin.Inbox.PublicInbox.RateLimits;

namespace Weixin.Inbox.PublicInbox.Admin.Pages;

/// <summary>
/// <c>/admin/login</c>: name and password, with the lockout of <see cref="AdminSignIn"/> (per name and address) and the
/// per-address limit on sign-in POSTs (<see cref="AdminSignInPolicy"/>); back to the admin page asked for.
/// </summary>
[EnableRateLimiting(RateLimitPolicies.AdminSignIn)]
public sealed class LoginModel(AdminSignIn signIn, TimeProvider time) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public string? Error { get; private set; }

    /// <summary>Where the form sends the admin after signing in: always a local admin page.</summary>
    public string Next => AdminApi.LocalAdminPath(ReturnUrl);

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var name = Name ?? "";
        var password = Password ?? "";
        if (name.Length == 0 || password.Length == 0 || password.Length > 512)
        {
            return Refused("请输入用户名和密码。", StatusCodes.Status400BadRequest);
        }

        var outcome = await signIn.AttemptAsync(name, password, HttpContext.Connection.RemoteIpAddress, HttpContext.RequestAborted);
        if (outcome.User is { } user)
        {
            await HttpContext.SignInAsync(AdminAuth.Scheme, AdminAuth.Principal(user));
            return Redirect(Next);
        }

        if (outcome.LockedUntil is { } until)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling((DateTime.SpecifyKind(until, DateTimeKind.Utc) - time.GetUtcNow().UtcDateTime).TotalSeconds));
            Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return outcome.LockedUntil is { } lockedUntil
            ? Refused($"密码错误次数过多，该账号在您当前的网络地址上已锁定，请在 {AdminFormat.China(lockedUntil)}（北京时间）之后再试。", StatusCodes.Status429TooManyRequests)
            : Refused($"用户名或密码错误。再错 {outcome.FailuresLeft} 次将锁定账号。", StatusCodes.Status401Unauthorized);
    }

    private PageResult Refused(string error, int statusCode)
    {
        Error = error;
        var page = Page();
        page.StatusCode = statusCode;
        return page;
    }
}
