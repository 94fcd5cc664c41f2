using System.ComponentModel.DataAnnotations;
using Weixin.Inbox.Contracts.Signing;

namespace Weixin.Inbox.CrmApp.Weixin;

/// <summary>How the CRM reaches the intranet gateway (section <c>Gateway</c>).</summary>
public sealed class GatewayOptions : IValidatableObject
{
    public const string Section = "Gateway";

    /// <summary>Base URL of the IntranetPoller's gateway API, e.g. <c>http://127.0.0.1:5200</c>. Required.</summary>
    [Required]
    [Url]
    public string BaseUrl { get; set; } = "";

    /// <summary>
    /// The CRM's client id at the gateway (<c>GatewaySigning:Clients:N:Id</c> there), sent and signed with every call.
    /// Default <c>crm</c>.
    /// </summary>
    public string ClientId { get; set; } = "crm";

    /// <summary>
    /// The CRM's own HMAC key at the gateway (<c>GatewaySigning:Clients:N:Keys</c> of <see cref="ClientId"/> there); at
    /// least 32 characters. Required.
    /// </summary>
    [Required]
    [MinLength(32)]
    public string ClientKey { get; set; } = "";

    /// <summary>
    /// Keys that verify the gateway's calls to the message hook (<c>CrmHook:SigningKeys</c> there): one, or two during a
    /// rotation; each at least 32 characters and never <see cref="ClientKey"/>. Required.
    /// </summary>
    public List<string> HookKeys { get; set; } = [];

    /// <summary>This CRM's own base URL as the browser sees it; the WeChat login returns here. Required.</summary>
    [Required]
    [Url]
    public string PublicBaseUrl { get; set; } = "";

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!SigningClient.IsValidId(ClientId))
        {
            yield return new ValidationResult($"{SigningClient.IdRuleChinese} / Gateway:ClientId '{ClientId}' is not a client id. {SigningClient.IdRule}", [nameof(ClientId)]);
        }

        if (HookKeys.Count is 0 or > 2)
        {
            yield return new ValidationResult(
                "必须有一个密钥，轮换期间两个：网关签名消息回调用的密钥（其 CrmHook:SigningKeys:0），不是 Gateway:ClientKey / " +
                "Gateway:HookKeys must hold one key, or two during a rotation: the key the gateway signs the message hook with (its CrmHook:SigningKeys:0), not Gateway:ClientKey.",
                [nameof(HookKeys)]);
        }

        if (HookKeys.Any(k => string.IsNullOrWhiteSpace(k) || k.Length < SigningOptions.MinimumKeyLength))
        {
            yield return new ValidationResult($"每个密钥至少 {SigningOptions.MinimumKeyLength} 个字符 / Every key of Gateway:HookKeys must have at least {SigningOptions.MinimumKeyLength} characters.", [nameof(HookKeys)]);
        }

        if (HookKeys.Contains(ClientKey, StringComparer.Ordinal))
        {
            // Note: with one key for both, whoever holds the CRM's client key could forge hook calls, and the hook would break when it rotates.
            yield return new ValidationResult("不能包含 Gateway:ClientKey，消息回调有自己的密钥 / Gateway:HookKeys must not contain Gateway:ClientKey: the message hook has a key of its own.", [nameof(HookKeys)]);
        }
    }
}
