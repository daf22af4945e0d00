// The verdict processor's metrics (Prometheus names arbiter_verdict_*). Dashboards and alerts read these names.
import { MetricsRegistry, type Counter, type Gauge, type Histogram } from '../core/metrics.ts';

export interface VerdictMetrics {
  /** Decisions made (not duplicates), by effect and error code ("" for a policy decision). */
  readonly decisions: Counter;
  /** Retried proposals answered from the recent verdicts, without a new decision. */
  readonly duplicates: Counter;
  /** Records sent to a dead-letter topic, by source topic and error code. */
  readonly deadLetters: Counter;
  /** Results and approval resolutions folded into session state, by kind. */
  readonly folded: Counter;
  /** decide() alone (facts, evaluate, evolve), in process. */
  readonly decideSeconds: Histogram;
  /** Proposal creation (agent clock) to decision. */
  readonly proposalAgeSeconds: Histogram;
  /** Changelog restores: duration, sessions restored, changelog entries that could not be read. */
  readonly restoreSeconds: Histogram;
  readonly restoredSessions: Counter;
  readonly restoreSkipped: Counter;
  /** Sessions held in memory, all assigned partitions. */
  readonly sessions: Gauge;
  /** Commits (one transaction each when exactly once): time per step (send, offsets, commit) and input records. */
  readonly commitSeconds: Histogram;
  readonly commitRecords: Counter;
}

export function verdictMetrics(registry: MetricsRegistry = new MetricsRegistry()): VerdictMetrics {
  return {
    decisions: registry.counter('arbiter_verdict_decisions_total', 'Decisions made by the verdict processor (duplicates excluded).', ['effect', 'error_code']),
    duplicates: registry.counter('arbiter_verdict_duplicates_total', 'Retried proposals answered with the verdict already sent.'),
    deadLetters: registry.counter('arbiter_verdict_dead_letters_total', 'Records the verdict processor sent to a DLQ, by source topic and error code.', ['topic', 'code']),
    folded: registry.counter('arbiter_verdict_folded_total', 'Results and approval resolutions folded into session state.', ['kind']),
    decideSeconds: registry.histogram('arbiter_verdict_decide_seconds', 'Time of decide(): facts, policy evaluation and state evolution.'),
    proposalAgeSeconds: registry.histogram('arbiter_verdict_proposal_age_seconds', 'Proposal creation (agent clock) to decision.'),
    restoreSeconds: registry.histogram('arbiter_verdict_restore_seconds', 'Time to restore assigned partitions from the changelog.'),
    restoredSessions: registry.counter('arbiter_verdict_restored_sessions_total', 'Sessions restored from the changelog.'),
    restoreSkipped: registry.counter('arbiter_verdict_restore_skipped_total', 'Changelog entries that could not be read during restore (the session starts empty).'),
    sessions: registry.gauge('arbiter_verdict_sessions', 'Sessions held in memory for the assigned partitions.'),
    commitSeconds: registry.histogram('arbiter_verdict_commit_seconds', 'Time of each step of a commit (transaction send, offsets, commit).', ['step']),
    commitRecords: registry.counter('arbiter_verdict_commit_records_total', 'Input records made durable by commits.'),
  };
}
