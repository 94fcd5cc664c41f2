using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;

namespace Weixin.Inbox.ServiceDefaults.ConfigCheck;

/// <summary>
/// Checks one bound options object and says each problem on one line that names the configuration key and what is
/// expected, in Chinese and English: <c>Inbox:ReplyWait: 必须在 00:00:00 到 00:00:04.500 之间 / must be between 00:00:00 and 00:00:04.500</c>.
/// The attributes of the properties are explained here (one wording per kind of rule); an option class's own
/// <see cref="IValidatableObject.Validate"/> returns its message as <c>中文 / English</c> and names the key relative to
/// its section in <see cref="ValidationResult.MemberNames"/> (e.g. <c>AllowedRedirectPrefixes:1</c>).
/// </summary>
public static class SettingsRules
{
    /// <summary>One problem as the line the operator reads.</summary>
    public static string Line(string key, string chinese, string english) => $"{key}: {chinese} / {english}";

    /// <summary>Every problem of <paramref name="options"/>, bound from <paramref name="section"/>, one line each.</summary>
    public static IReadOnlyList<string> Check(object options, string section, IServiceProvider? services)
    {
        var lines = new List<string>();
        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || !property.CanRead)
            {
                continue;
            }

            var value = property.GetValue(options);
            var key = Key(section, property.Name);
            if (value is not null and not string and not IEnumerable && value.GetType().Namespace?.StartsWith("Weixin.Inbox", StringComparison.Ordinal) == true)
            {
                // Note: a nested settings object (RateLimits:WaitPerCookie) has keys of its own; DataAnnotations alone would not descend.
                lines.AddRange(Check(value, key, services));
                continue;
            }

            foreach (var attribute in property.GetCustomAttributes<ValidationAttribute>())
            {
                if (!attribute.IsValid(value))
                {
                    lines.Add(Explain(key, attribute, value));
                    // Note: one line per setting is enough; "required" and "must be a URL" for an empty value say the same.
                    break;
                }
            }
        }

        if (options is IValidatableObject validatable)
        {
            // Note: runs even when an attribute failed, so every problem is listed at once; the service provider lets a
            // rule ask for the environment (https in Production).
            foreach (var result in validatable.Validate(new ValidationContext(options, services, items: null)))
            {
                var member = result.MemberNames.FirstOrDefault();
                lines.Add($"{(member is null ? section : Key(section, member))}: {result.ErrorMessage}");
            }
        }

        return lines;
    }

    private static string Key(string section, string member) => section.Length == 0 ? member : section + ":" + member;

    private static string Explain(string key, ValidationAttribute attribute, object? value) => attribute switch
    {
        RequiredAttribute => Line(key, "必须设置", "is required"),
        RangeAttribute range => Line(key, $"必须在 {Show(range.Minimum)} 到 {Show(range.Maximum)} 之间", $"must be between {Show(range.Minimum)} and {Show(range.Maximum)}"),
        UrlAttribute => Line(key, "必须是完整的 http(s) 网址", "must be an absolute http(s) URL"),
        MinLengthAttribute min when value is string => Line(key, $"至少 {min.Length} 个字符", $"must have at least {min.Length} characters"),
        MinLengthAttribute min => Line(key, $"至少需要 {min.Length} 项（{key}:0 …）", $"needs at least {min.Length} entries ({key}:0 …)"),
        MaxLengthAttribute max when value is string => Line(key, $"最多 {max.Length} 个字符", $"must have at most {max.Length} characters"),
        MaxLengthAttribute max => Line(key, $"最多 {max.Length} 项", $"must have at most {max.Length} entries"),
        StringLengthAttribute length => Line(key, $"长度必须在 {length.MinimumLength} 到 {length.MaximumLength} 个字符之间", $"must have {length.MinimumLength} to {length.MaximumLength} characters"),
        AllowedValuesAttribute allowed => Line(key, $"只能是 {string.Join("、", allowed.Values)}", $"must be one of {string.Join(", ", allowed.Values)}"),
        RegularExpressionAttribute pattern => Line(key, $"格式不对（须匹配 {pattern.Pattern}）", $"must match {pattern.Pattern}"),
        _ => Line(key, "取值无效", attribute.FormatErrorMessage(key)),
    };

    private static string Show(object? bound) => bound switch
    {
        // Note: 00:00:04.5 rather than TimeSpan's 00:00:04.5000000; the form an operator types.
        TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture) is var text && text.LastIndexOf('.') > text.LastIndexOf(':')
            ? text.TrimEnd('0')
            : span.ToString("c", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable and not string => "…",
        _ => bound?.ToString() ?? "",
    };
}
