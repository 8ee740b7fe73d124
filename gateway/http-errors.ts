/**
 * The gateway's HTTP error mapping lives with the detector's in `common/http/error-envelope.ts`
 * (one table for both servers); this module keeps the gateway's import path.
 */
export { errorCodeOf, errorEnvelope, HTTP_STATUS, isErrorCode, toHttpError, type ErrorCode, type ErrorEnvelope, type HttpErrorCode } from '../common/http/error-envelope.ts';
