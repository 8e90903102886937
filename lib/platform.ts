import { readFileSync } from 'node:fs';

/** The platforms with a prebuilt addon, by the suffix of their package (`rspty-<name>`). */
export const SUPPORTED_PLATFORMS = [
  'linux-x64-gnu',
  'linux-arm64-gnu',
  'linux-x64-musl',
  'linux-arm64-musl',
  'darwin-x64',
  'darwin-arm64',
] as const;

export interface Host {
  platform: string;
  arch: string;
  /** Linux only: whether the C library is musl. */
  musl?: boolean;
}

/** napi-rs's name for a platform, as in the package `rspty-<name>` it would need. */
export function platformName({ platform, arch, musl }: Host): string {
  switch (platform) {
    case 'linux':
      if (arch === 'arm') return `linux-arm-${musl ? 'musleabihf' : 'gnueabihf'}`;
      return `linux-${arch}-${musl ? 'musl' : 'gnu'}`;
    case 'win32':
      return `win32-${arch}-msvc`;
    case 'android':
      return arch === 'arm' ? 'android-arm-eabi' : `android-${arch}`;
    default:
      return `${platform}-${arch}`;
  }
}

function isMusl(): boolean {
  try {
    return readFileSync('/usr/bin/ldd', 'utf8').includes('musl');
  } catch {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    return !report?.header?.glibcVersionRuntime;
  }
}

export function currentHost(): Host {
  const host: Host = { platform: process.platform, arch: process.arch };
  if (host.platform === 'linux') host.musl = isMusl();
  return host;
}

/**
 * The error `require('rspty')` throws when the addon does not load, in place
 * of the generated loader's generic one (kept as `cause`): an unsupported
 * platform is named with the supported list; on a supported one the missing
 * or broken platform package is named.
 */
export function addonLoadError(host: Host, cause: unknown): Error {
  const name = platformName(host);
  const pkg = `rspty-${name}`;
  const supported = (SUPPORTED_PLATFORMS as readonly string[]).includes(name);
  const message = supported
    ? `rspty could not load its native addon for ${name}: the package ${pkg} (an optional ` +
      `dependency of rspty) is missing or does not load. Reinstall rspty without ` +
      `--omit=optional / --no-optional, from a lockfile made for this platform.`
    : `rspty does not support ${name} (process.platform ${host.platform}, process.arch ${host.arch}): ` +
      `it would need the package ${pkg}, which is not built. Supported platforms: ` +
      `${SUPPORTED_PLATFORMS.join(', ')}.`;
  const error = new Error(message) as Error & { code: string };
  error.code = supported ? 'ERR_RSPTY_ADDON_MISSING' : 'ERR_RSPTY_UNSUPPORTED_PLATFORM';
  error.cause = cause;
  return error;
}
