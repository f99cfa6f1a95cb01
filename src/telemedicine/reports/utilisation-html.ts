import { escapeXml } from './inclusion-chart';
import { GROUPING_TITLES } from './report-html';
import { reportPage } from './report-page';
import { SMALL_CELL, type UtilisationGroup, type UtilisationReport } from './utilisation';
import { utilisationChart } from './utilisation-chart';

/**
 * The utilisation report as one self-contained HTML page: bar charts of admissions and
 * outpatient contacts per citizen-year before and since enrolment per group, then the table.
 */
export function utilisationHtml(report: UtilisationReport): string {
  const all = [...report.groups, report.total];
  const charts = [
    utilisationChart('Indlæggelser pr. borgerår', all, (g) => ({ before: g.figures?.admissionsPerCitizenYearBefore ?? 0, since: g.figures?.admissionsPerCitizenYearSince ?? 0 })),
    utilisationChart('Ambulante kontakter pr. borgerår', all, (g) => ({ before: g.figures?.outpatientPerCitizenYearBefore ?? 0, since: g.figures?.outpatientPerCitizenYearSince ?? 0 })),
  ];
  return reportPage({
    title: `Forbrug af sundhedsydelser ${report.periodStart} – ${report.periodEnd}`,
    heading: 'Indlæggelser og ambulante kontakter før og efter telemedicin',
    subtitle: `Borgere inkluderet ${escapeXml(report.periodStart)} – ${escapeXml(report.periodEnd)} · opdelt på ${GROUPING_TITLES[report.grouping]} · dannet ${escapeXml(report.generated.slice(0, 16).replace('T', ' '))} UTC`,
    body: `<p class="legend">Pr. borgerår i de 12 måneder før inklusion og fra inklusion til periodens slut. Grupper med færre end ${SMALL_CELL} borgere vises ikke.</p>
<section class="charts">
${charts.map((c) => `<figure>${c}</figure>`).join('\n')}
</section>
${table(report)}`,
  });
}

function table(report: UtilisationReport): string {
  const head = ['', 'Borgere', 'Borgerår før', 'Borgerår siden', 'Indlæggelser før', 'siden', 'pr. borgerår før', 'siden', 'Ambulante før', 'siden', 'pr. borgerår før', 'siden'];
  const n = (v: number) => v.toLocaleString('da-DK');
  const row = (g: UtilisationGroup, cls = '') => {
    const f = g.figures;
    const cells = f
      ? [f.citizens, f.citizenYearsBefore, f.citizenYearsSince, f.admissionsBefore, f.admissionsSince, f.admissionsPerCitizenYearBefore, f.admissionsPerCitizenYearSince, f.outpatientBefore, f.outpatientSince, f.outpatientPerCitizenYearBefore, f.outpatientPerCitizenYearSince].map(n)
      : [`&lt; ${SMALL_CELL}`, ...Array(10).fill('–')];
    return `<tr${cls ? ` class="${cls}"` : ''}>${[escapeXml(g.display), ...cells].map((v) => `<td>${v}</td>`).join('')}</tr>`;
  };
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${report.groups.map((g) => row(g)).join('')}${row(report.total, 'total')}</tbody></table>`;
}
