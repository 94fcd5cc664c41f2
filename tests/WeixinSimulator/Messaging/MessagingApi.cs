using Microsoft.AspNetCore.Http.HttpResults;
using Weixin.Inbox.WeixinSimulator.Users;

namespace Weixin.Inbox.WeixinSimulator.Messaging;

/// <summary>Control API (tests, scripts): make a test user message the account, and see what the user received.</summary>
internal static class MessagingApi
{
    public static IEndpointRouteBuilder MapMessaging(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/sim/users/{openId}");
        users.MapPost("/messages", SendAsync);
        users.MapGet("/received", Received);
        app.MapChatPage();
        return app;
    }

    /// <summary>
    /// Sends and answers once WeChat would be done: after the retries and, without a passive reply, after up to
    /// <c>CustomerServiceWait</c> for a customer-service message (so allow ~40 s with the defaults).
    /// </summary>
    private static async Task<Results<Ok<SendMessageResponse>, ValidationProblem, ProblemHttpResult>> SendAsync(
        string openId, SendMessageRequest body, UserDirectory users, Conversations conversations, MessageDelivery delivery)
    {
        var command = MessageCommand.Parse(body.Type, body.Content, body.EventKey, body.Mode, out var problems);
        if (command is null)
        {
            return TypedResults.ValidationProblem(problems);
        }

        if (MessageCommand.Refusal(openId, command, users, conversations, delivery) is { } refusal)
        {
            return TypedResults.Problem(refusal.Detail, statusCode: refusal.Status, title: refusal.Title);
        }

        return TypedResults.Ok(await delivery.SendAsync(openId, command.Action, command.Mode, command.Content, command.EventKey));
    }

    private static Results<Ok<IReadOnlyList<ReceivedMessage>>, ProblemHttpResult> Received(string openId, UserDirectory users, Conversations conversations) =>
        users.Find(openId) is null
            ? TypedResults.Problem($"No test user '{openId}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown user")
            : TypedResults.Ok(conversations.For(openId).Received());
}

/// <summary>Body of <c>POST /sim/users/{openid}/messages</c>.</summary>
/// <param name="Type"><c>text</c>, <c>click</c>, <c>subscribe</c> or <c>unsubscribe</c>.</param>
/// <param name="Content">The text (required for <c>text</c>).</param>
/// <param name="EventKey">The menu key (required for <c>click</c>).</param>
/// <param name="Mode"><c>plain</c> (default), <c>compat</c> or <c>aes</c>.</param>
internal sealed record SendMessageRequest(string? Type, string? Content, string? EventKey, string? Mode);

/// <summary>A validated user action, from the JSON API or the chat page's form.</summary>
internal sealed record MessageCommand(UserAction Action, CallbackMode Mode, string? Content, string? EventKey)
{
    public static MessageCommand? Parse(string? type, string? content, string? eventKey, string? mode, out Dictionary<string, string[]> problems)
    {
        problems = [];
        UserAction? action = type switch
        {
            "text" => UserAction.Text,
            "click" => UserAction.Click,
            "subscribe" => UserAction.Subscribe,
            "unsubscribe" => UserAction.Unsubscribe,
            _ => null,
        };
        CallbackMode? callbackMode = mode switch
        {
            null or "" or "plain" => CallbackMode.Plain,
            "compat" => CallbackMode.Compat,
            "aes" => CallbackMode.Aes,
            _ => null,
        };

        if (action is null)
        {
            problems["type"] = ["type must be text, click, subscribe or unsubscribe."];
        }

        if (callbackMode is null)
        {
            problems["mode"] = ["mode must be plain, compat or aes."];
        }

        if (action == UserAction.Text && string.IsNullOrEmpty(content))
        {
            problems["content"] = ["content is required for a text message (WeChat cannot send an empty one)."];
        }

        if (action == UserAction.Click && string.IsNullOrEmpty(eventKey))
        {
            problems["eventKey"] = ["eventKey is required for a click (the menu button's key)."];
        }

        return problems.Count > 0 ? null : new MessageCommand(action!.Value, callbackMode!.Value, content, eventKey);
    }

    /// <summary>Null when the user can do this now, else why not (as a problem's status, title and detail).</summary>
    public static (int Status, string Title, string Detail)? Refusal(
        string openId, MessageCommand command, UserDirectory users, Conversations conversations, MessageDelivery delivery)
    {
        if (!delivery.Enabled)
        {
            return (StatusCodes.Status409Conflict, "Messaging is off",
                "Simulator:CallbackUrl is empty: set it (environment Simulator__CallbackUrl) to the inbox's /wx/callback, e.g. http://127.0.0.1:5000/wx/callback.");
        }

        if (users.Find(openId) is null)
        {
            return (StatusCodes.Status404NotFound, "Unknown user", $"No test user '{openId}'; add one with POST /sim/users.");
        }

        if (command.Action is UserAction.Text or UserAction.Click && !conversations.For(openId).Following)
        {
            return (StatusCodes.Status409Conflict, "Not following",
                $"'{openId}' unfollowed the account and cannot message it; send subscribe first.");
        }

        return null;
    }
}
