// Exponential backoff with "equal jitter": after the n-th failed attempt wait between half and all of
// min(max, base * 2^(n-1)). Half is fixed so waits really grow while a peer is down; half is random so many
// forwarders (one per format, many instances) do not retry in lockstep. Pure: randomness is passed in.

export function backoffDelayMs(failedAttempts: number, baseMs: number, maxMs: number, random: () => number): number {
  const n = Math.max(1, failedAttempts);
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(n - 1, 52));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
