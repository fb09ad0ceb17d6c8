/**
 * Writes the sample logs of the current state format to `state/samples/v<N>/` with the real append
 * code. Samples of a released format are never regenerated: they prove that old logs still replay.
 * Existing files are kept unless `--force`. Run: `npx tsx src/state/write-samples.ts [--force]`.
 */
import { chmod, copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CURRENT_FORMAT, type NewEvent, type ResourceRecord } from './events.js';
import { hashLine } from './log-format.js';
import { FileEventLog } from './log-store.js';
import { destroyForgetSecrets } from './sample-destroy.js';
import { targetRecorded } from './sample-target.js';

export const SAMPLES_DIR = join('state', 'samples', `v${CURRENT_FORMAT}`);
const VERSION = '0.1.0';

const labels = (cluster: string, address: string, run: string) => ({
  'hk8s.io/cluster': cluster,
  'hk8s.io/address': address,
  'hk8s.io/run': run,
});

function server(cluster: string, address: string, run: string, id: number, ip: string): ResourceRecord {
  const name = `${cluster}-${address.split('.').slice(1).join('-')}`;
  return {
    address,
    type: 'hcloud.server',
    id: String(id),
    attrs: {
      name,
      status: 'running',
      server_type: 'cax21',
      location: 'fsn1',
      public_net: { ipv4: ip, ipv6: null },
      private_net: [{ network: 4711, ip: `10.0.1.${id % 200}` }],
      labels: labels(cluster, address, run),
    },
  };
}

function createServer(cluster: string, address: string, run: string, role: string) {
  return {
    method: 'POST',
    path: '/servers',
    body: {
      name: `${cluster}-${address.split('.').slice(1).join('-')}`,
      server_type: 'cax21',
      image: '245678901',
      location: 'fsn1',
      networks: [4711],
      firewalls: [{ firewall: 815 }],
      labels: { ...labels(cluster, address, run), 'hk8s.io/role': role },
      start_after_create: true,
    },
  };
}

