using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace Weixin.Inbox.IdentityProvider.Oidc;

/// <summary>The OpenID Connect provider (section <c>Oidc</c>).</summary>
public sealed partial class OidcOptions : IValidatableObject
{
    public const string Section = "Oidc";

    /// <summary>
    /// The issuer: this provider's base URL as relying parties reach it, e.g. <c>https://idp.corp.example/</c>. Required;
    /// https in Production (http only in Development and the tests).
    /// </summary>
    [Required]
    [Url]
    public string Issuer { get; set; } = "";

    /// <summary>
    /// The HMAC key that turns an openid into the <c>sub</c> a client sees (pairwise per client, or public); at least
    /// 32 characters. Changing it changes every user's <c>sub</c> for every client: keep it like a database password.
    /// Required.
    /// </summary>
    [Required]
    [MinLength(32)]
    public string SubjectKey { get; set; } = "";

    /// <summary>How long an authorization code may be redeemed (once). Default <c>00:05:00</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan AuthorizationCodeLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Lifetime of access tokens (JWT). Default <c>01:00:00</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Lifetime of id_tokens. Default <c>00:20:00</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan IdentityTokenLifetime { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>Lifetime of refresh tokens (only for clients with <c>AllowRefreshTokens</c>). Default <c>14.00:00:00</c>.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "90.00:00:00")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// How long the provider's own SSO session lasts (cookie <c>idp_session</c>): within it a second client signs in
    /// without WeChat again. Default <c>08:00:00</c>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>How often unusable tokens and authorizations are deleted (<see cref="TokenPruneJob"/>). Default <c>06:00:00</c>.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>The clients from configuration (<c>Oidc:Clients:N:*</c>); the <c>oidc-client add</c> command adds others.</summary>
    public List<OidcClientSettings> Clients { get; set; } = [];

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var environment = validationContext.GetService(typeof(IHostEnvironment)) as IHostEnvironment;
        if (Uri.TryCreate(Issuer, UriKind.Absolute, out var issuer))
        {
            if (issuer.Scheme != Uri.UriSchemeHttps && environment?.IsProduction() == true)
            {
                yield return new ValidationResult("生产环境必须使用 https 地址 / must be an https URL in Production (relying parties send codes and tokens to it).", [nameof(Issuer)]);
            }

            if (!string.IsNullOrEmpty(issuer.Query) || !string.IsNullOrEmpty(issuer.Fragment))
            {
                yield return new ValidationResult("不能带查询参数或片段 / must have no query or fragment.", [nameof(Issuer)]);
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Clients.Count; i++)
        {
            var client = Clients[i];
            var at = $"Clients:{i}";
            foreach (var problem in client.Problems(requireSecretForConfidential: true))
            {
                yield return new ValidationResult(problem.Message, [$"{at}:{problem.Member}"]);
            }

            if (!seen.Add(client.Id))
            {
                yield return new ValidationResult($"客户端 ID '{client.Id}' 重复 / client id '{client.Id}' appears twice.", [$"{at}:Id"]);
            }
        }
    }

    /// <summary>A client id: letters, digits, <c>-_.</c>, 1–64 characters.</summary>
    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    public static partial Regex ClientIdPattern();
}

/// <summary>One client (relying party) from configuration, or from <c>oidc-client add</c>.</summary>
public sealed class OidcClientSettings
{
    /// <summary>The <c>client_id</c>: letters, digits, <c>-_.</c>, 1–64 characters. Required.</summary>
    public string Id { get; set; } = "";

    /// <summary>The name the consent page shows (「<DisplayName> 想使用你的微信身份登录」); default the id.</summary>
    public string DisplayName { get; set; } = "";

    /// <summary>
    /// A confidential client's secret, at least 16 characters. Only its hash is stored (OpenIddict's application
    /// manager hashes it at start); a public client has none.
    /// </summary>
    public string Secret { get; set; } = "";

    /// <summary>The redirect URIs, matched exactly (no prefix, no wildcard). At least one.</summary>
    public List<string> RedirectUris { get; set; } = [];

    /// <summary>Where end-session may send the browser back to (exact); default none.</summary>
    public List<string> PostLogoutRedirectUris { get; set; } = [];

    /// <summary>A public client (a single-page or native app): no secret, PKCE only. Default false.</summary>
    public bool Public { get; set; }

    /// <summary>May the client ask for refresh tokens (scope <c>offline_access</c>). Default false.</summary>
    public bool AllowRefreshTokens { get; set; }

    /// <summary>
    /// What <c>sub</c> the client sees: <c>pairwise</c> (default: its own id per user, unlinkable across clients),
    /// <c>public</c> (the same id for every client), or <c>openid</c> (the raw WeChat openid, for an app that must match
    /// users against the 公众号's own records).
    /// </summary>
    public string Subject { get; set; } = SubjectTypes.Pairwise;

    /// <summary>
    /// The pairwise sector: clients with the same sector see the same pairwise <c>sub</c> (two apps of one team). Default
    /// empty: the client id.
    /// </summary>
    public string Sector { get; set; } = "";

    /// <summary>Every problem of these settings as (member, 中文 / English).</summary>
    public IEnumerable<(string Member, string Message)> Problems(bool requireSecretForConfidential)
    {
        if (!OidcOptions.ClientIdPattern().IsMatch(Id))
        {
            yield return (nameof(Id), "必须是 1–64 个字母、数字或 -_. / must be 1-64 letters, digits or -_.");
        }

        if (Public && !string.IsNullOrEmpty(Secret))
        {
            yield return (nameof(Secret), "公开客户端不能有密钥（只用 PKCE）/ a public client has no secret (PKCE only).");
        }

        if (!Public && requireSecretForConfidential && Secret.Length < 16)
        {
            yield return (nameof(Secret), "机密客户端必须设置至少 16 个字符的密钥（或设 Public=true）/ a confidential client needs a secret of at least 16 characters (or Public=true).");
        }

        if (RedirectUris.Count == 0)
        {
            yield return (nameof(RedirectUris), "至少需要一个回调地址 / needs at least one redirect URI.");
        }

        for (var i = 0; i < RedirectUris.Count; i++)
        {
            if (!IsRedirectUri(RedirectUris[i]))
            {
                yield return ($"{nameof(RedirectUris)}:{i}", "必须是不带片段的完整 http(s) 网址 / must be an absolute http(s) URL without a fragment.");
            }
        }

        for (var i = 0; i < PostLogoutRedirectUris.Count; i++)
        {
            if (!IsRedirectUri(PostLogoutRedirectUris[i]))
            {
                yield return ($"{nameof(PostLogoutRedirectUris)}:{i}", "必须是不带片段的完整 http(s) 网址 / must be an absolute http(s) URL without a fragment.");
            }
        }

        if (!SubjectTypes.All.Contains(Subject))
        {
            yield return (nameof(Subject), "只能是 pairwise、public 或 openid / must be pairwise, public or openid.");
        }
    }

    private static bool IsRedirectUri(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) && string.IsNullOrEmpty(uri.Fragment);
}

/// <summary>The values of <see cref="OidcClientSettings.Subject"/>.</summary>
public static class SubjectTypes
{
    public const string Pairwise = "pairwise";
    public const string Public = "public";
    public const string OpenId = "openid";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Pairwise, Public, OpenId };
}
