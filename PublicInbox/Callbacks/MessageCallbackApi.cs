using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Diagnostics;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.PublicInbox.Data;
using Weixin.Inbox.PublicInbox.Items;
using Weixin.Inbox.ServiceDefaults;
using static Weixin.Inbox.Contracts.Text.TextClip;

namespace Weixin.Inbox.PublicInbox.Callbacks;

/// <summary>WeChat's signature parameters on <c>/wx/callback</c>.</summary>
public sealed record WeixinCallbackQuery(string? Signature, string? Timestamp, string? Nonce, string? Echostr, string? OpenId, string? EncryptType, string? MsgSignature)
{
    public static ValueTask<WeixinCallbackQuery?> BindAsync(HttpContext http)
    {
        var q = http.Request.Query;
        return ValueTask.FromResult<WeixinCallbackQuery?>(new WeixinCallbackQuery(
            q["signature"], q["timestamp"], q["nonce"], q["echostr"], q["openid"], q["encrypt_type"], q["msg_signature"]));
    }
}

/// <summary>
/// Messages and events WeChat posts to the account's server URL. Verified, stored, then the request waits up to
/// <c>ReplyWait</c> for the intranet's reply (which may be completed through any inbox instance).
/// </summary>
public static class MessageCallbackApi
{
    public static IEndpointRouteBuilder MapMessageCallback(this IEndpointRouteBuilder app)
    {
        app.MapGet("/wx/callback", Verify);
        // Note: a stored message says so in its own line ("Stored message callback as item …"); refusals log a warning
        // and keep their request line at Information (QuietRequestLog).
        app.MapPost("/wx/callback", ReceiveAsync).WithQuietRequestLog();
        return app;
    }

    /// <summary>WeChat's server-URL check: echo <c>echostr</c> when the signature holds.</summary>
    public static IResult Verify(WeixinCallbackQuery query, IOptions<InboxOptions> options, ILogger<WeixinCallbackQuery> logger, HttpContext http)
    {
        if (!SignatureHolds(query, options.Value) || string.IsNullOrEmpty(query.Echostr))
        {
            logger.LogWarning("Refused server-URL verification from {RemoteIp}: bad signature", http.Connection.RemoteIpAddress);
            return Results.Text("invalid signature", statusCode: StatusCodes.Status401Unauthorized);
        }

        return Results.Text(query.Echostr, "text/plain");
    }

