/** A spec that leaves one node as the API endpoint of several control planes is said so at plan time. */
import type { EngineEventSink } from '../execute/events.js';
import { singleNodeEndpoints } from '../plan/talos/endpoint.js';
import type { Spec } from '../spec/schema.js';

export function warnEndpoints(spec: Spec, events: EngineEventSink): void {
  for (const single of singleNodeEndpoints(spec)) {
    events({ type: 'warning', warning: { kind: 'single-node-endpoint', ...single } });
  }
}
