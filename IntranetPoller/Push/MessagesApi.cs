using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Weixin.Inbox.Contracts.Diagnostics;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Contracts.Signing;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.Gateway;
using Weixin.Inbox.IntranetPoller.Users;

namespace Weixin.Inbox.IntranetPoller.Push;

/// <summary>
/// The push messages API (<c>/gateway/v1/messages</c>, signed like the rest of the gateway): queue a template or
/// customer-service message in the durable outbox, read its delivery status, list messages, re-send a failed one.
/// </summary>
public static class MessagesApi
{
    /// <summary>Default page size of the list.</summary>
    public const int DefaultLimit = 50;

    /// <summary>Largest page size of the list.</summary>
    public const int MaxLimit = 200;

    private static readonly string[] Statuses =
        [MessageStatuses.Queued, MessageStatuses.Sending, MessageStatuses.Sent, MessageStatuses.Failed, MessageStatuses.Dead];

    /// <summary>Maps <c>/gateway/v1/messages</c>.</summary>
    public static IEndpointRouteBuilder MapMessagesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/gateway/v1/messages").RequireSignedClientRequests(GatewayApi.SigningName);
        api.MapPost("", Send);
        api.MapGet("/{id:long}", Get);
        api.MapGet("", List);
        api.MapPost("/{id:long}/resend", Resend);
        return app;
    }

    /// <summary>Queues a message: 202 when new, 200 when the key already queued the same message.</summary>
    public static async Task<Results<Accepted<MessageStatus>, Ok<MessageStatus>, ProblemHttpResult>> Send(
        SendMessageRequest? request, HttpContext http, [AsParameters] MessagesServices services, CancellationToken cancellationToken)
    {
        var problems = SendMessageValidator.Validate(request);
        if (problems.Count > 0)
        {
            var (field, first) = problems.First();
            services.Logger.LogInformation("Push message refused: invalid {Fields}", string.Join(", ", problems.Keys));
            return Problem(StatusCodes.Status400BadRequest, MessageErrors.Invalid, $"Invalid field {field}.", first,
                problems.ToDictionary(p => p.Key, p => (object?)p.Value));
        }

        var user = await services.Users.FindAsync(request!.OpenId, cancellationToken);
        if (user is null)
        {
            return Problem(StatusCodes.Status404NotFound, MessageErrors.UnknownUser, "Unknown WeChat user.",
                "The openid is not in the gateway's user directory: the user never logged in through the gateway nor wrote to the account.");
        }

        // Note: only a recorded unsubscribe counts; a user known from a login may follow without the gateway having seen the event.
        if (!user.Subscribed && user.UnsubscribedAt is not null)
        {
            return Problem(StatusCodes.Status422UnprocessableEntity, MessageErrors.UserUnsubscribed, "The user unfollowed the account.",
                $"The user unfollowed the official account at {user.UnsubscribedAt:u}; WeChat would refuse the message.");
        }

        var (kind, payload, hash) = OutboxPayload.Of(request!);
        // Note: datetime(6) keeps microseconds; the 202 answer shows the time as a later read will.
        var clock = services.Time.GetUtcNow();
        var now = clock.AddTicks(-(clock.Ticks % 10));
        var (message, created) = await services.Store.EnqueueAsync(new OutboxMessage
        {
            IdempotencyKey = request!.IdempotencyKey,
            OpenId = request.OpenId,
            Kind = kind,
            Payload = payload,
            PayloadHash = hash,
            Status = MessageStatuses.Queued,
            NextAttemptAt = now,
            CreatedAt = now,
            CorrelationId = Correlation.Current ?? Correlation.NewId(),
            ClientId = SignedRequestClient.Of(http),
        }, cancellationToken);

        if (!created)
        {
            if (message.PayloadHash != hash)
            {
                services.Logger.LogWarning("Push message {MessageId}: idempotency key {IdempotencyKey} reused with other content; refused",
                    message.Id, message.IdempotencyKey);
                return Problem(StatusCodes.Status409Conflict, MessageErrors.IdempotencyConflict, "Idempotency key already used.",
                    $"The idempotency key was used for message {message.Id} with other content; choose a new key for a new message.");
            }

            return TypedResults.Ok(ToStatus(message));
        }

        services.Logger.LogInformation("Push message {MessageId} (key {IdempotencyKey}) queued: {Kind} to {OpenId}",
            message.Id, message.IdempotencyKey, message.Kind, message.OpenId);
        return TypedResults.Accepted($"/gateway/v1/messages/{message.Id}", ToStatus(message));
    }

    /// <summary>One message's delivery status.</summary>
    public static async Task<Results<Ok<MessageStatus>, ProblemHttpResult>> Get(
        long id, [AsParameters] MessagesServices services, CancellationToken cancellationToken) =>
        await services.Store.FindAsync(id, cancellationToken) is { } message
            ? TypedResults.Ok(ToStatus(message))
            : NotFound(id);

    /// <summary>Messages newest first, optionally in one status.</summary>
    public static async Task<Results<Ok<MessageList>, ProblemHttpResult>> List(
        string? status, int? limit, [AsParameters] MessagesServices services, CancellationToken cancellationToken)
    {
        if (status is not null && !Statuses.Contains(status))
        {
            return Problem(StatusCodes.Status400BadRequest, MessageErrors.Invalid, "Invalid field status.",
                $"status must be one of {string.Join(", ", Statuses)}.", new Dictionary<string, object?> { ["status"] = "unknown status" });
        }

        if (limit is < 1 or > MaxLimit)
        {
            return Problem(StatusCodes.Status400BadRequest, MessageErrors.Invalid, "Invalid field limit.",
                $"limit must be between 1 and {MaxLimit}.", new Dictionary<string, object?> { ["limit"] = "out of range" });
        }

        var messages = await services.Store.ListAsync(status, limit ?? DefaultLimit, cancellationToken);
        return TypedResults.Ok(new MessageList([.. messages.Select(ToStatus)]));
    }

    /// <summary>Queues a failed or dead message again; 409 for any other state.</summary>
    public static async Task<Results<Ok<MessageStatus>, ProblemHttpResult>> Resend(
        long id, [AsParameters] MessagesServices services, CancellationToken cancellationToken)
    {
        if (!await services.Store.ResendAsync(id, cancellationToken))
        {
            return await services.Store.FindAsync(id, cancellationToken) is { } current
                ? Problem(StatusCodes.Status409Conflict, MessageErrors.NotResendable, "Message cannot be re-sent.",
                    $"Message {id} is {current.Status}; only failed or dead messages can be re-sent.")
                : NotFound(id);
        }

        var message = await services.Store.FindAsync(id, cancellationToken) ?? throw new InvalidOperationException($"Message {id} vanished.");
        services.Logger.LogInformation("Push message {MessageId} (key {IdempotencyKey}) queued again by a resend", message.Id, message.IdempotencyKey);
        return TypedResults.Ok(ToStatus(message));
    }

    /// <summary>The wire form of a row.</summary>
    public static MessageStatus ToStatus(OutboxMessage message) => new(
        message.Id,
        message.IdempotencyKey,
        message.OpenId,
        message.Kind,
        message.Status,
        message.Attempts,
        message.CreatedAt,
        message.Status == MessageStatuses.Queued ? message.NextAttemptAt : null,
        message.SentAt,
        message.LastErrCode,
        message.LastError,
        message.WeixinMsgId,
        message.SentAs);

    private static ProblemHttpResult NotFound(long id) =>
        Problem(StatusCodes.Status404NotFound, MessageErrors.NotFound, "Unknown message.", $"No push message {id}.");

    private static ProblemHttpResult Problem(int status, string code, string title, string detail, IDictionary<string, object?>? errors = null)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail, Extensions = { ["code"] = code } };
        if (errors is not null)
        {
            problem.Extensions["errors"] = errors;
        }

        return TypedResults.Problem(problem);
    }
}

/// <summary>What the messages handlers need, bundled.</summary>
public sealed class MessagesServices(WeixinUserDirectory users, OutboxStore store, TimeProvider time, ILoggerFactory loggers)
{
    /// <summary>The WeChat user directory.</summary>
    public WeixinUserDirectory Users { get; } = users;

    /// <summary>The outbox.</summary>
    public OutboxStore Store { get; } = store;

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; } = time;

    /// <summary>Creates loggers.</summary>
    public ILoggerFactory Loggers { get; } = loggers;

    /// <summary>Log of the messages API (category <see cref="MessagesApi"/>).</summary>
    public ILogger Logger => Loggers.CreateLogger(typeof(MessagesApi));
}