/** Crash in the middle of an apply (one action left started), resume, then destroy one server. */
function applyResume(): NewEvent[] {
  const c = 'demo';
  const [r1, r2, r3] = ['r-20260315T101500Z-4f2a', 'r-20260315T102200Z-9c01', 'r-20260316T080000Z-1d7e'];
  const cp = 'server.control-plane-fsn.1';
  const worker = 'server.workers-fsn.1';
  const node = 'talos.node.control-plane-fsn.1';
  const plan = hashLine('plan of the sample apply');
  const spec = hashLine('spec of the sample cluster');
  const ref = (action: string, kind: string, address: string) => ({ action, kind, address });
  const network: ResourceRecord = {
    address: 'network.main',
    type: 'hcloud.network',
    id: '4711',
    attrs: { name: 'demo', ip_range: '10.0.0.0/16', labels: labels(c, 'network.main', r1) },
  };
  const firewall: ResourceRecord = {
    address: 'firewall.main',
    type: 'hcloud.firewall',
    id: '815',
    attrs: {
      name: 'demo',
      rules: [{ direction: 'in', protocol: 'tcp', port: '6443', source_ips: ['0.0.0.0/0'] }],
    },
  };
  return [
    { type: 'LogCreated', run: null, data: { cluster: c, format: 1, hk8sVersion: VERSION } },
    {
      type: 'SecretStored',
      run: null,
      data: {
        name: 'talos.secrets',
        value: {
          $secret: Buffer.from('cluster:\n  id: sample-only\n  secret: not-a-real-secret\n').toString(
            'base64',
          ),
        },
      },
    },
    {
      type: 'RunStarted',
      run: r1,
      data: {
        command: 'apply',
        planHash: plan,
        specHash: spec,
        parallelism: 4,
        hk8sVersion: VERSION,
        actions: [
          { id: 'a1', kind: 'create', address: 'network.main', dependsOn: [] },
          { id: 'a2', kind: 'create', address: 'firewall.main', dependsOn: [] },
          { id: 'a3', kind: 'create', address: cp, dependsOn: ['a1', 'a2'] },
          { id: 'a4', kind: 'create', address: worker, dependsOn: ['a1', 'a2'] },
          { id: 'a5', kind: 'apply-config', address: node, dependsOn: ['a3'] },
          { id: 'a6', kind: 'bootstrap', address: 'talos.cluster', dependsOn: ['a5'] },
        ],
      },
    },
    {
      type: 'ActionStarted',
      run: r1,
      data: {
        ...ref('a1', 'create', 'network.main'),
        request: { method: 'POST', path: '/networks', body: { name: 'demo', ip_range: '10.0.0.0/16' } },
      },
    },
    {
      type: 'ActionStarted',
      run: r1,
      data: {
        ...ref('a2', 'create', 'firewall.main'),
        request: { method: 'POST', path: '/firewalls', body: { name: 'demo' } },
      },
    },
    { type: 'ActionSucceeded', run: r1, data: { ...ref('a1', 'create', 'network.main'), resource: network } },
    {
      type: 'ActionSucceeded',
      run: r1,
      data: { ...ref('a2', 'create', 'firewall.main'), resource: firewall },
    },
    {
      type: 'ActionStarted',
      run: r1,
      data: { ...ref('a3', 'create', cp), request: createServer(c, cp, r1, 'cp') },
    },
    {
      type: 'ActionStarted',
      run: r1,
      data: { ...ref('a4', 'create', worker), request: createServer(c, worker, r1, 'worker') },
    },
    {
      type: 'ActionSucceeded',
      run: r1,
      data: { ...ref('a3', 'create', cp), resource: server(c, cp, r1, 51000001, '127.0.10.2') },
    },
    // The process was killed here: a4 stays 'started', a5 and a6 'planned', no RunFinished.
    {
      type: 'RunStarted',
      run: r2,
      data: {
        command: 'resume',
        planHash: plan,
        specHash: spec,
        parallelism: 4,
        hk8sVersion: VERSION,
        actions: [
          { id: 'a4', kind: 'create', address: worker, dependsOn: [] },
          { id: 'a5', kind: 'apply-config', address: node, dependsOn: [] },
          { id: 'a6', kind: 'bootstrap', address: 'talos.cluster', dependsOn: ['a5'] },
        ],
      },
    },
    {
      type: 'ActionStarted',
      run: r2,
      data: { ...ref('a4', 'create', worker), request: createServer(c, worker, r1, 'worker') },
    },
    {
      type: 'ActionSucceeded',
      run: r2,
      data: {
        ...ref('a4', 'create', worker),
        resource: server(c, worker, r1, 51000002, '127.0.10.3'),
        adopted: true,
      },
    },
    {
      type: 'ActionStarted',
      run: r2,
      data: {
        ...ref('a5', 'apply-config', node),
        request: {
          endpoint: '127.0.10.2:50000',
          mode: 'REBOOT',
          config: { $secret: 'version: v1alpha1\nmachine:\n  type: controlplane\n  token: sample.only\n' },
        },
      },
    },
    {
      type: 'ActionSucceeded',
      run: r2,
      data: {
        ...ref('a5', 'apply-config', node),
        resource: {
          address: node,
          type: 'talos.node',
          id: 'demo-control-plane-fsn-1',
          attrs: {
            endpoint: '127.0.10.2',
            configHash: hashLine('machine config cp-1'),
            talosVersion: 'v1.13.9',
          },
        },
      },
    },
    {
      type: 'ActionStarted',
      run: r2,
      data: { ...ref('a6', 'bootstrap', 'talos.cluster'), request: { endpoint: '127.0.10.2:50000' } },
    },
    {
      type: 'ActionSucceeded',
      run: r2,
      data: {
        ...ref('a6', 'bootstrap', 'talos.cluster'),
        resource: { address: 'talos.cluster', type: 'talos.bootstrap', id: 'demo', attrs: { node: node } },
        outputs: { kubeconfig: { $secret: 'apiVersion: v1\nkind: Config\n# sample only\n' } },
      },
    },
    { type: 'RunFinished', run: r2, data: { outcome: 'succeeded', succeeded: 3, failed: 0, skipped: 0 } },
    {
      type: 'RunStarted',
      run: r3,
      data: {
        command: 'destroy',
        planHash: hashLine('plan of the sample destroy'),
        specHash: spec,
        parallelism: 4,
        hk8sVersion: VERSION,
        actions: [{ id: 'd1', kind: 'delete', address: worker, dependsOn: [] }],
      },
    },
    {
      type: 'ActionStarted',
      run: r3,
      data: { ...ref('d1', 'delete', worker), request: { method: 'DELETE', path: '/servers/51000002' } },
    },
    { type: 'ActionSucceeded', run: r3, data: { ...ref('d1', 'delete', worker), resource: null } },
    { type: 'RunFinished', run: r3, data: { outcome: 'succeeded', succeeded: 1, failed: 0, skipped: 0 } },
  ];
}

