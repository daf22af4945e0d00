// Caps and windows of the session trajectory. They bound the state (≤ 1 KB per session on average) and the cost of
// every fact. Changing a cap changes what a serialized state can hold, so a change here needs a new STATE_FORMAT.

/** Data labels tracked by name; reads under further labels are summed under OVERFLOW_LABEL so nothing is lost. */
export const MAX_LABELS = 16;
export const OVERFLOW_LABEL = '_other';
/** Longest label / taint source kept; longer names are cut (the prefix still tells the policy what it was). */
export const MAX_LABEL_CHARS = 64;
export const MAX_SOURCE_CHARS = 128;

/**
 * Untrusted sources remembered by name (first seen order). Past MAX_TAINT_SOURCES - 1 names, further sources are
 * kept under OVERFLOW_SOURCE with the earliest time among them, so "tainted since" stays exact.
 */
export const MAX_TAINT_SOURCES = 8;
export const OVERFLOW_SOURCE = '_other';

/**
 * Destinations remembered with their origin. When full the oldest trusted one is forgotten first (it then reads as
 * "unseen"), then the oldest untrusted one, which goes into the forgotten filter and keeps reading "untrusted".
 */
export const MAX_DESTINATIONS = 32;

/**
 * Named values (core/named-values.ts) remembered with their origin. Outputs name more things than they name
 * destinations (a hotel list), so more are kept. When full, values seen in trusted output are forgotten first, then
 * untrusted ones, then the user's own (evolve.ts); a forgotten value reads as "unseen", except an untrusted one,
 * which goes into the forgotten filter and keeps reading "untrusted".
 */
export const MAX_VALUES = 64;

/** The forgotten filter (forgotten.ts): 32-bit words (2,048 bits, 256 bytes once allocated) and probes per key. */
export const FORGOTTEN_BLOOM_WORDS = 64;
export const FORGOTTEN_BLOOM_PROBES = 3;

/** Recent calls kept for loop detection, and the time window a call stays relevant for loops. */
export const MAX_RECENT_CALLS = 8;
export const LOOP_WINDOW_MS = 10 * 60_000;

/** Denied calls kept for retry-after-deny detection (whole session, newest kept). */
export const MAX_DENIED = 8;

/** Escalated calls waiting for an approval decision. */
export const MAX_PENDING = 4;

/**
 * Session call rate: RATE_BUCKETS buckets of RATE_BUCKET_MS; the rate is the sum over the newest RATE_BUCKETS.
 * Counts are packed into two int32 fields (3 slots of RATE_SLOT_BITS each), so a bucket saturates at RATE_SLOT_MAX
 * calls (1,023 per 10 s = 6,138 per minute, far above any sane threshold). RATE_BUCKETS must stay 6.
 */
export const RATE_BUCKET_MS = 10_000;
export const RATE_BUCKETS = 6;
export const RATE_SLOT_BITS = 10;
export const RATE_SLOT_MAX = (1 << RATE_SLOT_BITS) - 1;

/**
 * Argument similarity: b-bit MinHash with MINHASH_K permutations keeping the low MINHASH_BITS bits of each minimum.
 * 32 × 4 bits = 16 bytes per call; standard error of the Jaccard estimate ≈ 0.08 near 0.8 (0.10 with 16 × 8 bits).
 */
export const MINHASH_K = 32;
export const MINHASH_BITS = 4;
/** Tokenising stops after this many tokens or characters, so similarity costs at most this much per call. */
export const MAX_TOKENS = 256;
export const MAX_TOKEN_SCAN_CHARS = 8192;
/** Estimated Jaccard similarity at or above which two calls count as near-identical. */
export const SIMILAR_THRESHOLD = 0.8;

export const DAY_MS = 86_400_000;

/** SDK session handles (result streams) whose folded sequences a session remembers; the oldest is dropped. */
export const MAX_EVENT_STREAMS = 4;
/** Sequences below a stream's highest that are tracked one by one (sequence.ts); at most 31 (int32 mask). */
export const SEQ_WINDOW = 31;
