using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Weixin.Inbox.WeixinSimulator.Api;

/// <summary>
/// The keywords of a template and what WeChat does with their values since the 2023-05-04 change: a category
/// template's keyword is typed by its name's prefix (<c>thing1</c>, <c>time2</c>, <c>character_string3</c>, …) and a
/// value that breaks its type is refused with 47003; <c>first</c> and <c>remark</c> are accepted and never shown; a
/// history template's <c>keywordN</c> is shown cut to 20 characters; colours are ignored and emoji show as 「□」.
/// </summary>
/// <remarks>
/// Type rules: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html#类目模板消息
/// (the same table as https://developers.weixin.qq.com/doc/service/api/notify/template/api_sendtemplatemessage 注意事项).
/// Display rules: 《关于规范公众号模板消息的再次公告》 https://developers.weixin.qq.com/community/develop/doc/000a2ae286cdc0f41a8face4c51801
/// (also https://mp.weixin.qq.com/s/hvLO4Vs75NXDA__SxuyKXw).
/// </remarks>
internal static partial class TemplateKeywords
{
    /// <summary>The keyword types the simulator checks, longest prefix first (so <c>character_string</c> is not read as <c>c…</c>).</summary>
    public static readonly IReadOnlyList<string> Types =
        ["character_string", "phone_number", "car_number", "amount", "number", "letter", "symbol", "thing", "phrase", "const", "time", "date", "name"];

    /// <summary>How many characters a history template's keyword shows (2023-05-04: 「中间内容最多 20 字」).</summary>
    public const int LegacyShownLength = 20;

    /// <summary>The type of a category keyword (<c>thing</c> for <c>thing1</c>), or null for a history template's key.</summary>
    public static string? TypeOf(string key)
    {
        var match = TypedKey().Match(key);
        return match.Success && Types.Contains(match.Groups[1].Value) ? match.Groups[1].Value : null;
    }

    /// <summary><c>first</c>, <c>remark</c>, <c>keywordN</c>: keys of the history templates WeChat no longer offers.</summary>
    public static bool IsLegacy(string key) => key is "first" or "remark" || LegacyKeyword().IsMatch(key);

    /// <summary><c>first</c> and <c>remark</c>: accepted, never displayed since 2023-05-04.</summary>
    public static bool IsHidden(string key) => key is "first" or "remark";

    /// <summary>Null when a template content's key is one the simulator models, else why not (for the start-up check).</summary>
    public static string? Problem(string key) =>
        TypeOf(key) is not null || IsLegacy(key) ? null
        : $"'{key}' is neither a typed keyword ({string.Join(", ", Types)} followed by digits) nor first/remark/keywordN";

    /// <summary>True when <paramref name="value"/> is a valid value of a <paramref name="type"/> keyword.</summary>
    public static bool IsValid(string type, string value)
    {
        // Note: "不能带有换行等控制字符" holds for every type; a blank value is refused as well (the stricter reading:
        // each type is described by what it must contain).
        if (value.Length == 0 || value.Any(char.IsControl))
        {
            return false;
        }

        var runes = value.EnumerateRunes().ToArray();
        var length = runes.Length;
        return type switch
        {
            // thing.DATA 事物: 20个以内字符, 汉字、数字、字母或符号组合.
            "thing" => length <= 20,
            // const.DATA 常量: 20位以内字符 (the enumeration approved in the backend is not modelled).
            "const" => length <= 20,
            // number.DATA 数字: 32位以内数字, 只能数字, 可带小数.
            "number" => length <= 32 && Number().IsMatch(value),
            // letter.DATA 字母: 32位以内字母, 只能字母.
            "letter" => length <= 32 && value.All(char.IsAsciiLetter),
            // symbol.DATA 符号: 5位以内符号, 只能符号.
            "symbol" => length <= 5 && runes.All(IsSymbol),
            // character_string.DATA 字符串: 32位以内数字、字母或符号 (no Chinese).
            "character_string" => length <= 32 && runes.All(r => r.IsAscii),
            // time.DATA 时间: 24小时制时间格式(支持+年月日), 时间段用「~」连接.
            "time" => Time().IsMatch(value),
            // date.DATA 日期: 年月日格式(支持+24小时制时间), 时间段用「~」连接.
            "date" => Date().IsMatch(value),
            // amount.DATA 金额: 1个币种符号+10位以内纯数字, 可带小数, 结尾可带「元」 (10 digits: the stricter of the
            // 公众号 and 小程序 tables, so a value that passes here passes on either; a value ending in 元 needs no symbol).
            "amount" => Amount().Match(value) is { Success: true } m && m.Groups["digits"].Value.Count(char.IsAsciiDigit) <= 10,
            // phone_number.DATA 电话: 17位以内, 数字、符号.
            "phone_number" => length <= 17 && runes.All(r => r.IsAscii && (Rune.IsDigit(r) || IsSymbol(r))),
            // car_number.DATA 车牌: 8位以内, 第一位与最后一位可为汉字, 其余为字母或数字.
            "car_number" => length <= 8 && CarNumber(runes),
            // name.DATA 姓名: 10个以内纯汉字或20个以内纯字母或符号; 中文和字母混合按中文名算, 10个字内.
            "name" => Name(runes),
            // phrase.DATA 汉字: 5个以内纯汉字.
            "phrase" => length <= 5 && runes.All(IsHan),
            _ => false,
        };
    }

