import { escapeXml, inclusionChart, milestoneColour } from './inclusion-chart';
import { TASK_CATEGORIES, type GroupFigures, type RolloutReport } from './rollout';

/**
 * The rollout report as one self-contained HTML page for the secretariat: a chart per group
 * with a target (inclusion % per month against the milestones), then the figures as a table.
 * No scripts, fonts or images from elsewhere.
 */

const GROUPING_TITLES = { region: 'region', municipality: 'kommune', diagnosis: 'diagnose' } as const;
const TASK_TITLES: Record<string, string> = {
  'measurement-for-assessment': 'Til vurdering',
  'missing-measurement': 'Manglende måling',
  'threshold-review': 'Grænseværdier',
  other: 'Andet',
};

export function rolloutHtml(report: RolloutReport): string {
  const charted = report.groups.filter((g) => g.target !== undefined && g.key !== 'unknown');
  const charts = charted.map((g) => `<figure>${inclusionChart(g, report.milestones)}</figure>`).join('\n');
  const total = report.total;
  const headline = total.inclusionPercent !== undefined
    ? `<p class="headline"><span style="color:${milestoneColour(total.inclusionPercent, report.milestones)}">${total.inclusionPercent.toLocaleString('da-DK')} %</span> af målgruppen er inkluderet — ${total.activeCitizens} af ${total.target} borgere</p>`
    : `<p class="headline">${total.activeCitizens} borgere med et aktivt forløb</p>`;
  return `<!doctype html>
<html lang="da"><head><meta charset="utf-8"><title>Udrulning af telemedicin ${escapeXml(report.periodStart)} – ${escapeXml(report.periodEnd)}</title>
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
figure svg{display:block;width:100%;height:auto}
table{border-collapse:collapse;margin-top:24px;background:#fff;font-size:13px;width:100%;box-shadow:0 1px 3px rgba(0,0,0,.08)}
th,td{padding:7px 10px;text-align:right;border-bottom:1px solid #eaeded} th:first-child,td:first-child{text-align:left}
th{background:#eaf2f8;font-weight:600} tr.total td{font-weight:700;background:#f8f9f9}
</style></head>
<body>
<header><h1>Udrulning af telemedicinsk hjemmemonitorering</h1>
<p>Periode ${escapeXml(report.periodStart)} – ${escapeXml(report.periodEnd)} · opdelt på ${GROUPING_TITLES[report.grouping]} · dannet ${escapeXml(report.generated.slice(0, 16).replace('T', ' '))} UTC</p></header>
<main>
${headline}
${charted.length ? `<p class="legend">Inklusion pr. måned (borgere med aktivt forløb ÷ målgruppe). Stiplede linjer: milepæle ${report.milestones.map((m) => `${m} %`).join(', ')}.</p>\n<section class="charts">\n${charts}\n</section>` : ''}
${table(report)}
</main></body></html>
`;
}

function table(report: RolloutReport): string {
  const head = ['', 'Borgere', '≥ 7 dage', 'Forløb', 'Målinger', 'Pr. forløb', ...TASK_CATEGORIES.map((c) => TASK_TITLES[c]), 'Målgruppe', 'Inklusion'];
  const row = (g: GroupFigures, cls = '') =>
    `<tr${cls ? ` class="${cls}"` : ''}>${[
      escapeXml(g.display),
      g.activeCitizens,
      g.citizensActive7Days,
      g.episodes,
      g.measurements,
      g.measurementsPerEpisode.toLocaleString('da-DK'),
      ...TASK_CATEGORIES.map((c) => g.tasks[c] ?? 0),
      g.target ?? '–',
      g.inclusionPercent !== undefined ? `${g.inclusionPercent.toLocaleString('da-DK')} %` : '–',
    ]
      .map((v) => `<td>${v}</td>`)
      .join('')}</tr>`;
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${report.groups.map((g) => row(g)).join('')}${row(report.total, 'total')}</tbody></table>`;
}
