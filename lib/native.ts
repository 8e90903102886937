// The napi-generated loader (index.js) picks the addon for this platform.
// addon-check.js requires it first, and rethrows a failure naming the
// platform, the supported ones and the package that was needed.
import './addon-check.js';
import * as native from '../index.js';

// Node.js's event loop is libuv, which can watch a quiet PTY itself; Bun's and Deno's cannot.
native.useEventLoopReads(!process.versions.bun && !process.versions.deno);

export = native;
