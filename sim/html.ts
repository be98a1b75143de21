// What every simulated screen's pages share: escaping, the stylesheet, the page frame, the
// alert and status boxes and the Japan-time format. Each screen writes its own texts.

export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const h = escapeHtml;

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font-family:"Hiragino Kaku Gothic ProN","Meiryo","Yu Gothic",sans-serif;font-size:15px;color:#1a1a1a;background:#f2f4f7}
header.site{display:flex;align-items:center;justify-content:space-between;background:#1f3b6e;color:#fff;padding:10px 24px}
header.site h1{font-size:18px;margin:0;font-weight:bold}
header.site .user{display:flex;align-items:center;gap:12px;font-size:14px}
header.site form{margin:0}
main{max-width:1200px;margin:24px auto;background:#fff;border:1px solid #c8ced8;padding:20px 28px 28px}
h2{font-size:20px;border-left:6px solid #1f3b6e;padding-left:10px;margin:0 0 18px}
a{color:#1a4fa3}
label{font-weight:bold}
.field{margin:0 0 16px}
.field label,.field legend{display:block;margin-bottom:6px}
input[type=text],input[type=password],select{font-size:15px;padding:6px 8px;border:1px solid #8a94a6;border-radius:3px;min-width:280px}
fieldset{border:1px solid #c8ced8;padding:10px 14px;margin:0 0 16px}
fieldset label{font-weight:normal;margin-right:18px}
button,.button-link{display:inline-block;font-size:15px;padding:7px 20px;border:1px solid #1f3b6e;border-radius:3px;background:#1f3b6e;color:#fff;cursor:pointer;text-decoration:none}
.button-link.secondary,button.secondary{background:#fff;color:#1f3b6e}
header.site button{background:#fff;color:#1f3b6e;padding:4px 12px;font-size:13px}
.actions{display:flex;gap:12px;margin-top:20px}
[role=alert]{border:1px solid #c62828;background:#fdecea;color:#8e1b1b;padding:10px 14px;margin:0 0 16px}
[role=status]{border:1px solid #2e7d32;background:#edf7ed;color:#1e4620;padding:10px 14px;margin:0 0 16px}
table{border-collapse:collapse;width:100%;margin:8px 0 16px}
caption{text-align:left;font-weight:bold;padding:4px 0}
th,td{border:1px solid #c8ced8;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#e8ecf3;white-space:nowrap}
td.number{text-align:right}
ul.menu{list-style:none;padding:0}
ul.menu li{margin:0 0 12px}
ul.menu a{font-size:17px}
.note{color:#555;font-size:13px}
`;

export interface DocumentParts {
  /** The site's name: the header's h1 and the end of every <title>. */
  siteTitle: string;
  /** The page's own name, first in <title>. */
  title: string;
  /** HTML after the h1 inside the site header (user, navigation); empty before login. */
  header: string;
  body: string;
  /** Rules a screen adds after the shared stylesheet. */
  extraStyle?: string;
}

export function htmlDocument({ siteTitle, title, header, body, extraStyle = '' }: DocumentParts): string {
  return `<!DOCTYPE html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)} | ${h(siteTitle)}</title>
<style>${STYLE}${extraStyle}</style>
</head>
<body>
<header class="site"><h1>${h(siteTitle)}</h1>${header}</header>
<main>
${body}
</main>
</body>
</html>
`;
}

export function alertBox(messages: readonly string[]): string {
  if (messages.length === 0) return '';
  if (messages.length === 1) return `<div role="alert">${h(messages[0] ?? '')}</div>`;
  return `<div role="alert"><ul>${messages.map((m) => `<li>${h(m)}</li>`).join('')}</ul></div>`;
}

export function statusBox(message: string | undefined): string {
  return message ? `<div role="status">${h(message)}</div>` : '';
}

const JST = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Asia/Tokyo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** ISO timestamp -> "2025-04-01 09:30:00" in Japan time. */
export function formatJst(iso: string): string {
  return JST.format(new Date(iso)).replace('T', ' ');
}

/** A count that is empty until there is one. */
export function countCell(value: number | null): string {
  return value === null ? '' : String(value);
}
