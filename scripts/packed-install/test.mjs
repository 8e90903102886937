#!/usr/bin/env node
// Packed-install test: checks rspty the way a user gets it from the registry.
//
// Run it after `npm run build` on Linux x64 (glibc). It
//   1. copies the built rspty.linux-x64-gnu.node into npm/linux-x64-gnu/,
//   2. packs the main package and npm/linux-x64-gnu with `npm pack`, and checks
//      that each tarball holds exactly the intended files, no install-time
//      lifecycle scripts, and (main) every file its manifest points at, or
//      (platform) the right os, cpu and libc,
//   3. installs both tarballs into a fresh project (a copy of project/) with a
//      PATH that holds only node and npm (no cargo, cc, gcc, make, python or
//      sh) and without the registry (--offline),
//   4. in that project: require('rspty') and import('rspty') run real programs
//      through the native addon (project/check.cjs, project/check.mjs; the
//      node-pty entry: project/check-node-pty.cjs), and
//      the package's command prints its usage,
//   5. a TypeScript consumer of the whole API (project/consumer.*) type-checks
//      against the installed declarations, and each deliberate misuse
//      (project/misuse-*.mts) fails with exactly the error its comment names.
//
// Every check prints one PASS or FAIL line; the last line is the tally, and
// the exit status is 1 if any check failed. A failed precondition ends the
// run. KEEP_TMP=1 keeps the scratch directory for inspection.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const PROJECT_FIXTURE = path.join(HERE, 'project');
const PLATFORM = 'linux-x64-gnu';
const ADDON = `rspty.${PLATFORM}.node`;
const PLATFORM_DIR = path.join(REPO, 'npm', PLATFORM);
/** Tools a native package would need to build on install: none may be on the project's PATH. */
const BUILD_TOOLS = ['cargo', 'rustc', 'cc', 'gcc', 'g++', 'clang', 'make', 'python', 'python3', 'node-gyp', 'sh', 'bash'];
const INSTALL_HOOKS = ['preinstall', 'install', 'postinstall', 'prepare', 'preprepare', 'postprepare'];
/** Bound on one command in the fresh project. */
const SANDBOX_TIMEOUT_MS = 300_000;

// ---------------------------------------------------------------- the tally

let passed = 0;
let failed = 0;
const pass = (/** @type {string} */ message) => {
  passed++;
  console.log(`PASS: ${message}`);
};
const fail = (/** @type {string} */ message) => {
  failed++;
  console.log(`FAIL: ${message}`);
};
const info = (/** @type {string} */ message) => console.log(`INFO: ${message}`);

