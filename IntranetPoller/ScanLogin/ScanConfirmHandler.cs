using Microsoft.Extensions.Options;
using Weixin.Inbox.Contracts.Gateway;
using Weixin.Inbox.Contracts.Weixin;
using Weixin.Inbox.IntranetPoller.Messages;
using Weixin.Inbox.IntranetPoller.Messages.Handlers;
using Weixin.Inbox.IntranetPoller.OAuth;
using Weixin.Inbox.IntranetPoller.Weixin;

namespace Weixin.Inbox.IntranetPoller.ScanLogin;

/// <summary>
/// A two-digit text: when its sender has a scanned scan login waiting for the number, it confirms (or counts a wrong
/// number against) that login, a scanned QR code or a device confirmation alike; otherwise the text goes to the CRM
/// hook like any other.
/// When <c>Weixin:EncodingAESKey</c> is set, only a safe-mode (encrypted, msg_signature-checked) message confirms:
/// the public inbox can forge a plaintext callback, never an encrypted one.
/// </summary>
public sealed class ScanConfirmHandler(
    ScanLoginStore store,
    IOptionsMonitor<WeixinOptions> weixin,
    IServiceProvider services,
    ILogger<ScanConfirmHandler> logger) : IMessageHandler
{
    /// <summary>Reply to the right number.</summary>
    public const string ConfirmedReply = "已确认，电脑将自动登录";

    /// <summary>Reply to the right number of a new-device confirmation (the device may be a phone).</summary>
    public const string DeviceConfirmedReply = "已确认，该设备将自动登录";

    /// <summary>Reply to a wrong number (first and second).</summary>
    public const string WrongReply = "数字不对，请核对电脑上显示的两位数字";

    /// <summary>Reply to the third wrong number.</summary>
    public const string CancelledReply = "已取消本次登录，请在电脑上刷新二维码";

    /// <summary>Reply to the third wrong number of a new-device confirmation (no QR code to refresh there).</summary>
    public const string DeviceCancelledReply = "已取消本次登录，请在该设备上重新点击「微信登录」";

    /// <summary>Reply to a number that arrived in plaintext while safe mode is configured.</summary>
    public const string PlaintextReply = "为保证安全，登录确认只接受安全模式（加密）消息，本次数字未被接受。请联系管理员检查公众号的消息加解密方式。";

    /// <inheritdoc />
    public bool CanHandle(WeixinMessage message) =>
        message.MsgType == "text" && NumberOf(message.Content) is not null;

    /// <summary>The two-digit number a text consists of (surrounding blanks ignored), or null.</summary>
    public static int? NumberOf(string? content)
    {
        var text = content?.Trim();
        return text is { Length: 2 } && char.IsAsciiDigit(text[0]) && char.IsAsciiDigit(text[1]) ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <inheritdoc />
    public async Task<string?> HandleAsync(MessageContext context, CancellationToken cancellationToken)
    {
        var (item, message) = context;
        var login = await store.FindAwaitingNumberAsync(message.FromUserName, cancellationToken);
        if (login is null)
        {
            // Note: not a confirmation (no login waits for this user's number): an ordinary text for the CRM.
            return await ActivatorUtilities.CreateInstance<CrmHookHandler>(services).HandleAsync(context, cancellationToken);
        }

        var safe = string.Equals(item.Message?.EncryptType, MessageEnvelope.AesEncryptType, StringComparison.Ordinal);
        if (!safe && weixin.CurrentValue.EncodingAESKey.Length > 0)
        {
            logger.LogWarning("Message item {ItemId}: number for scan login {LoginRef} from {OpenId} arrived in plaintext although Weixin:EncodingAESKey is set; not accepted as a confirmation (a plaintext callback can be forged by the public host)",
                item.Id, LoginSecrets.LogRef(login.Id), message.FromUserName);
            return PlaintextReply;
        }

        if (NumberOf(message.Content) == login.ConfirmCode)
        {
            if (await store.TryConfirmAsync(login.Id, cancellationToken))
            {
                logger.LogInformation("Message item {ItemId}: login {LoginRef} ({Kind}) confirmed by {OpenId}", item.Id, LoginSecrets.LogRef(login.Id), login.Kind, message.FromUserName);
                return login.Kind == ScanLoginKinds.Device ? DeviceConfirmedReply : ConfirmedReply;
            }

            return Cancelled(login);
        }

        var state = await store.RecordWrongNumberAsync(login.Id, cancellationToken);
        logger.LogWarning("Message item {ItemId}: wrong number for login {LoginRef} ({Kind}) from {OpenId} (now {State})",
            item.Id, LoginSecrets.LogRef(login.Id), login.Kind, message.FromUserName, state);
        return state == ScanLoginStates.Cancelled ? Cancelled(login) : WrongReply;
    }

    private static string Cancelled(ScanLoginEntry login) => login.Kind == ScanLoginKinds.Device ? DeviceCancelledReply : CancelledReply;
}
