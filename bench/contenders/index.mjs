// The contenders, in table order. `file` is the module in this folder; the
// C reference is not a module: the driver runs ref/ptyref.c directly.
export const REFERENCE = 'c-ref';

export const CONTENDERS = [
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

export function findContender(name) {
  return CONTENDERS.find((c) => c.name === name);
}
