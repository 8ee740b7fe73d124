/**
 * The gateway's HTTP error mapping lives with the detector's in `common/http/error-envelope.ts`
 * (one table for both servers); this module keeps the gateway's import path.
 */
export { errorEnvelope, HTTP_STATUS, toHttpError, type ErrorEnvelope, type HttpErrorCode } from '../common/http/error-envelope.ts';
