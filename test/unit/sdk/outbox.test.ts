import { describe, expect, it } from 'vitest';
import { MAX_OUTBOX, SessionOutbox } from '../../../processors/sdk/outbox.ts';

describe('SessionOutbox', () => {
  it('numbers results 1, 2, 3 in its own stream', () => {
    const box = new SessionOutbox('h');
    expect([box.nextOrder(), box.nextOrder()]).toEqual([{ stream: 'h', seq: 1 }, { stream: 'h', seq: 2 }]);
    expect(new SessionOutbox().stream).not.toBe(new SessionOutbox().stream);
  });

  it('a verdict acknowledges exactly what its proposal carried; later additions stay for the next proposal', () => {
    const box = new SessionOutbox('h');
    const r1 = Buffer.from('r1'), r2 = Buffer.from('r2');
    box.addResult(r1);
    const rejection = Buffer.from('rejected'), later = Buffer.from('rejected later');
    box.addTrusted({ destinations: ['a@b.com'], values: [], declaredAtMs: 1 });
    box.addResolution(rejection);
    const sent = box.attachments();
    box.addResult(r2);
    box.addResolution(later);
    expect(sent.pendingResults).toEqual([r1]); // a snapshot
    expect(sent.pendingResolutions).toEqual([rejection]);
    box.acknowledge(sent);
    expect(box.attachments()).toEqual({ pendingResults: [r2], trustedContext: [], pendingResolutions: [later] });
    expect(box.size).toBe(2);
  });

  it(`keeps at most ${MAX_OUTBOX} items of each kind, dropping the oldest`, () => {
    const box = new SessionOutbox('h');
    for (let i = 0; i < MAX_OUTBOX + 3; i++) box.addResult(Buffer.from(String(i)));
    const kept = box.attachments().pendingResults;
    expect(kept).toHaveLength(MAX_OUTBOX);
    expect(kept[0]?.toString()).toBe('3');
  });
});
