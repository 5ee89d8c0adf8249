import { accuracyAxisFloor, type Comparison } from './comparison';

// The comparison's chart, as a standalone SVG any browser opens: test accuracy after each epoch
// against the training time elapsed, one line per framework. Who gets how accurate how fast is the
// question a comparison of training architectures asks.

const WIDTH = 720;
const HEIGHT = 420;
const PAD = { left: 60, right: 270, top: 40, bottom: 50 }; // right: room for the legend ("gpu (no GPU: wasm on CPU) 96.10%")
// Distinguishable colours (Okabe-Ito), in the order the runs come.
const COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#F0E442', '#000000'];

export function accuracyChartSvg(c: Comparison): string {
  const points = c.runs.flatMap((r) => r.curve);
  const maxSeconds = niceCeiling(Math.max(1, ...points.map((p) => p.seconds)));
  const minAccuracy = accuracyAxisFloor(points.map((p) => p.testAccuracy));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (seconds: number) => PAD.left + (seconds / maxSeconds) * plotW;
  const y = (accuracy: number) => PAD.top + (1 - (accuracy - minAccuracy) / (1 - minAccuracy || 1)) * plotH;

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  const s = c.shared;
  parts.push(`<text x="${PAD.left}" y="22" font-size="14">${esc(`Test accuracy by training time: ${s.model} on ${s.dataset}, ${s.workers} workers, seed ${s.seed}`)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const accuracy = minAccuracy + ((1 - minAccuracy) * i) / 5;
    const seconds = (maxSeconds * i) / 5;
    parts.push(`<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${f(y(accuracy))}" y2="${f(y(accuracy))}" stroke="#ddd"/>`);
    parts.push(`<text x="${PAD.left - 8}" y="${f(y(accuracy) + 4)}" text-anchor="end">${(accuracy * 100).toFixed(0)}%</text>`);
    parts.push(`<text x="${f(x(seconds))}" y="${PAD.top + plotH + 18}" text-anchor="middle">${fmtSeconds(seconds)}</text>`);
  }
  parts.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle">training seconds (sum of epoch times)</text>`);

  c.runs.forEach((r, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const line = r.curve;
    parts.push(`<polyline data-framework="${esc(r.framework)}" fill="none" stroke="${colour}" stroke-width="2" points="${line.map((p) => `${f(x(p.seconds))},${f(y(p.testAccuracy))}`).join(' ')}"/>`);
    for (const p of line) parts.push(`<circle cx="${f(x(p.seconds))}" cy="${f(y(p.testAccuracy))}" r="3" fill="${colour}"/>`);
    const ly = PAD.top + 10 + i * 20;
    parts.push(`<rect x="${PAD.left + plotW + 16}" y="${ly - 8}" width="12" height="12" fill="${colour}"/>`);
    parts.push(`<text x="${PAD.left + plotW + 34}" y="${ly + 2}">${esc(`${r.label ?? r.framework} ${(r.testAccuracy * 100).toFixed(2)}%`)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** 1, 2 or 5 times a power of ten, at least x: round axis ticks. */
function niceCeiling(x: number): number {
  const power = 10 ** Math.floor(Math.log10(x));
  return ([1, 2, 5, 10].find((m) => m * power >= x) ?? 10) * power;
}

function fmtSeconds(s: number): string {
  return s >= 100 ? s.toFixed(0) : s.toFixed(1).replace(/\.0$/, '');
}

function f(n: number): string {
  return n.toFixed(1);
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
