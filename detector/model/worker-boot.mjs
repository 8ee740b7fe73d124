// Worker threads do not inherit the tsx loader of the main thread (neither from --import nor from
// register()), so each inference worker registers it before loading the TypeScript entry.
import { register } from 'tsx/esm/api';

register();
await import('../inference/inference-worker.ts');
