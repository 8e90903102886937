// The benchmark driver: runs every selected scenario for every selected
// contender, each run in a fresh process, contenders alternating, for several
// rounds; prints a table of medians per scenario. See README.md.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, USAGE } from './lib/cli.mjs';
import { Fixtures } from './lib/fixtures.mjs';
import { publicParams, renderTable, summarize } from './lib/report.mjs';
import { runProcess } from './lib/runner.mjs';
import { contenderVersion, machine } from './lib/versions.mjs';
import { CONTENDERS } from './contenders/index.mjs';
import { SCENARIOS } from './scenarios/index.mjs';

const WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url));

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function pick(all, names, what) {
  if (!names) return all;
  for (const name of names) {
    if (!all.some((x) => x.name === name)) {
      fail(`unknown ${what} "${name}"; known: ${all.map((x) => x.name).join(', ')}`);
    }
  }
  return all.filter((x) => names.includes(x.name));
}

function lastLines(text, n = 3) {
  return text.trim().split('\n').slice(-n).join(' | ');
}

function crashReason(run, timeoutMs) {
  if (run.timedOut) return `timed out after ${timeoutMs / 1000} s`;
  const how = run.signal ? `killed by ${run.signal}` : `exit code ${run.code}`;
  return `crashed (${how})${run.stderr.trim() ? `: ${lastLines(run.stderr)}` : ''}`;
}

function withThreads(outcome, scenario, run) {
  if (scenario.samplesThreads && outcome.metrics && run.peakThreads) {
    outcome.metrics.peakThreads = run.peakThreads;
  }
  return outcome;
}

async function runReference(scenario, params, ctx) {
  const ref = scenario.ref(params);
  if (ref.notModeled) return { unavailable: `not modeled: ${ref.notModeled}` };
  if (ctx.refError) return { unavailable: ctx.refError };
  const run = await runProcess([ctx.refPath, ...ref.args], {
    timeoutMs: ctx.timeoutMs,
    sampleThreads: scenario.samplesThreads,
    env: { ...process.env, TERM: 'xterm-256color' },
  });
  if (run.timedOut || run.code !== 0) {
    return { failure: crashReason(run, ctx.timeoutMs), timedOut: run.timedOut || undefined };
  }
  let out;
  try {
    out = JSON.parse(run.stdout.trim().split('\n').pop());
  } catch {
    return { failure: `unreadable output: ${lastLines(run.stdout)}` };
  }
  return withThreads(ref.result(out), scenario, run);
}

/** Bun's binary, from the runtime checks' own packages. */
const BUN = fileURLToPath(new URL('../__test__/runtimes/node_modules/.bin/bun', import.meta.url));

async function runWorker(scenario, entry, paramsFile, ctx) {
  if (entry.scenarios && !entry.scenarios.includes(scenario.name)) {
    return { unavailable: `not run on ${entry.runtime}` };
  }
  if (entry.runtime === 'bun' && !existsSync(BUN)) {
    return { unavailable: 'cannot load: Bun is not installed (npm --prefix __test__/runtimes ci)' };
  }
  const resultFile = join(ctx.dir, `result-${scenario.name}-${entry.name}.json`);
  rmSync(resultFile, { force: true });
  // --expose-gc lets the spawn-heap scenario collect its set-up garbage.
  const runtime = entry.runtime === 'bun' ? [BUN] : [process.execPath, '--expose-gc'];
  const argv = [...runtime, WORKER, scenario.name, entry.name, paramsFile, resultFile];
  const run = await runProcess(argv, { timeoutMs: ctx.timeoutMs, sampleThreads: scenario.samplesThreads });
  if (run.timedOut || !existsSync(resultFile)) {
    return { failure: crashReason(run, ctx.timeoutMs), timedOut: run.timedOut || undefined };
  }
  return withThreads(JSON.parse(readFileSync(resultFile, 'utf8')), scenario, run);
}

