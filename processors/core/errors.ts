// The error catalogue: every error Arbiter raises or records has a stable code listed here.
// Codes never change meaning once shipped; add new ones, never reuse. Group prefix = the concern.
// A location (file:line:col, topic/partition/offset, config key) says where the problem is.

export interface ErrorInfo {
  readonly summary: string;
  /** HTTP status when surfaced through the API. */
  readonly http: number;
}

export const ERROR_CATALOGUE = {
  // config
  ARB_CONFIG_INVALID: { summary: 'a configuration value is missing or invalid', http: 500 },
  // bootstrap / local stack
  ARB_STACK_UNAVAILABLE: { summary: 'a required server (Kafka, registry, ClickHouse) could not be started or reached', http: 503 },
} as const satisfies Record<string, ErrorInfo>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface Location {
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: string;
  readonly key?: string;
}

/** Errors are data: a code, a message that says what was wrong, and where. */
export interface Problem {
  readonly code: ErrorCode;
  readonly message: string;
  readonly severity: 'error' | 'warning';
  readonly location?: Location;
}

export class ArbiterError extends Error {
  readonly code: ErrorCode;
  readonly location: Location | undefined;
  constructor(code: ErrorCode, message: string, location?: Location) {
    super(`${code}: ${message}${location ? ` (at ${formatLocation(location)})` : ''}`);
    this.name = 'ArbiterError';
    this.code = code;
    this.location = location;
  }
}

export function formatLocation(loc: Location): string {
  if (loc.file !== undefined) return [loc.file, loc.line, loc.col].filter((x) => x !== undefined).join(':');
  if (loc.topic !== undefined) return `${loc.topic}/${loc.partition ?? '?'}@${loc.offset ?? '?'}`;
  return loc.key ?? '?';
}
