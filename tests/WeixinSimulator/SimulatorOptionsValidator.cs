using Microsoft.Extensions.Options;
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

        if (options.RefreshTokenLifetime <= TimeSpan.Zero)
        {
            failures.Add("Simulator:RefreshTokenLifetime must be positive.");
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

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
