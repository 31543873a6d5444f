/**
 * The enrollment page's script, served as /enroll/enroll.js (the CSP allows no inline script).
 * The CSRF token lives only in this closure: nothing is put in localStorage or sessionStorage.
 */
export const ENROLL_JS = `'use strict';
(function () {
  var csrf = null;
  var $ = function (id) { return document.getElementById(id); };
  var msg = function (key) { var el = $('texts'); return el.getAttribute('data-' + key) || el.getAttribute('data-err-other'); };
  var show = function (key) { $('error').textContent = key ? msg(key) : ''; };
  var post = function (path, body, headers) {
    var h = { 'content-type': 'application/json' };
    for (var k in headers || {}) h[k] = headers[k];
    return fetch(path, { method: 'POST', headers: h, body: JSON.stringify(body), credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.json(); });
  };
  $('start').addEventListener('submit', function (e) {
    e.preventDefault();
    show(null);
    post('/enroll/start', { email: $('email').value, code: $('code').value }).then(function (r) {
      if (!r.ok) return show('err-' + (r.error.code === 'RATE_LIMITED' || r.error.code === 'USER_LOCKED' ? 'locked' : 'rejected'));
      csrf = r.value.csrf;
      $('qr').src = 'data:image/svg+xml;base64,' + r.value.qrSvgBase64;
      $('key').textContent = r.value.key;
      $('start').hidden = true;
      $('scan').hidden = false;
      $('otp').focus();
    }, function () { show('err-other'); });
  });
  $('confirm').addEventListener('submit', function (e) {
    e.preventDefault();
    show(null);
    post('/enroll/confirm', { code: $('otp').value.replace(/\\s/g, '') }, { 'x-csrf-token': csrf }).then(function (r) {
      if (!r.ok) return show('err-' + r.error.code);
      csrf = null;
      $('scan').hidden = true;
      $('qr').removeAttribute('src');
      $('key').textContent = '';
      $('done').hidden = false;
    }, function () { show('err-other'); });
  });
})();
`;

export const ENROLL_CSS = `body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
label{display:block;margin:.8rem 0 .2rem}input{font-size:1.1rem;padding:.4rem;width:100%;box-sizing:border-box}
button{margin-top:1rem;font-size:1.1rem;padding:.5rem 1.2rem}#qr{width:16rem;height:16rem;display:block;margin:1rem 0}
#key{font-family:ui-monospace,monospace;font-size:1.2rem;letter-spacing:.05em}#error{color:#a00000;min-height:1.5rem}
nav{text-align:right}[hidden]{display:none}`;
