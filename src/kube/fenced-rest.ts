// The controller's view of the REST client: reads pass, every other verb asks the write fence first (see
// runtime/write-fence.ts). The Applier, the status writes, the pod conditions and the scale subresource all go through
// it, so a write added to any of them is fenced with no edit elsewhere.
import { refuseUnless, type MayAct } from '../runtime/write-fence.js';
import type { KubeRequest, KubeRest } from './rest.js';

export type RestRequester = Pick<KubeRest, 'request'>;

export function fenceWrites(rest: RestRequester, mayAct: MayAct): RestRequester {
  return {
    request: async (request: KubeRequest) => {
      if (request.method !== 'GET') refuseUnless(mayAct);
      return rest.request(request);
    },
  };
}
