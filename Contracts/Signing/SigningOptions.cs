using System.ComponentModel.DataAnnotations;

namespace Weixin.Inbox.Contracts.Signing;

/// <summary>
/// Keys for HMAC request signing. The first key signs; every key verifies, so a new key can be
/// rolled out to verifiers before signers switch to it (two keys active at once during rotation).
/// </summary>
public sealed class SigningOptions : IValidatableObject
{
    /// <summary>Shortest key accepted, in characters.</summary>
    public const int MinimumKeyLength = 32;

    /// <summary>Active keys, the signing key first. No default: must be configured.</summary>
    [Required]
    public List<string> Keys { get; set; } = [];

    /// <summary>
    /// Signers only: the client id sent in <see cref="SignedRequestHeaders.Client"/> and signed with the request (a LAN
    /// application calling the gateway, e.g. <c>crm</c>). Default none: the request names no client (the poller's calls
    /// to the inbox and to the CRM's message hook).
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>Allowed clock difference between signer and verifier. Default 300 s.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan Tolerance { get; set; } = TimeSpan.FromSeconds(300);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Keys.Count == 0)
        {
            yield return new ValidationResult("至少要设置一个签名密钥（…:Keys:0，至少 32 个字符） / At least one signing key must be configured.", [nameof(Keys)]);
        }

        if (Keys.Count > 2)
        {
            yield return new ValidationResult("最多同时设置两个密钥（当前和下一个） / At most two signing keys may be active at once (current and next).", [nameof(Keys)]);
        }

        if (!string.IsNullOrEmpty(ClientId) && !SigningClient.IsValidId(ClientId))
        {
            yield return new ValidationResult(SigningClient.IdRuleBilingual, [nameof(ClientId)]);
        }

        for (var i = 0; i < Keys.Count; i++)
        {
            // Note: the message never echoes the key.
            if (string.IsNullOrWhiteSpace(Keys[i]) || Keys[i].Length < MinimumKeyLength)
            {
                yield return new ValidationResult($"至少 {MinimumKeyLength} 个字符 / Every signing key must have at least {MinimumKeyLength} characters.", [$"{nameof(Keys)}:{i}"]);
            }
        }
    }
}
