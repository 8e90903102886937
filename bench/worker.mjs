// Runs one scenario for one contender, in a fresh Node process started by
// run.mjs:  node worker.mjs SCENARIO CONTENDER PARAMS_JSON_FILE RESULT_FILE
// It writes { metrics, failure } or { unavailable } as JSON to RESULT_FILE.
import { readFileSync, writeFileSync } from 'node:fs';
import { findContender } from './contenders/index.mjs';
import { findScenario } from './scenarios/index.mjs';
import { NotSupported } from './lib/session.mjs';

const [scenarioName, contenderName, paramsFile, resultFile] = process.argv.slice(2);

function finish(result) {
  writeFileSync(resultFile, JSON.stringify(result));
  // Anything a library left running (timers, handles) must not keep us here.
  process.exit(0);
}

function firstLine(err) {
  return String(err?.message ?? err).split('\n')[0];
}

const scenario = findScenario(scenarioName);
// A scenario with rows of its own (screen) names them instead of contenders.
const entry = scenario.rows?.find((r) => r.name === contenderName) ?? findContender(contenderName);
const params = JSON.parse(readFileSync(paramsFile, 'utf8'));

let contender;
try {
  contender = await import(`./contenders/${entry.file}`);
} catch (err) {
  finish({ unavailable: `cannot load: ${firstLine(err)}` });
}

try {
  finish(await scenario.run(contender, params, entry));
} catch (err) {
  if (err instanceof NotSupported) finish({ unavailable: err.message });
  finish({ failure: `exception: ${firstLine(err)}` });
}
