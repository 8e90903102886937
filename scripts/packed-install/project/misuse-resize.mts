import { spawn } from 'rspty';

const pty = await spawn('/bin/sh');
// error TS2345: columns and rows are numbers
pty.resize('a', 1);
