using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Weixin.Inbox.IntranetPoller.Tests.Weixin;

/// <summary>
/// Stands in for api.weixin.qq.com (the one party the tests may replace): answers each call with the
/// scripted response and records which paths and queries were asked for.
/// </summary>
internal sealed class FakeWeixinServer(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer) : HttpMessageHandler
{
    public ConcurrentQueue<Uri> Requests { get; } = new();

    public static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        // Note: WeChat answers errors as HTTP 200 with errcode/errmsg, and sends text/plain as often as JSON.
        new(status) { Content = new StringContent(json, Encoding.UTF8, "text/plain") };

    public static string TokenJson(string openId = "o_test_user", string accessToken = "ACCESS_TOKEN_123") =>
        $$"""{"access_token":"{{accessToken}}","expires_in":7200,"refresh_token":"REFRESH","openid":"{{openId}}","scope":"snsapi_userinfo"}""";

    public static string UserInfoJson(string openId = "o_test_user", string nickname = "测试用户🙂") =>
        $$"""{"openid":"{{openId}}","nickname":"{{nickname}}","sex":1,"province":"广东","city":"深圳","country":"中国","headimgurl":"https://thirdwx.qlogo.cn/x/132","privilege":[],"unionid":"u_test"}""";

    /// <summary>Answers access_token and userinfo by path.</summary>
    public static FakeWeixinServer ByPath(Func<string> token, Func<string> userInfo) =>
        new((request, _) => Task.FromResult(Json(request.RequestUri!.AbsolutePath.EndsWith("/sns/userinfo", StringComparison.Ordinal) ? userInfo() : token())));

    public int CountOf(string path) => Requests.Count(r => r.AbsolutePath.EndsWith(path, StringComparison.Ordinal));

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Enqueue(request.RequestUri!);
        return answer(request, cancellationToken);
    }
}