    public static async Task<IResult> ReceiveAsync(
        WeixinCallbackQuery query, HttpContext http, InboxDbContext db, ItemStore items, InboxSignals signals,
        IOptions<InboxOptions> options, ILogger<WeixinCallbackQuery> logger)
    {
        var settings = options.Value;
        var remote = http.Connection.RemoteIpAddress;
        if (!SignatureHolds(query, settings))
        {
            logger.LogWarning("Refused message callback from {RemoteIp}: bad signature", remote);
            return Results.Text("invalid signature", statusCode: StatusCodes.Status401Unauthorized);
        }

        var sent = DateTimeOffset.FromUnixTimeSeconds(long.Parse(query.Timestamp!, CultureInfo.InvariantCulture));
        if ((items.UtcNow - sent.UtcDateTime).Duration() > settings.MaxTimestampSkew)
        {
            // Note: a valid signature on an old timestamp is a replay of a captured request.
            logger.LogWarning("Refused message callback from {RemoteIp}: stale timestamp {Timestamp}", remote, query.Timestamp);
            return Results.Text("stale timestamp", statusCode: StatusCodes.Status400BadRequest);
        }

        if (settings.RequireSafeMode && !string.Equals(query.EncryptType, "aes", StringComparison.Ordinal))
        {
            // Note: a plaintext callback is vouched for only by `signature`, which does not cover the body; with
            // Inbox:RequireSafeMode it is not stored (compatible mode posts encrypt_type=aes and passes).
            logger.LogWarning("Refused message callback from {RemoteIp}: plaintext (encrypt_type '{EncryptType}') while Inbox:RequireSafeMode is on", remote, Clip(query.EncryptType, 16));
            return Results.Text("safe mode required", statusCode: StatusCodes.Status403Forbidden);
        }

        var body = await ReadBodyAsync(http);
        if (body is null)
        {
            logger.LogWarning("Refused message callback from {RemoteIp}: body over {Limit} bytes", remote, WeixinXml.MaxCharacters);
            return Results.Text("body too large", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        string kind;
        try
        {
            kind = Classify(query, body, settings);
        }
        catch (WeixinXmlException ex)
        {
            logger.LogWarning("Refused message callback from {RemoteIp}: {Reason}", remote, ex.Message);
            return Results.Text("malformed xml", statusCode: StatusCodes.Status400BadRequest);
        }
        catch (UnauthorizedAccessException)
        {
            logger.LogWarning("Refused message callback from {RemoteIp}: bad msg_signature", remote);
            return Results.Text("invalid msg_signature", statusCode: StatusCodes.Status401Unauthorized);
        }
        catch (OpenIdMismatchException ex)
        {
            logger.LogWarning("Refused message callback from {RemoteIp}: query openid {QueryOpenId} is not the sender {FromUserName}", remote, query.OpenId, ex.FromUserName);
            return Results.Text("openid mismatch", statusCode: StatusCodes.Status400BadRequest);
        }

        var item = new InboxItem
        {
            Kind = kind,
            Status = InboxItemStatuses.Pending,
            CorrelationId = Correlation.Current ?? Correlation.NewId(),
            RemoteIp = remote?.ToString(),
            Body = body,
            Timestamp = query.Timestamp,
            Nonce = Clip(query.Nonce, 64, emptyAsNull: true),
            EncryptType = Clip(query.EncryptType, 16, emptyAsNull: true),
            MsgSignature = Clip(query.MsgSignature, 64, emptyAsNull: true),
            OpenId = Clip(query.OpenId, 64, emptyAsNull: true),
        };

        try
        {
            // Note: the replay check is part of the store (the group commit's transaction): a stored item's signature
            // is always remembered, and a refused one stores nothing.
            if (await items.StoreAsync(item, CallbackSignature.Of(query.Timestamp!, query.Nonce!, body), http.RequestAborted) == ReplayVerdict.Replay)
            {
                // Note: plaintext signatures do not cover the body; the same timestamp and nonce with another body is a
                // captured query reused for a forged message. A retry (same body) passes and is de-duplicated downstream.
                logger.LogWarning("Refused message callback from {RemoteIp}: timestamp {Timestamp} and nonce {Nonce} were already used with another body", remote, query.Timestamp, query.Nonce);
                return Results.Text("replayed signature", statusCode: StatusCodes.Status403Forbidden);
            }
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or DbUpdateException)
        {
            // Note: 503 makes WeChat retry; answering 200 without a committed row would lose the message.
            logger.LogError(ex, "Could not store a message callback: database unavailable");
            return Results.Text("temporarily unavailable", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        string? reply;
        try
        {
            reply = await WaitForReplyAsync(item, db, items, signals, settings, logger, http.RequestAborted);
        }
        finally
        {
            signals.Forget(item.Id);
        }

        return Results.Text(string.IsNullOrEmpty(reply) ? "success" : reply, "application/xml", Encoding.UTF8);
    }

    private static async Task<string?> WaitForReplyAsync(
        InboxItem item, InboxDbContext db, ItemStore items, InboxSignals signals, InboxOptions settings, ILogger logger, CancellationToken aborted)
    {
        var until = item.ReceivedAt + settings.ReplyWait;
        try
        {
            while (items.UtcNow < until)
            {
                // Note: a completion through this instance wakes the request at once and hands it the reply (no read
                // back); one through another instance is found in MySQL within AnotherInstanceCheck.
                var answered = await signals.ItemAnsweredOrAsync(item.Id, AnotherInstanceCheck, aborted);
                aborted.ThrowIfCancellationRequested();
                if (answered is not null)
                {
                    return answered;
                }

                var state = await db.Items.AsNoTracking().Where(i => i.Id == item.Id)
                    .Select(i => new { i.WaitState, i.ReplyBody, i.Status }).SingleAsync(aborted);
                if (state.WaitState == WaitStates.Answered)
                {
                    return state.ReplyBody;
                }

                if (state.Status is InboxItemStatuses.Failed or InboxItemStatuses.Expired)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // WeChat hung up early; fall through and close the window so the reply goes by customer service.
        }
        catch (DbException ex)
        {
            logger.LogWarning(ex, "Lost the database while waiting for item {ItemId}'s reply", item.Id);
            return null;
        }

        // Note: the completion may land at this very moment; the store's conditional update decides who won.
        if (await items.CloseReplyWindowAsync(item.Id, item.CorrelationId, CancellationToken.None))
        {
            return null;
        }

        return await db.Items.AsNoTracking().Where(i => i.Id == item.Id).Select(i => i.ReplyBody).SingleAsync(CancellationToken.None);
    }

    /// <summary>
    /// How often a waiting WeChat request reads its item when nothing woke it. Note: only a completion through another
    /// inbox instance needs this (one through this instance wakes the request at once), so it is a fraction of the
    /// 4 s wait rather than a quarter second: hundreds of requests wait at a time under load, each polling MySQL.
    /// </summary>
    private static readonly TimeSpan AnotherInstanceCheck = TimeSpan.FromMilliseconds(750);

    private static bool SignatureHolds(WeixinCallbackQuery query, InboxOptions settings) =>
        query.Timestamp is { Length: > 0 and <= 16 } && long.TryParse(query.Timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out _)
        && query.Nonce is { Length: > 0 and <= 64 }
        && WeixinSignature.Verify(query.Signature, settings.WeixinToken, query.Timestamp, query.Nonce);

    /// <summary>message or event; in safe mode the content is unreadable here, so also checks msg_signature.</summary>
    private static string Classify(WeixinCallbackQuery query, string body, InboxOptions settings)
    {
        var fields = WeixinXml.ReadFields(body);
        if (string.Equals(query.EncryptType, "aes", StringComparison.Ordinal))
        {
            if (!fields.TryGetValue("Encrypt", out var encrypt) || encrypt.Length == 0)
            {
                throw new WeixinXmlException("<Encrypt> is missing.");
            }

            if (!WeixinSignature.Verify(query.MsgSignature, settings.WeixinToken, query.Timestamp!, query.Nonce!, encrypt))
            {
                throw new UnauthorizedAccessException();
            }

            // Note: compatible mode also carries the plaintext fields (then the sender is checked here too); pure safe
            // mode does not, and the poller compares the query's openid with the decrypted sender.
            if (fields.TryGetValue("FromUserName", out var compatSender))
            {
                RequireSender(query, compatSender);
            }

            // Note: compatible mode also carries the plaintext fields; pure safe mode does not.
            return fields.TryGetValue("MsgType", out var compatType) && compatType == "event" ? InboxItemKinds.Event : InboxItemKinds.Message;
        }

        var message = WeixinXml.ToMessage(fields);
        RequireSender(query, message.FromUserName);
        return message.IsEvent ? InboxItemKinds.Event : InboxItemKinds.Message;
    }

    private static async Task<string?> ReadBodyAsync(HttpContext http)
    {
        var declared = http.Request.ContentLength;
        if (declared > WeixinXml.MaxCharacters)
        {
            return null;
        }

        // Note: a pooled buffer, sized by Content-Length when WeChat sends one (it does), so a message no longer
        // allocates 64 KB (issue 14's profile: ~450 KB allocated per message, GC ~11 % of the inbox's CPU). One byte
        // more than the limit is read, so a body longer than it declared (or chunked without a length) is still refused.
        var size = declared is { } length ? (int)length + 1 : WeixinXml.MaxCharacters + 1;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var total = 0;
            int read;
            while ((read = await http.Request.Body.ReadAsync(buffer.AsMemory(total, Math.Min(buffer.Length, WeixinXml.MaxCharacters + 1) - total), http.RequestAborted)) > 0)
            {
                total += read;
                if (total > WeixinXml.MaxCharacters)
                {
                    return null;
                }

                if (total == buffer.Length)
                {
                    // Note: longer than declared (or no length): grow, still bounded by the limit + 1 above.
                    var larger = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, WeixinXml.MaxCharacters + 1));
                    buffer.AsSpan(0, total).CopyTo(larger);
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }

            return Encoding.UTF8.GetString(buffer, 0, total);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// WeChat puts the sender's openid in the query too; it must be the message's <c>FromUserName</c>, so what the inbox
    /// stores and shows (the query's openid) is the sender. When WeChat leaves it out, nothing is compared.
    /// </summary>
    private static void RequireSender(WeixinCallbackQuery query, string fromUserName)
    {
        if (!string.IsNullOrEmpty(query.OpenId) && !string.Equals(query.OpenId, fromUserName, StringComparison.Ordinal))
        {
            throw new OpenIdMismatchException(fromUserName);
        }
    }
}

/// <summary>The query's <c>openid</c> is not the message's sender.</summary>
internal sealed class OpenIdMismatchException(string fromUserName) : Exception("The query's openid is not the message's FromUserName.")
{
    public string FromUserName { get; } = fromUserName;
}
