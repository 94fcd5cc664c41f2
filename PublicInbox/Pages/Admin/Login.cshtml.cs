using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Weixin.Inbox.PublicInbox.Admin;

namespace Weixin.Inbox.PublicInbox.Admin.Pages;

/// <summary><c>/admin/login</c>: name and password, with the lockout of <see cref="AdminSignIn"/>; back to the admin page asked for.</summary>
public sealed class LoginModel(AdminSignIn signIn) : PageModel
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

        var outcome = await signIn.AttemptAsync(name, password, AdminAuth.RemoteIp(HttpContext), HttpContext.RequestAborted);
        if (outcome.User is { } user)
        {
            await HttpContext.SignInAsync(AdminAuth.Scheme, AdminAuth.Principal(user));
            return Redirect(Next);
        }

        return outcome.LockedUntil is { } until
            ? Refused($"密码错误次数过多，该账号已锁定，请在 {AdminFormat.China(until)}（北京时间）之后再试。", StatusCodes.Status429TooManyRequests)
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
