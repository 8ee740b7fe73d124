/** Moved to common/lifecycle/backoff.ts (one restart pacing for every loop); kept until gateway/pipeline-manager.ts's import is committed. */
export { Backoff, type BackoffOptions } from '../common/lifecycle/backoff.ts';
