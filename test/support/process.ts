import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { SERVER_NODE_FLAGS } from '../../apps/server/src/node-flags';

/** Path of the compiled server entry point (what `npm start` runs). */
export const SERVER_MAIN = join(__dirname, '../../apps/server/src/main.js');

export interface ServerProcess {
  readonly child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts the real server as `npm start` would, with exactly the given environment (plus PATH/HOME). */
export function spawnServer(env: Record<string, string>, options: { cwd?: string } = {}): ServerProcess {
  let out = '';
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, SERVER_MAIN], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Polls `url` until it answers `status`, or fails after `timeoutMs`. Returns the elapsed milliseconds. */
export async function waitForStatus(
  url: string,
  status: number,
  timeoutMs: number,
  proc?: ServerProcess,
): Promise<number> {
  const started = Date.now();
  let exitCode: number | null | undefined;
  void proc?.exited.then((c) => (exitCode = c));
  while (Date.now() - started < timeoutMs) {
    if (exitCode !== undefined)
      throw new Error(`server exited (${exitCode}) before ${url} answered:\n${proc?.output()}`);
    try {
      const res = await fetch(url);
      if (res.status === status) return Date.now() - started;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms\n${proc?.output() ?? ''}`);
}
