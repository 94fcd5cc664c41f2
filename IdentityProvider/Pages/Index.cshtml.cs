using Microsoft.AspNetCore.Mvc.RazorPages;
using Weixin.Inbox.IdentityProvider.Sessions;

namespace Weixin.Inbox.IdentityProvider.Pages;

/// <summary>The provider's home: who is signed in (with 「退出」), or 「已退出」 after end-session without a client to return to.</summary>
public sealed class IndexModel : PageModel
{
    public bool SignedOut { get; private set; }
    public string? Nickname { get; private set; }

    public void OnGet(bool signedOut = false)
    {
        SignedOut = signedOut && SsoSession.Read(User) is null;
        Nickname = SsoSession.Read(User)?.Nickname;
    }
}
