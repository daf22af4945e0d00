// Poison or transient: the one place that says whether a failed record may be dead-lettered.
// Poison: the record itself is bad (not Avro, an id the registry answered 404 for, oversized, a bad reply-to, content
// a task refuses). Dead-lettering it is right: reading it again fails the same way.
// Transient: the infrastructure failed while the record was being handled (the schema registry unreachable, refusing
// the credentials or the TLS handshake; a broker or the group failing). The record is fine, so it must never be
// dead-lettered or skipped: that would drop it for good (a result's untrusted-source marker, a proposal denied for
// the registry's fault). Callers rethrow it instead: the stream loop aborts the transaction and stops without
// committing, the deployable exits non-zero, and the records are read again after the restart.
// Errors that carry no Arbiter code count as poison: every infrastructure client here throws coded errors.
import { ArbiterError, type ErrorCode } from '../../core/errors.ts';
import { failureOf, type Failure } from './dead-letter.ts';

const TRANSIENT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ARB_SERDE_REGISTRY_UNAVAILABLE', 'ARB_SERDE_REGISTRY_AUTH_FAILED', 'ARB_SERDE_REGISTRY_NOT_AUTHORIZED', 'ARB_SERDE_REGISTRY_TLS_FAILED',
  'ARB_TRANSPORT_CLIENT_UNAVAILABLE', 'ARB_TRANSPORT_CONSUMER_FAILED', 'ARB_TRANSPORT_PARTITION_REVOKED', 'ARB_TRANSPORT_GENERATION_STALE',
  'ARB_TRANSPORT_OFFSETS_UNSTABLE', 'ARB_TRANSPORT_AUTH_FAILED', 'ARB_TRANSPORT_TLS_FAILED', 'ARB_TRANSPORT_NOT_AUTHORIZED',
  'ARB_STREAM_RESTORE_FAILED',
]);

export type FailureKind = 'poison' | 'transient';

export function failureKind(error: unknown): FailureKind {
  return error instanceof ArbiterError && TRANSIENT_CODES.has(error.code) ? 'transient' : 'poison';
}

export function isTransient(error: unknown): boolean {
  return failureKind(error) === 'transient';
}

/** Rethrows `error` when it is transient; returns otherwise (the caller may then skip or dead-letter the record). */
export function rethrowTransient(error: unknown): void {
  if (isTransient(error)) throw error;
}

/** The dead-letter failure of a poison record; a transient error is rethrown instead (never dead-lettered). */
export function poisonFailure(error: unknown, fallback: ErrorCode): Failure {
  rethrowTransient(error);
  return failureOf(error, fallback);
}
