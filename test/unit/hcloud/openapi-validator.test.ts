import { describe, expect, it } from 'vitest';
import { operationIdFor, validateRequest, validateResponse } from '../../support/openapi-validator.js';

describe('openapi validator (test support)', () => {
  it('resolves operations by path template, static segments first', () => {
    expect(operationIdFor('GET', '/servers')).toBe('list_servers');
    expect(operationIdFor('GET', '/servers/actions')).toBe('list_server_actions');
    expect(operationIdFor('GET', '/servers/42')).toBe('get_server');
    expect(operationIdFor('POST', '/servers/42/actions/poweron')).toBe('power_on_server');
    expect(operationIdFor('GET', '/nothing')).toBeUndefined();
  });

  it('finds errors in request bodies and query parameters', () => {
    expect(
      validateRequest({
        method: 'POST',
        path: '/servers',
        body: { name: 'a', server_type: 'cx22', image: 'x' },
      }),
    ).toEqual([]);
    expect(validateRequest({ method: 'POST', path: '/servers', body: { name: 'a' } }).join('\n')).toContain(
      'server_type',
    );
    expect(validateRequest({ method: 'POST', path: '/servers' })).toEqual(['body: required']);
    const badSort = validateRequest({
      method: 'GET',
      path: '/servers',
      query: new URLSearchParams('sort=bogus'),
    });
    expect(badSort.join('\n')).toContain('query sort');
    const missingIds = validateRequest({ method: 'GET', path: '/actions', query: new URLSearchParams() });
    expect(missingIds).toEqual(['query id: required']);
  });

  it('finds errors in responses: undocumented status, wrong shape, body where none belongs', () => {
    const error = { error: { code: 'not_found', message: 'x', details: null } };
    expect(validateResponse({ method: 'GET', path: '/servers/1', status: 404, body: error })).toEqual([]);
    expect(
      validateResponse({ method: 'GET', path: '/servers/1', status: 404, body: { oops: true } }),
    ).not.toEqual([]);
    expect(validateResponse({ method: 'GET', path: '/servers/1', status: 302, body: error })[0]).toContain(
      'not documented',
    );
    expect(validateResponse({ method: 'DELETE', path: '/networks/1', status: 204, body: {} })[0]).toContain(
      'no body',
    );
    const partialServer = { server: { id: 1, name: 'a' } };
    expect(
      validateResponse({ method: 'GET', path: '/servers/1', status: 200, body: partialServer }).length,
    ).toBeGreaterThan(5);
  });
});
