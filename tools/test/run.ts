// `npm test`: one jest run for the whole workspace (config: jest.config.cjs). Extra CLI args go to jest unchanged,
// e.g. `npm test -- --json --outputFile=/tmp/jest.json` or `npm test -- libs/kafka`; the exit code is jest's.
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');

const child = spawn(
  process.execPath,
  // kafkajs 2.2.4 schedules negative timeouts, which Node >= 23 reports on every run (kafkajs#1751): harmless.
  ['--disable-warning=TimeoutNegativeWarning', jest, '--config', path.join(root, 'jest.config.cjs'), ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TZ: 'UTC', KAFKAJS_NO_PARTITIONER_WARNING: '1' },
  },
);

const forward = (signal: NodeJS.Signals) => () => {
  child.kill(signal);
};
process.on('SIGINT', forward('SIGINT'));
process.on('SIGTERM', forward('SIGTERM'));

child.on('error', (err) => {
  process.stderr.write(`tools/test/run.ts: cannot start jest: ${err.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 1) : 1));
});
