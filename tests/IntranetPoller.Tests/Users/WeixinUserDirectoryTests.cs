using System.Security.Cryptography;
using Weixin.Inbox.IntranetPoller.Users;
using Weixin.Inbox.IntranetPoller.Weixin;

namespace Weixin.Inbox.IntranetPoller.Tests.Users;

/// <summary>The user directory against the real gateway database (DML-only user).</summary>
public class WeixinUserDirectoryTests(GatewayDatabaseFixture fixture) : IClassFixture<GatewayDatabaseFixture>
{
    [Fact]
    public async Task RecordLoginAsync_SecondLogin_CountsItAndTakesTheNewProfile()
    {
        var openId = NewOpenId();
        await using var db = fixture.CreateContext();
        var users = new WeixinUserDirectory(db, TimeProvider.System);

        await users.RecordLoginAsync(Profile(openId, "旧昵称", unionId: "u_" + openId), CancellationToken.None);
        var first = await users.FindAsync(openId, CancellationToken.None);
        await users.RecordLoginAsync(Profile(openId, "新昵称", unionId: null), CancellationToken.None);
        var second = await users.FindAsync(openId, CancellationToken.None);

        Assert.Equal(1, first!.LoginCount);
        Assert.Equal(2, second!.LoginCount);
        Assert.Equal("新昵称", second.Nickname);
        Assert.Equal("u_" + openId, second.UnionId); // a login without unionid keeps the known one
        Assert.Equal(first.FirstSeenAt, second.FirstSeenAt);
        Assert.True(second.LastSeenAt >= first.LastSeenAt);
    }

    [Fact]
    public async Task RecordSubscribeAsync_AfterALaterUnsubscribe_LeavesTheUserUnsubscribed()
    {
        var openId = NewOpenId();
        var at = DateTimeOffset.UtcNow.AddMinutes(-5);
        await using var db = fixture.CreateContext();
        var users = new WeixinUserDirectory(db, TimeProvider.System);

        await users.RecordUnsubscribeAsync(openId, at, CancellationToken.None);
        await users.RecordSubscribeAsync(openId, at.AddSeconds(-30), CancellationToken.None); // WeChat's late retry of an older event
        var user = await users.FindAsync(openId, CancellationToken.None);

        Assert.False(user!.Subscribed);
        Assert.Equal(0, user.LoginCount);
        Assert.Equal(at.ToUnixTimeSeconds(), user.UnsubscribedAt!.Value.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task RecordLoginAsync_OfAFollower_KeepsTheSubscription()
    {
        var openId = NewOpenId();
        await using var db = fixture.CreateContext();
        var users = new WeixinUserDirectory(db, TimeProvider.System);

        await users.RecordSubscribeAsync(openId, DateTimeOffset.UtcNow.AddMinutes(-1), CancellationToken.None);
        await users.RecordLoginAsync(Profile(openId, "关注者", unionId: null), CancellationToken.None);
        var user = await users.FindAsync(openId, CancellationToken.None);

        Assert.True(user!.Subscribed);
        Assert.Equal(1, user.LoginCount);
        Assert.Equal("关注者", user.Nickname);
    }

    private static WeixinUserInfo Profile(string openId, string nickname, string? unionId) =>
        new(openId, nickname, 1, "广东", "深圳", "中国", "https://thirdwx.qlogo.cn/x/0", unionId);

    private static string NewOpenId() => "o_dir_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
