using Microsoft.AspNetCore.Http.HttpResults;
using Weixin.Inbox.WeixinSimulator.Users;

namespace Weixin.Inbox.WeixinSimulator.Control;

/// <summary>JSON control API for tests and scripts; not part of WeChat.</summary>
internal static class SimControlApi
{
    private const int MaxDelayMs = 120_000;

    public static IEndpointRouteBuilder MapSimControl(this IEndpointRouteBuilder app)
    {
        var sim = app.MapGroup("/sim");
        sim.MapGet("/users", ListUsers);
        sim.MapPost("/users", UpsertUser);
        sim.MapGet("/stats", GetStats);
        sim.MapGet("/faults", GetFault);
        sim.MapPost("/faults", SetFault);
        sim.MapDelete("/faults", ClearFault);
        sim.MapPost("/users/{openId}/conversation", SetConversation);
        return app;
    }

    private static Ok<TestUser[]> ListUsers(UserDirectory users, HttpRequest request) =>
        TypedResults.Ok(users.All().Select(u => WithAbsoluteAvatar(u, request)).ToArray());

    private static Results<Ok<TestUser>, ValidationProblem> UpsertUser(
        UpsertUserRequest body, UserDirectory users, HttpRequest request, ILoggerFactory loggers)
    {
        var problems = new Dictionary<string, string[]>();
        if (TestUser.ValidateOpenId(body.OpenId) is { } openIdProblem)
        {
            problems["openId"] = [$"openId {openIdProblem}"];
        }

        if (string.IsNullOrWhiteSpace(body.Nickname))
        {
            problems["nickname"] = ["nickname is required."];
        }

        if (body.HeadImgUrl is not null && !TestUser.IsAcceptableAvatarUrl(body.HeadImgUrl))
        {
            problems["headImgUrl"] = ["headImgUrl must be an absolute http(s) URL, a data:image URL or a path starting with '/'."];
        }

        if (problems.Count > 0)
        {
            return TypedResults.ValidationProblem(problems);
        }

        var user = new TestUser
        {
            OpenId = body.OpenId!,
            Nickname = body.Nickname!,
            HeadImgUrl = body.HeadImgUrl,
            UnionId = string.IsNullOrEmpty(body.UnionId) ? null : body.UnionId,
            Sex = body.Sex ?? 0,
            Province = body.Province ?? "",
            City = body.City ?? "",
            Country = body.Country ?? "",
            Snapshot = body.Snapshot ?? false,
        };
        users.Upsert(user);
        loggers.CreateLogger("WeixinSimulator.Control").LogInformation("Test user {OpenId} added or replaced", user.OpenId);
        return TypedResults.Ok(WithAbsoluteAvatar(user, request));
    }

    private static Ok<StatsResponse> GetStats(SimulatorStats stats) => TypedResults.Ok(stats.Snapshot());

    private static Ok<FaultsResponse> GetFault(FaultInjector faults) => TypedResults.Ok(FaultsResponse.Of(faults));

    private static Results<Ok<FaultsResponse>, ValidationProblem> SetFault(
        SetFaultRequest body, FaultInjector faults, ILoggerFactory loggers)
    {
        var count = body.Count ?? 1;
        var delayMs = body.DelayMs ?? 0;
        var problems = new Dictionary<string, string[]>();
        if (count < 0)
        {
            problems["count"] = ["count must be 0 or more (0 clears the fault)."];
        }

        if (delayMs is < 0 or > MaxDelayMs)
        {
            problems["delayMs"] = [$"delayMs must be between 0 and {MaxDelayMs}."];
        }

        if (problems.Count > 0)
        {
            return TypedResults.ValidationProblem(problems);
        }

        var logger = loggers.CreateLogger("WeixinSimulator.Control");
        if (body.TemplateErrcode is { } templateErrcode)
        {
            faults.Template.Set(new TemplateFault(templateErrcode, count));
            logger.LogInformation("Next {Count} message/template/send calls answer errcode {Errcode}", count, templateErrcode);
        }

        if (body.ApiTokenErrcode is { } apiTokenErrcode)
        {
            faults.ApiToken.Set(new ApiTokenFault(apiTokenErrcode, count));
            logger.LogInformation("Next {Count} cgi-bin/token and stable_token calls answer errcode {Errcode}", count, apiTokenErrcode);
        }

        // Note: a body without templateErrcode or apiTokenErrcode sets the access_token fault, as before; with one,
        // only when accessTokenErrcode or delayMs is given too.
        if ((body.TemplateErrcode is null && body.ApiTokenErrcode is null) || body.AccessTokenErrcode is not null || body.DelayMs is not null)
        {
            var fault = new AccessTokenFault(body.AccessTokenErrcode ?? 0, count, delayMs);
            faults.OAuthToken.Set(fault);
            logger.LogInformation(
                "Next {Count} access_token calls answer errcode {Errcode} after {DelayMs} ms", count, fault.AccessTokenErrcode, delayMs);
        }

        return TypedResults.Ok(FaultsResponse.Of(faults));
    }

