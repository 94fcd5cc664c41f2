using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.WeixinSimulator.Api;
using Weixin.Inbox.WeixinSimulator.Users;

namespace Weixin.Inbox.WeixinSimulator;

/// <summary>Stops start-up with a clear message when the settings contradict each other.</summary>
internal sealed class SimulatorOptionsValidator : IValidateOptions<SimulatorOptions>
{
    public ValidateOptionsResult Validate(string? name, SimulatorOptions options)
    {
        var failures = new List<string>();

        if (options.CodeLifetime <= TimeSpan.Zero)
        {
            failures.Add("Simulator:CodeLifetime must be positive.");
        }

        if (options.AccessTokenLifetime < TimeSpan.FromSeconds(1))
        {
            failures.Add("Simulator:AccessTokenLifetime must be at least one second (expires_in is whole seconds).");
        }

        if (options.ForceRefreshInterval < TimeSpan.Zero)
        {
            failures.Add("Simulator:ForceRefreshInterval must not be negative (WeChat's is 00:00:30).");
        }

        if (options.RefreshTokenLifetime <= TimeSpan.Zero)
        {
            failures.Add("Simulator:RefreshTokenLifetime must be positive.");
        }

        if (!string.IsNullOrEmpty(options.CallbackUrl)
            && !(Uri.TryCreate(options.CallbackUrl, UriKind.Absolute, out var callback)
                 && (callback.Scheme == Uri.UriSchemeHttp || callback.Scheme == Uri.UriSchemeHttps)))
        {
            failures.Add("Simulator:CallbackUrl must be empty (messaging off) or an absolute http(s) URL such as http://127.0.0.1:5000/wx/callback.");
        }

        try
        {
            _ = new WeixinMessageCrypto(options.EncodingAESKey ?? "", options.AppId ?? "");
        }
        catch (ArgumentException)
        {
            failures.Add("Simulator:EncodingAESKey must be 43 base64 characters (letters and digits), as WeChat generates it.");
        }

        if (options.CallbackTimeout <= TimeSpan.Zero)
        {
            failures.Add("Simulator:CallbackTimeout must be positive.");
        }

        if (options.CustomerServiceWait < TimeSpan.Zero)
        {
            failures.Add("Simulator:CustomerServiceWait must not be negative.");
        }

        if (options.ServiceWindow <= TimeSpan.Zero)
        {
            failures.Add("Simulator:ServiceWindow must be positive.");
        }

        if (options.EventServiceWindow <= TimeSpan.Zero)
        {
            failures.Add("Simulator:EventServiceWindow must be positive.");
        }

        foreach (var domain in options.OAuthDomains)
        {
            // Note: WeChat's 网页授权域名 is a bare host name: no scheme, port or path.
            if (string.IsNullOrWhiteSpace(domain) || Uri.CheckHostName(domain.Trim()) == UriHostNameType.Unknown)
            {
                failures.Add($"Simulator:OAuthDomains entry '{domain}' must be a host name only (e.g. 127.0.0.1 or crm.example.com), without scheme, port or path.");
            }
        }

        foreach (var ip in options.CallbackIps)
        {
            if (!System.Net.IPAddress.TryParse(ip, out _) && !System.Net.IPNetwork.TryParse(ip, out _))
            {
                failures.Add($"Simulator:CallbackIps entry '{ip}' must be an IP address or a CIDR range (e.g. 101.226.103.0/25).");
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Users.Count; i++)
        {
            var user = options.Users[i];
            if (TestUser.ValidateOpenId(user.OpenId) is { } openIdProblem)
            {
                failures.Add($"Simulator:Users:{i}:OpenId {openIdProblem}");
            }
            else if (!seen.Add(user.OpenId))
            {
                failures.Add($"Simulator:Users:{i}:OpenId '{user.OpenId}' is configured twice.");
            }

            if (string.IsNullOrWhiteSpace(user.Nickname))
            {
                failures.Add($"Simulator:Users:{i}:Nickname is required.");
            }

            if (user.HeadImgUrl is not null && !TestUser.IsAcceptableAvatarUrl(user.HeadImgUrl))
            {
                failures.Add($"Simulator:Users:{i}:HeadImgUrl must be an absolute http(s) URL, a data:image URL or a path starting with '/'.");
            }
        }

        var templateIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Templates.Count; i++)
        {
            var template = options.Templates[i];
            if (string.IsNullOrWhiteSpace(template.Id))
            {
                failures.Add($"Simulator:Templates:{i}:Id is required.");
            }
            else if (!templateIds.Add(template.Id))
            {
                failures.Add($"Simulator:Templates:{i}:Id '{template.Id}' is configured twice.");
            }

            if (string.IsNullOrWhiteSpace(template.Content))
            {
                failures.Add($"Simulator:Templates:{i}:Content is required (with {{{{key.DATA}}}} placeholders).");
            }
            else
            {
                // Note: only keyword types whose rules the simulator knows, so no value passes here unchecked.
                failures.AddRange(TemplateMessages.Keys(template).Select(TemplateKeywords.Problem).OfType<string>()
                    .Select(problem => $"Simulator:Templates:{i}:Content: {problem}."));
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
