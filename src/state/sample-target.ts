/**
 * A sample log for `write-samples.ts`: the target is recorded before the first run, and recorded
 * again when the cluster moves to another project on purpose (`--accept-endpoint`).
 */
import type { NewEvent } from './events.js';
import { hashLine } from './log-format.js';

export function targetRecorded(version: string): NewEvent[] {
  const run = 'r-20260501T090000Z-7a7a';
  const ref = { action: 'create:network.main', kind: 'create', address: 'network.main' };
  const target = { endpoint: 'https://api.hetzner.cloud/v1', cluster: 'moved', spec: 'hk8s.yaml' };
  return [
    { type: 'LogCreated', run: null, data: { cluster: 'moved', format: 1, hk8sVersion: version } },
    { type: 'TargetRecorded', run: null, data: { ...target, project: 'token:0123456789abcdef' } },
    {
      type: 'RunStarted',
      run,
      data: {
        command: 'apply',
        planHash: hashLine('plan of the moved cluster'),
        specHash: hashLine('spec of the moved cluster'),
        parallelism: 4,
        hk8sVersion: version,
        actions: [{ id: ref.action, kind: 'create', address: 'network.main', dependsOn: [] }],
      },
    },
    { type: 'ActionStarted', run, data: { ...ref, request: { method: 'POST', path: '/networks' } } },
    {
      type: 'ActionSucceeded',
      run,
      data: {
        ...ref,
        resource: { address: 'network.main', type: 'network', id: '4711', attrs: { name: 'moved' } },
      },
    },
    { type: 'RunFinished', run, data: { outcome: 'succeeded', succeeded: 1, failed: 0, skipped: 0 } },
    { type: 'TargetRecorded', run: null, data: { ...target, project: 'token:fedcba9876543210' } },
  ];
}
