using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.IntranetPoller.Data;

namespace Weixin.Inbox.IntranetPoller.Push;

/// <summary>
/// A queued message's content as stored in <c>outbox_messages.payload</c>: canonical JSON (template data sorted by
/// name), so the same request always gives the same hash, and an idempotent repeat can be told from a conflict.
/// </summary>
public static class OutboxPayload
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The kind, the canonical payload and its hash of a (validated) request.</summary>
    public static (string Kind, string Payload, string Hash) Of(SendMessageRequest request)
    {
        var (kind, payload) = request.Template is { } template
            ? (OutboxKinds.Template, JsonSerializer.Serialize(Canonical(template), Json))
            : (OutboxKinds.CustomerService, JsonSerializer.Serialize(Canonical(request.CustomerService!), Json));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{kind}\n{request.OpenId}\n{payload}")));
        return (kind, payload, hash);
    }

    /// <summary>The stored template message.</summary>
    public static TemplateMessage ReadTemplate(string payload) =>
        JsonSerializer.Deserialize<TemplateMessage>(payload, Json) ?? throw new InvalidOperationException("Empty template payload.");

    /// <summary>The stored customer-service message.</summary>
    public static CustomerServiceMessage ReadCustomerService(string payload) =>
        JsonSerializer.Deserialize<CustomerServiceMessage>(payload, Json) ?? throw new InvalidOperationException("Empty customer-service payload.");

    private static TemplateMessage Canonical(TemplateMessage template) =>
        template with { Data = new SortedDictionary<string, TemplateField>(template.Data.ToDictionary(), StringComparer.Ordinal) };

    private static CustomerServiceMessage Canonical(CustomerServiceMessage message) =>
        message with { FallbackTemplate = message.FallbackTemplate is { } fallback ? Canonical(fallback) : null };
}
