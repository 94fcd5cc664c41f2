using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Weixin.Inbox.IntranetPoller.Data;
using Weixin.Inbox.IntranetPoller.Weixin;

namespace Weixin.Inbox.IntranetPoller.Menu;

/// <summary>
/// <c>IntranetPoller.dll menu create --crm-url http://crm.example</c> and <c>menu show</c>: the official account's custom
/// menu, through <c>cgi-bin/menu/create</c> and <c>cgi-bin/menu/get</c> with the gateway's shared access_token.
/// Exit code 0 done, 1 WeChat or the database refused, 2 usage.
/// </summary>
public static class MenuCommand
{
    /// <summary>The command-line verb.</summary>
    public const string Verb = "menu";

    /// <summary>Exit code when WeChat, the database or the settings refused.</summary>
    public const int Failed = 1;

    /// <summary>Exit code of a usage error.</summary>
    public const int UsageError = 2;

    /// <summary>The click button's key (the CRM hook answers it with the user's customers).</summary>
    public const string MyCustomersKey = "MY_CUSTOMERS";

    /// <summary>The usage text.</summary>
    public const string Usage = """
        Usage:
          IntranetPoller menu create --crm-url <http(s)://crm-host[:port]>
          IntranetPoller menu show

        create  replaces the official account's menu with two buttons:
                「进入CRM」 (view) opening <crm-url>/login/weixin, and 「我的客户」 (click, key MY_CUSTOMERS).
        show    prints the current menu as JSON.

        Uses the gateway's settings (ConnectionStrings:Gateway, Weixin:AppId, Weixin:AppSecret, Weixin:ApiBaseUrl) and
        its shared access_token. Exit codes: 0 done, 1 WeChat / database / settings refused, 2 usage error.
        """;

    /// <summary>The menu <c>create</c> sends for <paramref name="crmUrl"/>.</summary>
    public static JsonObject Build(Uri crmUrl) => new()
    {
        ["button"] = new JsonArray(
            new JsonObject { ["type"] = "view", ["name"] = "进入CRM", ["url"] = crmUrl.AbsoluteUri.TrimEnd('/') + "/login/weixin" },
            new JsonObject { ["type"] = "click", ["name"] = "我的客户", ["key"] = MyCustomersKey }),
    };

    /// <summary>Runs the command; returns the exit code.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, IConfiguration configuration, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        if (args.Count == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Count == 0 ? stderr : stdout).WriteLine(Usage);
            return args.Count == 0 ? UsageError : 0;
        }

        Uri? crmUrl = null;
        var action = args[0];
        for (var i = 1; i < args.Count; i++)
        {
            if (args[i] == "--crm-url" && i + 1 < args.Count && action == "create")
            {
                if (!Uri.TryCreate(args[++i], UriKind.Absolute, out crmUrl) || crmUrl.Scheme is not ("http" or "https"))
                {
                    return Usage_(stderr, $"--crm-url must be an absolute http(s) URL, not '{args[i]}'");
                }
            }
            else
            {
                return Usage_(stderr, $"unexpected argument '{args[i]}'");
            }
        }

        if (action is not ("create" or "show"))
        {
            return Usage_(stderr, $"unknown action '{action}' (expected create or show)");
        }

        if (action == "create" && crmUrl is null)
        {
            return Usage_(stderr, "create needs --crm-url (the CRM's address as employees' phones reach it)");
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, Args = [] });
        builder.Configuration.AddConfiguration(configuration);
        // Note: the command prints its own plain messages; the services' log lines (token fetch) would only repeat them.
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddGatewayData();
        builder.AddWeixinApi();
        using var host = builder.Build();
        await using var scope = host.Services.CreateAsyncScope();
        try
        {
            _ = scope.ServiceProvider.GetRequiredService<IOptions<WeixinOptions>>().Value;
            var tokens = scope.ServiceProvider.GetRequiredService<AccessTokenProvider>();
            var weixin = scope.ServiceProvider.GetRequiredService<WeixinServiceClient>();
            return action == "create"
                ? await CreateAsync(tokens, weixin, crmUrl!, stdout, stderr, cancellationToken)
                : await ShowAsync(tokens, weixin, stdout, stderr, cancellationToken);
        }
        catch (OptionsValidationException ex)
        {
            stderr.WriteLine($"menu: settings are incomplete: {ex.Message}");
            return Failed;
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("ConnectionStrings", StringComparison.Ordinal))
        {
            stderr.WriteLine($"menu: {ex.Message}");
            return Failed;
        }
        catch (MySqlConnector.MySqlException ex)
        {
            // Note: the message names the server or the refused user, never the password.
            stderr.WriteLine($"menu: the gateway database is unreachable: {ex.Message}");
            return Failed;
        }
    }

    private static async Task<int> CreateAsync(AccessTokenProvider tokens, WeixinServiceClient weixin, Uri crmUrl, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var menu = Build(crmUrl);
        var result = await tokens.CallWithTokenAsync((token, ct) => weixin.CreateMenuAsync(token, menu, ct), cancellationToken);
        if (result.Outcome != WeixinOutcome.Ok)
        {
            stderr.WriteLine($"menu: WeChat did not create the menu: {Describe(result)}");
            return Failed;
        }

        stdout.WriteLine($"Menu created: 「进入CRM」 → {menu["button"]![0]!["url"]}, 「我的客户」 (click, key {MyCustomersKey}).");
        return 0;
    }

    private static async Task<int> ShowAsync(AccessTokenProvider tokens, WeixinServiceClient weixin, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var result = await tokens.CallWithTokenAsync((token, ct) => weixin.GetMenuAsync(token, ct), cancellationToken);
        if (result.Outcome == WeixinOutcome.Error && result.ErrCode == WeixinErrorCodes.MenuNotExist)
        {
            stdout.WriteLine("The account has no custom menu (46003); create one with: menu create --crm-url <url>");
            return 0;
        }

        if (result.Outcome != WeixinOutcome.Ok)
        {
            stderr.WriteLine($"menu: WeChat did not answer the menu: {Describe(result)}");
            return Failed;
        }

        stdout.WriteLine(result.Value!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        return 0;
    }

    private static string Describe<T>(WeixinResult<T> result) where T : class =>
        result.ErrCode == WeixinErrorCodes.ApiUnauthorized
            ? $"errcode 48001 ({result.ErrMsg}): {WeixinPermissions.Reason("cgi-bin/menu/create")}"
            : result.ErrCode == WeixinErrorCodes.IpNotWhitelisted
            ? $"errcode 40164: this host's egress IP {WeixinErrorCodes.IpFrom(result.ErrMsg) ?? "(unknown)"} is not on the account's IP whitelist ({result.ErrMsg})"
            : result.Outcome == WeixinOutcome.Error ? $"errcode {result.ErrCode} {result.ErrMsg}" : result.ErrMsg ?? "unreachable";

    private static int Usage_(TextWriter stderr, string problem)
    {
        stderr.WriteLine($"menu: {problem}");
        stderr.WriteLine(Usage);
        return UsageError;
    }
}