    private static NoContent ClearFault(FaultInjector faults)
    {
        faults.Clear();
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Sets a user's side of the chat without a callback (messaging may be off): <c>following</c> follows or
    /// unfollows the account; <c>interacted: true</c> plays an interaction now, of <c>kind</c> <c>message</c>
    /// (default: 5 customer-service messages within 48 h), <c>click</c>, <c>follow</c> or <c>scan</c> (3 within 1 minute).
    /// </summary>
    private static Results<Ok<ConversationResponse>, ValidationProblem, ProblemHttpResult> SetConversation(
        string openId, SetConversationRequest body, UserDirectory users, Messaging.Conversations conversations, TimeProvider time)
    {
        Messaging.Interaction? kind = body.Kind switch
        {
            null or "" or "message" => Messaging.Interaction.Message,
            "click" => Messaging.Interaction.Click,
            "follow" => Messaging.Interaction.Follow,
            "scan" => Messaging.Interaction.Scan,
            _ => null,
        };
        if (kind is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["kind"] = ["kind must be message, click, follow or scan."] });
        }

        if (users.Find(openId) is null)
        {
            return TypedResults.Problem($"No test user '{openId}'; add one with POST /sim/users.", statusCode: StatusCodes.Status404NotFound, title: "Unknown user");
        }

        var conversation = conversations.For(openId);
        if (body.Following is { } following)
        {
            conversation.SetFollowing(following);
        }

        if (body.Interacted == true)
        {
            conversation.Interacted(kind.Value, time.GetUtcNow(), kind == Messaging.Interaction.Follow ? true : null);
        }

        return TypedResults.Ok(new ConversationResponse(conversation.Following, conversation.LastInteraction, conversation.Grants()));
    }

    private static TestUser WithAbsoluteAvatar(TestUser user, HttpRequest request) =>
        user with { HeadImgUrl = user.AbsoluteAvatarUrl(request) };
}

/// <summary>Body of <c>POST /sim/users</c>; <c>openId</c> and <c>nickname</c> are required.</summary>
internal sealed record UpsertUserRequest(
    string? OpenId,
    string? Nickname,
    string? HeadImgUrl,
    string? UnionId,
    int? Sex,
    string? Province,
    string? City,
    string? Country,
    bool? Snapshot = null);

/// <summary>
/// Body of <c>POST /sim/faults</c>: <c>count</c> defaults to 1, <c>delayMs</c> to 0. <c>accessTokenErrcode</c> / <c>delayMs</c>
/// affect sns/oauth2/access_token, <c>templateErrcode</c> message/template/send, <c>apiTokenErrcode</c>
/// cgi-bin/token and cgi-bin/stable_token (each for <c>count</c> calls).
/// </summary>
internal sealed record SetFaultRequest(int? AccessTokenErrcode, int? Count, int? DelayMs, int? TemplateErrcode = null, int? ApiTokenErrcode = null);

/// <summary>Body of <c>POST /sim/users/{openid}/conversation</c>; each field optional (<c>kind</c>: message, click, follow, scan).</summary>
internal sealed record SetConversationRequest(bool? Following, bool? Interacted, string? Kind = null);

/// <summary>A user's follow state, last interaction and customer-service quotas (<c>grants</c>: kind, openedAt, until, allowed, used).</summary>
internal sealed record ConversationResponse(bool Following, DateTimeOffset? LastInteraction, IReadOnlyList<Messaging.ServiceGrant> Grants);

/// <summary>
/// The pending faults: the access_token fault's fields as before (<c>accessTokenErrcode</c>, <c>count</c>, <c>delayMs</c>),
/// plus the template fault's <c>templateErrcode</c> and <c>templateCount</c> and the cgi-bin/token fault's
/// <c>apiTokenErrcode</c> and <c>apiTokenCount</c>.
/// </summary>
internal sealed record FaultsResponse(int AccessTokenErrcode, int Count, int DelayMs, int TemplateErrcode, int TemplateCount, int ApiTokenErrcode = 0, int ApiTokenCount = 0)
{
    public static FaultsResponse Of(FaultInjector faults)
    {
        var access = faults.OAuthToken.Current ?? new AccessTokenFault(0, 0, 0);
        var template = faults.Template.Current ?? new TemplateFault(0, 0);
        var apiToken = faults.ApiToken.Current ?? new ApiTokenFault(0, 0);
        return new(access.AccessTokenErrcode, access.Count, access.DelayMs, template.TemplateErrcode, template.Count, apiToken.ApiTokenErrcode, apiToken.Count);
    }
}
