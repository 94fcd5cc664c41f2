using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Contracts.Inbox;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.Inbox;
using Weixin.Inbox.IntranetPoller.OAuth;
using Weixin.Inbox.IntranetPoller.Tests.Weixin;
using Weixin.Inbox.IntranetPoller.Users;
using Weixin.Inbox.IntranetPoller.Weixin;

namespace Weixin.Inbox.IntranetPoller.Tests.OAuth;

/// <summary>
/// The handler against the real gateway database (DML-only user); only WeChat's API is stood in for.
/// </summary>
public class OAuthItemHandlerTests(GatewayDatabaseFixture fixture) : IClassFixture<GatewayDatabaseFixture>
{
    private const string AppSecret = "f0e1d2c3b4a5968778695a4b3c2d1e0f";
    private const string ReturnUrl = "http://127.0.0.1:5300/login/weixin/done";
    private const string ErrorUrl = "http://127.0.0.1:5300/login";
    private const string DefaultErrorUrl = "http://127.0.0.1:5300/login?from=gateway";

    private static long _lastItemId = RandomNumberGenerator.GetInt32(1, 1_000_000) * 1000L;

    private static readonly OAuthOptions OAuth = new()
    {
        CallbackUrl = "https://wx.example.com/wx/oauth/callback",
        AllowedReturnPrefixes = ["http://127.0.0.1:5300/"],
        DefaultErrorUrl = DefaultErrorUrl,
        MaxAttempts = 3,
        TicketLifetime = TimeSpan.FromSeconds(60),
    };

    [Fact]
    public async Task HandleAsync_IssuesATicketAndStoresOnlyItsHash()
    {
        var login = await StartLoginAsync();
        var openId = NewOpenId();
        var weixin = FakeWeixinServer.ByPath(() => FakeWeixinServer.TokenJson(openId), () => FakeWeixinServer.UserInfoJson(openId, "张三🙂"));
        var before = DateTimeOffset.UtcNow;

        var decision = await HandleAsync(weixin, NewItem(login.State, "CODE_OK"));

        var complete = Assert.IsType<ItemDecision.Complete>(decision);
        Assert.Equal(OAuthItemHandler.TicketIssuedOutcome, complete.Outcome);
        Assert.StartsWith(ReturnUrl + "?ticket=", complete.RedirectUrl, StringComparison.Ordinal);
        var ticket = TicketOf(complete);

        var stored = await ReadLoginAsync(login.Id);
        Assert.Equal(LoginStatuses.TicketIssued, stored.Status);
        Assert.Equal(openId, stored.OpenId);
        Assert.NotEqual(ticket, stored.TicketHash);
        Assert.True(LoginSecrets.TicketMatches(ticket, stored.TicketHash));
        Assert.InRange(stored.TicketExpiresAt!.Value, before + OAuth.TicketLifetime - TimeSpan.FromSeconds(1), DateTimeOffset.UtcNow + OAuth.TicketLifetime + TimeSpan.FromSeconds(1));

        var user = await ReadUserAsync(openId);
        Assert.Equal("张三🙂", user.Nickname); // utf8mb4 all the way
        Assert.Equal(1, user.LoginCount);

        var exchange = Assert.Single(weixin.Requests, r => r.AbsolutePath.EndsWith("/sns/oauth2/access_token", StringComparison.Ordinal));
        var query = QueryHelpers.ParseQuery(exchange.Query);
        Assert.Equal("wx1234567890abcdef", query["appid"].ToString());
        Assert.Equal(AppSecret, query["secret"].ToString());
        Assert.Equal("CODE_OK", query["code"].ToString());
        Assert.Equal("authorization_code", query["grant_type"].ToString());
    }

    [Fact]
    public async Task HandleAsync_DeliveredAgain_ReplacesTheTicketWithoutASecondLogin()
    {
        var login = await StartLoginAsync();
        var openId = NewOpenId();
        var weixin = FakeWeixinServer.ByPath(() => FakeWeixinServer.TokenJson(openId), () => FakeWeixinServer.UserInfoJson(openId));
        var item = NewItem(login.State, "CODE_AGAIN");

        var first = TicketOf(Assert.IsType<ItemDecision.Complete>(await HandleAsync(weixin, item)));
        var second = TicketOf(Assert.IsType<ItemDecision.Complete>(await HandleAsync(weixin, item with { Attempts = 2, LeaseId = NewLease() })));

        Assert.NotEqual(first, second);
        var stored = await ReadLoginAsync(login.Id);
        Assert.False(LoginSecrets.TicketMatches(first, stored.TicketHash)); // exactly one valid ticket per login
        Assert.True(LoginSecrets.TicketMatches(second, stored.TicketHash));
        Assert.Equal(1, (await ReadUserAsync(openId)).LoginCount);
        Assert.Equal(1, weixin.CountOf("/sns/oauth2/access_token")); // the spent code is not sent again
    }

