import { escapeXml } from './inclusion-chart';
import { GROUPING_TITLES } from './report-html';
import { reportPage } from './report-page';
import type { SelfManagementGroup, SelfManagementReport } from './self-management';
import { selfManagementChart } from './self-management-chart';
import { SMALL_CELL } from './utilisation';

/**
 * The self-management report as one self-contained HTML page: a line chart of the mean SEMCD-6
 * score per follow-up per group and for the country, then the table (mean and citizens per
 * follow-up).
 */
export function selfManagementHtml(report: SelfManagementReport): string {
  return reportPage({
    title: `Egenomsorg ${report.periodStart} – ${report.periodEnd}`,
    heading: 'Egenomsorg målt med SEMCD-6 ved inklusion og hver 3. måned',
    subtitle: `Borgere inkluderet ${escapeXml(report.periodStart)} – ${escapeXml(report.periodEnd)} · opdelt på ${GROUPING_TITLES[report.grouping]} · dannet ${escapeXml(report.generated.slice(0, 16).replace('T', ' '))} UTC`,
    body: `<p class="legend">Gennemsnitlig score (1–10, højere er bedre) på Self-Efficacy for Managing Chronic Disease 6-Item Scale. Tal med færre end ${SMALL_CELL} borgere vises ikke.</p>
<section class="charts">
<figure class="wide">${selfManagementChart('Gennemsnitlig SEMCD-6-score', report.months, report.groups, report.total)}</figure>
</section>
${table(report)}`,
  });
}

function table(report: SelfManagementReport): string {
  const head = ['', 'Inkluderet', ...report.months.map((m) => (m === 0 ? 'Start' : `${m} mdr.`))];
  const row = (g: SelfManagementGroup, cls = '') => {
    const cells = [
      escapeXml(g.display),
      g.cohort === undefined ? `&lt; ${SMALL_CELL}` : String(g.cohort),
      ...g.followUps.map((f) => (f.meanScore === undefined ? '–' : `${f.meanScore.toLocaleString('da-DK')} (${f.citizens})`)),
    ];
    return `<tr${cls ? ` class="${cls}"` : ''}>${cells.map((v) => `<td>${v}</td>`).join('')}</tr>`;
  };
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${report.groups.map((g) => row(g)).join('')}${row(report.total, 'total')}</tbody></table>`;
}
