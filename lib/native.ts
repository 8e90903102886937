// The napi-generated loader (index.js) picks the addon for this platform.
// addon-check.js requires it first, and rethrows a failure naming the
// platform, the supported ones and the package that was needed.
import './addon-check.js';
import * as native from '../index.js';

export = native;
