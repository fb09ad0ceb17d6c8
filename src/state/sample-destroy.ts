/**
 * A sample log for `write-samples.ts`: a cluster is destroyed and hk8s forgets what it kept for it —
 * the applied config with its node, then the secrets bundle last — so a cluster created again under
 * the same name starts from new secrets.
 */
import type { NewEvent } from './events.js';
import { hashLine } from './log-format.js';

export function destroyForgetSecrets(version: string): NewEvent[] {
  const run = 'r-20260402T080000Z-5e5e';
  const ref = (action: string, address: string) => ({ action, kind: 'delete', address });
  const config = 'talos.config.cp.1';
  return [
    { type: 'LogCreated', run: null, data: { cluster: 'gone', format: 1, hk8sVersion: version } },
    { type: 'SecretStored', run: null, data: { name: 'talos.secrets', value: { $secret: 'fake bundle' } } },
    { type: 'SecretStored', run: null, data: { name: `${config}.applied`, value: { $secret: '{}' } } },
    {
      type: 'RunStarted',
      run,
      data: {
        command: 'destroy',
        planHash: hashLine('plan of the destroy'),
        specHash: hashLine('spec of the gone cluster'),
        parallelism: 4,
        hk8sVersion: version,
        actions: [
          { id: 'delete:talos.config.cp.1', kind: 'delete', address: config, dependsOn: [] },
          {
            id: 'delete:talos.secrets',
            kind: 'delete',
            address: 'talos.secrets',
            dependsOn: ['delete:talos.config.cp.1'],
          },
        ],
      },
    },
    { type: 'ActionStarted', run, data: { ...ref('delete:talos.config.cp.1', config), request: {} } },
    { type: 'SecretForgotten', run, data: { name: `${config}.applied`, reason: `${config} was deleted` } },
    { type: 'ActionSucceeded', run, data: { ...ref('delete:talos.config.cp.1', config), resource: null } },
    { type: 'ActionStarted', run, data: { ...ref('delete:talos.secrets', 'talos.secrets'), request: {} } },
    { type: 'SecretForgotten', run, data: { name: 'talos.secrets', reason: 'talos.secrets was deleted' } },
    {
      type: 'ActionSucceeded',
      run,
      data: { ...ref('delete:talos.secrets', 'talos.secrets'), resource: null },
    },
    { type: 'RunFinished', run, data: { outcome: 'succeeded', succeeded: 2, failed: 0, skipped: 0 } },
  ];
}