    [Theory]
    [InlineData(40029, LoginErrors.CodeInvalid)]
    [InlineData(40163, LoginErrors.CodeUsed)]
    [InlineData(48001, LoginErrors.ApiUnauthorized)]
    [InlineData(40013, LoginErrors.WeixinError)]
    [InlineData(41008, LoginErrors.WeixinError)]
    public async Task HandleAsync_MapsWeChatErrcodesToLoginErrors(int errCode, string expected)
    {
        var login = await StartLoginAsync();
        var weixin = FakeWeixinServer.ByPath(() => $$"""{"errcode":{{errCode}},"errmsg":"error, rid: 1"}""", () => throw new InvalidOperationException("userinfo must not be called"));

        var decision = await HandleAsync(weixin, NewItem(login.State, "CODE_BAD"));

        var complete = Assert.IsType<ItemDecision.Complete>(decision);
        Assert.Equal(expected, complete.Outcome);
        Assert.Equal($"{ErrorUrl}?err={expected}", complete.RedirectUrl);
        var stored = await ReadLoginAsync(login.Id);
        Assert.Equal(LoginStatuses.Failed, stored.Status);
        Assert.Equal(expected, stored.ErrorCode);
        Assert.Null(stored.TicketHash);
        Assert.Equal(0, weixin.CountOf("/sns/userinfo"));
    }

    [Fact]
    public async Task HandleAsync_MapsAUserInfoErrcodeToWeixinError()
    {
        var login = await StartLoginAsync();
        var weixin = FakeWeixinServer.ByPath(() => FakeWeixinServer.TokenJson(NewOpenId()), () => """{"errcode":40003,"errmsg":"invalid openid"}""");

        var complete = Assert.IsType<ItemDecision.Complete>(await HandleAsync(weixin, NewItem(login.State, "CODE_X")));

        Assert.Equal(LoginErrors.WeixinError, complete.Outcome);
        Assert.Equal(LoginStatuses.Failed, (await ReadLoginAsync(login.Id)).Status);
    }

