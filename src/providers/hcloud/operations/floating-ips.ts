/**
 * Floating IP operations. Protection sets an absolute state: idempotent. `unassign` of an
 * unassigned IP leaves it unassigned: idempotent too.
 */
import type { FloatingIpApi } from '../api.js';
import type { Transport } from '../transport.js';
import { crudFor } from './crud.js';
import { postAction } from './shared.js';

export function floatingIpApi(t: Transport): FloatingIpApi {
  return {
    ...crudFor(t, 'floating_ips'),
    unassign: (id, o) =>
      postAction(
        t,
        '/floating_ips/{id}/actions/unassign',
        'unassign_floating_ip',
        'idempotent',
        id,
        undefined,
        o,
      ),
    changeProtection: (id, body, o) =>
      postAction(
        t,
        '/floating_ips/{id}/actions/change_protection',
        'change_floating_ip_protection',
        'idempotent',
        id,
        body,
        o,
      ),
  };
}
