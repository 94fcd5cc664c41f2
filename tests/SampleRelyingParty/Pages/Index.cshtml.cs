using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Weixin.Inbox.SampleRelyingParty.Pages;

/// <summary>
/// 「微信登录」 or, signed in, the claims and 「退出」. Both buttons are POST forms (Razor Pages check their antiforgery
/// token), so another site cannot sign a person out or start a login in their name.
/// </summary>
public sealed class IndexModel : PageModel
{
    public void OnGet()
    {
    }

    /// <summary>The handler sends the browser to the provider's authorize endpoint with a PKCE challenge.</summary>
    public IActionResult OnPostLogin() =>
        Challenge(new AuthenticationProperties { RedirectUri = "/" }, OpenIdConnectDefaults.AuthenticationScheme);

    /// <summary>
    /// Ends the local cookie, then the provider's session (its end-session endpoint, with the ID token as a hint), which
    /// sends the browser back to /signout-callback-oidc and from there to "/".
    /// </summary>
    public IActionResult OnPostLogout() =>
        SignOut(new AuthenticationProperties { RedirectUri = "/" },
            CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme);
}
