using System.Net.Http.Json;
using System.Text.Json;

namespace Weixin.Inbox.WeixinSimulator.Tests.Templates;

/// <summary>
/// message/template/send after WeChat's 2023-05-04 change: typed keywords checked by type (47003 naming the value),
/// first/remark/colour accepted and never shown, the template list of get_all_private_template.
/// Rules: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html#类目模板消息,
/// https://developers.weixin.qq.com/community/develop/doc/000a2ae286cdc0f41a8face4c51801.
/// </summary>
public class TemplateMessageTests(DefaultSimulator sim) : IClassFixture<DefaultSimulator>
{
    private static Dictionary<string, object> FollowUp(string thing3 = "回访报价，确认签约时间") => new()
    {
        ["thing1"] = new { value = "张伟（华南贸易）" },
        ["time2"] = new { value = "2026-11-25 10:00" },
        ["thing3"] = new { value = thing3 },
        ["thing4"] = new { value = "李娜" },
    };

    private async Task<(JsonElement Answer, string OpenId)> SendAsync(Dictionary<string, object> data, string? clientMsgId = null, string templateId = "TPL_FOLLOW_UP")
    {
        var openId = await sim.AddUserAsync();
        var answer = await sim.CallAsync("/cgi-bin/message/template/send",
            new { touser = openId, template_id = templateId, url = "http://crm.example/customers/7", data, client_msg_id = clientMsgId }, await sim.ApiTokenAsync());
        return (answer, openId);
    }

