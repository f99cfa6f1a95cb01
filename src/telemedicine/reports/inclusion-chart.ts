import type { GroupFigures } from './rollout';

/**
 * One group's inclusion % per month as an inline SVG (no external assets): an area and line
 * over the months, dashed milestone lines (10 / 50 / 95 %), the latest value in large type.
 */

const W = 380;
const H = 230;
const PAD = { left: 40, right: 48, top: 62, bottom: 30 };
const MONTHS_DA = ['jan', 'feb', 'mar', 'apr', 'maj', 'jun', 'jul', 'aug', 'sep', 'okt', 'nov', 'dec'];

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** The colour of a value against the milestones: below the first, between, at or above the last. */
export function milestoneColour(percent: number, milestones: number[]): string {
  const reached = milestones.filter((m) => percent >= m).length;
  return ['#c0392b', '#d68910', '#2e86c1', '#1e8449'][Math.min(reached, 3)];
}

export function inclusionChart(g: GroupFigures, milestones: number[]): string {
  const points = g.months.map((m) => ({ label: m.month, value: m.inclusionPercent ?? 0 }));
  const top = Math.max(100, ...points.map((p) => p.value));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (points.length <= 1 ? plotW / 2 : (i * plotW) / (points.length - 1));
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const latest = points.length ? points[points.length - 1].value : (g.inclusionPercent ?? 0);
  const colour = milestoneColour(latest, milestones);
  const parts: string[] = [];
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" rx="10" fill="#ffffff"/>`);
  parts.push(`<text x="16" y="26" font-size="16" font-weight="600" fill="#1b2631">${escapeXml(g.display)}</text>`);
  parts.push(`<text x="${W - 16}" y="30" font-size="26" font-weight="700" text-anchor="end" fill="${colour}">${fmt(latest)} %</text>`);
  parts.push(`<text x="16" y="44" font-size="11" fill="#5d6d7e">${g.activeCitizens} af ${g.target ?? '–'} borgere</text>`);
  for (const v of [0, 25, 75, 100]) {
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}" stroke="#eaeded"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${y(v) + 4}" font-size="10" text-anchor="end" fill="#99a3a4">${v}</text>`);
  }
  for (const m of milestones) {
    const hit = latest >= m;
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(m)}" y2="${y(m)}" stroke="${hit ? '#1e8449' : '#909497'}" stroke-dasharray="5 4" stroke-width="1.2"/>`);
    parts.push(`<text x="${W - PAD.right + 6}" y="${y(m) + 3.5}" font-size="10" text-anchor="start" fill="${hit ? '#1e8449' : '#707b7c'}">${hit ? '✓ ' : ''}${m} %</text>`);
  }
  if (points.length) {
    const line = points.map((p, i) => `${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
    const base = y(0).toFixed(1);
    parts.push(`<polygon points="${x(0).toFixed(1)},${base} ${line} ${x(points.length - 1).toFixed(1)},${base}" fill="${colour}" fill-opacity="0.12"/>`);
    parts.push(`<polyline points="${line}" fill="none" stroke="${colour}" stroke-width="2.5" stroke-linejoin="round"/>`);
    points.forEach((p, i) => {
      parts.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3.2" fill="${colour}"><title>${escapeXml(p.label)}: ${fmt(p.value)} %</title></circle>`);
      const [yy, mm] = p.label.split('-');
      const label = `${MONTHS_DA[Number(mm) - 1]}${mm === '01' || i === 0 ? ` ${yy.slice(2)}` : ''}`;
      parts.push(`<text x="${x(i).toFixed(1)}" y="${H - 10}" font-size="10" text-anchor="middle" fill="#5d6d7e">${label}</text>`);
    });
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" class="inclusion-chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(`Inklusion ${g.display}: ${fmt(latest)} %`)}">${parts.join('')}</svg>`;
}

function fmt(v: number): string {
  return v.toLocaleString('da-DK', { maximumFractionDigits: 1 });
}
