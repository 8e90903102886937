// A consumer typed against node-pty's declarations compiles against
// `rspty/node-pty` under `tsc --strict` (resolved through the package's
// `exports`, so this needs the build in dist/).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const tsc = createRequire(__filename).resolve('typescript/bin/tsc');

test('a node-pty consumer compiles against rspty/node-pty with --strict', (t) => {
  const result = spawnSync(
    process.execPath,
    [
      tsc,
      '--noEmit',
      '--strict',
      '--target', 'es2022',
      '--module', 'nodenext',
      '--moduleResolution', 'nodenext',
      '--types', 'node',
      '__test__/fixtures/node-pty-consumer.ts',
    ],
    { encoding: 'utf8' },
  );
  t.is(result.stdout + result.stderr, '');
  t.is(result.status, 0);
});
