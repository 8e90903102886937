import { spawn } from 'rspty';
const sh = await spawn('bash', ['--norc'], { screen: true, env: { ...process.env, PS1: '$ ' } });
await sh.screen.waitFor(/^\$$/m); // the prompt: rows are trimmed, so no trailing space
await sh.writeLine('ls /usr | head -5');
console.log((await sh.screen.waitForIdle()).lines.join('\n').trimEnd());
await sh.close();
