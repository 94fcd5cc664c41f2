using System.Net;
using Weixin.Inbox.PublicInbox.Tests.Admin;

namespace Weixin.Inbox.PublicInbox.Tests.DomainVerification;

/// <summary>The inbox configured with a WeChat domain verification file (one process for the class).</summary>
public sealed class VerifyingInbox : IAsyncLifetime
{
    public const string FileName = "MP_verify_Xy12Ab34Cd56Ef78.txt";
    public const string Content = "Xy12Ab34Cd56Ef78";

    public AdminInbox Inbox { get; private set; } = null!;

    public async Task InitializeAsync() => Inbox = await AdminInbox.StartAsync("inbox-domain-verify", new Dictionary<string, string?>
    {
        ["Inbox__DomainVerification__FileName"] = FileName,
        ["Inbox__DomainVerification__Content"] = Content,
    });

    public async Task DisposeAsync() => await Inbox.DisposeAsync();
}

/// <summary>
/// Issue 15 item 3: WeChat's <c>MP_verify_&lt;id&gt;.txt</c> is served at the root exactly as configured (GET and HEAD,
/// text/plain, not cached), and nothing else is: other verification names, other root paths and an inbox without the
/// setting answer a bare 404. Real inbox process, HTTP.
/// </summary>
public sealed class DomainVerificationTests(VerifyingInbox fixture) : IClassFixture<VerifyingInbox>
{
    private readonly AdminInbox _inbox = fixture.Inbox;

    [Fact]
    public async Task Get_TheConfiguredFile_AnswersExactlyItsContent_AsUncachedPlainText()
    {
        using var client = _inbox.NewClient();

        using var response = await client.GetAsync("/" + VerifyingInbox.FileName);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(VerifyingInbox.Content, await response.Content.ReadAsStringAsync());
        Assert.True(response.Headers.CacheControl?.NoCache, $"Cache-Control: {response.Headers.CacheControl}");
    }

    [Fact]
    public async Task Head_TheConfiguredFile_Answers200_WithoutABody()
    {
        using var client = _inbox.NewClient();

        using var response = await client.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/" + VerifyingInbox.FileName));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/MP_verify_Other1234.txt")]
    [InlineData("/mp_verify_Xy12Ab34Cd56Ef78.txt")]
    [InlineData("/MP_VERIFY_Xy12Ab34Cd56Ef78.TXT")]
    [InlineData("/MP_verify_Xy12Ab34Cd56Ef78.txt.bak")]
    [InlineData("/MP_verify_Xy12Ab34Cd56Ef78.txt/")]
    [InlineData("/wx/MP_verify_Xy12Ab34Cd56Ef78.txt")]
    public async Task OtherVerificationNames_AreNotFound(string path)
    {
        using var client = _inbox.NewClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain(VerifyingInbox.Content, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/index.html")]
    [InlineData("/robots.txt")]
    [InlineData("/favicon.ico")]
    [InlineData("/appsettings.json")]
    [InlineData("/PublicInbox.dll")]
    [InlineData("/.env")]
    [InlineData("/wx")]
    [InlineData("/admin/../appsettings.json")]
    public async Task OtherRootPaths_AreABare404(string path)
    {
        using var client = _inbox.NewClient();

        using var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        // Note: nothing about the server in the answer: no stack, no file, no framework page.
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.DoesNotContain("at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Microsoft", body, StringComparison.Ordinal);
        Assert.DoesNotContain("PublicInbox", body, StringComparison.Ordinal);
        Assert.DoesNotContain("ConnectionStrings", body, StringComparison.Ordinal);
        Assert.True(body.Length < 300, body);
    }

    [Fact]
    public async Task WithoutTheSetting_NoVerificationFileIsServed()
    {
        await using var plain = await AdminInbox.StartAsync("inbox-domain-none");
        using var client = plain.NewClient();

        using var response = await client.GetAsync("/" + VerifyingInbox.FileName);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
