using System.Net;
using System.Text.RegularExpressions;
using Weixin.Inbox.Testing;

namespace Weixin.Inbox.CrmApp.Tests.Pages.Customers;

/// <summary>The CRM behind the login: customers list with search, customer page with follow-up notes.</summary>
[Collection(CrmCollection.Name)]
public sealed partial class CustomersTests(CrmFixture fixture)
{
    private const string Password = "Secret2024ab";
    private CrmSystem System => fixture.System;

    private async Task<CrmBrowser> SignedInAsync(string displayName)
    {
        var userName = CrmSystem.NewUserName();
        await System.CreateAccountAsync(userName, displayName, Password);
        var browser = new CrmBrowser(System);
        await browser.SignInWithPasswordAsync(userName, Password);
        return browser;
    }

    [Fact]
    public async Task Search_Zhang_FindsTheSeededZhangs()
    {
        using var browser = await SignedInAsync("施查");

        var page = await browser.OpenAsync("/customers?q=" + Uri.EscapeDataString("张"));

        Assert.Contains("张伟", page.Text);
        Assert.Contains("张敏", page.Text);
        Assert.Contains("张丽华", page.Text);
        Assert.DoesNotContain("王芳", page.Text);
        var none = await browser.OpenAsync("/customers?q=" + Uri.EscapeDataString("不存在的客户"));
        Assert.Contains("没有找到与「不存在的客户」相关的客户", none.Text);
        var byCompany = await browser.OpenAsync("/customers?q=" + Uri.EscapeDataString("物流"));
        Assert.Contains("王芳", byCompany.Text);
    }

    [Fact]
    public async Task CreateCustomer_ThenAddNote_ShowsNoteWithAuthorAndTime()
    {
        using var browser = await SignedInAsync("陶记");
        var name = "测试客户" + Guid.NewGuid().ToString("N")[..6];

        var invalid = await browser.SubmitAsync("/customers/create", "/customers/create", new Dictionary<string, string> { ["Input.Name"] = "", ["Input.Phone"] = "abc" });
        Assert.Contains("请输入客户姓名。", invalid.Text);
        Assert.Contains("电话号码格式不正确", invalid.Text);

        var created = await browser.SubmitAsync("/customers/create", "/customers/create", new Dictionary<string, string>
        {
            ["Input.Name"] = name,
            ["Input.Company"] = "测试有限公司",
            ["Input.Phone"] = "138-0000-1234",
        });
        Assert.Matches(CustomerPath(), created.Url.AbsolutePath);
        Assert.Contains(name, created.Text);
        Assert.Contains("陶记", created.Text); // owner

        var path = created.Url.AbsolutePath;
        var empty = await browser.SubmitAsync(path, path, new Dictionary<string, string> { ["Note.Content"] = "  " });
        Assert.Contains("请填写跟进内容。", empty.Text);

        var withNote = await browser.SubmitAsync(path, path, new Dictionary<string, string> { ["Note.Content"] = "第一次电话沟通：<需要报价>" });
        Assert.Contains("第一次电话沟通：<需要报价>", withNote.Text);
        Assert.DoesNotContain("<需要报价>", withNote.Html); // encoded, never raw HTML
        Assert.Matches(@"陶记</span> · <time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}</time>", withNote.Html);

        var found = await browser.OpenAsync("/customers?q=" + Uri.EscapeDataString(name));
        Assert.Contains("找到 1 位客户", found.Text);
        Assert.Contains("最近跟进", found.Text);
    }

    [Fact]
    public async Task UnknownCustomer_ShowsChineseNotFound()
    {
        using var browser = await SignedInAsync("蒋无");
        var page = await browser.OpenAsync("/customers/99999999");
        Assert.Equal(HttpStatusCode.NotFound, page.Status);
        Assert.Contains("页面不存在", page.Text);
    }

    [GeneratedRegex(@"^/customers/\d+$")]
    private static partial Regex CustomerPath();
}
