import { run } from 'rspty';

const result = await run('/bin/true');
// error TS2322: exitCode is null when the child was killed by a signal
export const code: number = result.exitCode;
