// node-pty (built from source by node-gyp at install time).
import pty from 'node-pty';
import { nodePtyAdapter } from './node-pty-api.mjs';

export const spawn = nodePtyAdapter(pty);
