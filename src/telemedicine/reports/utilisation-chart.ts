import { escapeXml } from './inclusion-chart';
import type { UtilisationGroup } from './utilisation';

/**
 * One measure per citizen-year as an inline SVG bar chart: per group a grey bar for the 12 months
 * before enrolment and a coloured bar for the time since, the value above each bar.
 */

const H = 260;
const PAD = { left: 36, right: 16, top: 56, bottom: 44 };
/** Wide enough for its value above it (`0,95`, `12,4` at 9 px), so neighbouring labels never overlap. */
const BAR = 24;
const SLOT = 2 * BAR + 18;

export function utilisationChart(title: string, groups: UtilisationGroup[], values: (g: UtilisationGroup) => { before: number; since: number }): string {
  const shown = groups.filter((g) => g.figures);
  const W = Math.max(380, PAD.left + PAD.right + shown.length * SLOT);
  const top = Math.max(0.1, ...shown.flatMap((g) => Object.values(values(g))));
  const plotH = H - PAD.top - PAD.bottom;
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const parts: string[] = [`<rect x="0" y="0" width="${W}" height="${H}" rx="10" fill="#ffffff"/>`];
  parts.push(`<text x="16" y="26" font-size="16" font-weight="600" fill="#1b2631">${escapeXml(title)}</text>`);
  parts.push(`<rect x="16" y="36" width="10" height="10" fill="#aab7b8"/><text x="30" y="45" font-size="11" fill="#5d6d7e">12 mdr. før</text>`);
  parts.push(`<rect x="100" y="36" width="10" height="10" fill="#2e86c1"/><text x="114" y="45" font-size="11" fill="#5d6d7e">siden inklusion</text>`);
  parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(0)}" y2="${y(0)}" stroke="#99a3a4"/>`);
  shown.forEach((g, i) => {
    const v = values(g);
    const x0 = PAD.left + i * SLOT + 8;
    for (const [j, value, fill] of [[0, v.before, '#aab7b8'], [1, v.since, '#2e86c1']] as const) {
      const x = x0 + j * BAR;
      parts.push(`<rect class="bar" x="${x}" y="${y(value).toFixed(1)}" width="${BAR - 2}" height="${(y(0) - y(value)).toFixed(1)}" fill="${fill}"><title>${escapeXml(g.display)}: ${fmt(value)}</title></rect>`);
      parts.push(`<text x="${x + (BAR - 2) / 2}" y="${(y(value) - 4).toFixed(1)}" font-size="9" text-anchor="middle" fill="#1b2631">${fmt(value)}</text>`);
    }
    parts.push(`<text x="${x0 + BAR}" y="${H - PAD.bottom + 16}" font-size="10" text-anchor="middle" fill="#5d6d7e">${escapeXml(g.key)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" class="utilisation-chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(title)}">${parts.join('')}</svg>`;
}

function fmt(v: number): string {
  return v.toLocaleString('da-DK', { maximumFractionDigits: 2 });
}
