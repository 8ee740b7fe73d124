/** The signal handler moved to common/process/signals.ts (one for every command); this keeps the old import path. */
export { handleShutdownSignals, type ShutdownSignalOptions, type ShutdownSignals } from '../common/process/signals.ts';
