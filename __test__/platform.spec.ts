// require('rspty') on a platform without a prebuilt addon names the platform,
// the supported list and the package it would have needed. The platform is
// faked in a child process (process.platform / process.arch redefined before
// the require), so the generated loader really fails there.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { platformName, SUPPORTED_PLATFORMS } from '../lib/platform';

const fixture = join(__dirname, 'fixtures', 'fake-platform.cjs');
const entry = join(__dirname, '..', 'dist', 'index.js');
const SUPPORTED = 'linux-x64-gnu, linux-arm64-gnu, linux-x64-musl, linux-arm64-musl, darwin-x64, darwin-arm64';

function requireAs(platform: string, arch: string): { loaded?: true; code?: string; message?: string; cause?: string } {
  const out = execFileSync(process.execPath, [fixture], {
    env: { ...process.env, FAKE_PLATFORM: platform, FAKE_ARCH: arch, RSPTY_ENTRY: entry },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return JSON.parse(out);
}

for (const [platform, arch, name] of [
  ['win32', 'x64', 'win32-x64-msvc'],
  ['freebsd', 'x64', 'freebsd-x64'],
  ['linux', 'riscv64', 'linux-riscv64-gnu'],
] as const) {
  test(`require on ${platform} ${arch} names the platform, the supported list and rspty-${name}`, (t) => {
    const result = requireAs(platform, arch);
    t.is(result.code, 'ERR_RSPTY_UNSUPPORTED_PLATFORM');
    t.is(
      result.message,
      `rspty does not support ${name} (process.platform ${platform}, process.arch ${arch}): ` +
        `it would need the package rspty-${name}, which is not built. Supported platforms: ${SUPPORTED}.`,
    );
    // The generated loader's own error stays reachable as the cause.
    t.regex(result.cause ?? '', /native binding/);
  });
}

test('require on a supported platform whose package is missing names that package', (t) => {
  // darwin-arm64 is supported, but its package is not installed on this machine.
  const result = requireAs('darwin', 'arm64');
  t.is(result.code, 'ERR_RSPTY_ADDON_MISSING');
  t.is(
    result.message,
    'rspty could not load its native addon for darwin-arm64: the package rspty-darwin-arm64 ' +
      '(an optional dependency of rspty) is missing or does not load. Reinstall rspty without ' +
      '--omit=optional / --no-optional, from a lockfile made for this platform.',
  );
});

test('require on the real platform loads', (t) => {
  t.deepEqual(requireAs(process.platform, process.arch), { loaded: true });
});

test('platform names follow the napi package names', (t) => {
  t.is(platformName({ platform: 'linux', arch: 'x64', musl: true }), 'linux-x64-musl');
  t.is(platformName({ platform: 'linux', arch: 'arm64', musl: false }), 'linux-arm64-gnu');
  t.is(platformName({ platform: 'linux', arch: 'arm', musl: false }), 'linux-arm-gnueabihf');
  t.is(platformName({ platform: 'darwin', arch: 'arm64' }), 'darwin-arm64');
  t.is(platformName({ platform: 'win32', arch: 'arm64' }), 'win32-arm64-msvc');
  t.is(platformName({ platform: 'android', arch: 'arm' }), 'android-arm-eabi');
  // The supported list is exactly package.json's napi targets.
  const targets: string[] = require('../package.json').napi.targets;
  const names = targets.map((target) => {
    const [arch, , os, env] = target.split('-');
    return platformName({
      platform: os === 'darwin' ? 'darwin' : 'linux',
      arch: arch === 'x86_64' ? 'x64' : 'arm64',
      musl: env === 'musl',
    });
  });
  t.deepEqual(names, [...SUPPORTED_PLATFORMS]);
});
