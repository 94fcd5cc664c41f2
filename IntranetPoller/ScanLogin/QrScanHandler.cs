using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.IntranetPoller.Messages.Handlers;
using Weixin.Inbox.IntranetPoller.OAuth;
using Weixin.Inbox.IntranetPoller.Users;

namespace Weixin.Inbox.IntranetPoller.ScanLogin;

/// <summary>
/// The phone scanned one of our login QR codes: a <c>SCAN</c> event (the user follows the account; EventKey is the
/// scene) or a <c>subscribe</c> with EventKey <c>qrscene_&lt;scene&gt;</c> (the scan made them follow)
/// (https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_event_pushes.html).
/// Records who scanned, picks the two-digit number and tells the phone to look at the computer.
/// </summary>
public sealed class QrScanHandler(ScanLoginStore store, WeixinUserDirectory users, ILogger<QrScanHandler> logger) : IMessageHandler
{
    /// <summary>Event of a follower scanning a parametric QR code.</summary>
    public const string ScanEvent = "SCAN";

    /// <summary>EventKey prefix of a subscribe caused by a parametric QR code.</summary>
    public const string SubscribeScenePrefix = "qrscene_";

    /// <summary>Reply after a valid scan.</summary>
    public const string ScannedReply = "电脑正在登录客户管理系统，请在电脑上查看两位数字，并在此对话中发送该数字确认登录。";

    /// <summary>Reply for an unknown or expired scene.</summary>
    public const string ExpiredReply = "二维码已失效，请在电脑上刷新";

    /// <summary>Reply for a scene already scanned.</summary>
    public const string UsedReply = "该二维码已被使用";

    /// <inheritdoc />
    public bool CanHandle(WeixinMessage message) => SceneOf(message) is not null;

    /// <summary>Our login scene carried by a scan event, or null (another event, or another of the account's QR codes).</summary>
    public static string? SceneOf(WeixinMessage message)
    {
        if (!message.IsEvent)
        {
            return null;
        }

        var key = message.EventKey;
        if (string.Equals(message.Event, ScanEvent, StringComparison.OrdinalIgnoreCase))
        {
            return ScanLoginStore.IsSceneShaped(key) ? key : null;
        }

        if (string.Equals(message.Event, "subscribe", StringComparison.OrdinalIgnoreCase) &&
            key is not null && key.StartsWith(SubscribeScenePrefix, StringComparison.Ordinal))
        {
            var scene = key[SubscribeScenePrefix.Length..];
            return ScanLoginStore.IsSceneShaped(scene) ? scene : null;
        }

        return null;
    }

    /// <inheritdoc />
    public async Task<string?> HandleAsync(MessageContext context, CancellationToken cancellationToken)
    {
        var (item, message) = context;
        var scene = SceneOf(message)!;
        var openId = message.FromUserName;
        var eventAt = DateTimeOffset.FromUnixTimeSeconds(message.CreateTime);

        // Note: a subscribe is recorded as a follow, as SubscribeHandler would; a SCAN (only followers send one) just
        // makes sure the user is in the directory, which the ticket's redemption reads.
        if (string.Equals(message.Event, ScanEvent, StringComparison.OrdinalIgnoreCase))
        {
            await users.RecordFollowerSeenAsync(openId, cancellationToken);
        }
        else
        {
            await users.RecordSubscribeAsync(openId, eventAt, cancellationToken);
        }

        var code = ScanLoginStore.NewConfirmCode();
        if (await store.TryScanAsync(scene, openId, item.Id, code, cancellationToken))
        {
            var started = await store.FindBySceneAsync(scene, cancellationToken);
            logger.LogInformation("Message item {ItemId}: scan login {LoginRef} scanned by {OpenId} ({Event}); waiting for the number",
                item.Id, LoginSecrets.LogRef(started?.Id), openId, message.Event);
            return ScannedReply;
        }

        var login = await store.FindBySceneAsync(scene, cancellationToken);
        if (login is null)
        {
            logger.LogWarning("Message item {ItemId}: {OpenId} scanned unknown login scene {Scene}", item.Id, openId, scene);
            return ExpiredReply;
        }

        if (login.ScanItemId == item.Id && login.OpenId == openId)
        {
            // Note: this very item ran before (its lease ended); answer as the first time.
            return ScannedReply;
        }

        if (login.State == ScanLoginStates.Waiting)
        {
            logger.LogInformation("Message item {ItemId}: {OpenId} scanned the expired QR code of scan login {LoginRef}", item.Id, openId, LoginSecrets.LogRef(login.Id));
            return ExpiredReply;
        }

        logger.LogWarning("Message item {ItemId}: {OpenId} scanned the QR code of scan login {LoginRef} again (already {State} by {ScannedBy}); refused",
            item.Id, openId, LoginSecrets.LogRef(login.Id), login.State, login.OpenId);
        return UsedReply;
    }
}
