/**
 * Every broker call has a deadline. The deadline itself is the shared one (common/lifecycle/
 * deadline.ts); `withTimeout` is its older name here, kept for the transports and sinks.
 */
export { deadline as withTimeout, DeadlineError } from '../../common/lifecycle/deadline.ts';

/** A sink cannot take items right now (disconnected, circuit open); the outbox retries later. */
export class SinkUnavailableError extends Error {
  override readonly name = 'SinkUnavailableError';
}
