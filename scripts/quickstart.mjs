#!/usr/bin/env node
// The README's quick start: a starter cluster on the local sandbox cloud, from nothing to applied.
// Runs the built CLI exactly as a user would, in ./quickstart-cluster/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const cli = join(root, 'bin', 'run.js');
const dir = join(root, 'quickstart-cluster');
mkdirSync(dir, { recursive: true });
// A tenth of Hetzner's real timings, so the demo takes seconds rather than minutes.
const env = { ...process.env, HK8S_SANDBOX_SPEED: process.env.HK8S_SANDBOX_SPEED ?? '0.1' };

function hk8s(...args) {
  console.log(`\n$ hk8s ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: dir, stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (!existsSync(join(dir, 'hk8s.yaml'))) hk8s('init', '--name', 'quickstart');
hk8s('validate');
hk8s('plan', '--sandbox');
hk8s('apply', '--sandbox', '--auto-approve');
hk8s('plan', '--sandbox', '--detailed-exitcode');
hk8s('status', '--sandbox');
hk8s('state', 'list');
console.log(
  `\nDone. The cluster's spec and state are in ${dir}; the sandbox keeps running (hk8s sandbox stop).`,
);
console.log(
  'Try: edit quickstart-cluster/hk8s.yaml (a count, a label) and run `npx hk8s plan --sandbox` there.',
);