/** Prints the tally and exits: 1 if anything failed. */
function finish() {
  console.log(`\npacked-install: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

/** A failed precondition: later checks would only repeat it. */
class Abort extends Error {}
/** @returns {never} */
function abort(/** @type {string} */ message) {
  throw new Abort(message);
}

/** Text indented under a FAIL line, for context. */
function show(/** @type {string} */ text) {
  if (text.trim()) console.log(text.trimEnd().replace(/^/gm, '    | '));
}

// ---------------------------------------------------------------- helpers

/** The absolute path of `name` on this PATH, or null. */
function which(/** @type {string} */ name, searchPath = process.env.PATH ?? '') {
  for (const dir of searchPath.split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Every file under `dir`, as paths relative to it with '/' separators. */
function walk(/** @type {string} */ dir, rel = '') {
  /** @type {string[]} */
  const out = [];
  for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const name = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...walk(dir, name));
    else out.push(name);
  }
  return out;
}

/**
 * Runs `file args` in `cwd` and returns its status and combined output.
 * @param {string} file
 * @param {string[]} args
 * @param {{ cwd: string, env?: NodeJS.ProcessEnv, timeout?: number }} options
 */
function exec(file, args, { cwd, env = process.env, timeout }) {
  const result = spawnSync(file, args, {
    cwd,
    env,
    timeout,
    killSignal: 'SIGKILL',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? `\n${result.error.message}` : ''}`;
  return { ok: result.status === 0, stdout: result.stdout ?? '', output };
}

// ---------------------------------------------------------------- the checks

/** @type {string | null} */
let copiedAddon = null;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rspty-packed.'));

function main() {
  // --- preconditions
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    abort(`this test needs Linux x86_64 (found ${process.platform} ${process.arch})`);
  }
  const npmBin = which('npm') ?? abort('npm is not on PATH');
  const tscJs = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  const typesNode = path.join(REPO, 'node_modules', '@types', 'node');
  if (!fs.existsSync(tscJs)) abort('node_modules/typescript is missing: run npm ci first');
  if (!fs.existsSync(typesNode)) abort('node_modules/@types/node is missing: run npm ci first');
  const missing = [ADDON, 'index.js', 'index.d.ts', 'dist/index.js', 'dist/index.mjs', 'dist/index.d.ts'].filter(
    (f) => !fs.existsSync(path.join(REPO, f)),
  );
  if (missing.length) abort(`build output missing (${missing.join(' ')}): run npm run build first`);
  if (!fs.existsSync(path.join(PLATFORM_DIR, 'package.json'))) abort(`npm/${PLATFORM}/package.json is missing`);

  const addonSize = fs.statSync(path.join(REPO, ADDON)).size;
  info(`native addon ${ADDON}: ${addonSize} bytes (${Math.ceil(addonSize / 1024)} KiB)`);
  const npmVersion = execFileSync(npmBin, ['--version'], { encoding: 'utf8' }).trim();
  const tscVersion = execFileSync(process.execPath, [tscJs, '--version'], { encoding: 'utf8' }).trim();
  info(`node ${process.version}, npm ${npmVersion}, typescript ${tscVersion.replace(/^Version /, '')}`);
  for (const dir of ['tarballs', 'bin', 'home', 'tmp']) fs.mkdirSync(path.join(work, dir));

  // --- 1. the platform package gets the freshly built addon
  const platformAddon = path.join(PLATFORM_DIR, ADDON);
  if (!fs.existsSync(platformAddon)) copiedAddon = platformAddon;
  fs.copyFileSync(path.join(REPO, ADDON), platformAddon);
  pass(`copied ${ADDON} into npm/${PLATFORM}/`);

  // --- 2. pack both packages and inspect the tarballs
  const main = pack(npmBin, REPO, 'the main package');
  const platform = pack(npmBin, PLATFORM_DIR, `npm/${PLATFORM}`);
  inspectMain(main);
  inspectPlatform(platform);

  // --- 3. install the tarballs where no build tool can be found
  // The PATH of the fresh project: links to node and npm and nothing else.
  // npm's shebang runs /usr/bin/env by absolute path, so env is not needed. sh
  // is left out on purpose: npm runs lifecycle scripts through the sh on PATH,
  // so an install script, which the packages must not have, fails the install.
  const bin = path.join(work, 'bin');
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync(npmBin, path.join(bin, 'npm'));
  const found = BUILD_TOOLS.filter((tool) => which(tool, bin));
  if (found.length === 0) pass(`the project's PATH holds only node and npm (none of ${BUILD_TOOLS.join(', ')})`);
  else fail(`the project's PATH still finds: ${found.join(' ')}`);

  const project = path.join(work, 'project');
  fs.cpSync(PROJECT_FIXTURE, project, { recursive: true });
  /** Runs a command in the fresh project with an emptied environment whose PATH is `bin`. */
  const sandbox = (/** @type {string} */ file, /** @type {string[]} */ args) =>
    exec(file, args, {
      cwd: project,
      timeout: SANDBOX_TIMEOUT_MS,
      env: {
        PATH: bin,
        HOME: path.join(work, 'home'),
        TMPDIR: path.join(work, 'tmp'),
        npm_config_cache: path.join(work, 'npm-cache'),
        npm_config_update_notifier: 'false',
      },
    });

  const install = sandbox(path.join(bin, 'npm'), [
    'install',
    '--offline',
    '--no-audit',
    '--no-fund',
    '--foreground-scripts',
    main.tarball,
    platform.tarball,
  ]);
  if (!install.ok) {
    show(install.output);
    abort('npm install of the tarballs failed');
  }
  pass('npm install --offline of both tarballs with node and npm alone on PATH');

  const nodeModules = path.join(project, 'node_modules');
  const addons = walk(nodeModules).filter((f) => f.endsWith('.node'));
  if (addons.length === 1 && addons[0] === `rspty-${PLATFORM}/${ADDON}`) {
    pass(`the addon is installed in node_modules/rspty-${PLATFORM}/ and node_modules/rspty holds no .node file`);
  } else {
    fail(`unexpected install layout: .node files ${addons.join(' ') || 'none'}`);
  }

  // --- 4. the installed package works from CommonJS and from ESM
  for (const [check, what] of [
    ['check.cjs', "require('rspty')"],
    ['check.mjs', "import('rspty')"],
    ['check-node-pty.cjs', "require('rspty/node-pty')"],
  ]) {
    const run = sandbox(path.join(bin, 'node'), [check]);
    const lines = run.output.trimEnd().split('\n');
    if (run.ok) pass(`${check}: ${lines[lines.length - 1]}`);
    else {
      show(run.output);
      fail(`${what} in the installed project (${check})`);
    }
  }

  // The package's commands, if it declares any, are linked and start.
  const manifest = JSON.parse(fs.readFileSync(path.join(nodeModules, 'rspty', 'package.json'), 'utf8'));
  const bins = typeof manifest.bin === 'string' ? [manifest.name] : Object.keys(manifest.bin ?? {});
  for (const name of bins) {
    const command = path.join(nodeModules, '.bin', name);
    const run = fs.existsSync(command) ? sandbox(command, ['--help']) : { ok: false, stdout: '', output: `${command} is missing` };
    if (run.ok && new RegExp(`^Usage: ${name}`, 'm').test(run.output)) {
      pass(`node_modules/.bin/${name} --help runs and prints its usage`);
    } else {
      show(run.output);
      fail(`node_modules/.bin/${name} --help`);
    }
  }

  // --- 5. the installed declarations type-check a consumer and reject misuse
  // @types/node comes from the repository, so that nothing is fetched.
  fs.mkdirSync(path.join(nodeModules, '@types'), { recursive: true });
  fs.symlinkSync(typesNode, path.join(nodeModules, '@types', 'node'));
  const tsc = (/** @type {string} */ config) => sandbox(path.join(bin, 'node'), [tscJs, '-p', config]);

  const consumer = tsc('tsconfig.json');
  if (consumer.ok) {
    pass('tsc: a consumer of the whole public API (ESM, CommonJS, and the JS checks) type-checks against the installed declarations');
  } else {
    show(consumer.output);
    fail('tsc of the consumer against the installed declarations');
  }
  checkMisuses(project, tsc('tsconfig.misuse.json'));
}

