using System.ComponentModel.DataAnnotations;

namespace Weixin.Inbox.CrmApp.Weixin;

/// <summary>How the CRM reaches the intranet gateway (section <c>Gateway</c>).</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Base URL of the IntranetPoller's gateway API, e.g. <c>http://127.0.0.1:5200</c>. Required.</summary>
    [Required]
    [Url]
    public string BaseUrl { get; set; } = "";

    /// <summary>HMAC key shared with the gateway (<c>GatewaySigning:Keys</c> there); at least 32 characters. Required.</summary>
    [Required]
    [MinLength(32)]
    public string ClientKey { get; set; } = "";

    /// <summary>This CRM's own base URL as the browser sees it; the WeChat login returns here. Required.</summary>
    [Required]
    [Url]
    public string PublicBaseUrl { get; set; } = "";
}
