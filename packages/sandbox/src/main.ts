/**
 * Process entry point: `node dist/sandbox/main.js --state-dir DIR [--port N] [--speed X]
 * [--fault-rate P] [--seed N] [--rate-limit N] [--rate-refill R]`. Each flag may also come from the
 * environment (HK8S_SANDBOX_STATE_DIR, HK8S_SANDBOX_PORT, …); the token only from HK8S_SANDBOX_TOKEN,
 * HK8S_SANDBOX_SEED_IMAGES=1 (a new world gets the Talos snapshots) and HK8S_SANDBOX_RESCUE_PORT
 * (the rescue systems' SSH port, default 50022) only from the environment too.
 * Writes `<stateDir>/sandbox.json` (0600) once listening and removes it on SIGTERM/SIGINT.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { infoFile, optionsFromArgs, readInfo, writeInfo } from './process-info.js';
import { startSandboxServer } from './server.js';
import { kubeFromEnv } from './kube/index.js';
import { talosSimulatorFromEnv, VipController } from './talos/index.js';

async function main(): Promise<void> {
  const options = optionsFromArgs(process.argv.slice(2), process.env);
  mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
  const talos = talosSimulatorFromEnv(options.stateDir, options.speed ?? 1, process.env);
  const kube = talos ? kubeFromEnv(options.stateDir, talos, options.speed ?? 1, process.env) : undefined;
  const hooks = talos ? { ...talos.hooks, ...kube?.hooks } : undefined;
  const vip = talos ? new VipController({ nodes: talos, speed: options.speed ?? 1 }) : undefined;
  const controls = [talos?.faults.control.bind(talos.faults), kube?.control, vip?.control].filter(
    (c) => c !== undefined,
  );
  const sandbox = await startSandboxServer({
    ...options,
    ...(hooks ? { hooks } : {}),
    ...(controls.length > 0
      ? { control: (method, path, body) => controls.map((c) => c(method, path, body)).find((r) => r) }
      : {}),
  });
  vip?.connect(sandbox.cloud);
  const file = infoFile(options.stateDir);
  const { token: _token, hooks: _hooks, control: _control, ...recorded } = options;
  writeInfo(file, {
    pid: process.pid,
    url: sandbox.url,
    port: sandbox.port,
    startedAt: new Date().toISOString(),
    options: recorded,
  });
  console.log(`sandbox: listening at ${sandbox.url} (pid ${process.pid}, world in ${options.stateDir})`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`sandbox: ${signal}, shutting down`);
    void sandbox
      .close()
      .then(() => vip?.close())
      .then(() => kube?.close())
      .then(() => talos?.close())
      .finally(() => {
        if (readInfo(options.stateDir)?.pid === process.pid) rmSync(file, { force: true });
        process.exit(0);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('sandbox: failed to start:', error);
  process.exit(1);
});