/**
 * `npm pack`s `dir` into the scratch directory.
 * @returns {{ tarball: string, report: { files: { path: string }[], size: number, unpackedSize: number, entryCount: number }, dir: string, files: string[], manifest: Record<string, any> }}
 */
function pack(/** @type {string} */ npmBin, /** @type {string} */ dir, /** @type {string} */ what) {
  const run = exec(npmBin, ['pack', '--json', '--pack-destination', path.join(work, 'tarballs')], { cwd: dir });
  /** @type {any} */
  let report;
  try {
    report = JSON.parse(run.stdout)[0];
  } catch {
    report = null;
  }
  const tarball = report ? path.join(work, 'tarballs', report.filename) : '';
  if (!run.ok || !report || !fs.existsSync(tarball)) {
    show(run.output);
    abort(`npm pack of ${what} failed`);
  }
  pass(`npm pack of ${what}: ${report.filename} (${fs.statSync(tarball).size} bytes)`);
  // The manifest as published, read from the tarball itself.
  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
  const files = report.files.map((/** @type {{ path: string }} */ f) => f.path).sort();
  return { tarball, report, dir, files, manifest };
}

/** Passes if `files` is exactly `expected`, else fails naming the difference. */
function exactFiles(/** @type {string} */ kind, /** @type {string[]} */ files, /** @type {string[]} */ expected) {
  const want = [...new Set(expected)].sort();
  const extra = files.filter((f) => !want.includes(f));
  const absent = want.filter((f) => !files.includes(f));
  if (extra.length === 0 && absent.length === 0) {
    pass(`${kind} tarball holds exactly the ${files.length} intended files: ${files.join(' ')}`);
    return;
  }
  if (extra.length) fail(`${kind} tarball holds unexpected files: ${extra.join(' ')}`);
  if (absent.length) fail(`${kind} tarball lacks expected files: ${absent.join(' ')}`);
  info(`${kind} tarball files: ${files.join(' ')}`);
}

/** No script that npm would run on install, and no node-gyp build. */
function noInstallHooks(/** @type {string} */ kind, /** @type {Record<string, any>} */ manifest) {
  const scripts = manifest.scripts ?? {};
  const hooks = INSTALL_HOOKS.filter((hook) => Object.hasOwn(scripts, hook));
  if (hooks.length) fail(`${kind} package.json has install-time lifecycle scripts: ${hooks.join(', ')}`);
  else pass(`${kind} package.json has no install-time lifecycle scripts (scripts: ${Object.keys(scripts).join(', ') || 'none'})`);
  if (manifest.gypfile) fail(`${kind} package.json sets gypfile, npm would run node-gyp on install`);
}

/**
 * The main tarball: package.json, README.md, the licence, index.js and
 * index.d.ts (the napi loader and its declarations) and the compiled
 * TypeScript layer (every dist/**\/*.js, *.mjs and *.d.ts on disk, which must
 * include dist/index.{js,mjs,d.ts}); nothing else.
 * @param {ReturnType<typeof pack>} packed
 */
