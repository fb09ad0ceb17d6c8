/** Servers, one per node: the module the registry holds (model in model.ts, driver in driver.ts). */
import type { HcloudResourceModule } from '../../types.js';
import { listed } from '../props.js';
import { serverDriver } from './driver.js';
import { desiredServers, serverProps, serverRules } from './model.js';

export const server: HcloudResourceModule<'server'> = {
  type: 'server',
  rules: serverRules,
  desired: desiredServers,
  observe: {
    noun: 'server',
    list: async (api, filter) =>
      (await api.servers.list(filter)).map((s) => listed(s, (book) => serverProps(s, book))),
  },
  driver: serverDriver,
};
