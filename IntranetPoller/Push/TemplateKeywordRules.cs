using System.Text;
using System.Text.RegularExpressions;

namespace Weixin.Inbox.IntranetPoller.Push;

/// <summary>
/// WeChat's rules for the values of a category template's typed keywords (<c>thing1</c>, <c>time2</c>, …), by the
/// key's prefix, so the gateway refuses before queueing what WeChat would refuse with 47003. Keys without a known type
/// prefix (a history template's <c>first</c>, <c>keywordN</c>, <c>remark</c>) are not typed.
/// </summary>
/// <remarks>
/// https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html#类目模板消息
/// (类目模板消息参数值内容限制说明). Lengths are counted in Unicode characters (code points), as WeChat counts them.
/// </remarks>
public static partial class TemplateKeywordRules
{
    // Note: longest prefix first, so character_string is not taken for a shorter type.
    private static readonly string[] Types =
        ["character_string", "phone_number", "car_number", "amount", "number", "letter", "symbol", "thing", "phrase", "const", "time", "date", "name"];

    /// <summary>The keyword type of <paramref name="key"/> (<c>thing</c> for <c>thing3</c>), or null when it has none.</summary>
    public static string? TypeOf(string key)
    {
        var match = TypedKey().Match(key);
        return match.Success && Types.Contains(match.Groups[1].Value, StringComparer.Ordinal) ? match.Groups[1].Value : null;
    }

    /// <summary>Null when <paramref name="value"/> suits the type of <paramref name="key"/> (or the key has no type), else what is wrong.</summary>
    public static string? Problem(string key, string value)
    {
        if (TypeOf(key) is not { } type)
        {
            return null;
        }

        if (value.Length == 0)
        {
            return $"{key} is a '{type}' keyword and must not be empty.";
        }

        if (value.Any(char.IsControl))
        {
            return $"{key} must not contain line breaks or other control characters (WeChat refuses it with 47003).";
        }

        var runes = value.EnumerateRunes().ToArray();
        var n = runes.Length;
        string? rule = type switch
        {
            "thing" or "const" when n > 20 => "at most 20 characters",
            "number" when n > 32 || !Number().IsMatch(value) => "digits only (a decimal point allowed), at most 32",
            "letter" when n > 32 || !value.All(char.IsAsciiLetter) => "letters only, at most 32",
            "symbol" when n > 5 || !runes.All(IsSymbol) => "symbols only, at most 5",
            "character_string" when n > 32 || !runes.All(r => r.IsAscii) => "at most 32 digits, letters or symbols (no Chinese)",
            "time" when !Time().IsMatch(value) => "a 24-hour time such as 15:01 or 2026-11-25 15:01 (a range joined by ~)",
            "date" when !Date().IsMatch(value) => "a date such as 2026-11-25 or 2026年11月25日, a time may follow (a range joined by ~)",
            "amount" when !IsAmount(value) => "one currency symbol and at most 10 digits, such as ¥1234.50 (may end in 元)",
            "phone_number" when n > 17 || !runes.All(r => r.IsAscii && (Rune.IsDigit(r) || IsSymbol(r))) => "at most 17 digits and symbols",
            "car_number" when n > 8 || !IsCarNumber(runes) => "at most 8 letters and digits, the first and last may be Chinese",
            "name" when !IsName(runes) => "at most 10 Chinese characters (with letters) or 20 letters and symbols",
            "phrase" when n > 5 || !runes.All(IsHan) => "at most 5 Chinese characters only",
            _ => null,
        };
        return rule is null ? null : $"{key} is a '{type}' keyword: {rule} (WeChat refuses it with 47003); got {n} characters.";
    }

    private static bool IsHan(Rune rune) =>
        rune.Value is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF) or 0x3007;

    private static bool IsSymbol(Rune rune) =>
        !Rune.IsLetterOrDigit(rune) && !Rune.IsControl(rune)
        && (Rune.IsPunctuation(rune) || Rune.IsSymbol(rune) || Rune.IsWhiteSpace(rune));

    private static bool IsAmount(string value) =>
        Amount().Match(value) is { Success: true } m && m.Groups["digits"].Value.Count(char.IsAsciiDigit) <= 10;

    private static bool IsCarNumber(Rune[] runes)
    {
        for (var i = 0; i < runes.Length; i++)
        {
            var edge = i == 0 || i == runes.Length - 1;
            if (!(runes[i].IsAscii && Rune.IsLetterOrDigit(runes[i])) && !(edge && IsHan(runes[i])))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsName(Rune[] runes) => runes.Any(IsHan)
        ? runes.Length <= 10 && runes.All(r => IsHan(r) || (r.IsAscii && Rune.IsLetter(r)) || r.Value == '·')
        : runes.Length <= 20 && runes.All(r => r.IsAscii && (Rune.IsLetter(r) || IsSymbol(r)));

    [GeneratedRegex(@"^([a-z_]+)(\d+)$", RegexOptions.CultureInvariant)]
    private static partial Regex TypedKey();

    [GeneratedRegex(@"^-?\d+(\.\d+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Number();

    [GeneratedRegex(@"^(?:(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}月\d{1,2}日) ?)?(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?: ?~ ?(?:(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}月\d{1,2}日) ?)?(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Time();

    [GeneratedRegex(@"^(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{4}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2})(?: (?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?)?(?: ?~ ?(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{4}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2})(?: (?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Date();

    [GeneratedRegex(@"^[¥￥$€£]?(?<digits>\d+(?:\.\d+)?)元?$", RegexOptions.CultureInvariant)]
    private static partial Regex Amount();
}
