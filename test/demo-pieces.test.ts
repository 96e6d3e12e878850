// The demo plays a run as pieces that end at its frame times (demo/pieces.ts). Every frame must
// be the state of one uninterrupted run at that time, bit for bit, and the last frame its end.
import { beforeAll, describe, expect, it } from 'vitest';
import { attention, circle, init, Measure, simulate, type Flow } from '../src/index.js';
import { frameTime, pieces, runOptions, type Piece } from '../demo/pieces.js';

beforeAll(async () => {
  await init({ threads: 1 });
});

/** The pieces, and one uninterrupted run recording a snapshot at every frame time. */
function both(flow: Flow, mu: Measure, merging: boolean, tEnd: number) {
  const played: Piece[] = [...pieces(flow, mu, runOptions(merging), tEnd)];
  const times = played.filter((p) => p.run.stopReason === 'tEnd').map((p) => p.target);
  const one = simulate(flow, mu, { ...runOptions(merging), tEnd, record: { times, snapshots: true } });
  return { played, one };
}

/** Pieces that had to run again from the piece before, because a natural step had passed their time. */
const reruns = (played: Piece[]) => played.filter((p, k) => k > 0 && p.target <= played[k - 1].run.checkpoint.t).length;

describe('demo pieces', () => {
  it('the metastability preset: every frame is the uninterrupted run at its time, and the last is its last merge', () => {
    const { played, one } = both(circle({ beta: 9 }), Measure.uniformCircle(64, { seed: 2 }), true, 1e8);
    // The run of scripts/demo.mjs: it stops when every token is in one particle, at its last merge.
    expect(one.stopReason).toBe('custom');
    expect(one.finalTime).toBeGreaterThan(1.56e7);
    expect(one.finalTime).toBeLessThan(1.57e7);
    const last = played[played.length - 1];
    expect(last.ended).toBe('merged');
    expect(last.run.finalTime).toBe(one.finalTime);
    expect(last.run.steps).toBe(one.steps);
    expect(last.run.final.points).toEqual(one.final.points);
    expect(last.run.collapses.map((c) => c.t)).toEqual(one.collapses.map((c) => c.t));
    // Every earlier frame: at its frame time, the snapshot of the one run there (t = 0 is the start, not a frame).
    const frames = played.slice(0, -1);
    expect(frames.map((p) => p.target)).toEqual(frames.map((_, k) => frameTime(k, 1e8)));
    expect(Array.from(one.times.subarray(1, frames.length + 1))).toEqual(frames.map((p) => p.target));
    frames.forEach((p, k) => {
      expect(p.run.finalTime).toBe(p.target);
      expect(p.ended).toBeNull();
      expect(p.run.final.points).toEqual(one.snapshots[k + 1].points);
      expect(p.run.final.weights).toEqual(one.snapshots[k + 1].weights);
    });
    // The plateaus take natural steps longer than a frame, so the rerun path is exercised.
    expect(reruns(played)).toBeGreaterThan(10);
  });

  it('a run without merging (causal mask) goes to t end, its last frame exactly there', () => {
    const mu = Measure.uniformSphere(24, 3, { seed: 5 });
    const { played, one } = both(attention({ beta: 4, mask: 'causal' }), mu, false, 30);
    const last = played[played.length - 1];
    expect(last.ended).toBe('tEnd');
    expect(last.target).toBe(30);
    expect(last.run.finalTime).toBe(30);
    expect(last.run.final.points).toEqual(one.final.points);
    expect(Array.from(one.times.subarray(1))).toEqual(played.map((p) => p.target));
    played.forEach((p, k) => expect(p.run.final.points).toEqual(one.snapshots[k + 1].points));
  });

  it('t end = 0 plays no piece (the page shows the start as its only frame)', () => {
    expect([...pieces(circle({ beta: 1 }), Measure.uniformCircle(4, { seed: 1 }), runOptions(true), 0)]).toEqual([]);
  });
});
