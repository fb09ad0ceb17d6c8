/**
 * Server operations. Power changes, rDNS and protection set an absolute state: idempotent.
 * `change_type` (needs the server off, may resize the disk), `attach_to_network` (`server_already_attached`)
 * and `detach_from_network` fail or differ on repeat: non-idempotent.
 */
import type { ServerApi } from '../api.js';
import type { Image } from '../types.js';
import type { Transport } from '../transport.js';
import { crudFor } from './crud.js';
import { collectActions, postAction, VERIFIED } from './shared.js';

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
    enableRescue: (id, body, o) =>
      postAction(
        t,
        '/servers/{id}/actions/enable_rescue',
        'enable_rescue_mode_for_server',
        'idempotent',
        id,
        body,
        o,
      ),
    reset: (id, o) =>
      postAction(t, '/servers/{id}/actions/reset', 'reset_server', 'idempotent', id, undefined, o),
    createImage: (id, body, o = {}) =>
      t.callMapped(
        'POST',
        '/servers/{id}/actions/create_image',
        { pathParams: { id }, body },
        { op: 'create_image_from_server', safety: 'non-idempotent', where: o.where },
        (data) => ({
          image: (data as { image?: Image } | undefined)?.image,
          actions: collectActions(data),
        }),
        {
          signal: o.signal,
          verify:
            'verify' in o && o.verify
              ? async () =>
                  (await o.verify?.()) ? { image: undefined, actions: VERIFIED.actions } : undefined
              : undefined,
        },
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
