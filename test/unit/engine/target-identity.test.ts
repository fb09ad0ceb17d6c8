import { describe, expect, it } from 'vitest';
import {
  checkTarget,
  endpointOf,
  missingResources,
  sandboxProject,
  tokenProject,
  type TargetCheck,
} from '../../../src/engine/target-identity.js';
import type { ObservedResource } from '../../../src/plan/types.js';
import type { ResourceRecord, TargetRecordedData } from '../../../src/state/events.js';

const HETZNER = 'https://api.hetzner.cloud/v1';
const recorded: TargetRecordedData = {
  endpoint: HETZNER,
  project: 'token:aaaa',
  cluster: 'demo',
  spec: 'hk8s.yaml',
};
const record = (address: string, id: string, type = 'server'): ResourceRecord => ({
  address,
  type,
  id,
  attrs: {},
});
const seen = (address: string, id: string, type = 'server'): ObservedResource =>
  ({ address, type, id, props: {} }) as ObservedResource;

const five = ['network.main', 'firewall.main', 'server.cp.1', 'server.w.1', 'server.w.2'].map((a, i) =>
  record(
    a,
    String(i + 1),
    a.split('.')[0] === 'network' ? 'network' : a.startsWith('firewall') ? 'firewall' : 'server',
  ),
);
const all = five.map((r) => seen(r.address, r.id, r.type));

const base: TargetCheck = {
  recorded,
  current: { endpoint: HETZNER, project: 'token:aaaa' },
  resources: five,
  observed: all,
  acceptEndpoint: false,
  acceptMissing: false,
  where: '.hk8s/demo',
};

type Row = [name: string, change: Partial<TargetCheck>, expected: string];

// expected: 'ok', 'record', 'record+note', or the error code and a word of its message.
const ROWS: Row[] = [
  ['same target, everything there', {}, 'ok'],
  ['a log from before the target was recorded', { recorded: null }, 'record'],
  [
    'a new state (nothing recorded, nothing observed)',
    { recorded: null, resources: [], observed: [] },
    'record',
  ],
  ['another endpoint', { current: { endpoint: 'sandbox', project: 'token:aaaa' } }, 'target.moved endpoint'],
  [
    'another endpoint, accepted',
    { current: { endpoint: 'sandbox', project: 'token:aaaa' }, acceptEndpoint: true },
    'record',
  ],
  [
    'another endpoint is stopped before observation too',
    { current: { endpoint: 'sandbox', project: 'token:aaaa' }, observed: undefined },
    'target.moved endpoint',
  ],
  [
    'another project: nothing recorded is found',
    { current: { endpoint: HETZNER, project: 'token:bbbb' }, observed: [] },
    'target.moved project',
  ],
  [
    'another project, accepted, but everything missing',
    { current: { endpoint: HETZNER, project: 'token:bbbb' }, observed: [], acceptEndpoint: true },
    'target.missing 5 of 5',
  ],
  [
    'another project, both accepted',
    {
      current: { endpoint: HETZNER, project: 'token:bbbb' },
      observed: [],
      acceptEndpoint: true,
      acceptMissing: true,
    },
    'record',
  ],
  [
    'a new token of the same project: recorded ids are found',
    { current: { endpoint: HETZNER, project: 'token:bbbb' } },
    'record+note',
  ],
  [
    'same address under another id is not proof of the same project',
    {
      current: { endpoint: HETZNER, project: 'token:bbbb' },
      observed: all.map((o) => ({ ...o, id: `x${o.id}` })),
    },
    'target.moved project',
  ],
  ['one server deleted by hand', { observed: all.slice(0, 4) }, 'ok'],
  ['two deleted by hand', { observed: all.slice(0, 3) }, 'ok'],
  ['three missing', { observed: all.slice(0, 2) }, 'target.missing 3 of 5'],
  ['everything missing (a reset cloud)', { observed: [] }, 'target.missing 5 of 5'],
  ['everything missing, accepted', { observed: [], acceptMissing: true }, 'ok'],
  [
    'the only recorded resource missing',
    { resources: five.slice(0, 1), observed: [] },
    'target.missing 1 of 1',
  ],
  [
    'Talos records are not cloud resources',
    { resources: [...five, record('talos.secrets', 'x', 'talos_secrets')], observed: all },
    'ok',
  ],
  [
    'volumes are not missing when not observed',
    {
      resources: [
        ...five,
        record('volume.data.1', '9', 'volume'),
        record('volume.data.2', '10', 'volume'),
        record('volume.data.3', '11', 'volume'),
      ],
    },
    'ok',
  ],
  [
    'volumes count when observed (destroy --include-volumes)',
    {
      resources: [
        ...five,
        record('volume.data.1', '9', 'volume'),
        record('volume.data.2', '10', 'volume'),
        record('volume.data.3', '11', 'volume'),
      ],
      volumesObserved: true,
    },
    'target.missing 3 of 8',
  ],
];

describe('checkTarget', () => {
  it.each(ROWS)('%s', (_name, change, expected) => {
    const verdict = checkTarget({ ...base, ...change });
    if (verdict.ok) {
      const got = verdict.record ? (verdict.note ? 'record+note' : 'record') : 'ok';
      expect(got).toBe(expected);
      return;
    }
    const [code, ...words] = expected.split(' ');
    expect(verdict.error.code).toBe(code);
    expect(verdict.error.exitCode).toBe(13);
    expect(verdict.error.oneLine()).toContain(words.join(' '));
    expect(verdict.error.where).toBe('.hk8s/demo');
  });

  it('says what was recorded, what is used and the way out, in one line', () => {
    const verdict = checkTarget({ ...base, current: { endpoint: 'sandbox', project: 'sandbox:1' } });
    expect(verdict.ok).toBe(false);
    const line = verdict.ok ? '' : verdict.error.oneLine();
    expect(line).toContain(`endpoint ${HETZNER}, but this run uses sandbox`);
    expect(line).toContain('--accept-endpoint');
    expect(line).not.toContain('\n');
  });

  it('names how many are missing, some addresses, and --accept-missing', () => {
    const verdict = checkTarget({ ...base, observed: [] });
    const line = verdict.ok ? '' : verdict.error.oneLine();
    expect(line).toContain(
      '5 of 5 recorded resources are not in the cloud (firewall.main, network.main, server.cp.1, …)',
    );
    expect(line).toContain('--accept-missing');
  });
});

describe('identities', () => {
  it('never contain the token, and differ per token and per sandbox', () => {
    const token = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ01';
    expect(tokenProject(token)).toMatch(/^token:[0-9a-f]{16}$/);
    expect(tokenProject(token)).not.toContain(token.slice(0, 8));
    expect(tokenProject(token)).toBe(tokenProject(token));
    expect(tokenProject(token)).not.toBe(tokenProject(`${token}x`));
    expect(sandboxProject('/a')).not.toBe(sandboxProject('/b'));
  });

  it('records the endpoint without a trailing slash or query', () => {
    expect(endpointOf('https://api.hetzner.cloud/v1/')).toBe(HETZNER);
    expect(endpointOf('http://127.0.0.1:4000/v1?x=1')).toBe('http://127.0.0.1:4000/v1');
  });

  it('counts only recorded cloud resources', () => {
    expect(missingResources({ resources: five, observed: all.slice(1) })).toEqual({
      cloud: 5,
      missing: ['network.main'],
    });
  });
});
