/** Load balancers: the module the registry holds (model in model.ts, driver in driver.ts). */
import type { HcloudResourceModule } from '../../types.js';
import { listed } from '../props.js';
import { loadBalancerDriver } from './driver.js';
import { desiredLoadBalancers, loadBalancerProps, loadBalancerRules } from './model.js';

export const loadBalancer: HcloudResourceModule<'load_balancer'> = {
  type: 'load_balancer',
  rules: loadBalancerRules,
  desired: desiredLoadBalancers,
  observe: {
    noun: 'load balancer',
    list: async (api, filter) =>
      (await api.loadBalancers.list(filter)).map((lb) => listed(lb, (book) => loadBalancerProps(lb, book))),
  },
  driver: loadBalancerDriver,
};