    [Theory]
    [InlineData("busy")]
    [InlineData("http503")]
    [InlineData("http429")]
    [InlineData("timeout")]
    [InlineData("network")]
    [InlineData("html")]
    [InlineData("truncated")]
    public async Task HandleAsync_RetriesLaterWhenWeChatIsBusyOrUnreachable(string failure)
    {
        var login = await StartLoginAsync();
        var weixin = new FakeWeixinServer(FailWith(failure));

        var decision = await HandleAsync(weixin, NewItem(login.State, "CODE_RETRY"), httpTimeout: TimeSpan.FromMilliseconds(300));

        var retry = Assert.IsType<ItemDecision.RetryLater>(decision);
        Assert.DoesNotContain(AppSecret, retry.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("CODE_RETRY", retry.Error, StringComparison.Ordinal);
        var stored = await ReadLoginAsync(login.Id);
        Assert.Equal(LoginStatuses.Pending, stored.Status); // still open for the next attempt
        Assert.Null(stored.ErrorCode);
    }

    [Fact]
    public async Task HandleAsync_GivesUpWithWeixinUnavailableAtMaxAttempts()
    {
        var login = await StartLoginAsync();
        var weixin = new FakeWeixinServer(FailWith("busy"));

        var decision = await HandleAsync(weixin, NewItem(login.State, "CODE_LAST", attempts: OAuth.MaxAttempts));

        var complete = Assert.IsType<ItemDecision.Complete>(decision);
        Assert.Equal(LoginErrors.WeixinUnavailable, complete.Outcome);
        Assert.Equal($"{ErrorUrl}?err={LoginErrors.WeixinUnavailable}", complete.RedirectUrl);
        Assert.Equal(LoginErrors.WeixinUnavailable, (await ReadLoginAsync(login.Id)).ErrorCode);
    }

    [Fact]
    public async Task HandleAsync_AfterABusyExchange_SucceedsOnTheNextAttempt()
    {
        var login = await StartLoginAsync();
        var openId = NewOpenId();
        var calls = 0;
        var weixin = FakeWeixinServer.ByPath(
            () => Interlocked.Increment(ref calls) == 1 ? """{"errcode":-1,"errmsg":"system error"}""" : FakeWeixinServer.TokenJson(openId),
            () => FakeWeixinServer.UserInfoJson(openId));
        var item = NewItem(login.State, "CODE_BUSY_ONCE");

        Assert.IsType<ItemDecision.RetryLater>(await HandleAsync(weixin, item));
        var decision = await HandleAsync(weixin, item with { Attempts = 2, LeaseId = NewLease() });

        Assert.Equal(OAuthItemHandler.TicketIssuedOutcome, Assert.IsType<ItemDecision.Complete>(decision).Outcome);
    }

    [Fact]
    public async Task HandleAsync_AfterABusyUserInfo_DoesNotEndInCodeUsed()
    {
        // WeChat accepts a code once: after a successful exchange, the same code answers 40163. A transient
        // failure of sns/userinfo must therefore not lead to a retry that exchanges the spent code again.
        var login = await StartLoginAsync();
        var openId = NewOpenId();
        var spentCodes = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var userInfoCalls = 0;
        var weixin = new FakeWeixinServer((request, _) =>
        {
            var query = QueryHelpers.ParseQuery(request.RequestUri!.Query);
            if (request.RequestUri.AbsolutePath.EndsWith("/sns/oauth2/access_token", StringComparison.Ordinal))
            {
                return Task.FromResult(FakeWeixinServer.Json(spentCodes.TryAdd(query["code"].ToString(), true)
                    ? FakeWeixinServer.TokenJson(openId)
                    : """{"errcode":40163,"errmsg":"code been used"}"""));
            }

            return Task.FromResult(FakeWeixinServer.Json(Interlocked.Increment(ref userInfoCalls) == 1
                ? """{"errcode":-1,"errmsg":"system error"}"""
                : FakeWeixinServer.UserInfoJson(openId)));
        });
        var item = NewItem(login.State, "CODE_ONCE");

        var decision = await HandleAsync(weixin, item);
        if (decision is ItemDecision.RetryLater)
        {
            decision = await HandleAsync(weixin, item with { Attempts = 2, LeaseId = NewLease() });
        }

        var complete = Assert.IsType<ItemDecision.Complete>(decision);
        Assert.NotEqual(LoginErrors.CodeUsed, complete.Outcome); // the user used the code once; "already used" would be false
    }

    [Fact]
    public async Task HandleAsync_UnknownState_GoesToTheDefaultErrorUrlWithoutCallingWeChat()
    {
        var weixin = FakeWeixinServer.ByPath(() => FakeWeixinServer.TokenJson(), () => FakeWeixinServer.UserInfoJson());

        var decision = await HandleAsync(weixin, NewItem(LoginSecrets.NewToken(), "CODE"));

        var complete = Assert.IsType<ItemDecision.Complete>(decision);
        Assert.Equal(LoginErrors.StateUnknown, complete.Outcome);
        Assert.Equal($"{DefaultErrorUrl}&err={LoginErrors.StateUnknown}", complete.RedirectUrl);
        Assert.Empty(weixin.Requests);
    }

    [Fact]
    public async Task HandleAsync_StateInAnotherCase_IsUnknown()
    {
        // Note: states are case-sensitive base64url; a *_ci collation would make them match.
        var login = await StartLoginAsync();
        var weixin = FakeWeixinServer.ByPath(() => FakeWeixinServer.TokenJson(), () => FakeWeixinServer.UserInfoJson());
        var otherCase = new string(login.State.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)).ToArray());

        var decision = await HandleAsync(weixin, NewItem(otherCase, "CODE"));

