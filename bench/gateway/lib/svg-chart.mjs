// Hand-written SVG bar chart of the gateway benchmark (no chart library, nothing downloaded):
// one panel per metric, gateway and baseline side by side, the target as a dashed line.

const COLORS = { gateway: '#2563eb', baseline: '#9ca3af', target: '#dc2626', text: '#111827' };
/** Extra bars (e.g. the gateway with a write delay), in order. */
const EXTRA_COLORS = ['#60a5fa', '#93c5fd', '#1e3a8a'];

function escapeXml(text) {
  return String(text).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]);
}

function format(value) {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  if (value >= 1000) return Math.round(value).toLocaleString('en-US');
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/**
 * panels: [{ title, unit, better: 'lower'|'higher', target?, gateway?, baseline?, extra?: [{ name, value }] }]
 * `extra` bars (variants of the gateway) sit between the gateway's and the baseline's.
 * Returns the SVG document as a string.
 */
export function renderGatewayChart(panels, { title, subtitle } = {}) {
  const extraNames = [...new Set(panels.flatMap((p) => (p.extra ?? []).map((e) => e.name)))];
  const bars = 2 + extraNames.length;
  const barWidth = bars > 2 ? 38 : 50;
  const panelWidth = bars > 2 ? 60 + bars * (barWidth + 8) : 230;
  const panelHeight = 260;
  const top = 70;
  const width = panelWidth * panels.length + 20;
  const height = top + panelHeight + 60;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="22" font-size="16" font-weight="bold" fill="${COLORS.text}">${escapeXml(title ?? 'Gateway benchmark')}</text>`,
    `<text x="10" y="40" fill="#4b5563">${escapeXml(subtitle ?? '')}</text>`,
  ];
  panels.forEach((panel, i) => {
    const x0 = 10 + i * panelWidth;
    const chartTop = top + 30;
    const chartHeight = panelHeight - 70;
    const baseY = chartTop + chartHeight;
    const extraValues = extraNames.map((name) => (panel.extra ?? []).find((e) => e.name === name)?.value);
    const values = [panel.gateway, panel.baseline, panel.target, ...extraValues].filter((v) => v !== undefined && Number.isFinite(v));
    const max = Math.max(...values, 1e-9) * 1.15;
    const scale = (v) => (v / max) * chartHeight;
    parts.push(`<text x="${x0 + panelWidth / 2 - 10}" y="${top + 8}" text-anchor="middle" font-weight="bold" fill="${COLORS.text}">${escapeXml(panel.title)}</text>`);
    parts.push(`<text x="${x0 + panelWidth / 2 - 10}" y="${top + 24}" text-anchor="middle" fill="#4b5563">${escapeXml(`${panel.unit}, ${panel.better} is better`)}</text>`);
    parts.push(`<line x1="${x0 + 20}" y1="${baseY}" x2="${x0 + panelWidth - 40}" y2="${baseY}" stroke="#374151"/>`);
    const series =
      bars > 2
        ? [['gateway', panel.gateway, COLORS.gateway], ...extraNames.map((name, k) => [name, extraValues[k], EXTRA_COLORS[k % EXTRA_COLORS.length]]), ['baseline', panel.baseline, COLORS.baseline]]
        : [['gateway', panel.gateway, COLORS.gateway], ['baseline', panel.baseline, COLORS.baseline]];
    series.forEach(([name, value, color], k) => {
      const dx = bars > 2 ? 30 + k * (barWidth + 8) : [45, 120][k];
      const h = value === undefined || !Number.isFinite(value) ? 0 : scale(value);
      if (bars > 2 && (value === undefined || !Number.isFinite(value))) return; // a variant not measured for this metric
      parts.push(`<rect x="${x0 + dx}" y="${baseY - h}" width="${barWidth}" height="${h}" fill="${color}"/>`);
      parts.push(`<text x="${x0 + dx + barWidth / 2}" y="${baseY - h - 5}" text-anchor="middle" fill="${COLORS.text}" font-size="${bars > 2 ? 10 : 12}">${escapeXml(format(value))}</text>`);
      parts.push(`<text x="${x0 + dx + barWidth / 2}" y="${baseY + 16}" text-anchor="middle" fill="${COLORS.text}" font-size="${bars > 2 ? 9 : 12}">${escapeXml(name)}</text>`);
    });
    if (panel.target !== undefined) {
      const y = baseY - scale(panel.target);
      const x2 = x0 + panelWidth - 45;
      parts.push(`<line x1="${x0 + 30}" y1="${y}" x2="${x2}" y2="${y}" stroke="${COLORS.target}" stroke-dasharray="5,3"/>`);
      parts.push(`<text x="${x2 + 2}" y="${y + 4}" fill="${COLORS.target}" font-size="10">target ${escapeXml(format(panel.target))}</text>`);
    }
    if (panel.note) parts.push(`<text x="${x0 + panelWidth / 2 - 10}" y="${baseY + 34}" text-anchor="middle" fill="#4b5563" font-size="10">${escapeXml(panel.note)}</text>`);
  });
  parts.push(`<rect x="10" y="${height - 22}" width="12" height="12" fill="${COLORS.gateway}"/><text x="26" y="${height - 12}">gateway (uWebSockets.js)</text>`);
  parts.push(`<rect x="200" y="${height - 22}" width="12" height="12" fill="${COLORS.baseline}"/><text x="216" y="${height - 12}">baseline (plain ws + NATS)</text>`);
  parts.push(`<line x1="400" y1="${height - 16}" x2="425" y2="${height - 16}" stroke="${COLORS.target}" stroke-dasharray="5,3"/><text x="430" y="${height - 12}">target (issue 4)</text>`);
  extraNames.forEach((name, k) => {
    const x = 560 + k * 170;
    parts.push(`<rect x="${x}" y="${height - 22}" width="12" height="12" fill="${EXTRA_COLORS[k % EXTRA_COLORS.length]}"/><text x="${x + 16}" y="${height - 12}">gateway, ${escapeXml(name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
