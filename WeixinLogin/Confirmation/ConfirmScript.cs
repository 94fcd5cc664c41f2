namespace Weixin.Inbox.WeixinLogin.Confirmation;

/// <summary>
/// The script of <c>/login/weixin/confirm</c>: counts down and long-polls <c>/login/weixin/status?wait=8</c> (the one
/// poll that also redeems the ticket server-side) until the number is confirmed, then goes where the server says.
/// It never shows a number of its own: the number on the page was rendered by the server. The same in CrmApp and
/// IdentityProvider (both serve it from their own <c>/login/weixin/confirm?handler=script</c>).
/// </summary>
public static class ConfirmScript
{
    public const string Source = """
        (function () {
          "use strict";
          var wait = document.getElementById("confirm-wait");
          if (!wait) { return; }
          var failed = document.getElementById("confirm-failed");
          var message = document.getElementById("confirm-message");
          var statusLine = document.getElementById("confirm-status");
          var countdown = document.getElementById("countdown");
          var deadline = Date.now() + parseInt(wait.getAttribute("data-seconds-left") || "0", 10) * 1000;
          var finished = false;

          function fail(text) {
            finished = true;
            wait.hidden = true;
            message.textContent = text || "本次登录未完成，请重新登录。";
            failed.hidden = false;
          }

          function tick() {
            if (finished || !countdown) { return; }
            var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
            countdown.textContent = String(left);
            if (left > 0) { setTimeout(tick, 1000); }
          }

          function poll(delay) {
            setTimeout(function () {
              if (finished) { return; }
              fetch("/login/weixin/status?wait=8", { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
                .then(function (r) { return r.json(); })
                .then(function (s) {
                  if (s.state === "confirmed" && s.redirect) {
                    finished = true;
                    statusLine.textContent = "已确认，正在登录…";
                    location.href = s.redirect;
                  } else if (s.state === "waiting" || s.state === "scanned") {
                    statusLine.textContent = "";
                    poll(0);
                  } else if (s.state === "unavailable") {
                    statusLine.textContent = s.message || "内网微信网关暂时不可用，正在重试…";
                    poll(3000);
                  } else {
                    fail(s.message);
                  }
                })
                .catch(function () {
                  statusLine.textContent = "网络不稳定，正在重试…";
                  poll(3000);
                });
            }, delay);
          }

          tick();
          poll(0);
        })();
        """;
}
