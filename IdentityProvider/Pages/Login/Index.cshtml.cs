using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.IdentityProvider.Sessions;
using Weixin.Inbox.IdentityProvider.Weixin;
using Weixin.Inbox.WeixinLogin;

namespace Weixin.Inbox.IdentityProvider.Pages.Login;

/// <summary>
/// <c>/login?returnUrl=</c>: where the authorize endpoint sends a browser without SSO session. In WeChat's browser it goes
/// straight on to the WeChat OAuth login through the gateway (<c>/login/weixin</c>); on a desktop it shows the 扫码登录 QR
/// code. Errors come back as <c>err=</c> codes of <see cref="LoginErrors"/> (only codes travel in URLs).
/// </summary>
public sealed class IndexModel : PageModel
{
    public string ReturnUrl { get; private set; } = "/";
    public string? Error { get; private set; }

    public IActionResult OnGet(string? returnUrl, string? err)
    {
        ReturnUrl = WeixinLoginCompletion.LocalOrHome(returnUrl);
        if (err is not null)
        {
            Error = LoginErrors.IsKnown(err) ? LoginErrors.Describe(err) : "微信登录未完成，请重新登录。";
        }
        else if (SsoSession.Read(User) is not null)
        {
            return LocalRedirect(ReturnUrl);
        }
        else if (WeixinBrowser.IsWeixin(Request))
        {
            return LocalRedirect("/login/weixin?returnUrl=" + Uri.EscapeDataString(ReturnUrl));
        }

        return Page();
    }
}
