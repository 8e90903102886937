import { spawn } from 'rspty';

// error TS2345: the file to run must be a string
await spawn(42);
