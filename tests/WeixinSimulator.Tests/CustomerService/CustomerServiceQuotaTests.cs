using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Weixin.Inbox.WeixinSimulator.Tests.CustomerService;

/// <summary>A click's quota closes after 2 seconds instead of WeChat's minute, so a test can see it close.</summary>
public sealed class ShortEventWindowSimulator() : SimulatorProcess(new Dictionary<string, string>
{
    ["Simulator__EventServiceWindow"] = "00:00:02",
});

/// <summary>Only the latest interaction's quota counts (the doc is silent on overlapping quotas).</summary>
public sealed class LatestGrantSimulator() : SimulatorProcess(new Dictionary<string, string>
{
    ["Simulator__CustomerServiceGrantOverlap"] = "LatestReplaces",
});

/// <summary>
/// message/custom/send's quota per user interaction, as
/// https://developers.weixin.qq.com/doc/offiaccount/Customer_Service/Customer_Service_Messages.html states it: 5 within
/// 48 h after a message, 3 within 1 minute after a menu click, a follow or a QR scan; 45015 outside, 45047 when spent.
/// </summary>
public class CustomerServiceQuotaTests(DefaultSimulator sim) : IClassFixture<DefaultSimulator>
{
    [Fact]
    public async Task Send_WithoutAnyInteraction_Answers45015WithWeChatsMessage()
    {
        var token = await sim.ApiTokenAsync();
        var openId = await sim.AddUserAsync();

        var answer = await Quota.SendAsync(sim, token, openId, "没有互动");

        Assert.Equal(45015, answer.GetProperty("errcode").GetInt32());
        Assert.StartsWith("response out of time limit or subscription is canceled", answer.GetProperty("errmsg").GetString());
        Assert.Empty(await sim.ReceivedAsync(openId));
    }

    [Fact]
    public async Task Send_AfterAMessage_FiveGoThroughAndTheSixthAnswers45047()
    {
        var token = await sim.ApiTokenAsync();
        var openId = await sim.AddUserAsync();
        await sim.InteractAsync(openId, "message");

        var codes = await Quota.SendManyAsync(sim, token, openId, 6);

        Assert.Equal(new[] { 0, 0, 0, 0, 0, 45047 }, codes.Select(c => c.ErrCode));
        Assert.StartsWith("out of response count limit", codes[5].ErrMsg);
        Assert.Equal(5, (await sim.ReceivedAsync(openId)).Count);
    }

    [Fact]
    public async Task Send_AfterANewMessage_CountStartsAgain()
    {
        var token = await sim.ApiTokenAsync();
        var openId = await sim.AddUserAsync();
        await sim.InteractAsync(openId, "message");
        Assert.Equal(45047, (await Quota.SendManyAsync(sim, token, openId, 6))[5].ErrCode);

        var state = await sim.InteractAsync(openId, "message");

        var grant = Assert.Single(state.GetProperty("grants").EnumerateArray());
        Assert.Equal(("message", 5, 0), (grant.GetProperty("kind").GetString(), grant.GetProperty("allowed").GetInt32(), grant.GetProperty("used").GetInt32()));
        Assert.Equal(new[] { 0, 0, 0, 0, 0, 45047 }, (await Quota.SendManyAsync(sim, token, openId, 6)).Select(c => c.ErrCode));
    }

    [Theory]
    [InlineData("click")]
    [InlineData("follow")]
    [InlineData("scan")]
    public async Task Send_AfterAClickFollowOrScan_ThreeGoThroughAndTheFourthAnswers45047(string kind)
    {
        var token = await sim.ApiTokenAsync();
        var openId = await sim.AddUserAsync();
        await sim.InteractAsync(openId, kind);

        var codes = await Quota.SendManyAsync(sim, token, openId, 4);

        Assert.Equal(new[] { 0, 0, 0, 45047 }, codes.Select(c => c.ErrCode));
        Assert.Equal(3, (await sim.ReceivedAsync(openId)).Count);
    }

