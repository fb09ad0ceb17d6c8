/** The service list a node reports (ServiceList), from its phase, type and etcd state. */
import type { SimNode } from './node.js';

export interface ServiceRow {
  id: string;
  state: string;
  healthy: boolean;
  unknown: boolean;
  message: string;
}

const running = (id: string, healthy = true): ServiceRow => ({
  id,
  state: 'Running',
  healthy,
  unknown: false,
  message: healthy ? 'Health check successful' : '',
});

export function serviceRows(node: SimNode): ServiceRow[] {
  if (!node.config) {
    return [running('apid'), running('machined'), { ...running('udevd'), unknown: true, message: '' }];
  }
  const rows = [
    running('apid'),
    running('containerd'),
    running('cri'),
    running('machined'),
    running('udevd'),
  ];
  if (node.isControlPlane) {
    rows.push(
      node.etcdRunning()
        ? running('etcd')
        : {
            id: 'etcd',
            state: node.record.etcdStopped ? 'Finished' : 'Preparing',
            healthy: false,
            unknown: true,
            message: node.record.etcdStopped
              ? 'etcd left the cluster'
              : 'waiting for etcd to be bootstrapped or joined',
          },
    );
    rows.push(running('trustd'));
  }
  rows.push(running('kubelet'));
  return rows.sort((a, b) => a.id.localeCompare(b.id));
}