function inspectMain({ files, manifest, report }) {
  const expected = ['package.json', 'README.md', 'index.js', 'index.d.ts'];
  for (const f of fs.readdirSync(REPO)) if (/^licen[cs]e(\.(md|txt))?$/i.test(f)) expected.push(f);
  for (const f of walk(path.join(REPO, 'dist'))) if (/\.(js|mjs|d\.ts)$/.test(f)) expected.push(`dist/${f}`);
  for (const f of ['dist/index.js', 'dist/index.mjs', 'dist/index.d.ts']) {
    if (!expected.includes(f)) fail(`${f} was not built`);
  }
  exactFiles('main', files, expected);

  const forbidden = files.filter(
    (f) =>
      /\.node$|\.rs$|(^|\/)__test__\/|(^|\/)binding\.gyp$|\.(tsbuildinfo|map)$/.test(f) ||
      (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)),
  );
  if (forbidden.length) fail(`main tarball holds forbidden files: ${forbidden.join(' ')}`);
  else pass('main tarball has no .node, .rs, .ts sources, source maps, binding.gyp or __test__ files');
  noInstallHooks('main', manifest);

  /** @type {Set<string>} */
  const targets = new Set();
  const collect = (/** @type {unknown} */ value) => {
    if (typeof value === 'string') targets.add(path.posix.normalize(value));
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect([manifest.main, manifest.types, manifest.exports, manifest.bin]);
  const dangling = [...targets].filter((t) => !files.includes(t));
  if (dangling.length) fail(`main package.json points at files not in the tarball: ${dangling.join(' ')}`);
  else pass(`main, types, bin and every exports target are in the tarball (${[...targets].join(' ')})`);
  info(`main tarball ${report.size} bytes packed, ${report.unpackedSize} bytes unpacked, ${report.entryCount} entries`);
}

/**
 * The platform tarball: the addon, package.json and README.md only, and a
 * manifest that npm installs on Linux x64 with glibc alone.
 * @param {ReturnType<typeof pack>} packed
 */
function inspectPlatform({ files, manifest, report, dir }) {
  const source = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  exactFiles('platform', files, ['package.json', 'README.md', source.main]);
  const forbidden = files.filter((f) => !/^(package\.json|README\.md|rspty\.[a-z0-9-]+\.node)$/.test(f));
  if (forbidden.length) fail(`platform tarball holds forbidden files: ${forbidden.join(' ')}`);
  else pass('platform tarball holds only the addon, package.json and README.md');
  noInstallHooks('platform', manifest);

  const want = { os: ['linux'], cpu: ['x64'], libc: ['glibc'] };
  const bad = Object.entries(want).filter(([key, value]) => JSON.stringify(manifest[key]) !== JSON.stringify(value));
  if (bad.length) {
    fail(`platform package.json has wrong ${bad.map(([key]) => `${key} (${JSON.stringify(manifest[key])})`).join(', ')}`);
  } else {
    pass('platform package.json declares os [linux], cpu [x64], libc [glibc]');
  }
  info(`platform tarball ${report.size} bytes packed, ${report.unpackedSize} bytes unpacked, ${report.entryCount} entries`);
}

/**
 * Each misuse-*.mts names the one error it must cause in a comment
 * "// error TSnnnn: why", on the line after it. tsc must report exactly that
 * error there and nothing else in the file.
 * @param {string} project
 * @param {{ ok: boolean, output: string }} run tsc over every misuse file
 */
function checkMisuses(project, run) {
  /** @type {Map<string, string[]>} */
  const errors = new Map();
  for (const match of run.output.matchAll(/^(\S+)\((\d+),\d+\): error (TS\d+):/gm)) {
    const [, file, line, code] = /** @type {[string, string, string, string]} */ (/** @type {unknown} */ (match));
    errors.set(file, [...(errors.get(file) ?? []), `${code} on line ${line}`]);
  }
  // Listed from the directory: a file missing from tsconfig.misuse.json gets no error and fails.
  for (const file of fs.readdirSync(project).filter((f) => /^misuse-.*\.mts$/.test(f)).sort()) {
    const lines = fs.readFileSync(path.join(project, file), 'utf8').split('\n');
    const at = lines.findIndex((l) => /^\/\/ error TS\d+:/.test(l));
    if (at === -1) {
      fail(`${file} has no "// error TSnnnn:" comment naming its error`);
      continue;
    }
    const code = /TS\d+/.exec(lines[at] ?? '')?.[0];
    const misuse = (lines[at + 1] ?? '').trim();
    const got = errors.get(file) ?? [];
    if (got.length === 1 && got[0] === `${code} on line ${at + 2}`) {
      pass(`tsc rejects ${misuse} with ${code}`);
    } else {
      show(run.output);
      fail(`tsc on ${file}: expected exactly ${code} on line ${at + 2} (${misuse}), got ${got.join(', ') || 'no error'}`);
    }
  }
}

try {
  main();
} catch (error) {
  if (error instanceof Abort) fail(error.message);
  else {
    console.error(error);
    fail(`the test itself failed: ${error instanceof Error ? error.message : String(error)}`);
  }
} finally {
  if (copiedAddon) fs.rmSync(copiedAddon, { force: true });
  if (process.env.KEEP_TMP === '1') info(`scratch directory kept: ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
}
finish();
