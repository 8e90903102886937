// Argument checks: TypeError for a wrong type, RangeError for a value out of range.

export function typeError(message: string, code = 'ERR_INVALID_ARG_TYPE'): TypeError {
  const error = new TypeError(message);
  (error as TypeError & { code: string }).code = code;
  return error;
}

export function rangeError(message: string): RangeError {
  const error = new RangeError(message);
  (error as RangeError & { code: string }).code = 'ERR_OUT_OF_RANGE';
  return error;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `"${value}"`;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return `${typeof value} ${String(value)}`;
  }
  return typeof value;
}

/** A string that can cross into C: no NUL byte. */
export function cString(value: unknown, name: string, { empty = true } = {}): string {
  if (typeof value !== 'string') {
    throw typeError(`${name} must be a string, got ${describe(value)}`);
  }
  if (value.includes('\0')) {
    throw typeError(`${name} must not contain a NUL byte`, 'ERR_INVALID_ARG_VALUE');
  }
  if (!empty && value.length === 0) {
    throw typeError(`${name} must not be empty`, 'ERR_INVALID_ARG_VALUE');
  }
  return value;
}

/** A terminal dimension: an integer from 1 to 65535. */
export function dimension(value: unknown, name: string): number {
  if (typeof value !== 'number') {
    throw typeError(`${name} must be a number, got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw rangeError(`${name} must be an integer from 1 to 65535, got ${value}`);
  }
  return value;
}

export function object(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw typeError(`${name} must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}
