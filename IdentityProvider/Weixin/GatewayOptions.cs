using System.ComponentModel.DataAnnotations;
using Weixin.Inbox.Contracts.Signing;

namespace Weixin.Inbox.IdentityProvider.Weixin;

/// <summary>How the CRM reaches the intranet gateway (section <c>Gateway</c>): the provider is one more client of the signed gateway API, with its own client id and key.</summary>
public sealed class GatewayOptions : IValidatableObject
{
    public const string Section = "Gateway";

    /// <summary>Base URL of the IntranetPoller's gateway API, e.g. <c>http://127.0.0.1:5200</c>. Required.</summary>
    [Required]
    [Url]
    public string BaseUrl { get; set; } = "";

    /// <summary>
    /// The provider's client id at the gateway (<c>GatewaySigning:Clients:N:Id</c> there), sent and signed with every call.
    /// Default <c>idp</c>.
    /// </summary>
    public string ClientId { get; set; } = "idp";

    /// <summary>
    /// The provider's own HMAC key at the gateway (<c>GatewaySigning:Clients:N:Keys</c> of <see cref="ClientId"/> there); at
    /// least 32 characters. Required.
    /// </summary>
    [Required]
    [MinLength(32)]
    public string ClientKey { get; set; } = "";

    /// <summary>This provider's own base URL as the browser sees it (its issuer, normally); the WeChat login returns here. Required.</summary>
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
    }
}
