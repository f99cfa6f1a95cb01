import { escapeXml } from './inclusion-chart';
import type { SelfManagementGroup } from './self-management';

/**
 * Mean SEMCD-6 score per follow-up as an inline SVG line chart: one line per group (the country
 * thick and dark), the score axis 1–10, suppressed follow-ups left out of a line.
 */

const W = 760;
const H = 300;
const PAD = { left: 40, right: 170, top: 40, bottom: 36 };
const COLOURS = ['#2e86c1', '#28b463', '#d68910', '#8e44ad', '#c0392b', '#16a085', '#7f8c8d', '#b7950b'];

export function selfManagementChart(title: string, months: number[], groups: SelfManagementGroup[], total: SelfManagementGroup): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (months.length > 1 ? (i / (months.length - 1)) * plotW : plotW / 2);
  const y = (score: number) => PAD.top + plotH - ((score - 1) / 9) * plotH;
  const parts: string[] = [`<rect x="0" y="0" width="${W}" height="${H}" rx="10" fill="#ffffff"/>`];
  parts.push(`<text x="16" y="26" font-size="16" font-weight="600" fill="#1b2631">${escapeXml(title)}</text>`);
  for (const score of [1, 4, 7, 10]) {
    parts.push(`<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${y(score)}" y2="${y(score)}" stroke="#eaeded"/><text x="${PAD.left - 6}" y="${y(score) + 4}" font-size="10" text-anchor="end" fill="#5d6d7e">${score}</text>`);
  }
  months.forEach((m, i) => parts.push(`<text x="${x(i)}" y="${H - PAD.bottom + 16}" font-size="10" text-anchor="middle" fill="#5d6d7e">${m === 0 ? 'start' : `${m} mdr.`}</text>`));
  const lines = [...groups.map((g, i) => ({ g, colour: COLOURS[i % COLOURS.length], width: 2 })), { g: total, colour: '#17202a', width: 3.5 }];
  lines.forEach(({ g, colour, width }, n) => {
    const points = g.followUps.map((f, i) => (f.meanScore === undefined ? undefined : { px: x(i), py: y(f.meanScore), f })).filter((p) => p !== undefined);
    if (points.length) {
      parts.push(`<polyline class="line" fill="none" stroke="${colour}" stroke-width="${width}" points="${points.map((p) => `${p.px.toFixed(1)},${p.py.toFixed(1)}`).join(' ')}"/>`);
      for (const p of points) parts.push(`<circle cx="${p.px.toFixed(1)}" cy="${p.py.toFixed(1)}" r="3" fill="${colour}"><title>${escapeXml(g.display)}, ${p.f.month} mdr.: ${fmt(p.f.meanScore as number)} (${p.f.citizens} borgere)</title></circle>`);
    }
    parts.push(`<rect x="${W - PAD.right + 14}" y="${PAD.top + n * 16}" width="10" height="10" fill="${colour}"/><text x="${W - PAD.right + 28}" y="${PAD.top + n * 16 + 9}" font-size="11" fill="#1b2631">${escapeXml(g.display)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" class="self-management-chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(title)}">${parts.join('')}</svg>`;
}

function fmt(v: number): string {
  return v.toLocaleString('da-DK', { maximumFractionDigits: 2 });
}
