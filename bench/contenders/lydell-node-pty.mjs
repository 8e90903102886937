// @lydell/node-pty: node-pty with prebuilt binaries.
import pty from '@lydell/node-pty';
import { nodePtyAdapter } from './node-pty-api.mjs';

export const spawn = nodePtyAdapter(pty);
