using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Weixin.Inbox.CrmApp.Accounts;
using Weixin.Inbox.CrmApp.Weixin;
using Weixin.Inbox.WeixinLogin;

namespace Weixin.Inbox.CrmApp.Pages.Login;

/// <summary>
/// <c>/login</c>: user name and password; in WeChat's browser the 「微信登录」 button, elsewhere (a desktop) the
/// 扫码登录 QR code (started by the page's script at <c>/login/weixin/scan</c>); and the WeChat path's errors.
/// </summary>
public sealed class IndexModel(PasswordCheck passwords, AccountSignIn signIn, TimeProvider time) : PageModel
{
    [BindProperty]
    public Command Input { get; set; } = new();

    /// <summary>Where to go after signing in; only local paths are ever followed.</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    /// <summary>
    /// True in WeChat's browser: only there can 「微信登录」 work (elsewhere WeChat's authorize page only says
    /// 「请在微信客户端打开链接」), so only there is the button offered.
    /// </summary>
    public bool InWeixin => WeixinBrowser.IsWeixin(Request);

    /// <summary>The 「微信登录」 link, carrying the return URL along when there is a local one.</summary>
    public string WeixinLoginUrl
    {
        get
        {
            var target = ReturnUrls.LocalOrHome(Url, ReturnUrl);
            return target == ReturnUrls.Home ? "/login/weixin" : "/login/weixin?returnUrl=" + Uri.EscapeDataString(target);
        }
    }

    public IActionResult OnGet(string? err)
    {
        if (User.Identity?.IsAuthenticated == true && string.IsNullOrEmpty(err))
        {
            return LocalRedirect(ReturnUrls.LocalOrHome(Url, ReturnUrl));
        }

        // Note: only codes travel in the URL; the text comes from our table, so a link cannot put words on this page.
        Error = string.IsNullOrEmpty(err) ? null : CrmLoginErrors.Describe(err);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var result = await passwords.CheckAsync(Input.UserName, Input.Password, HttpContext.RequestAborted);
        if (result is not PasswordCheckResult.Success success)
        {
            Error = PasswordCheckResult.Describe(result, time.GetUtcNow().UtcDateTime);
            return Page();
        }

        var target = ReturnUrls.LocalOrHome(Url, ReturnUrl);
        await signIn.SignInAsync(HttpContext, success.Account, "password", target);
        return LocalRedirect(target);
    }

    public sealed class Command
    {
        [Required(ErrorMessage = "请输入用户名。")]
        [StringLength(64, ErrorMessage = "用户名太长。")]
        public string? UserName { get; set; }

        [Required(ErrorMessage = "请输入密码。")]
        [StringLength(128, ErrorMessage = "密码太长。")]
        public string? Password { get; set; }
    }
}
