import { describe, expect, it } from 'vitest';
import { shardFrom } from './fleet-flags.js';

describe('shardFrom', () => {
  it('prefers --shard, then Cloud Run, then an indexed Kubernetes Job, else the whole list', () => {
    const env = { CLOUD_RUN_TASK_INDEX: '2', CLOUD_RUN_TASK_COUNT: '5', JOB_COMPLETION_INDEX: '1', A0VAULT_SHARD_COUNT: '3' };
    expect(shardFrom({ shard: '1/4' }, env)).toEqual({ index: 1, count: 4 });
    expect(shardFrom({}, env)).toEqual({ index: 2, count: 5 });
    expect(shardFrom({}, { JOB_COMPLETION_INDEX: '1', A0VAULT_SHARD_COUNT: '3' })).toEqual({ index: 1, count: 3 });
    expect(shardFrom({}, {})).toEqual({ index: 0, count: 1 });
  });

  it('refuses an index without a count for Kubernetes, and indexes out of range', () => {
    expect(() => shardFrom({}, { JOB_COMPLETION_INDEX: '1' })).toThrow(/A0VAULT_SHARD_COUNT/);
    expect(() => shardFrom({}, { CLOUD_RUN_TASK_INDEX: '5', CLOUD_RUN_TASK_COUNT: '5' })).toThrow(/0\.\.4/);
    expect(() => shardFrom({}, { CLOUD_RUN_TASK_INDEX: 'x' })).toThrow(/must be an integer/);
  });
});
