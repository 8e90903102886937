// Turns the rounds of one scenario into medians, ratios and a printed table.
import { median } from './stats.mjs';

// rounds: for each contender name, the list of per-round outcomes, each
// { metrics, failure } or { unavailable }.
export function summarize(scenario, contenders, rounds) {
  const primary = scenario.columns.find((c) => c.primary);
  const rows = contenders.map((entry) => {
    const outcomes = rounds.get(entry.name) ?? [];
    const row = {
      name: entry.name,
      label: entry.label,
      version: entry.version,
      incumbent: Boolean(entry.incumbent),
      baseline: Boolean(entry.baseline),
      reference: Boolean(entry.reference),
      rounds: outcomes,
      median: {},
      status: 'ok',
    };
    const unavailable = outcomes.find((o) => o.unavailable);
    if (unavailable) {
      row.status = 'n/a';
      row.reason = unavailable.unavailable;
      return row;
    }
    const measured = outcomes.filter((o) => o.metrics);
    for (const key of new Set(measured.flatMap((o) => Object.keys(o.metrics)))) {
      row.median[key] = median(measured.map((o) => o.metrics[key]));
    }
    const failures = outcomes.filter((o) => o.failure);
    if (failures.length) {
      row.status = 'failed';
      row.reason = `${failures[0].failure} (${failures.length} of ${outcomes.length} rounds failed)`;
    }
    return row;
  });

  const better = (a, b) => (primary.better === 'higher' ? a > b : a < b);
  const ok = (row) => row.status === 'ok' && Number.isFinite(row.median[primary.key]);
  // The row the first ratio divides by: the C reference, or a scenario's own baseline row.
  const ref = rows.find((r) => (r.reference || r.baseline) && ok(r));
  let best;
  for (const row of rows) {
    if (row.incumbent && ok(row) && (!best || better(row.median[primary.key], best.median[primary.key]))) {
      best = row;
    }
  }
  for (const row of rows) {
    if (!ok(row)) continue;
    if (ref) row.vsRef = roundRatios(row, ref, primary.key);
    if (best) row.vsBestIncumbent = roundRatios(row, best, primary.key);
  }
  return { primary: primary.key, better: primary.better, bestIncumbent: best?.name, rows };
}

/**
 * The ratio of `row` to `other` round by round (both ran in the same round,
 * back to back): the median, the lowest and the highest. The machine's speed
 * drifts from minute to minute, and a ratio within one round cancels most of
 * that drift, which a ratio of two medians does not.
 */
function roundRatios(row, other, key) {
  const ratios = [];
  row.rounds.forEach((outcome, i) => {
    const a = outcome.metrics?.[key];
    const b = other.rounds[i]?.metrics?.[key];
    if (Number.isFinite(a) && Number.isFinite(b) && b !== 0) ratios.push(a / b);
  });
  if (ratios.length === 0) return undefined;
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), rounds: ratios.length };
}

function format(value, digits) {
  if (value === undefined || value === null || Number.isNaN(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ratio(value) {
  if (value === undefined) return '—';
  const median = `${value.median.toFixed(2)}×`;
  return value.rounds > 1 ? `${median} (${value.min.toFixed(2)}–${value.max.toFixed(2)})` : median;
}

function clip(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function renderTable(scenario, params, summary) {
  const primary = scenario.columns.find((c) => c.primary);
  const header = [
    'contender',
    ...scenario.columns.map((c) => c.label),
    `${primary.label} ÷ ${scenario.baselineLabel ?? 'C ref'} (range)`,
    `÷ ${scenario.incumbentLabel ?? 'best incumbent'} (range)`,
    'status',
  ];
  const body = summary.rows.map((row) => {
    const cells = scenario.columns.map((c) => (row.status === 'n/a' ? 'n/a' : format(row.median[c.key], c.digits)));
    const status = row.status === 'ok' ? 'ok' : `${row.status === 'failed' ? 'FAILED' : 'n/a'}: ${row.reason}`;
    return [row.label, ...cells, ratio(row.vsRef), ratio(row.vsBestIncumbent), clip(status, 90)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells) =>
    cells
      .map((cell, i) => (i === 0 || i === cells.length - 1 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const direction = summary.better === 'higher' ? 'higher is better' : 'lower is better';
  return [
    `## ${scenario.title} (${scenario.name}): ${scenario.summary}`,
    `   params: ${JSON.stringify(publicParams(params))}; ${primary.label}: ${direction}; best incumbent: ${
      summary.bestIncumbent ?? '—'
    }`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
  ].join('\n');
}

// The parameters worth showing (sizes and counts, not file paths).
export function publicParams(params) {
  return Object.fromEntries(
    Object.entries(params).filter(([, v]) => typeof v === 'number' || typeof v === 'boolean'),
  );
}
