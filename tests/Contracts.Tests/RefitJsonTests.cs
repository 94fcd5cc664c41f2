using System.Text.Json;
using Refit;
using Weixin.Inbox.Contracts.Hooks;
using Weixin.Inbox.Contracts.Inbox;

namespace Weixin.Inbox.Contracts.Tests;

/// <summary>
/// <see cref="RefitJson"/> (issue 14): the same JSON on the wire as Refit's own default serializer, from options that
/// are read-only, so System.Text.Json builds each type's metadata once instead of on every call.
/// </summary>
public sealed class RefitJsonTests
{
    [Fact]
    public async Task RequestsAndResponses_ReadAndWriteAsRefitsDefaultsDo()
    {
        var ours = RefitJson.Settings.ContentSerializer;
        var refits = new RefitSettings().ContentSerializer;
        var request = new MessageHookRequest("o_张三", "text", "客户 <张> & \"李\"", null, null, 1_700_000_000, "9001");
        var completion = new CompleteManyRequest([new CompleteManyItem(7, "lease", "replied", "<xml>…</xml>")]);

        Assert.Equal(await refits.ToHttpContent(request).ReadAsStringAsync(), await ours.ToHttpContent(request).ReadAsStringAsync());
        Assert.Equal(await refits.ToHttpContent(completion).ReadAsStringAsync(), await ours.ToHttpContent(completion).ReadAsStringAsync());

        // Note: a response as the services answer it (camelCase), read by both.
        const string answer = """{"replyText":"已确认"}""";
        Assert.Equal(
            await refits.FromHttpContentAsync<MessageHookResponse>(new StringContent(answer)),
            await ours.FromHttpContentAsync<MessageHookResponse>(new StringContent(answer)));
        Assert.Equal("已确认", (await ours.FromHttpContentAsync<MessageHookResponse>(new StringContent(answer)))!.ReplyText);
    }

    [Fact]
    public async Task Options_AreReadOnly_SoEachTypesMetadataIsBuiltOnce()
    {
        var options = ((SystemTextJsonContentSerializer)RefitJson.Settings.ContentSerializer).SerializerOptions;
        await RefitJson.Settings.ContentSerializer.ToHttpContent(new MessageHookRequest("o", "text", "x", null, null, 1, null)).ReadAsStringAsync();

        Assert.True(options.IsReadOnly);
        // Note: mutable options answer a new JsonTypeInfo, built by reflection, on every call; read-only ones the cached one.
        Assert.Same(options.GetTypeInfo(typeof(MessageHookRequest)), options.GetTypeInfo(typeof(MessageHookRequest)));
        Assert.Same(options.GetTypeInfo(typeof(CompleteManyRequest)), options.GetTypeInfo(typeof(CompleteManyRequest)));
    }
}
