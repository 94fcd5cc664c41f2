namespace Weixin.Inbox.PublicInbox.Waiting;

/// <summary>The 「正在登录…」 page: polls its status once a second and follows the result.</summary>
public static class WaitPage
{
    /// <param name="id">Item id.</param>
    /// <param name="nonce">CSP nonce for the inline style and script.</param>
    /// <param name="timeoutSeconds">Login timeout shown to the user.</param>
    /// <param name="retryUrlHtml">HTML-encoded 「重新登录」 URL.</param>
    public static string Render(long id, string nonce, string timeoutSeconds, string retryUrlHtml) => $$"""
        <!doctype html>
        <html lang="zh-CN"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width,initial-scale=1,maximum-scale=1">
        <title>正在登录…</title>
        <style nonce="{{nonce}}">{{Pages.Styles}}
        .spinner{width:44px;height:44px;margin:0 auto;border:4px solid #e5e6eb;border-top-color:#07c160;border-radius:50%;animation:spin 1s linear infinite}
        @keyframes spin{to{transform:rotate(360deg)} }
        ol{list-style:none;padding:0;margin:22px 0 0;text-align:left}
        li{padding:8px 0 8px 30px;position:relative;color:#86909c;font-size:15px}
        li:before{content:"";position:absolute;left:6px;top:13px;width:10px;height:10px;border-radius:50%;background:#c9cdd4}
        li.on{color:#1f2329}li.on:before{background:#07c160}
        li.now:before{background:#ff7d00}
        .warn{color:#d25f00}.err{color:#f53f3f}
        .hidden{display:none}
        </style></head>
        <body><main><div class="card" id="card" data-item="{{id}}">
          <div class="spinner" id="spinner"></div>
          <h1 id="title">正在登录…</h1>
          <p id="message">已收到微信授权，正在等待内网服务处理…</p>
          <ol>
            <li id="step-received" class="on">已收到微信授权</li>
            <li id="step-queued" class="now">排队中：等待内网服务领取</li>
            <li id="step-processing">处理中：内网服务向微信确认身份</li>
            <li id="step-done">完成，跳转回应用</li>
          </ol>
          <p class="muted" id="elapsed">已等待 0 秒（最长 {{timeoutSeconds}} 秒）</p>
          <a class="btn hidden" id="retry" href="{{retryUrlHtml}}">重新登录</a>
        </div></main>
        <script nonce="{{nonce}}">
        (function () {
          var id = document.getElementById('card').getAttribute('data-item');
          var started = Date.now(), finished = false, failures = 0, known = null;
          function $(x) { return document.getElementById(x); }
          function step(name, cls) { var el = $('step-' + name); el.className = cls; }
          function stop(title, message, retryUrl, cls) {
            finished = true;
            $('spinner').className = 'hidden';
            $('title').textContent = title;
            $('message').textContent = message;
            $('message').className = cls || '';
            if (retryUrl) { $('retry').href = retryUrl; }
            $('retry').className = 'btn';
          }
          function show(s) {
            $('message').textContent = s.message;
            $('message').className = s.intranetSilent && s.state === 'queued' ? 'warn' : '';
            if (s.state === 'queued') { step('queued', 'now'); }
            if (s.state === 'processing') { step('queued', 'on'); step('processing', 'now'); }
            if (s.state === 'done') {
              step('queued', 'on'); step('processing', 'on'); step('done', 'on');
              finished = true;
              $('title').textContent = '登录成功';
              window.location.replace(s.redirectUrl);
            }
            if (s.state === 'failed') { stop('登录失败', s.message, s.retryUrl, 'err'); }
            if (s.state === 'expired') { stop('内网服务没有响应', s.message, s.retryUrl, 'err'); }
            if (s.state === 'forbidden') { stop('请在原浏览器中继续', s.message, null, 'err'); }
          }
          function poll() {
            if (finished) { return; }
            // The server holds the answer until the state differs from the one we know (long polling).
            var url = '/wx/wait/' + id + '/status' + (known ? '?known=' + encodeURIComponent(known) : '');
            var ok = false;
            fetch(url, { credentials: 'same-origin', cache: 'no-store' })
              .then(function (r) { return r.json(); })
              .then(function (s) { failures = 0; ok = true; known = s.state; show(s); })
              .catch(function () {
                failures++;
                $('message').textContent = '网络不稳定，正在重试（第 ' + failures + ' 次）…';
                $('message').className = 'warn';
              })
              .then(function () { if (!finished) { setTimeout(poll, ok ? 0 : 1000); } });
          }
          setInterval(function () {
            if (!finished) { $('elapsed').textContent = '已等待 ' + Math.floor((Date.now() - started) / 1000) + ' 秒（最长 {{timeoutSeconds}} 秒）'; }
          }, 1000);
          poll();
        })();
        </script>
        </body></html>
        """;
}
