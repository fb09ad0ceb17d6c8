/**
 * Server operations. Power changes, rDNS and protection set an absolute state: idempotent.
 * `change_type` (needs the server off, may resize the disk), `attach_to_network` (`server_already_attached`)
 * and `detach_from_network` fail or differ on repeat: non-idempotent.
 */
import type { ServerApi } from '../api.js';
import type { Transport } from '../transport.js';
import { crudFor } from './crud.js';
import { postAction } from './shared.js';

export function serverApi(t: Transport): ServerApi {
  return {
    ...crudFor(t, 'servers'),
    poweron: (id, o) =>
      postAction(t, '/servers/{id}/actions/poweron', 'power_on_server', 'idempotent', id, undefined, o),
    poweroff: (id, o) =>
      postAction(t, '/servers/{id}/actions/poweroff', 'power_off_server', 'idempotent', id, undefined, o),
    shutdown: (id, o) =>
      postAction(t, '/servers/{id}/actions/shutdown', 'shutdown_server', 'idempotent', id, undefined, o),
    changeType: (id, body, o) =>
      postAction(
        t,
        '/servers/{id}/actions/change_type',
        'change_type_of_server',
        'non-idempotent',
        id,
        body,
        o,
      ),
    changeDnsPtr: (id, body, o) =>
      postAction(
        t,
        '/servers/{id}/actions/change_dns_ptr',
        'change_reverse_dns_entry_for_this_server',
        'idempotent',
        id,
        body,
        o,
      ),
    changeProtection: (id, body, o) =>
      postAction(
        t,
        '/servers/{id}/actions/change_protection',
        'change_server_protection',
        'idempotent',
        id,
        body,
        o,
      ),
    attachToNetwork: (id, body, o) =>
      postAction(
        t,
        '/servers/{id}/actions/attach_to_network',
        'attach_server_to_network',
        'non-idempotent',
        id,
        body,
        o,
      ),
    detachFromNetwork: (id, body, o) =>
      postAction(
        t,
        '/servers/{id}/actions/detach_from_network',
        'detach_server_from_network',
        'non-idempotent',
        id,
        body,
        o,
      ),
  };
}
