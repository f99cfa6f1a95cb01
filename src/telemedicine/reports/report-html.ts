import { escapeXml, inclusionChart, milestoneColour } from './inclusion-chart';
import { reportPage } from './report-page';
import { TASK_CATEGORIES, type GroupFigures, type RolloutReport } from './rollout';

/**
 * The rollout report as one self-contained HTML page for the secretariat: a chart per group
 * with a target (inclusion % per month against the milestones), then the figures as a table.
 * No scripts, fonts or images from elsewhere.
 */

export const GROUPING_TITLES = { region: 'region', municipality: 'kommune', diagnosis: 'diagnose' } as const;
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
  return reportPage({
    title: `Udrulning af telemedicin ${report.periodStart} – ${report.periodEnd}`,
    heading: 'Udrulning af telemedicinsk hjemmemonitorering',
    subtitle: `Periode ${escapeXml(report.periodStart)} – ${escapeXml(report.periodEnd)} · opdelt på ${GROUPING_TITLES[report.grouping]} · dannet ${escapeXml(report.generated.slice(0, 16).replace('T', ' '))} UTC`,
    body: `${headline}
${charted.length ? `<p class="legend">Inklusion pr. måned (borgere med aktivt forløb ÷ målgruppe). Stiplede linjer: milepæle ${report.milestones.map((m) => `${m} %`).join(', ')}.</p>\n<section class="charts">\n${charts}\n</section>` : ''}
${table(report)}`,
  });
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