    [Fact]
    public async Task Send_AfterAMessageAndAClick_CountsBothQuotasApart()
    {
        var token = await sim.ApiTokenAsync();
        var openId = await sim.AddUserAsync();
        await sim.InteractAsync(openId, "message");
        await sim.InteractAsync(openId, "click");

        var codes = await Quota.SendManyAsync(sim, token, openId, 9);

        Assert.Equal(new[] { 0, 0, 0, 0, 0, 0, 0, 0, 45047 }, codes.Select(c => c.ErrCode));
    }

    [Fact]
    public async Task Conversation_UnknownKind_IsRefusedWith400()
    {
        var openId = await sim.AddUserAsync();
        using var http = sim.Client();

        using var response = await http.PostAsJsonAsync($"/sim/users/{openId}/conversation", new { interacted = true, kind = "view" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("kind", await response.Content.ReadAsStringAsync());
    }
}

/// <summary>A click's 1-minute quota, shortened by the setting: after it, 45015, and a click never opens the 48 h quota.</summary>
public class CustomerServiceEventWindowTests(ShortEventWindowSimulator sim) : IClassFixture<ShortEventWindowSimulator>
{
    [Fact]
    public async Task Send_AfterTheClicksWindow_Answers45015()
    {
        var token = await sim.ApiTokenAsync();
        var openId = await sim.AddUserAsync();
        await sim.InteractAsync(openId, "click");
        Assert.Equal(0, (await Quota.SendAsync(sim, token, openId, "窗口内")).GetProperty("errcode").GetInt32());

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var late = await Quota.SendAsync(sim, token, openId, "窗口外");

        Assert.Equal(45015, late.GetProperty("errcode").GetInt32());
        Assert.Single(await sim.ReceivedAsync(openId));
    }

    [Fact]
    public async Task Send_AfterTheClicksWindowWithAnEarlierMessage_UsesTheMessagesQuota()
    {
        var token = await sim.ApiTokenAsync();
        var openId = await sim.AddUserAsync();
        await sim.InteractAsync(openId, "message");
        await sim.InteractAsync(openId, "click");
        Assert.Equal(new[] { 0, 0, 0 }, (await Quota.SendManyAsync(sim, token, openId, 3)).Select(c => c.ErrCode));

        await Task.Delay(TimeSpan.FromSeconds(2.5));

        // Note: the click's three came out of its own quota; the message's five are untouched.
        Assert.Equal(new[] { 0, 0, 0, 0, 0, 45047 }, (await Quota.SendManyAsync(sim, token, openId, 6)).Select(c => c.ErrCode));
    }
}

/// <summary>The setting's other reading of the silent doc: the latest interaction's quota replaces the earlier one.</summary>
public class CustomerServiceLatestGrantTests(LatestGrantSimulator sim) : IClassFixture<LatestGrantSimulator>
{
    [Fact]
    public async Task Send_AfterAMessageThenAClick_OnlyTheClicksThreeGoThrough()
    {
        var token = await sim.ApiTokenAsync();
        var openId = await sim.AddUserAsync();
        await sim.InteractAsync(openId, "message");
        var state = await sim.InteractAsync(openId, "click");

        Assert.Equal("click", Assert.Single(state.GetProperty("grants").EnumerateArray()).GetProperty("kind").GetString());
        Assert.Equal(new[] { 0, 0, 0, 45047 }, (await Quota.SendManyAsync(sim, token, openId, 4)).Select(c => c.ErrCode));
    }
}

internal static class Quota
{
    public static Task<JsonElement> SendAsync(SimulatorProcess sim, string token, string openId, string text) =>
        sim.CallAsync("/cgi-bin/message/custom/send", new { touser = openId, msgtype = "text", text = new { content = text } }, token);

    /// <summary>Sends <paramref name="count"/> texts one after the other; WeChat's errcode and errmsg of each.</summary>
    public static async Task<List<(int ErrCode, string ErrMsg)>> SendManyAsync(SimulatorProcess sim, string token, string openId, int count)
    {
        var answers = new List<(int, string)>();
        for (var i = 1; i <= count; i++)
        {
            var answer = await SendAsync(sim, token, openId, $"第 {i} 条");
            answers.Add((answer.GetProperty("errcode").GetInt32(), answer.GetProperty("errmsg").GetString()!));
        }

        return answers;
    }
}
