// Desktop 扫码登录 on /login (outside WeChat's browser) of CrmApp and IdentityProvider. Starts a scan login, shows its
// QR code and a countdown, long-polls /login/weixin/status (which redeems the login server-side) and follows its
// redirect once confirmed. Served by each app's /login/weixin/scan?handler=Script: the CSP allows same-origin scripts only.
(function () {
    'use strict';
    var root = document.getElementById('scan-login');
    if (!root) {
        return;
    }

    var box = document.getElementById('scan-box');
    var qr = document.getElementById('scan-qr');
    var placeholder = document.getElementById('scan-placeholder');
    var countdown = document.getElementById('scan-countdown');
    var confirmCode = document.getElementById('confirm-code');
    var message = document.getElementById('scan-message');
    var demo = document.getElementById('scan-demo');
    var refresh = document.getElementById('scan-refresh');
    var tokenInput = document.querySelector('input[name="__RequestVerificationToken"]');

    var WAIT_SECONDS = 8;
    var UNAVAILABLE_PAUSE_MS = 3000;
    var EXPIRED = '二维码已过期，请点击「刷新二维码」。';
    // Note: the app's own words (the CRM also offers its password login); the page renders them from its ScanModel.
    var GATEWAY_DOWN = root.getAttribute('data-gateway-down') || '内网微信网关暂时不可用，请稍后点击「刷新二维码」重试。';

    // Note: every start bumps the generation; a poll loop or an answer of an older QR code sees it and stops.
    var generation = 0;
    var deadline = 0;
    var timer = 0;

    function sleep(ms) {
        return new Promise(function (resolve) { setTimeout(resolve, ms); });
    }

    function setMessage(text, kind) {
        message.textContent = text || '';
        message.hidden = !text;
        message.className = 'alert ' + (kind === 'error' ? 'alert-error' : 'alert-warning');
    }

    function setDeadline(secondsLeft) {
        deadline = Date.now() + Math.max(0, secondsLeft) * 1000;
        tick();
    }

    // Note: the server's own clock (its Date header) turns expiresAt into seconds left, so a desktop whose clock is off
    // still counts down right.
    function secondsUntil(expiresAt, response) {
        var serverNow = Date.parse(response.headers.get('Date') || '');
        var end = Date.parse(expiresAt || '');
        if (isNaN(end)) {
            return null;
        }

        return (end - (isNaN(serverNow) ? Date.now() : serverNow)) / 1000;
    }

    function tick() {
        var left = Math.ceil((deadline - Date.now()) / 1000);
        if (left <= 0) {
            end(EXPIRED);
            return;
        }

        var minutes = Math.floor(left / 60);
        var seconds = left % 60;
        countdown.textContent = '二维码 ' + minutes + ':' + (seconds < 10 ? '0' : '') + seconds + ' 后过期';
    }

    function stopClock() {
        if (timer) {
            clearInterval(timer);
            timer = 0;
        }
    }

    // The QR code is done with (expired, cancelled, failed, refused): say why and offer 「刷新二维码」.
    function end(text, kind) {
        generation++;
        stopClock();
        countdown.textContent = '';
        confirmCode.hidden = true;
        box.classList.add('dim');
        setMessage(text, kind);
        refresh.hidden = false;
        refresh.focus();
    }

    function showScanned(code) {
        box.classList.add('dim');
        confirmCode.textContent = '';
        confirmCode.appendChild(document.createTextNode('请在微信公众号对话中发送数字 '));
        var number = document.createElement('strong');
        number.textContent = code;
        confirmCode.appendChild(number);
        confirmCode.appendChild(document.createTextNode(' 确认登录'));
        confirmCode.hidden = false;
        setMessage('');
    }

    async function start() {
        var mine = ++generation;
        stopClock();
        box.hidden = false;
        box.classList.remove('dim');
        qr.hidden = true;
        placeholder.hidden = false;
        placeholder.textContent = '正在生成二维码…';
        countdown.textContent = '';
        confirmCode.hidden = true;
        demo.hidden = true;
        setMessage('');

        var data;
        try {
            var body = new URLSearchParams();
            body.set('returnUrl', root.getAttribute('data-return-url') || '');
            var response = await fetch(root.getAttribute('data-start'), {
                method: 'POST',
                credentials: 'same-origin',
                cache: 'no-store',
                headers: { 'RequestVerificationToken': tokenInput ? tokenInput.value : '' },
                body: body,
            });
            data = await response.json();
        } catch (e) {
            data = { state: 'unavailable', message: GATEWAY_DOWN };
        }

        if (mine !== generation) {
            return;
        }

        if (data.state === 'confirmed' && data.redirect) {
            location.href = data.redirect;
            return;
        }

        if (data.state !== 'waiting' || !data.qr) {
            // Note: no code to show: the empty box is folded away so the reason sits right under 「请用微信扫一扫」.
            box.hidden = true;
            end(data.message || GATEWAY_DOWN, data.state === 'disabled' ? 'warning' : 'error');
            return;
        }

        qr.src = data.qr;
        qr.hidden = false;
        // Development only: the code's content for the simulator's 「扫一扫」 (the server sends none in production).
        demo.hidden = !data.demoContent;
        demo.textContent = data.demoContent ? '演示：在模拟器聊天页「扫一扫」中粘贴 ' + data.demoContent : '';
        placeholder.hidden = true;
        setDeadline(data.secondsLeft);
        timer = setInterval(function () { if (mine === generation) { tick(); } }, 1000);
        poll(mine);
    }

    async function poll(mine) {
        while (mine === generation) {
            var data;
            var response = null;
            try {
                response = await fetch(root.getAttribute('data-status') + '?wait=' + WAIT_SECONDS, { credentials: 'same-origin', cache: 'no-store' });
                if (response.redirected && new URL(response.url).origin === location.origin) {
                    // Note: signing in redirects (the cookie handler answers 302 to the return page when the sign-in
                    // names one); the fetch followed it, signed in, so the page goes there too.
                    data = { state: 'confirmed', redirect: response.url };
                } else {
                    data = await response.json();
                }
            } catch (e) {
                data = { state: 'unavailable' };
            }

            if (mine !== generation) {
                return;
            }

            switch (data.state) {
                case 'waiting':
                case 'scanned':
                    if (response) {
                        var left = secondsUntil(data.expiresAt, response);
                        if (left !== null) {
                            setDeadline(left);
                        }
                    }

                    if (mine !== generation) {
                        return;
                    }

                    if (data.state === 'scanned' && data.confirmCode) {
                        showScanned(data.confirmCode);
                    }

                    setMessage('');
                    break;
                case 'confirmed':
                    generation++;
                    stopClock();
                    countdown.textContent = '';
                    setMessage('已确认，正在登录…');
                    location.href = data.redirect || '/';
                    return;
                case 'unavailable':
                    setMessage(data.message || '内网微信网关暂时不可用，正在重试…');
                    await sleep(UNAVAILABLE_PAUSE_MS);
                    break;
                case 'expired':
                case 'none':
                    end(EXPIRED);
                    return;
                case 'cancelled':
                    end((data.message || '本次登录已取消。') + '如需登录，请点击「刷新二维码」重新扫码。', 'error');
                    return;
                default:
                    // failed (ticket refused or already used) and anything unknown: the server's words.
                    end(data.message || '本次登录未能完成，请点击「刷新二维码」重试。', 'error');
                    return;
            }
        }
    }

    refresh.addEventListener('click', function () { start(); });
    start();
})();
