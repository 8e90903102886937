// Command-line options of run.mjs.

export const USAGE = `usage: node bench/run.mjs [options]

  --rounds N            rounds per scenario (default 5; --smoke: 1)
  --only a,b            scenarios to run (default: all)
  --contenders x,y      contenders to run (default: all; --smoke: rspty)
  --json FILE           also write the results as JSON to FILE
  --smoke               every scenario, tiny sizes, 1 round, rspty's entries only;
                        exits non-zero if anything fails
  --timeout S           time limit of one measured process, in seconds (default 90);
                        a contender that hits it is not run again in that scenario

sizes (defaults in brackets):
  --read-mib N          read throughput: size of the text file [128]
  --write-mib N         write throughput: bytes written from JS [64]
  --spawn-count N       spawn latency: spawns per run [500]
  --heap-mib N          spawn latency under a held heap: heap size [256]
  --echo-count N        echo round trips per run [2000]
  --scale-count N       PTYs open at once [1000]
  --scale-kb N          KB (1000 bytes) each of them prints [100]
  --slow-mib N          slow reader: size of the producer's output [256]
  --slow-seconds S      slow reader: stop reading after S seconds [5]
  --screen-mib N        screen model: size of the text file [128]
  --screen-ptys N       screen model: PTYs with full screens, for the memory column [1000]
  --help                this text
`;

const NUMERIC = new Set([
  'rounds',
  'timeout',
  'read-mib',
  'write-mib',
  'spawn-count',
  'heap-mib',
  'echo-count',
  'scale-count',
  'scale-kb',
  'slow-mib',
  'slow-seconds',
  'screen-mib',
  'screen-ptys',
]);
const LISTS = new Set(['only', 'contenders']);
const STRINGS = new Set(['json']);
const FLAGS = new Set(['smoke', 'help']);

function camel(flag) {
  return flag.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
}

export function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument: ${arg}`);
    let [flag, value] = arg.slice(2).split(/=(.*)/s);
    if (FLAGS.has(flag)) {
      opts[camel(flag)] = true;
      continue;
    }
    if (!NUMERIC.has(flag) && !LISTS.has(flag) && !STRINGS.has(flag)) {
      throw new Error(`unknown option: --${flag}`);
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new Error(`--${flag} needs a value`);
    }
    if (NUMERIC.has(flag)) {
      const n = Number(value);
      if (!(n > 0)) throw new Error(`--${flag} needs a positive number, got ${value}`);
      opts[camel(flag)] = n;
    } else if (LISTS.has(flag)) {
      opts[camel(flag)] = value.split(',').map((s) => s.trim()).filter(Boolean);
    } else {
      opts[camel(flag)] = value;
    }
  }
  return opts;
}
