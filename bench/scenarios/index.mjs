// The scenarios, in the order they run and are reported.
import read from './read.mjs';
import write from './write.mjs';
import { spawnPlain, spawnHeap } from './spawn.mjs';
import echo from './echo.mjs';
import scale from './scale.mjs';
import slow from './slow.mjs';
import screen from './screen.mjs';

export const SCENARIOS = [read, write, spawnPlain, spawnHeap, echo, scale, slow, screen];

export function findScenario(name) {
  return SCENARIOS.find((s) => s.name === name);
}