/** A failed action and its skipped dependant, a Ctrl-C, then a refresh and a forget. */
function failureInterruptForget(): NewEvent[] {
  const c = 'lab';
  const [r1, r2] = ['r-20260401T090000Z-0a11', 'r-20260401T091500Z-77b3'];
  const cp = 'server.control-plane-nbg.1';
  const worker = 'server.workers-nbg.1';
  const plan = hashLine('plan of the failing apply');
  const spec = hashLine('spec of the lab cluster');
  const ref = (action: string, kind: string, address: string) => ({ action, kind, address });
  const network: ResourceRecord = {
    address: 'network.main',
    type: 'hcloud.network',
    id: '4800',
    attrs: { name: 'lab', ip_range: '10.0.0.0/16' },
  };
  const workerRecord = server(c, worker, r1, 52000003, '127.0.20.3');
  return [
    { type: 'LogCreated', run: null, data: { cluster: c, format: 1, hk8sVersion: VERSION } },
    {
      type: 'RunStarted',
      run: r1,
      data: {
        command: 'apply',
        planHash: plan,
        specHash: spec,
        parallelism: 2,
        hk8sVersion: VERSION,
        actions: [
          { id: 'a1', kind: 'create', address: 'network.main', dependsOn: [] },
          { id: 'a2', kind: 'create', address: cp, dependsOn: ['a1'] },
          { id: 'a3', kind: 'create', address: worker, dependsOn: ['a1'] },
          { id: 'a4', kind: 'apply-config', address: 'talos.node.control-plane-nbg.1', dependsOn: ['a2'] },
        ],
      },
    },
    {
      type: 'ActionStarted',
      run: r1,
      data: { ...ref('a1', 'create', 'network.main'), request: { method: 'POST', path: '/networks' } },
    },
    { type: 'ActionSucceeded', run: r1, data: { ...ref('a1', 'create', 'network.main'), resource: network } },
    {
      type: 'ActionStarted',
      run: r1,
      data: { ...ref('a2', 'create', cp), request: createServer(c, cp, r1, 'cp') },
    },
    {
      type: 'ActionStarted',
      run: r1,
      data: { ...ref('a3', 'create', worker), request: createServer(c, worker, r1, 'worker') },
    },
    {
      type: 'ActionFailed',
      run: r1,
      data: {
        ...ref('a2', 'create', cp),
        error: {
          code: 'resource_limit_exceeded',
          message: 'server limit of the project reached',
          retryable: false,
        },
      },
    },
    {
      type: 'ActionSkipped',
      run: r1,
      data: {
        ...ref('a4', 'apply-config', 'talos.node.control-plane-nbg.1'),
        reason: 'dependency-failed',
        dependency: 'a2',
      },
    },
    { type: 'ActionSucceeded', run: r1, data: { ...ref('a3', 'create', worker), resource: workerRecord } },
    { type: 'RunFinished', run: r1, data: { outcome: 'failed', succeeded: 2, failed: 1, skipped: 1 } },
    {
      type: 'RunStarted',
      run: r2,
      data: {
        command: 'apply',
        planHash: hashLine('plan of the second apply'),
        specHash: spec,
        parallelism: 2,
        hk8sVersion: VERSION,
        actions: [{ id: 'b1', kind: 'create', address: cp, dependsOn: [] }],
      },
    },
    {
      type: 'ActionStarted',
      run: r2,
      data: { ...ref('b1', 'create', cp), request: createServer(c, cp, r2, 'cp') },
    },
    { type: 'ActionInterrupted', run: r2, data: ref('b1', 'create', cp) },
    { type: 'RunFinished', run: r2, data: { outcome: 'interrupted', succeeded: 0, failed: 0, skipped: 0 } },
    {
      type: 'ResourceRecorded',
      run: null,
      data: { resource: { ...workerRecord, attrs: { ...workerRecord.attrs, status: 'off' } } },
    },
    { type: 'ResourceForgotten', run: null, data: { address: worker, reason: 'hk8s state forget' } },
  ];
}

export const SAMPLES: Record<string, () => NewEvent[]> = {
  'apply-resume.jsonl': applyResume,
  'failure-interrupt-forget.jsonl': failureInterruptForget,
  'destroy-forget-secrets.jsonl': () => destroyForgetSecrets(VERSION),
  'target-recorded.jsonl': () => targetRecorded(VERSION),
};

/** Appends the events one by one (as the executor does) with a clock ticking 7 s per event. */
async function writeSample(target: string, events: NewEvent[]): Promise<void> {
  const temp = await mkdtemp(join(tmpdir(), 'hk8s-sample-'));
  try {
    let tick = Date.parse('2026-03-15T10:15:00.000Z');
    const log = new FileEventLog(join(temp, 'cluster'), { now: () => new Date((tick += 7_000)) });
    const lock = await log.acquire({ command: 'write-samples' });
    for (const event of events) await log.append([event]);
    await lock.release();
    await copyFile(log.path, target);
    await chmod(target, 0o644); // a fixture in the repository, holding only fake secrets
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

export async function writeSamples(root: string, force: boolean): Promise<string[]> {
  const dir = join(root, SAMPLES_DIR);
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, events] of Object.entries(SAMPLES)) {
    const target = join(dir, name);
    const exists = await stat(target).then(
      () => true,
      () => false,
    );
    if (exists && !force) continue;
    await writeSample(target, events());
    written.push(target);
  }
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const written = await writeSamples(process.cwd(), process.argv.includes('--force'));
  console.log(
    written.length ? `wrote ${written.join(', ')}` : 'samples exist; nothing written (--force rewrites)',
  );
}
