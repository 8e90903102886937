// Loads the generated loader once under a try; Node's module cache hands the
// same exports to native.ts.
import { addonLoadError, currentHost } from './platform.js';

try {
  require('../index.js');
} catch (cause) {
  throw addonLoadError(currentHost(), cause);
}
