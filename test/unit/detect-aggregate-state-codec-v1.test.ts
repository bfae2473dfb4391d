import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SignalSnapshot } from '../../schemas/types.ts';
import {
  type ObserveVerdict,
  type TenantState,
  advanceStreamTime,
  closeWindows,
  decodeTenantState,
  encodeTenantState,
  initialTenantState,
  observeEval,
  observeTelemetry,
} from '../../services/detect/aggregate/index.ts';
import {
  resendsBeforeCut,
  v1Events,
  V1_CUT,
  V1_PARAMS as P,
  V1_SUB,
  V1_T0,
  v1DenseEvents,
} from '../fixtures/tenant-state-v1-events.ts';

interface V1Fixture {
  streamTimeMs: number;
  state: string;
  denseState: string;
  verdictsAfter: ObserveVerdict[];
  snapshotsAfterSha256: string;
  snapshotsAfter: number;
}
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/tenant-state-v1.json', import.meta.url), 'utf8'),
) as V1Fixture;
const rid = (c: string, b: string): string => `${c}>${b}`;
const events = v1Events();

function run(s: TenantState, from: number, to: number, streamTime: number) {
  const verdicts: ObserveVerdict[] = [];
  const snapshots: SignalSnapshot[] = [];
  for (let i = from; i < to; i++) {
    const e = events[i]!;
    verdicts.push('eventId' in e ? observeTelemetry(s, e, streamTime, P) : observeEval(s, e, streamTime, P));
    streamTime = advanceStreamTime(streamTime, e.timestamp, P);
    snapshots.push(...closeWindows(s, streamTime, P, rid));
  }
  return { verdicts, snapshots, streamTime };
}

describe('tenant state codec, version 1 (ids as strings) written before the upgrade', () => {
  const v1 = Buffer.from(fixture.state, 'hex');

  test('decodes to the state the current version builds from the same events', () => {
    assert.equal(v1[0], 1);
    const restored = decodeTenantState(v1);
    assert.ok(restored.idWindows.length > 0 && restored.trackedIds > 10, 'fixture holds no ids');
    const fresh = initialTenantState('t1');
    const head = run(fresh, 0, V1_CUT, -Infinity);
    assert.equal(head.streamTime, fixture.streamTimeMs);
    assert.equal(restored.trackedIds, fresh.trackedIds);
    const bytes = encodeTenantState(restored);
    assert.equal(bytes[0], 2);
    assert.ok(bytes.length < v1.length, `v2 ${bytes.length} B, v1 ${v1.length} B`);
    // A v1 state lacks the one candidate bucket kept since for the end-of-traffic marker check; the
    // next close drops it from the fresh state too, and from there the two are the same.
    const next = head.streamTime + V1_SUB;
    closeWindows(restored, next, P, rid);
    closeWindows(fresh, next, P, rid);
    assert.deepEqual(encodeTenantState(restored), encodeTenantState(fresh));
  });

  test('gives the verdicts and snapshots the version 1 code gave after it (duplicates of restored ids too)', () => {
    const restored = decodeTenantState(v1);
    const after = run(restored, V1_CUT, events.length, fixture.streamTimeMs);
    after.snapshots.push(...closeWindows(restored, after.streamTime + 50 * V1_SUB, P, rid));
    assert.deepEqual(after.verdicts, fixture.verdictsAfter);
    const resent = after.verdicts.filter((v, j) => resendsBeforeCut(V1_CUT + j) && v === 'duplicate');
    assert.ok(resent.length >= 3, `${resent.length} re-sent ids caught`);
    // the version 1 code had no end-of-traffic markers and no field for them
    const windows = after.snapshots
      .filter((x) => !x.candidateTrafficEnded)
      .map(({ candidateTrafficEnded: _marker, ...rest }) => rest);
    assert.equal(windows.length, fixture.snapshotsAfter);
    const sha = createHash('sha256').update(JSON.stringify(windows)).digest('hex');
    assert.equal(sha, fixture.snapshotsAfterSha256);
  });

  test('a dense latency histogram decodes, and re-encodes with only its non-zero counts', () => {
    const v1Dense = Buffer.from(fixture.denseState, 'hex');
    const restored = decodeTenantState(v1Dense);
    const fresh = initialTenantState('t2');
    for (const e of v1DenseEvents()) assert.equal(observeTelemetry(fresh, e, -Infinity, P), 'accepted');
    const bins = restored.series[0]!.buckets[0]!.latency;
    assert.equal(bins.keys, null, 'not dense');
    const bytes = encodeTenantState(restored);
    assert.deepEqual(bytes, encodeTenantState(fresh));
    assert.deepEqual(encodeTenantState(decodeTenantState(bytes)), bytes);
    const end = V1_T0 + 10 * V1_SUB;
    assert.deepEqual(closeWindows(decodeTenantState(bytes), end, P, rid), closeWindows(fresh, end, P, rid));
    assert.ok(bytes.length < v1Dense.length / 2, `v2 ${bytes.length} B, v1 ${v1Dense.length} B`);
  });
});
