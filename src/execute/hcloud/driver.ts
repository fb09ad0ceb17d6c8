/** What each Hetzner resource type implements. */
import type { ResourceRecord } from '../runner.js';
import type { JsonObject, ReplaceAction, UpdateAction } from '../../plan/types.js';
import type { DriverContext } from './context.js';

export interface Driver {
  create(ctx: DriverContext, props: JsonObject): Promise<ResourceRecord>;
  update(ctx: DriverContext, action: UpdateAction | ReplaceAction): Promise<ResourceRecord>;
  delete(ctx: DriverContext, id: string, before: JsonObject): Promise<void>;
  /** The resource at this address as it exists now, found by its address label. */
  find(ctx: DriverContext): Promise<ResourceRecord | undefined>;
}
