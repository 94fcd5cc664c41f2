using System.ComponentModel.DataAnnotations;

namespace Weixin.Inbox.IntranetPoller.Weixin;

/// <summary>The official account's credentials and WeChat's addresses (section <c>Weixin</c>).</summary>
public sealed class WeixinOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Weixin";

    /// <summary>The official account's AppID. Required.</summary>
    [Required]
    public string AppId { get; set; } = "";

    /// <summary>The official account's AppSecret. Required; lives only here, never logged.</summary>
    [Required]
    public string AppSecret { get; set; } = "";

    /// <summary>Base of the server API (<c>sns/oauth2/access_token</c>, <c>sns/userinfo</c>). Default https://api.weixin.qq.com.</summary>
    public Uri ApiBaseUrl { get; set; } = new("https://api.weixin.qq.com");

    /// <summary>Base of the browser-facing authorize page. Default https://open.weixin.qq.com.</summary>
    public Uri OpenBaseUrl { get; set; } = new("https://open.weixin.qq.com");

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsHttpUrl(ApiBaseUrl))
        {
            yield return new ValidationResult("Weixin:ApiBaseUrl must be an absolute http(s) URL.", [nameof(ApiBaseUrl)]);
        }

        if (!IsHttpUrl(OpenBaseUrl))
        {
            yield return new ValidationResult("Weixin:OpenBaseUrl must be an absolute http(s) URL.", [nameof(OpenBaseUrl)]);
        }
    }

    private static bool IsHttpUrl(Uri? url) =>
        url is { IsAbsoluteUri: true } && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp);
}
