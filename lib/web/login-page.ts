// The login page, served by the dashboard's server wrapper itself (not by Next.js): it must render
// without a session and must not show anything from the store (the header's health badge does).
export interface LoginPageOptions {
  /** where the user goes after signing in (already validated as a same-site path) */
  next: string;
  passwordLogin: boolean;
  proxyLogin: boolean;
  apiTokens: boolean;
  error?: string;
  notice?: string;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `
:root { --bg:#f6f7f9; --panel:#fff; --border:#e2e5ea; --text:#1b2230; --muted:#5b6575; --accent:#2563eb; --error:#dc2626; --error-soft:#fee2e2; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--text); font:14px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif; }
header { height:52px; display:flex; align-items:center; gap:8px; padding:0 20px; background:#111827; color:#fff; font-weight:700; font-size:16px; }
.dot { width:10px; height:10px; border-radius:50%; background:linear-gradient(135deg,#60a5fa,#34d399); }
main { max-width:420px; margin:72px auto; padding:0 16px; }
.card { background:var(--panel); border:1px solid var(--border); border-radius:10px; padding:24px 26px; }
h1 { font-size:20px; margin:0 0 6px; }
p { color:var(--muted); margin:0 0 16px; }
label { display:block; font-weight:600; margin-bottom:6px; }
input[type=password] { width:100%; padding:9px 11px; font-size:15px; border:1px solid #cbd1d9; border-radius:7px; }
input[type=password]:focus { outline:2px solid var(--accent); outline-offset:1px; border-color:var(--accent); }
button { margin-top:14px; width:100%; padding:9px 12px; font-size:15px; font-weight:600; color:#fff; background:var(--accent); border:0; border-radius:7px; cursor:pointer; }
button:hover { background:#1d4ed8; }
.error { background:var(--error-soft); color:var(--error); border-radius:7px; padding:8px 11px; margin-bottom:14px; font-weight:500; }
.notice { background:#e8effd; color:#1e3a8a; border-radius:7px; padding:8px 11px; margin-bottom:14px; }
.other { margin-top:18px; font-size:13px; color:var(--muted); }
code { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:12.5px; }
`;

export function loginPage(o: LoginPageOptions): string {
  const after = o.next !== '/' ? `<p>After signing in you go on to <code>${escapeHtml(o.next)}</code>.</p>` : '';
  const form = o.passwordLogin
    ? `<form method="post" action="/login" data-testid="login-form">
  <input type="hidden" name="next" value="${escapeHtml(o.next)}">
  <label for="password">Dashboard password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
  <button type="submit">Sign in</button>
</form>`
    : `<p>This dashboard has no password login.</p>`;
  const intro = o.passwordLogin
    ? "<p>This Eventscope shows the traces of your team's services, so it asks for the dashboard password first. Whoever runs it set the password (<code>EVENTSCOPE_DASHBOARD_PASSWORD</code>) and can give it to you.</p>"
    : "<p>This Eventscope shows the traces of your team's services, so only signed-in users may see it.</p>";
  const others: string[] = [];
  if (o.proxyLogin) others.push('If your team signs in through a single sign-on proxy, open Eventscope through it.');
  if (o.apiTokens) others.push('Scripts call <code>/api/*</code> and <code>/metrics</code> with <code>Authorization: Bearer &lt;token&gt;</code> (an API token from whoever runs Eventscope).');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Sign in · Eventscope</title>
<link rel="icon" href="/icon.svg" type="image/svg+xml">
<style>${STYLE}</style>
</head>
<body>
<header><span class="dot" aria-hidden="true"></span>Eventscope</header>
<main>
<div class="card">
<h1>Sign in to Eventscope</h1>
${intro}
${after}
${o.error ? `<div class="error" role="alert" data-testid="login-error">${escapeHtml(o.error)}</div>` : ''}
${o.notice ? `<div class="notice" role="status">${escapeHtml(o.notice)}</div>` : ''}
${form}
${others.length ? `<div class="other">${others.map((x) => `<div>${x}</div>`).join('')}</div>` : ''}
</div>
</main>
</body>
</html>
`;
}
