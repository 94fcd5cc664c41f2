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
        };
        users.Upsert(user);
        loggers.CreateLogger("WeixinSimulator.Control").LogInformation("Test user {OpenId} added or replaced", user.OpenId);
        return TypedResults.Ok(WithAbsoluteAvatar(user, request));
    }

    private static Ok<StatsResponse> GetStats(SimulatorStats stats) => TypedResults.Ok(stats.Snapshot());

    private static Ok<AccessTokenFault> GetFault(FaultInjector faults) =>
        TypedResults.Ok(faults.Current ?? new AccessTokenFault(0, 0, 0));

    private static Results<Ok<AccessTokenFault>, ValidationProblem> SetFault(
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

        var fault = new AccessTokenFault(body.AccessTokenErrcode ?? 0, count, delayMs);
        faults.Set(fault);
        loggers.CreateLogger("WeixinSimulator.Control").LogInformation(
            "Next {Count} access_token calls answer errcode {Errcode} after {DelayMs} ms", count, fault.AccessTokenErrcode, delayMs);
        return TypedResults.Ok(faults.Current ?? new AccessTokenFault(0, 0, 0));
    }

    private static NoContent ClearFault(FaultInjector faults)
    {
        faults.Set(null);
        return TypedResults.NoContent();
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
    string? Country);

/// <summary>Body of <c>POST /sim/faults</c>: <c>count</c> defaults to 1, <c>delayMs</c> to 0.</summary>
internal sealed record SetFaultRequest(int? AccessTokenErrcode, int? Count, int? DelayMs);
