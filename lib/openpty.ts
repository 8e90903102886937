import native = require('./native.js');
import { translate } from './errors.js';
import { DEFAULT_COLS, DEFAULT_ROWS } from './options.js';
import { dimension, object } from './validate.js';

export interface PtyPair {
  /** The master's fd, owned by the caller (close it with fs.closeSync). */
  master: number;
  /** The slave's fd, owned by the caller. */
  slave: number;
  /** The slave's device path, like /dev/pts/3. */
  path: string;
}

/**
 * Allocates a pseudo-terminal pair with openpty(3), falling back to
 * /dev/ptmx. Both fds are close-on-exec and blocking; the slave has the
 * given size and a terminal emulator's default modes.
 */
export function openpty(options?: { cols?: number; rows?: number }): PtyPair {
  const opts = object(options, 'options');
  const cols = opts.cols === undefined ? DEFAULT_COLS : dimension(opts.cols, 'options.cols');
  const rows = opts.rows === undefined ? DEFAULT_ROWS : dimension(opts.rows, 'options.rows');
  try {
    const { master, slave, path } = native.openpty(cols, rows);
    return { master, slave, path };
  } catch (error) {
    throw translate(error, 'openpty');
  }
}