    /// <summary>
    /// What the phone shows for one value: a history <c>keywordN</c> up to its first line break and at most
    /// <see cref="LegacyShownLength"/> characters (WeChat adds 「…」), emoji as 「□」.
    /// </summary>
    public static string Shown(string key, string value)
    {
        if (IsLegacy(key))
        {
            var lineBreak = value.IndexOfAny(['\r', '\n']);
            value = lineBreak >= 0 ? value[..lineBreak] + "…" : value;
            var runes = value.EnumerateRunes().ToArray();
            if (runes.Length > LegacyShownLength)
            {
                value = string.Concat(runes.Take(LegacyShownLength).Select(r => r.ToString())) + "…";
            }
        }

        var shown = new StringBuilder(value.Length);
        foreach (var rune in value.EnumerateRunes())
        {
            shown.Append(IsEmoji(rune) ? "□" : rune.ToString());
        }

        return shown.ToString();
    }

    private static bool IsHan(Rune rune) =>
        rune.Value is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF) or 0x3007;

    /// <summary>「符号表示除中文、英文、数字外的常见符号」: punctuation and symbols, spaces included.</summary>
    private static bool IsSymbol(Rune rune) =>
        !Rune.IsLetterOrDigit(rune) && !Rune.IsControl(rune)
        && (Rune.IsPunctuation(rune) || Rune.IsSymbol(rune) || Rune.IsWhiteSpace(rune));

    private static bool IsEmoji(Rune rune) =>
        rune.Value >= 0x1F000 || (rune.Value is >= 0x2600 and <= 0x27BF && Rune.GetUnicodeCategory(rune) == UnicodeCategory.OtherSymbol);

    private static bool CarNumber(Rune[] runes)
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

    private static bool Name(Rune[] runes)
    {
        if (runes.Any(IsHan))
        {
            // Note: mixed Chinese and letters counts as a Chinese name; digits and other scripts are not a name.
            return runes.Length <= 10 && runes.All(r => IsHan(r) || (r.IsAscii && Rune.IsLetter(r)) || r.Value == '·');
        }

        return runes.Length <= 20 && runes.All(r => r.IsAscii && (Rune.IsLetter(r) || IsSymbol(r)));
    }

    [GeneratedRegex(@"^([a-z_]+?)(\d+)$", RegexOptions.CultureInvariant)]
    private static partial Regex TypedKey();

    [GeneratedRegex(@"^keyword\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex LegacyKeyword();

    [GeneratedRegex(@"^-?\d+(\.\d+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Number();

    // Note: "时间格式支持HH:MM:SS或者HH:MM"; a date (y年m月d日 or y-m-d, y/m/d, y.m.d, or m月d日) may come first.
    [GeneratedRegex(@"^(?:(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}月\d{1,2}日) ?)?(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?: ?~ ?(?:(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}月\d{1,2}日) ?)?(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Time();

    // Note: "日期包含年月日，为y年m月d日，y年m月、m月d日格式，或者用'-'、'/'、'.'符号连接，如2018-01-01，2018/01/01，2018.01.01，2018-01，01-01".
    [GeneratedRegex(@"^(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{4}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2})(?: (?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?)?(?: ?~ ?(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{4}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2})(?: (?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Date();

    [GeneratedRegex(@"^[¥￥$€£]?(?<digits>\d+(?:\.\d+)?)元?$", RegexOptions.CultureInvariant)]
    private static partial Regex Amount();
}