    [Fact]
    public async Task Send_TypedTemplate_PhoneShowsTitleAndKeywordLines_NeverFirstRemarkOrColour()
    {
        var data = FollowUp();
        data["first"] = new { value = "您有一个客户需要跟进", color = "#FF0000" };
        data["remark"] = new { value = "点击查看详情" };
        data["thing3"] = new { value = "回访报价，确认签约时间", color = "#173177" };

        var (answer, openId) = await SendAsync(data);

        Assert.Equal(0, answer.GetProperty("errcode").GetInt32());
        var received = Assert.Single(await sim.ReceivedAsync(openId));
        Assert.Equal("客户跟进提醒\n客户名称：张伟（华南贸易）\n跟进时间：2026-11-25 10:00\n跟进内容：回访报价，确认签约时间\n提醒人：李娜",
            received.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Send_ThingOf21Characters_Answers47003NamingTheValue_AndDeliversNothing()
    {
        var (answer, openId) = await SendAsync(FollowUp(new string('长', 21)));

        Assert.Equal(47003, answer.GetProperty("errcode").GetInt32());
        Assert.StartsWith("argument invalid! data.thing3.value invalid rid: ", answer.GetProperty("errmsg").GetString());
        Assert.Empty(await sim.ReceivedAsync(openId));
    }

    [Fact]
    public async Task Send_ThingOf20Characters_IsDelivered()
    {
        var (answer, _) = await SendAsync(FollowUp(new string('长', 19) + "😀"));

        Assert.Equal(0, answer.GetProperty("errcode").GetInt32());
    }

    public static TheoryData<string, string, bool> Values => new()
    {
        { "thing3", "第一行\n第二行", false },
        { "thing3", "", false },
        { "time2", "明天上午", false },
        { "time2", "15:01", true },
        { "time2", "2026年11月25日 15:01", true },
        { "time2", "2026-11-25 10:00~2026-11-25 11:30", true },
        { "time2", "2026-11-25 24:00", false },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public async Task Send_ValueCheckedByItsKeywordType(string key, string value, bool accepted)
    {
        var data = FollowUp();
        data[key] = new { value };

        var (answer, _) = await SendAsync(data);

        Assert.Equal(accepted ? 0 : 47003, answer.GetProperty("errcode").GetInt32());
    }

    [Fact]
    public async Task Send_MissingTypedKeyword_Answers47003()
    {
        var data = FollowUp();
        data.Remove("time2");

        var (answer, _) = await SendAsync(data);

        Assert.Equal(47003, answer.GetProperty("errcode").GetInt32());
        Assert.Contains("data.time2.value", answer.GetProperty("errmsg").GetString());
    }

    [Fact]
    public async Task Send_SameClientMsgIdTwice_AnswersTheEarlierMsgId_AndDeliversOnce()
    {
        var openId = await sim.AddUserAsync();
        var token = await sim.ApiTokenAsync();
        var body = new { touser = openId, template_id = "TPL_FOLLOW_UP", data = FollowUp(), client_msg_id = "dup-" + Guid.NewGuid().ToString("N") };

        var first = await sim.CallAsync("/cgi-bin/message/template/send", body, token);
        var second = await sim.CallAsync("/cgi-bin/message/template/send", body, token);

        Assert.Equal((0, first.GetProperty("msgid").GetInt64()), (second.GetProperty("errcode").GetInt32(), second.GetProperty("msgid").GetInt64()));
        Assert.Single(await sim.ReceivedAsync(openId));
    }

    [Fact]
    public async Task GetAllPrivateTemplate_ListsEachTemplateWithItsTypedContent()
    {
        using var http = sim.Client();
        var answer = await http.GetFromJsonAsync<JsonElement>($"/cgi-bin/template/get_all_private_template?access_token={await sim.ApiTokenAsync()}");

        var template = Assert.Single(answer.GetProperty("template_list").EnumerateArray());
        Assert.Equal("TPL_FOLLOW_UP", template.GetProperty("template_id").GetString());
        Assert.Equal("客户跟进提醒", template.GetProperty("title").GetString());
        Assert.Equal("客户名称：{{thing1.DATA}}\n跟进时间：{{time2.DATA}}\n跟进内容：{{thing3.DATA}}\n提醒人：{{thing4.DATA}}", template.GetProperty("content").GetString());
        Assert.False(string.IsNullOrEmpty(template.GetProperty("primary_industry").GetString()));
        Assert.False(string.IsNullOrEmpty(template.GetProperty("deputy_industry").GetString()));
        Assert.True(template.TryGetProperty("example", out _));
    }

    [Fact]
    public async Task GetAllPrivateTemplate_WithoutAValidToken_Answers40001()
    {
        using var http = sim.Client();
        var answer = await http.GetFromJsonAsync<JsonElement>("/cgi-bin/template/get_all_private_template?access_token=not-a-token");

        Assert.Equal(40001, answer.GetProperty("errcode").GetInt32());
        Assert.False(answer.TryGetProperty("template_list", out _));
    }
}

/// <summary>Every keyword type of the category templates, on a template that has them all.</summary>
public class TemplateKeywordTypeTests(AllTypesSimulator sim) : IClassFixture<AllTypesSimulator>
{
    public static TheoryData<string, string, bool> Values => new()
    {
        { "character_string1", "SO-2026-000123", true },
        { "character_string1", "订单12345", false },
        { "character_string1", new string('9', 33), false },
        { "phrase2", "配送中", true },
        { "phrase2", "六个汉字太长", false },
        { "phrase2", "OK", false },
        { "name3", "欧阳娜娜", true },
        { "name3", "Nana Ouyang", true },
        { "name3", "欧阳一二三四五六七八九", false },
        { "amount4", "¥1234.50", true },
        { "amount4", "¥12345678901", false },
        { "phone_number5", "+86-0766-66888866", true },
        { "phone_number5", "+86-0766-668888661", false },
        { "car_number6", "粤A8Z888挂", true },
        { "car_number6", "粤A8Z8888挂", false },
        { "date7", "2026年11月25日", true },
        { "date7", "2026/11/25", true },
        { "date7", "11月25日下午", false },
        { "number8", "3.5", true },
        { "number8", "3.5kg", false },
        { "letter9", "abc", true },
        { "letter9", "abc1", false },
        { "symbol10", "★", true },
        { "symbol10", "★a", false },
        { "const11", "已完成", true },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public async Task Send_ValueCheckedByItsKeywordType(string key, string value, bool accepted)
    {
        var data = AllTypesSimulator.Keys.ToDictionary(k => k, k => (object)new { value = AllTypesSimulator.Valid[k] });
        data[key] = new { value };
        var openId = await sim.AddUserAsync();

        var answer = await sim.CallAsync("/cgi-bin/message/template/send",
            new { touser = openId, template_id = "TPL_ALL", data }, await sim.ApiTokenAsync());

        Assert.Equal(accepted ? 0 : 47003, answer.GetProperty("errcode").GetInt32());
        if (!accepted)
        {
            Assert.StartsWith($"argument invalid! data.{key}.value invalid", answer.GetProperty("errmsg").GetString());
        }
    }
}

/// <summary>A history template (first, keywordN, remark) as accounts that added one before 2023 still have.</summary>
public class HistoryTemplateTests(HistoryTemplateSimulator sim) : IClassFixture<HistoryTemplateSimulator>
{
    [Fact]
    public async Task Send_HistoryTemplate_ShowsKeywordsCutTo20Characters_EmojiAsSquares_NeverFirstOrRemark()
    {
        var openId = await sim.AddUserAsync();
        var data = new Dictionary<string, object>
        {
            ["first"] = new { value = "您有一个客户需要跟进" },
            ["keyword1"] = new { value = "张伟😀" },
            ["keyword2"] = new { value = "请在周五前回电确认报价单第三版的交货期和付款方式" },
            ["remark"] = new { value = "点击查看" },
        };

        var answer = await sim.CallAsync("/cgi-bin/message/template/send",
            new { touser = openId, template_id = "TPL_OLD", data }, await sim.ApiTokenAsync());

        Assert.Equal(0, answer.GetProperty("errcode").GetInt32());
        var received = Assert.Single(await sim.ReceivedAsync(openId));
        Assert.Equal("旧版跟进提醒\n客户：张伟□\n内容：请在周五前回电确认报价单第三版的交货期和…", received.GetProperty("text").GetString());
    }
}

/// <summary>A repeated client_msg_id answered with an error (Simulator:DuplicateClientMsgId = Error).</summary>
public class DuplicateClientMsgIdErrorTests(DuplicateErrorSimulator sim) : IClassFixture<DuplicateErrorSimulator>
{
    [Fact]
    public async Task Send_SameClientMsgIdTwice_Answers47003_AndDeliversOnce()
    {
        var openId = await sim.AddUserAsync();
        var token = await sim.ApiTokenAsync();
        var data = new Dictionary<string, object>
        {
            ["thing1"] = new { value = "张伟" },
            ["time2"] = new { value = "2026-11-25 10:00" },
            ["thing3"] = new { value = "回访" },
            ["thing4"] = new { value = "李娜" },
        };
        var body = new { touser = openId, template_id = "TPL_FOLLOW_UP", data, client_msg_id = "dup-" + Guid.NewGuid().ToString("N") };

        var first = await sim.CallAsync("/cgi-bin/message/template/send", body, token);
        var second = await sim.CallAsync("/cgi-bin/message/template/send", body, token);

        Assert.Equal(0, first.GetProperty("errcode").GetInt32());
        Assert.Equal(47003, second.GetProperty("errcode").GetInt32());
        Assert.Contains("client_msg_id", second.GetProperty("errmsg").GetString());
        Assert.Single(await sim.ReceivedAsync(openId));
    }
}

public sealed class AllTypesSimulator() : SimulatorProcess(new Dictionary<string, string>
{
    ["Simulator__Templates__0__Id"] = "TPL_ALL",
    ["Simulator__Templates__0__Title"] = "全部类型",
    ["Simulator__Templates__0__Content"] = string.Join('\n', Keys.Select(k => $"{k}：{{{{{k}.DATA}}}}")),
})
{
    public static readonly string[] Keys =
        ["character_string1", "phrase2", "name3", "amount4", "phone_number5", "car_number6", "date7", "number8", "letter9", "symbol10", "const11"];

    public static readonly Dictionary<string, string> Valid = new()
    {
        ["character_string1"] = "A1", ["phrase2"] = "已完成", ["name3"] = "李娜", ["amount4"] = "100元", ["phone_number5"] = "10086",
        ["car_number6"] = "粤B12345", ["date7"] = "2026-11-25", ["number8"] = "1", ["letter9"] = "a", ["symbol10"] = "#", ["const11"] = "已完成",
    };
}

public sealed class HistoryTemplateSimulator() : SimulatorProcess(new Dictionary<string, string>
{
    ["Simulator__Templates__0__Id"] = "TPL_OLD",
    ["Simulator__Templates__0__Title"] = "旧版跟进提醒",
    ["Simulator__Templates__0__Content"] = "{{first.DATA}}\n客户：{{keyword1.DATA}}\n内容：{{keyword2.DATA}}\n{{remark.DATA}}",
});

public sealed class DuplicateErrorSimulator() : SimulatorProcess(new Dictionary<string, string> { ["Simulator__DuplicateClientMsgId"] = "Error" });
