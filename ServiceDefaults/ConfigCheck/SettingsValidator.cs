using Microsoft.Extensions.Options;

namespace Weixin.Inbox.ServiceDefaults.ConfigCheck;

/// <summary>Validates one named <typeparamref name="TOptions"/> with <see cref="SettingsRules"/>: one failure per problem, each a whole line.</summary>
public sealed class SettingsValidator<TOptions>(string optionsName, string section, IServiceProvider services) : IValidateOptions<TOptions>
    where TOptions : class
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        if (!string.Equals(name ?? Options.DefaultName, optionsName, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        var lines = SettingsRules.Check(options, section, services);
        return lines.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(lines);
    }
}
