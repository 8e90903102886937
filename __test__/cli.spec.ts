// The rspty command: exit codes, errors and asciicast recordings.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cli = join(__dirname, '..', 'dist', 'cli.js');

function rspty(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [cli, ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}

test('exits with the exit code of the command', async (t) => {
  const result = await rspty(['--', 'sh', '-c', 'echo out; exit 7']);
  t.deepEqual(result, { code: 7, stdout: 'out\r\n', stderr: '' });
});

test('exits with 128 + the signal number when the command is killed', async (t) => {
  const result = await rspty(['--', 'sh', '-c', 'kill -TERM $$']);
  t.is(result.code, 143);
});

test('a missing command exits with 127 and says why', async (t) => {
  const result = await rspty(['--', 'rspty-no-such-program']);
  t.deepEqual(result, {
    code: 127,
    stdout: '',
    stderr: 'rspty: spawn rspty-no-such-program: ENOENT (No such file or directory)\n',
  });
});

test('bad flags get a one-line error and exit code 2', async (t) => {
  for (const [args, message] of [
    [['--bogus', '--', 'true'], 'unknown option --bogus'],
    [['--cols', 'wide', '--', 'true'], '--cols must be an integer from 1 to 65535, got wide'],
    [['--rows', '0', '--', 'true'], '--rows must be an integer from 1 to 65535, got 0'],
    [['--record'], '--record needs a value'],
    [[], 'no command given'],
  ] as const) {
    const result = await rspty([...args]);
    t.deepEqual(result, { code: 2, stdout: '', stderr: `rspty: ${message} (see rspty --help)\n` }, args.join(' '));
  }
});

test('--help explains the command', async (t) => {
  const result = await rspty(['--help']);
  t.is(result.code, 0);
  t.regex(result.stdout, /^Usage: rspty \[--cols N\] \[--rows N\] \[--record FILE\] -- command \[args\.\.\.\]\n/);
  t.regex(result.stdout, /--record FILE {4}write an asciicast v2 recording/);
});

test('--cols and --rows size the terminal', async (t) => {
  const result = await rspty(['--cols', '132', '--rows=43', '--', 'stty', 'size']);
  t.deepEqual(result, { code: 0, stdout: '43 132\r\n', stderr: '' });
});

test('--record writes an asciicast v2 file, valid UTF-8 across split characters', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'rspty-')), 'session.cast');
  // é is \303\251: the two bytes reach the terminal in separate writes.
  const script = 'printf "caf\\303"; sleep 0.2; printf "\\251\\n"; exit 3';
  const result = await rspty(['--record', file, '--cols', '100', '--rows', '30', '--', 'sh', '-c', script]);
  t.is(result.code, 3);
  t.is(result.stdout, 'café\r\n');
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line));
  const [header, ...events] = lines;
  t.is(header.version, 2);
  t.is(header.width, 100);
  t.is(header.height, 30);
  t.true(Number.isInteger(header.timestamp) && Math.abs(header.timestamp - Date.now() / 1000) < 60);
  t.true(events.length >= 2, 'the split write gives at least two events');
  for (const [time, kind, text] of events) {
    t.is(typeof time, 'number');
    t.is(kind, 'o');
    t.false(text.includes('\ufffd'), 'no replacement character');
  }
  t.is(events.map((event: [number, string, string]) => event[2]).join(''), 'café\r\n');
  const times = events.map((event: [number, string, string]) => event[0]);
  t.deepEqual(times, [...times].sort((a, b) => a - b));
});

test('--record behind a slow terminal records each byte of output once', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'rspty-')), 'slow.cast');
  // The terminal (a pipe) takes nothing for a while, then reads: output piles
  // up in the relay meanwhile, and the recording must not repeat it.
  const pipeline = `'${process.execPath}' '${cli}' --record '${file}' -- seq 30000 | { sleep 0.3; cat; }`;
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile('sh', ['-c', pipeline], { maxBuffer: 16 * 1024 * 1024, timeout: 20_000 }, (error, out) =>
      error ? reject(error) : resolve(out),
    );
  });
  let expected = '';
  for (let i = 1; i <= 30000; i++) expected += `${i}\r\n`;
  t.is(stdout.length, expected.length);
  t.true(stdout === expected, 'the terminal got seq 30000');
  const events = readFileSync(file, 'utf8').trimEnd().split('\n').slice(1).map((line) => JSON.parse(line));
  const recorded = events.map((event: [number, string, string]) => event[2]).join('');
  t.is(recorded.length, stdout.length, 'recorded characters vs printed characters');
  t.true(recorded === stdout, 'the recording is what was printed');
});
