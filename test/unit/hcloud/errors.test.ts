import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHcloudClient, resolveEndpoint } from '../../../src/providers/hcloud/client.js';
import { classifyApiFailure, HcloudApiError } from '../../../src/providers/hcloud/errors.js';
import type { HcloudEvent } from '../../../src/providers/hcloud/events.js';
import { Hk8sError } from '../../../src/errors.js';
import { actionOf, errorReply, HcloudStub, STUB_TOKEN } from '../../support/hcloud-stub.js';
import { clientFor, expectNoToken, rejectionOf } from './helpers.js';

let stub: HcloudStub;
beforeAll(async () => {
  stub = await HcloudStub.start();
});
afterAll(() => stub.close());
beforeEach(() => stub.reset());

const AUTH_HINT = 'check HCLOUD_TOKEN (a read-write API token of the project)';
const LIMIT_HINT = 'ask Hetzner for a higher limit (Console → Limits) or reduce the count';
const UNAVAILABLE_HINT = 'try another location or server type';

describe('error mapping', () => {
  it.each([
    [401, 'unauthorized', 'provider.auth', AUTH_HINT],
    [401, 'token_readonly', 'provider.auth', AUTH_HINT],
    [403, 'resource_limit_exceeded', 'provider.limit', LIMIT_HINT],
    [412, 'resource_unavailable', 'provider.unavailable', UNAVAILABLE_HINT],
    [422, 'placement_error', 'provider.unavailable', UNAVAILABLE_HINT],
    [409, 'uniqueness_error', 'provider.api', undefined],
    [422, 'server_not_stopped', 'provider.api', undefined],
    [423, 'protected', 'provider.api', undefined],
    [404, 'not_found', 'provider.api', undefined],
  ] as const)('HTTP %i %s → %s', async (status, hcloudCode, code, hint) => {
    const details =
      hcloudCode === 'resource_limit_exceeded' ? { limits: [{ name: 'server_limit' }] } : undefined;
    stub.on('POST', '/servers', {
      ...errorReply(status, hcloudCode, `message for ${hcloudCode}`, details),
      headers: { 'X-Correlation-Id': 'c0ffee' },
    });
    const { client } = clientFor(stub);
    const body = {
      name: 'n',
      server_type: 'cx22',
      image: 'talos',
      start_after_create: true,
      labels: { 'hk8s.io/address': 'server.cp-1' },
    };
    const error = await rejectionOf(client.servers.create(body, 'server.cp-1'));
    expect(error).toBeInstanceOf(HcloudApiError);
    expect(error).toBeInstanceOf(Hk8sError);
    expect(error).toMatchObject({
      code,
      status,
      hcloudCode,
      operation: 'create_server',
      where: 'server.cp-1',
      retryable: false,
      exitCode: 10,
      correlationId: 'c0ffee',
      ...(details ? { details } : {}),
    });
    expect((error as HcloudApiError).hint).toBe(hint);
    expect((error as Error).message).toContain(`message for ${hcloudCode}`);
    expect((error as Error).message).toContain(hcloudCode);
    expect(stub.requests).toHaveLength(1);
    const json = (error as HcloudApiError).toJSON();
    expect(json).toMatchObject({ code, hcloudCode, status, operation: 'create_server', retryable: false });
    expect((error as HcloudApiError).oneLine()).toMatch(/^server\.cp-1: Hetzner Cloud create_server: /);
  });

  it('a 401 without a body still maps to provider.auth', () => {
    expect(classifyApiFailure(401, undefined)).toEqual({ code: 'provider.auth', hint: AUTH_HINT });
    expect(classifyApiFailure(500, undefined)).toEqual({ code: 'provider.api' });
  });

  it('exhausted transient failures are marked retryable', async () => {
    stub.on('GET', '/servers/{id}', errorReply(503, 'unavailable', 'maintenance'));
    const { client } = clientFor(stub, { maxAttempts: 2 });
    expect(await rejectionOf(client.servers.get(1))).toMatchObject({
      code: 'provider.api',
      hcloudCode: 'unavailable',
      retryable: true,
    });
  });

  it('a missing token is refused before any request', () => {
    expect(() => createHcloudClient({ endpoint: stub.endpoint, token: ' ' })).toThrow(
      expect.objectContaining({ code: 'provider.auth', hint: AUTH_HINT }),
    );
  });

  it('the endpoint comes from the caller, else HCLOUD_ENDPOINT, else the public API', () => {
    expect(resolveEndpoint('http://127.0.0.1:9/v1', { HCLOUD_ENDPOINT: 'http://x' })).toBe(
      'http://127.0.0.1:9/v1',
    );
    expect(resolveEndpoint(undefined, { HCLOUD_ENDPOINT: 'http://127.0.0.1:8/v1' })).toBe(
      'http://127.0.0.1:8/v1',
    );
    expect(resolveEndpoint(undefined, {})).toBe('https://api.hetzner.cloud/v1');
  });
});

describe('the token never shows', () => {
  it('is absent from every error and event, even when the server echoes it', async () => {
    const echo = `invalid token ${STUB_TOKEN}`;
    stub.on('GET', '/servers/{id}', errorReply(401, 'unauthorized', echo, { token: STUB_TOKEN }));
    stub.on('GET', '/networks/{id}', { drop: true });
    stub.on('POST', '/firewalls/{id}/actions/apply_to_resources', { drop: true });
    stub.on('GET', '/volumes/{id}', errorReply(422, 'invalid_input', 'bad', { fields: [{ name: 'id' }] }));
    stub.on('GET', '/actions', {
      status: 200,
      body: { actions: [actionOf(1, 'error', { error: { code: 'action_failed', message: 'boom' } })] },
    });
    const events: HcloudEvent[] = [];
    const { client } = clientFor(stub, { maxAttempts: 2, onEvent: (e) => events.push(e) });
    const errors = [
      await rejectionOf(client.servers.get(1)),
      await rejectionOf(client.networks.get(1)),
      await rejectionOf(client.firewalls.applyToResources(1, { apply_to: [] })),
      await rejectionOf(client.volumes.get(1)),
      await rejectionOf(client.waitForActions([1])),
    ];
    expect(errors).toHaveLength(5);
    expect((errors[0] as Error).message).toContain('[redacted]');
    expect(events.length).toBeGreaterThan(5);
    expectNoToken([...errors, ...errors.map((e) => (e as HcloudApiError).toJSON()), ...events, client]);
    expect(inspect(client)).toBe(`HcloudClient(${stub.endpoint})`);
    // and the stub did get it, so the test would notice a leak
    expect(stub.requests.every((r) => r.authorization === `Bearer ${STUB_TOKEN}`)).toBe(true);
  });

  it('an endpoint holding credentials or a token with odd characters is refused without quoting them', () => {
    const attempts = [
      () => createHcloudClient({ endpoint: `http://user:${STUB_TOKEN}@127.0.0.1:1/v1`, token: STUB_TOKEN }),
      () => createHcloudClient({ endpoint: stub.endpoint, token: `${STUB_TOKEN}\n` }),
      () => createHcloudClient({ endpoint: `ftp://127.0.0.1/${STUB_TOKEN}`, token: STUB_TOKEN }),
    ];
    const errors = attempts.map((attempt) => {
      try {
        attempt();
      } catch (error) {
        return error;
      }
      return undefined;
    });
    expect(errors.map((e) => (e as Hk8sError | undefined)?.code)).toEqual([
      'usage',
      'provider.auth',
      'usage',
    ]);
    expectNoToken(errors);
  });
});
