using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Weixin.Inbox.SampleRelyingParty.Pages;

/// <summary>The exception handler's page (e.g. the provider unreachable when 「微信登录」 reads its discovery document).</summary>
// Note: the failed request may have been a POST whose form was already read; its re-execution here must not be
// refused for the antiforgery token.
[IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    public void OnGet()
    {
    }

    public void OnPost()
    {
    }
}