function describe(outcome, scenario) {
  if (outcome.unavailable) return `n/a (${outcome.unavailable})`;
  const primary = scenario.columns.find((c) => c.primary);
  const value = outcome.metrics?.[primary.key];
  const figure = value === undefined ? '' : `${value.toFixed(primary.digits)} ${primary.label}`;
  return outcome.failure ? `FAILED ${figure} (${outcome.failure})` : figure;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    fail(`${err.message}\n\n${USAGE}`);
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const smoke = Boolean(opts.smoke);
  const rounds = opts.rounds ?? (smoke ? 1 : 5);
  const scenarios = pick(SCENARIOS, opts.only, 'scenario');
  const contenders = pick(CONTENDERS, opts.contenders ?? (smoke ? ['rspty', 'rspty-utf8', 'rspty-node-pty'] : undefined), 'contender').map(
    (entry) => ({ ...entry, version: contenderVersion(entry) }),
  );

  const fixtures = new Fixtures();
  const ctx = { dir: fixtures.dir, timeoutMs: (opts.timeout ?? 90) * 1000 };
  const started = Date.now();
  const report = {
    date: new Date().toISOString(),
    machine: machine(),
    rounds,
    smoke,
    contenders: contenders.map(({ name, label, version }) => ({ name, label, version })),
    scenarios: [],
  };
  const log = (line) => process.stderr.write(`${line}\n`);
  log(
    `rspty bench: ${scenarios.length} scenarios × ${contenders.length} contenders × ${rounds} rounds` +
      ` (node ${report.machine.node}, ${report.machine.cores} cores)`,
  );
  for (const c of contenders) log(`  ${c.label}: ${c.version ?? 'version unknown'}`);

  try {
    if (contenders.some((c) => c.reference)) {
      try {
        ctx.refPath = fixtures.ref();
      } catch (err) {
        ctx.refError = `C reference unavailable: ${err.message}`;
      }
    }
    const cannotLoad = new Map(); // contender name -> outcome, to skip later runs

    for (const scenario of scenarios) {
      const params = scenario.prepare(scenario.params({ ...opts, smoke }), fixtures);
      const paramsFile = join(ctx.dir, `${scenario.name}.params.json`);
      writeFileSync(paramsFile, JSON.stringify(params));
      // A scenario may have rows of its own, each naming the contender that
      // spawns it; a row is kept when that contender is selected.
      const entries = scenario.rows
        ? scenario.rows
            .filter((row) => contenders.some((c) => c.name === row.contender))
            .map((row) => ({ ...row, version: contenderVersion(row) }))
        : contenders;
      const outcomes = new Map(entries.map((c) => [c.name, []]));
      const timedOut = new Set(); // contenders not run again in this scenario

      for (let round = 0; round < rounds; round++) {
        // Rotate the order each round so that no contender always goes first.
        const order = entries.map((_, i) => entries[(i + round) % entries.length]);
        for (const entry of order) {
          let outcome = cannotLoad.get(entry.name);
          if (!outcome && timedOut.has(entry.name)) {
            outcome = { failure: 'not run: timed out in an earlier round' };
          }
          if (!outcome) {
            outcome = entry.reference
              ? await runReference(scenario, params, ctx)
              : await runWorker(scenario, entry, paramsFile, ctx);
            if (outcome.unavailable?.startsWith('cannot load')) cannotLoad.set(entry.name, outcome);
            if (outcome.timedOut) timedOut.add(entry.name);
          }
          outcomes.get(entry.name).push(outcome);
          log(`[${scenario.name} ${round + 1}/${rounds}] ${entry.label}: ${describe(outcome, scenario)}`);
        }
      }

      const summary = summarize(scenario, entries, outcomes);
      process.stdout.write(`\n${renderTable(scenario, params, summary)}`);
      report.scenarios.push({
        name: scenario.name,
        title: scenario.title,
        summary: scenario.summary,
        params: publicParams(params),
        columns: scenario.columns,
        ...summary,
      });
    }
  } finally {
    fixtures.cleanup();
  }

  report.seconds = (Date.now() - started) / 1000;
  log(`done in ${report.seconds.toFixed(0)} s`);
  if (opts.json) {
    writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
    log(`results written to ${opts.json}`);
  }

  if (smoke) {
    const bad = report.scenarios.flatMap((s) =>
      s.rows
        .filter((r) => r.status !== 'ok' && !r.reason?.startsWith('not modeled'))
        .map((r) => `${s.name}/${r.name}: ${r.status}: ${r.reason}`),
    );
    if (bad.length) {
      log(`smoke test FAILED:\n  ${bad.join('\n  ')}`);
      return 1;
    }
    log('smoke test passed');
  }
  return 0;
}

process.exitCode = await main();
