using Microsoft.Playwright;
namespace Weixin.Inbox.Testing;

/// <summary>Debian's Chromium, headless, as a phone in WeChat (390×844, zh-CN) or a desktop, with screenshots under the test results.</summary>
public sealed class Chromium(IPlaywright playwright, IBrowser browser) : IAsyncDisposable
{
    public static async Task<Chromium> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = TestEnvironment.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"],
        });
        return new Chromium(playwright, browser);
    }

    /// <summary>A new phone (own cookies); close it with <c>page.Context.CloseAsync()</c> when done early.</summary>
    public async Task<IPage> NewPhoneAsync()
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            DeviceScaleFactor = 2,
            IsMobile = true,
            HasTouch = true,
            Locale = "zh-CN",
            UserAgent = UserAgents.WeixinPhone,
        });
        return await context.NewPageAsync();
    }

    /// <summary>A new desktop Chrome outside WeChat (1280×900, own cookies), where /login offers 扫码登录.</summary>
    public async Task<IPage> NewDesktopAsync()
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            DeviceScaleFactor = 1,
            Locale = "zh-CN",
            UserAgent = UserAgents.DesktopChrome,
        });
        return await context.NewPageAsync();
    }

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var directory = Directory.CreateDirectory(Path.Combine(TestEnvironment.ResultsDirectory, "screenshots")).FullName;
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name + ".png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        await browser.CloseAsync();
        playwright.Dispose();
    }
}
