using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace Weixin.Inbox.PublicInbox.DomainVerification;

/// <summary>
/// WeChat's domain verification file (section <c>Inbox:DomainVerification</c>). Registering the 网页授权域名 in the
/// 公众号后台 (设置与开发 → 公众号设置 → 功能设置) hands out a file <c>MP_verify_&lt;id&gt;.txt</c> that must be served
/// at the root of that domain; WeChat fetches it once when the domain is saved. Default: none (nothing is served).
/// </summary>
public sealed partial class DomainVerificationOptions : IValidatableObject
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Inbox:DomainVerification";

    /// <summary>The file's name as downloaded, e.g. <c>MP_verify_AbC123xYz.txt</c>. Default none.</summary>
    public string FileName { get; set; } = "";

    /// <summary>The file's whole content (letters and digits, as WeChat writes it). Default none.</summary>
    public string Content { get; set; } = "";

    /// <summary>True when a file is configured.</summary>
    public bool IsConfigured => FileName.Length > 0;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (FileName.Length == 0 && Content.Length == 0)
        {
            yield break;
        }

        if (!FileNamePattern().IsMatch(FileName))
        {
            yield return new ValidationResult(
                "必须是微信给出的文件名 MP_verify_<字母或数字>.txt（与 Content 一起设置） / must be the file name WeChat gives, MP_verify_<letters or digits>.txt (set together with Content)",
                [nameof(FileName)]);
        }

        // Note: WeChat's file holds a short token of letters and digits; anything else (a path, HTML, a trailing
        // newline pasted from an editor) would make the check fail, and it must never serve arbitrary text at the root.
        if (!ContentPattern().IsMatch(Content))
        {
            yield return new ValidationResult(
                "必须是文件的内容：1 到 128 个字母或数字（与 FileName 一起设置） / must be the file's content: 1 to 128 letters or digits (set together with FileName)",
                [nameof(Content)]);
        }
    }

    /// <summary>The shape of a WeChat verification file's name.</summary>
    [GeneratedRegex(@"^MP_verify_[A-Za-z0-9]+\.txt$", RegexOptions.CultureInvariant)]
    public static partial Regex FileNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex ContentPattern();
}
