// npm run demo: run a real program in a pseudo-terminal, show what it printed and how it ended.
import { spawn } from 'rspty';

const pty = await spawn('sh', ['-c', 'echo "stdin is a terminal: $(tty)"; echo "size: $(stty size)"; ls --color=always -d /usr /tmp; exit 3'], {
  cols: 100,
  rows: 30,
});
console.log(`spawned pid ${pty.pid} in a ${pty.cols}x${pty.rows} terminal`);
for await (const chunk of pty) process.stdout.write(chunk);
console.log('exit status:', await pty.exited);
