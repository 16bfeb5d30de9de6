import { html, type SafeHtml } from './html-template';

/** One series of a chart: its key in each bucket, legend label, and CSS class (colours live in console.css). */
export interface ChartSeries {
  key: string;
  label: string;
  cssClass: string;
}

/** One x position: its label (e.g. `08:41`) and a value per series key (null: no data). */
export interface ChartBucket {
  label: string;
  values: Record<string, number | null>;
}

export interface ChartSpec {
  /** Unique within the page (ids of title/desc for aria-labelledby). */
  id: string;
  title: string;
  description: string;
  unit: string;
  series: ChartSeries[];
  buckets: ChartBucket[];
}

const WIDTH = 720;
const HEIGHT = 220;
const PAD = { left: 48, right: 12, top: 12, bottom: 28 };

/** A round axis maximum at or above `max` (1, 2, 5 × 10^n). */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 2 : 0);
}

function axes(spec: ChartSpec, max: number): SafeHtml {
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const ticks = [0, 0.5, 1].map((f) => {
    const y = PAD.top + plotH * (1 - f);
    return html`<line class="chart-grid" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y}" y2="${y}"></line><text class="chart-tick" x="${PAD.left - 6}" y="${y + 4}" text-anchor="end">${formatNumber(max * f)}</text>`;
  });
  const n = spec.buckets.length;
  const plotW = WIDTH - PAD.left - PAD.right;
  // A label every 10 buckets keeps the x axis readable at 60 minutes.
  const labels = spec.buckets.map((b, i) =>
    i % 10 === 0 || i === n - 1 ? html`<text class="chart-tick" x="${PAD.left + (plotW * (i + 0.5)) / n}" y="${HEIGHT - 8}" text-anchor="middle">${b.label}</text>` : '',
  );
  return html`${ticks}${labels}`;
}

function frame(spec: ChartSpec, body: SafeHtml, max: number): SafeHtml {
  const legend = spec.series.map((s) => html`<li><span class="legend-swatch ${s.cssClass}" aria-hidden="true"></span>${s.label}</li>`);
  const header = spec.series.map((s) => html`<th scope="col">${s.label} (${spec.unit})</th>`);
  const rows = spec.buckets.map(
    (b) => html`<tr><th scope="row">${b.label}</th>${spec.series.map((s) => html`<td>${b.values[s.key] === null || b.values[s.key] === undefined ? '–' : formatNumber(b.values[s.key] as number)}</td>`)}</tr>`,
  );
  return html`<figure class="chart" id="${spec.id}">
  <svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${spec.id}-title ${spec.id}-desc" preserveAspectRatio="xMidYMid meet">
    <title id="${spec.id}-title">${spec.title}</title>
    <desc id="${spec.id}-desc">${spec.description}</desc>
    ${axes(spec, max)}
    ${body}
  </svg>
  <figcaption><strong>${spec.title}</strong> <ul class="legend">${legend}</ul></figcaption>
  <details><summary>${spec.title}: data table</summary>
    <table><thead><tr><th scope="col">Minute (UTC)</th>${header}</tr></thead><tbody>${rows}</tbody></table>
  </details>
</figure>`;
}

/** Stacked bars, one per bucket (e.g. delivery attempts per minute by outcome). */
export function stackedBarChart(spec: ChartSpec): SafeHtml {
  const totals = spec.buckets.map((b) => spec.series.reduce((sum, s) => sum + (b.values[s.key] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, spec.buckets.length);
  const barW = Math.max(1, slot * 0.8);
  const bars = spec.buckets.map((b, i) => {
    let base = 0;
    return spec.series.map((s) => {
      const v = b.values[s.key] ?? 0;
      if (v <= 0) return '';
      const h = (v / max) * plotH;
      const y = PAD.top + plotH - ((base + v) / max) * plotH;
      base += v;
      return html`<rect class="${s.cssClass}" x="${(PAD.left + i * slot + (slot - barW) / 2).toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}"><title>${b.label}: ${v} ${s.label}</title></rect>`;
    });
  });
  return frame(spec, html`${bars}`, max);
}

/** Lines with dots, one per series; buckets without a value break the line. */
export function lineChart(spec: ChartSpec): SafeHtml {
  const all = spec.buckets.flatMap((b) => spec.series.map((s) => b.values[s.key] ?? 0));
  const max = niceMax(Math.max(0, ...all));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const n = Math.max(1, spec.buckets.length);
  const lines = spec.series.map((s) => {
    const segments: string[][] = [[]];
    const dots = spec.buckets.map((b, i) => {
      const v = b.values[s.key];
      if (v === null || v === undefined) {
        segments.push([]);
        return '';
      }
      const x = (PAD.left + (plotW * (i + 0.5)) / n).toFixed(1);
      const y = (PAD.top + plotH - (v / max) * plotH).toFixed(1);
      segments[segments.length - 1].push(`${x},${y}`);
      return html`<circle class="${s.cssClass}" cx="${x}" cy="${y}" r="2.5"><title>${b.label}: ${formatNumber(v)} ${spec.unit} ${s.label}</title></circle>`;
    });
    const polylines = segments.filter((p) => p.length > 1).map((p) => html`<polyline class="${s.cssClass} chart-line" points="${p.join(' ')}"></polyline>`);
    return html`${polylines}${dots}`;
  });
  return frame(spec, html`${lines}`, max);
}
