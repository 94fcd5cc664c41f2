using System.Net;
using System.Text.Json;
using Refit;
using Weixin.Inbox.Contracts.Gateway;

namespace Weixin.Inbox.WeixinLogin.Gateway;

/// <summary>How a LAN app tells the gateway's answers apart: "could not be asked" versus "said no", and why it said no.</summary>
public static class GatewayFailures
{
    /// <summary>True for the failures that mean "the gateway could not be asked" rather than "the gateway said no".</summary>
    public static bool IsGatewayUnavailable(Exception ex) =>
        ex is HttpRequestException or TaskCanceledException
        || (ex is ApiException api && (int)api.StatusCode >= 500)
        // Note: Refit 16 wraps a refused connection or a timeout in ApiRequestException (not an ApiException), the cause inside.
        || (ex is not ApiException && ex.InnerException is { } inner && IsGatewayUnavailable(inner));

    /// <summary>The problem <c>code</c> of a refused redeem, when it is one of <see cref="LoginErrors"/>; else <c>ticket_invalid</c>.</summary>
    public static string RedeemErrorCode(ApiException ex) =>
        ex.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound && ProblemCode(ex) is { } code && LoginErrors.IsKnown(code)
            ? code
            : LoginErrors.TicketInvalid;

    /// <summary>The <c>code</c> of a gateway problem answer (RFC 9457 body with our <c>code</c> member), or null.</summary>
    public static string? ProblemCode(ApiException ex)
    {
        try
        {
            using var doc = JsonDocument.Parse(string.IsNullOrEmpty(ex.Content) ? "{}" : ex.Content);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("code", out var code)
                && code.ValueKind == JsonValueKind.String
                ? code.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
