import { spawn } from 'rspty';

// error TS2322: SpawnOptions.cols is a number
await spawn('/bin/sh', [], { cols: '80' });
