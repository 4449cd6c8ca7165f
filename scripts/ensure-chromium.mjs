#!/usr/bin/env node
// The browser tests (the WebGL backend's conformance suite, the dashboard's end-to-end tests) drive Debian's
// Chromium. This makes sure it is there before `pnpm test` runs them: it installs it with apt when it can, and
// otherwise says exactly what to do. NNDL_CHROMIUM points at another Chromium binary.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const path = process.env.NNDL_CHROMIUM ?? '/usr/bin/chromium';
if (existsSync(path)) process.exit(0);

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const prefix = isRoot ? [] : has('sudo') ? ['sudo', '-n'] : null;

if (path === '/usr/bin/chromium' && has('apt-get') && prefix) {
  console.log('nndl: installing Debian\'s chromium for the browser tests (apt-get; once)...');
  const run = (args) =>
    spawnSync(prefix[0] ?? args[0], prefix.length ? [...prefix.slice(1), ...args] : args.slice(1), {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status === 0;
  if (run(['apt-get', 'update', '-qq']) && run(['apt-get', 'install', '-y', '-qq', 'chromium']) && existsSync(path)) {
    process.exit(0);
  }
}

console.error(
  `nndl: the browser tests need Chromium at ${path} and it could not be installed here. Install it ` +
    '(Debian/Ubuntu: sudo apt-get install -y chromium), or set NNDL_CHROMIUM to a Chromium binary, then run ' +
    'pnpm test again.',
);
process.exit(1);
