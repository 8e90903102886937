// @xterm/headless (VS Code's emulator) as the reference screen: rows as
// text (trailing blanks trimmed) and the cursor, for fidelity comparisons.
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { Terminal } from '@xterm/headless';

export interface ReferenceScreen {
  rows: string[];
  cursor: [row: number, col: number];
}

export class XtermReference {
  readonly term: Terminal;

  constructor(cols: number, rows: number, scrollback = 1000) {
    this.term = new Terminal({ cols, rows, scrollback, allowProposedApi: true });
    // Emoji and other wide characters take two columns, as in current terminals.
    this.term.loadAddon(new Unicode11Addon());
    this.term.unicode.activeVersion = '11';
  }

  feed(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve) => this.term.write(bytes, resolve));
  }

  resize(cols: number, rows: number): void {
    this.term.resize(cols, rows);
  }

  screen(): ReferenceScreen {
    const buffer = this.term.buffer.active;
    const rows: string[] = [];
    for (let y = 0; y < this.term.rows; y++) rows.push(buffer.getLine(buffer.baseY + y)?.translateToString(true).trimEnd() ?? "");
    // xterm parks the cursor one past the last column while a wrap is pending; the other emulators keep it on the last column.
    return { rows, cursor: [buffer.cursorY, Math.min(buffer.cursorX, this.term.cols - 1)] };
  }
}