        Assert.Equal(LoginErrors.StateUnknown, Assert.IsType<ItemDecision.Complete>(decision).Outcome);
        Assert.Empty(weixin.Requests);
    }

    [Fact]
    public async Task HandleAsync_ExpiredState_IsRefusedWithoutCallingWeChat()
    {
        var login = await StartLoginAsync(expiresIn: TimeSpan.FromSeconds(-1));
        var weixin = FakeWeixinServer.ByPath(() => FakeWeixinServer.TokenJson(), () => FakeWeixinServer.UserInfoJson());

        var decision = await HandleAsync(weixin, NewItem(login.State, "CODE"));

        var complete = Assert.IsType<ItemDecision.Complete>(decision);
        Assert.Equal(LoginErrors.StateExpired, complete.Outcome);
        Assert.Equal($"{ErrorUrl}?err={LoginErrors.StateExpired}", complete.RedirectUrl);
        Assert.Empty(weixin.Requests);
    }

    [Fact]
    public async Task HandleAsync_StateAlreadyUsedByAnotherItem_IsRefusedAndTheFirstLoginStands()
    {
        var login = await StartLoginAsync();
        var openId = NewOpenId();
        var weixin = FakeWeixinServer.ByPath(() => FakeWeixinServer.TokenJson(openId), () => FakeWeixinServer.UserInfoJson(openId));
        var first = TicketOf(Assert.IsType<ItemDecision.Complete>(await HandleAsync(weixin, NewItem(login.State, "CODE_1"))));

        var replay = await HandleAsync(weixin, NewItem(login.State, "CODE_2"));

        var complete = Assert.IsType<ItemDecision.Complete>(replay);
        Assert.Equal(LoginErrors.StateUsed, complete.Outcome);
        Assert.Equal(1, weixin.CountOf("/sns/oauth2/access_token"));
        var stored = await ReadLoginAsync(login.Id);
        Assert.Equal(LoginStatuses.TicketIssued, stored.Status);
        Assert.True(LoginSecrets.TicketMatches(first, stored.TicketHash));
    }

    [Fact]
    public async Task HandleAsync_TwoItemsRacingForOneState_OnlyOneGetsATicket()
    {
        var login = await StartLoginAsync();
        var openId = NewOpenId();
        var weixin = FakeWeixinServer.ByPath(() => FakeWeixinServer.TokenJson(openId), () => FakeWeixinServer.UserInfoJson(openId));
        using var start = new Barrier(2);

        var decisions = await Task.WhenAll(
            Task.Run(() => { start.SignalAndWait(); return HandleAsync(weixin, NewItem(login.State, "CODE_A")); }),
            Task.Run(() => { start.SignalAndWait(); return HandleAsync(weixin, NewItem(login.State, "CODE_B")); }));

        var outcomes = decisions.Select(d => Assert.IsType<ItemDecision.Complete>(d).Outcome).OrderBy(o => o, StringComparer.Ordinal).ToList();
        Assert.Equal([LoginErrors.StateUsed, OAuthItemHandler.TicketIssuedOutcome], outcomes);
        Assert.Equal(1, (await ReadUserAsync(openId)).LoginCount);
    }

    [Fact]
    public async Task HandleAsync_WithoutCode_FailsTheLoginAsDenied()
    {
        var login = await StartLoginAsync();
        var weixin = FakeWeixinServer.ByPath(() => FakeWeixinServer.TokenJson(), () => FakeWeixinServer.UserInfoJson());

        var decision = await HandleAsync(weixin, NewItem(login.State, code: null));

        var complete = Assert.IsType<ItemDecision.Complete>(decision);
        Assert.Equal(LoginErrors.Denied, complete.Outcome);
        Assert.Equal($"{ErrorUrl}?err={LoginErrors.Denied}", complete.RedirectUrl);
        Assert.Equal(LoginStatuses.Failed, (await ReadLoginAsync(login.Id)).Status);
        Assert.Empty(weixin.Requests);
    }

    [Fact]
    public async Task HandleAsync_SnapshotUser_FailsWithoutRecordingTheVirtualUser()
    {
        var login = await StartLoginAsync();
        var virtualOpenId = NewOpenId();
        // Note: WeChat's answer in 快照页模式: a virtual openid/unionid and is_snapshotuser 1.
        var weixin = FakeWeixinServer.ByPath(
            () => $$"""{"access_token":"AT","expires_in":7200,"refresh_token":"R","openid":"{{virtualOpenId}}","scope":"snsapi_userinfo","is_snapshotuser":1,"unionid":"u_virtual"}""",
            () => FakeWeixinServer.UserInfoJson(virtualOpenId, "微信用户"));

        var decision = await HandleAsync(weixin, NewItem(login.State, "CODE_SNAPSHOT"));

        var complete = Assert.IsType<ItemDecision.Complete>(decision);
        Assert.Equal(LoginErrors.SnapshotUser, complete.Outcome);
        Assert.Equal($"{ErrorUrl}?err={LoginErrors.SnapshotUser}", complete.RedirectUrl);
        var stored = await ReadLoginAsync(login.Id);
        Assert.Equal(LoginStatuses.Failed, stored.Status);
        Assert.Null(stored.OpenId);
        Assert.Null(stored.TicketHash);
        await using var db = fixture.CreateContext();
        Assert.False(await db.Users.AnyAsync(u => u.OpenId == virtualOpenId));
        Assert.DoesNotContain(weixin.Requests, r => r.AbsolutePath.EndsWith("/sns/userinfo", StringComparison.Ordinal));
    }

    private static Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> FailWith(string failure) => failure switch
    {
        "busy" => (_, _) => Task.FromResult(FakeWeixinServer.Json("""{"errcode":-1,"errmsg":"system error"}""")),
        "http503" => (_, _) => Task.FromResult(FakeWeixinServer.Json("busy", HttpStatusCode.ServiceUnavailable)),
        "http429" => (_, _) => Task.FromResult(FakeWeixinServer.Json("slow down", HttpStatusCode.TooManyRequests)),
        "timeout" => async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        },
        "network" => (_, _) => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused"),
        "html" => (_, _) => Task.FromResult(FakeWeixinServer.Json("<html><body>502 Bad Gateway</body></html>")),
        "truncated" => (_, _) => Task.FromResult(FakeWeixinServer.Json("""{"access_token":"abc","expi""")),
        _ => throw new ArgumentOutOfRangeException(nameof(failure)),
    };

    private async Task<ItemDecision> HandleAsync(FakeWeixinServer weixin, ClaimedItem item, TimeSpan? httpTimeout = null)
    {
        await using var db = fixture.CreateContext();
        using var http = new HttpClient(weixin, disposeHandler: false)
        {
            BaseAddress = new Uri("https://api.weixin.qq.com/"),
            Timeout = httpTimeout ?? TimeSpan.FromSeconds(10),
        };
        var client = new WeixinOAuthClient(http, new StaticOptionsMonitor<WeixinOptions>(new WeixinOptions { AppId = "wx1234567890abcdef", AppSecret = AppSecret }), new WeixinAlerts(TimeProvider.System));
        var handler = new OAuthItemHandler(db, new WeixinUserDirectory(db, TimeProvider.System), client, new StaticOptionsMonitor<OAuthOptions>(OAuth), TimeProvider.System, NullLogger<OAuthItemHandler>.Instance);
        return await handler.HandleAsync(item, CancellationToken.None);
    }

    private async Task<WeixinLogin> StartLoginAsync(TimeSpan? expiresIn = null)
    {
        var now = DateTimeOffset.UtcNow;
        var login = new WeixinLogin
        {
            Id = LoginSecrets.NewToken(),
            State = LoginSecrets.NewState(),
            ReturnUrl = ReturnUrl,
            ErrorUrl = ErrorUrl,
            CreatedAt = now,
            ExpiresAt = now + (expiresIn ?? TimeSpan.FromMinutes(15)),
        };
        await using var db = fixture.CreateContext();
        db.Logins.Add(login);
        await db.SaveChangesAsync();
        return login;
    }

    private async Task<WeixinLogin> ReadLoginAsync(string id)
    {
        await using var db = fixture.CreateContext();
        return await db.Logins.AsNoTracking().SingleAsync(l => l.Id == id);
    }

    private async Task<WeixinUserEntry> ReadUserAsync(string openId)
    {
        await using var db = fixture.CreateContext();
        return await db.Users.AsNoTracking().SingleAsync(u => u.OpenId == openId);
    }

    private static ClaimedItem NewItem(string state, string? code, int attempts = 1)
    {
        var now = DateTimeOffset.UtcNow;
        return new ClaimedItem(Interlocked.Increment(ref _lastItemId), InboxItemKinds.OAuth, NewLease(), now.AddSeconds(30), attempts, now, now.AddSeconds(60),
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), new OAuthCallback(code, state));
    }

    private static string NewLease() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static string NewOpenId() => "o_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    private static string TicketOf(ItemDecision.Complete complete) =>
        QueryHelpers.ParseQuery(new Uri(complete.RedirectUrl).Query)["ticket"].ToString();
}
