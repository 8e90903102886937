// The contenders, in table order. `file` is the module in this folder; the
// C reference is not a module: the driver runs ref/ptyref.c directly.
export const REFERENCE = 'c-ref';

/** The scenarios run under Bun. */
const BUN_SCENARIOS = ['read', 'spawn'];

const CONTENDERS_ON_NODE = [
  { name: 'c-ref', label: 'C reference (forkpty + read)', reference: true },
  { name: 'rspty', label: 'rspty', file: 'rspty.mjs' },
  { name: 'rspty-utf8', label: "rspty (encoding: 'utf8')", file: 'rspty-utf8.mjs' },
  { name: 'rspty-node-pty', label: 'rspty/node-pty', file: 'rspty-node-pty.mjs' },
  { name: 'node-pty', label: 'node-pty', file: 'node-pty.mjs', package: 'node-pty', incumbent: true },
  {
    name: 'lydell-node-pty',
    label: '@lydell/node-pty',
    file: 'lydell-node-pty.mjs',
    package: '@lydell/node-pty',
    incumbent: true,
  },
  { name: 'ruspty', label: '@replit/ruspty', file: 'ruspty.mjs', package: '@replit/ruspty', incumbent: true },
  { name: 'zigpty', label: 'zigpty', file: 'zigpty.mjs', package: 'zigpty', incumbent: true },
];

export const CONTENDERS = [
  ...CONTENDERS_ON_NODE,
  // The same modules run by Bun instead of Node, for the read and spawn
  // scenarios (Bun comes from __test__/runtimes: `npm --prefix __test__/runtimes ci`).
  ...['rspty', 'node-pty', 'zigpty'].map((name) => {
    const node = CONTENDERS_ON_NODE.find((c) => c.name === name);
    return { ...node, name: `${name}-bun`, label: `${node.label} on Bun`, runtime: 'bun', scenarios: BUN_SCENARIOS, incumbent: false };
  }),
];

export function findContender(name) {
  return CONTENDERS.find((c) => c.name === name);
}
