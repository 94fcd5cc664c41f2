using Weixin.Inbox.Contracts.Gateway;
using System.ComponentModel.DataAnnotations;

namespace Weixin.Inbox.IntranetPoller.OAuth;

/// <summary>How logins are started and finished (section <c>OAuth</c>).</summary>
public sealed class OAuthOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "OAuth";

    /// <summary>The inbox's <c>/wx/oauth/callback</c>, sent to WeChat as <c>redirect_uri</c>. Required, absolute.</summary>
    [Required]
    public string CallbackUrl { get; set; } = "";

    /// <summary>
    /// Prefixes a return or error URL must start with (exact string prefix). A prefix ending in '/' admits
    /// everything below it; a bare origin (<c>http://host:port</c>) counts as <c>http://host:port/</c>; any other
    /// prefix admits only the identical URL. At least one is required.
    /// </summary>
    [Required, MinLength(1)]
    public List<string> AllowedReturnPrefixes { get; set; } = [];

    /// <summary>Where a browser goes when its login cannot be identified (unknown state). Required; must match a prefix.</summary>
    [Required]
    public string DefaultErrorUrl { get; set; } = "";

    /// <summary>How long a started login's state is accepted. Default 15 minutes.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan StateLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long an issued ticket can be redeemed. Default 60 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:10:00")]
    public TimeSpan TicketLifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Claims of one item with WeChat unreachable before the login gives up with <c>weixin_unavailable</c>. Default 5.
    /// </summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(CallbackUrl, UriKind.Absolute, out var callback) || (callback.Scheme != Uri.UriSchemeHttps && callback.Scheme != Uri.UriSchemeHttp))
        {
            yield return new ValidationResult("必须是完整的 http(s) 网址（公网收件箱的 /wx/oauth/callback） / OAuth:CallbackUrl must be an absolute http(s) URL (the inbox's /wx/oauth/callback).", [nameof(CallbackUrl)]);
        }
        else if (validationContext.GetService(typeof(IHostEnvironment)) is IHostEnvironment environment && environment.IsProduction() && callback.Scheme != Uri.UriSchemeHttps)
        {
            // Note: WeChat sends the browser, with its code, to this redirect_uri; in Production it goes through TLS (nginx on 443).
            yield return new ValidationResult("在 Production 中必须是 https 网址 / OAuth:CallbackUrl must be an https URL in Production.", [nameof(CallbackUrl)]);
        }

        for (var i = 0; i < AllowedReturnPrefixes.Count; i++)
        {
            var prefix = AllowedReturnPrefixes[i];
            if (!Uri.TryCreate(prefix, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
                || uri.Authority.Length == 0)
            {
                yield return new ValidationResult($"必须是完整的 http(s) 网址 / OAuth:AllowedReturnPrefixes entry '{prefix}' must be an absolute http(s) URL.", [$"{nameof(AllowedReturnPrefixes)}:{i}"]);
            }
        }

        // Note: contradicting settings fail at start-up, not on the first failed login.
        if (!string.IsNullOrEmpty(DefaultErrorUrl) && !ReturnUrlPolicy.IsAllowed(DefaultErrorUrl, AllowedReturnPrefixes))
        {
            yield return new ValidationResult("必须是完整的 http(s) 网址，并在 OAuth:AllowedReturnPrefixes 之下 / OAuth:DefaultErrorUrl must be an absolute http(s) URL matching one of OAuth:AllowedReturnPrefixes.", [nameof(DefaultErrorUrl)]);
        }
    }
}
