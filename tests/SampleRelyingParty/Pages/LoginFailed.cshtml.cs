using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Weixin.Inbox.SampleRelyingParty.Pages;

/// <summary>Where a sign-in that did not complete at the provider ends (OnRemoteFailure): what happened, in Chinese.</summary>
public sealed class LoginFailedModel : PageModel
{
    public string Message { get; private set; } = "";

    // Note: only the error code (from the protocol's short list) picks the text; the provider's free-form
    // error_description is not shown, so a crafted link cannot put words on this page.
    public void OnGet(string? error) => Message = error switch
    {
        "access_denied" => "你拒绝了授权，本应用没有获得你的微信身份。",
        "login_required" or "consent_required" or "interaction_required" => "需要先在身份提供方登录并同意授权。",
        "temporarily_unavailable" or "server_error" => "身份提供方暂时无法完成登录，请稍后再试。",
        _ => "登录没有完成（登录已过期或请求无效），请重新登录。",
    };
}
