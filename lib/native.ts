// The napi-generated loader picks the addon for this platform.
import * as native from '../index.js';

export = native;
