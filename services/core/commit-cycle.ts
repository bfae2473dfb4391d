/**
 * The commit cycle of one partition task, in the order STYLE item 12 asks for: queued outputs sent,
 * state flushed (its changelog sent), then input offsets committed, then the stores' changelog
 * checkpoints recorded, then the processor's optional `committed` hook. At-least-once: the shared idempotent producer and a consumer offset commit.
 * Exactly-once: the task's transactional producer carries outputs, changelog writes and the offsets
 * (`sendOffsets`) in one transaction, aborted on any failure.
 */
import { SenderChangelogWriter } from './kafka-changelog.ts';
import type { EachBatchPayload, Producer } from './kafka.ts';
import type { RuntimeMetrics } from './runtime-metrics.ts';
import { sendChunked } from './send.ts';
import type { PartitionTask } from './task.ts';
import type { TopicKey } from '../../topology/topics.ts';

export interface TaskEntry<In extends TopicKey> {
  readonly task: PartitionTask<In>;
  readonly writer: SenderChangelogWriter;
  /** Exactly-once mode: this task's transactional producer. */
  readonly producer: Producer | undefined;
  closed: boolean;
}

export interface InputOffset {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read (last processed + 1). */
  readonly offset: string;
}

export interface CommitContext {
  readonly groupId: string;
  /** At-least-once mode: the shared idempotent producer. */
  readonly producer: Producer | undefined;
  readonly runtime: RuntimeMetrics;
}

export async function commitTask<In extends TopicKey>(
  entry: TaskEntry<In>,
  ctx: CommitContext,
  input?: { offset: InputOffset; commit: EachBatchPayload['commitOffsetsIfNecessary'] },
): Promise<void> {
  const { task, writer } = entry;
  const outputs = task.takeOutputs();
  const offsets = input && [
    {
      topic: input.offset.topic,
      partitions: [{ partition: input.offset.partition, offset: input.offset.offset }],
    },
  ];
  if (entry.producer === undefined) {
    if (ctx.producer === undefined) throw new Error('at-least-once commit without a producer');
    if (outputs.length > 0) await sendChunked(ctx.producer, outputs);
    writer.sender = ctx.producer;
    await task.flushStores();
    if (input && offsets) await input.commit({ topics: offsets });
    ctx.runtime.commits.inc({ mode: 'at-least-once' });
  } else {
    const tx = await entry.producer.transaction();
    try {
      writer.sender = tx;
      if (outputs.length > 0) await sendChunked(tx, outputs);
      await task.flushStores();
      if (offsets) await tx.sendOffsets({ consumerGroupId: ctx.groupId, topics: offsets });
      await tx.commit();
    } catch (error) {
      await tx.abort().catch(() => undefined);
      throw error;
    } finally {
      writer.sender = undefined;
    }
    ctx.runtime.commits.inc({ mode: 'exactly-once' });
  }
  await task.checkpointStores();
  await task.committed();
}
