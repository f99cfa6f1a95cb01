import { escapeXml } from './inclusion-chart';

/**
 * The frame of a report's HTML page for the secretariat: one self-contained document (no
 * scripts, fonts or images from elsewhere) with a header, a grid of charts and a table.
 */
export function reportPage(page: { title: string; heading: string; subtitle: string; body: string }): string {
  return `<!doctype html>
<html lang="da"><head><meta charset="utf-8"><title>${escapeXml(page.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f6f7;color:#1b2631}
header{background:#17202a;color:#fff;padding:20px 32px}
header h1{margin:0;font-size:22px;font-weight:600} header p{margin:6px 0 0;color:#aab7b8;font-size:14px}
main{padding:20px 32px;max-width:1240px}
.headline{font-size:18px;margin:4px 0 16px} .headline span{font-weight:700;font-size:24px}
.legend{font-size:13px;color:#5d6d7e;margin-bottom:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:16px}
figure{margin:0;background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
figure svg{display:block;width:100%;height:auto} figure.wide{grid-column:1/-1;max-width:900px}
table{border-collapse:collapse;margin-top:24px;background:#fff;font-size:13px;width:100%;box-shadow:0 1px 3px rgba(0,0,0,.08)}
th,td{padding:7px 10px;text-align:right;border-bottom:1px solid #eaeded} th:first-child,td:first-child{text-align:left}
th{background:#eaf2f8;font-weight:600} tr.total td{font-weight:700;background:#f8f9f9}
</style></head>
<body>
<header><h1>${escapeXml(page.heading)}</h1>
<p>${page.subtitle}</p></header>
<main>
${page.body}
</main></body></html>
`;
}
