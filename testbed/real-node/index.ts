// The real node's entry point: a kubelet with containerd and runc joined to a bare control plane, on a bridge of its
// own, brought up and removed again without leftovers (main.ts runs it for hack/real-node.sh), and the calls a test
// makes to the CN emulators in its pods.
export { REAL_NODE_NET, realNodeLayout, realNodeRoot, type RealNodeLayout } from './layout.js';
export { realNodeDown, realNodeUp, type RealNodeState } from './node.js';
export { fragmentState, runFragment, type FragmentOutcome, type FragmentState } from './cn-pods.js';
