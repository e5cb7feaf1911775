import { quoteIdent } from '@labsync/persistence';
import type { DataSource, EntityManager } from 'typeorm';

export interface StartedAttempt {
  /** Attempts started so far, this one included. */
  attempts: number;
  /** The event was already dead-lettered by this group (a redelivery of the same record). */
  deadLettered: boolean;
}

/** Reads and writes consumer_attempts (ConsumerAttempts1734100000000) for one consumer group. */
export class AttemptStore {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
    private readonly group: string,
    private readonly topic: string,
  ) {
    this.table = `${quoteIdent(schema)}.consumer_attempts`;
  }

  /** Events of `eventIds` with a row: started before and never finished, or dead-lettered. */
  async unfinished(eventIds: readonly string[]): Promise<number> {
    if (eventIds.length === 0) return 0;
    const rows = (await this.dataSource.query(`SELECT count(*)::int AS n FROM ${this.table} WHERE consumer_group = $1 AND event_id = ANY($2::uuid[])`, [
      this.group,
      [...new Set(eventIds)],
    ])) as { n: number }[];
    return rows[0]?.n ?? 0;
  }

  /**
   * Counts an attempt for each event, in one autocommitted statement, before any handler runs. A replayed
   * record (`fresh`) starts over at 1 when its earlier copy was dead-lettered. `survived`: earlier starts
   * this process saw end in an infrastructure error (a cut connection, a deadlock), which are not crashes,
   * so they are taken back instead of counting towards the "started N times without finishing" limit.
   */
  async start(events: readonly { eventId: string; fresh: boolean; survived?: number }[]): Promise<Map<string, StartedAttempt>> {
    if (events.length === 0) return new Map();
    const replayed = events.filter((e) => e.fresh).map((e) => e.eventId);
    if (replayed.length > 0) {
      await this.dataSource.query(`DELETE FROM ${this.table} WHERE consumer_group = $1 AND event_id = ANY($2::uuid[]) AND dead_lettered_at IS NOT NULL`, [this.group, replayed]);
    }
    const survivedById = new Map<string, number>();
    for (const e of events) survivedById.set(e.eventId, Math.max(survivedById.get(e.eventId) ?? 0, e.survived ?? 0));
    const rows = (await this.dataSource.query(
      `INSERT INTO ${this.table} AS a (consumer_group, event_id, topic, attempts)
       SELECT $1, ids.id, $2, 1 FROM unnest($3::uuid[], $4::int[]) AS ids (id, survived)
       ON CONFLICT (consumer_group, event_id) DO UPDATE
         SET attempts = GREATEST(1, a.attempts + 1 - (SELECT s.survived FROM unnest($3::uuid[], $4::int[]) AS s (id, survived) WHERE s.id = a.event_id)),
             updated_at = now()
       RETURNING event_id, attempts, dead_lettered_at`,
      [this.group, this.topic, [...survivedById.keys()], [...survivedById.values()]],
    )) as { event_id: string; attempts: number; dead_lettered_at: Date | null }[];
    return new Map(rows.map((r) => [r.event_id, { attempts: r.attempts, deadLettered: r.dead_lettered_at !== null }]));
  }

  /** In the transaction that records the event as processed: it is finished. */
  async finished(manager: EntityManager, eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    await manager.query(`DELETE FROM ${this.table} WHERE consumer_group = $1 AND event_id = ANY($2::uuid[])`, [this.group, [...new Set(eventIds)]]);
  }

  async deadLettered(eventId: string): Promise<void> {
    await this.dataSource.query(`UPDATE ${this.table} SET dead_lettered_at = now(), updated_at = now() WHERE consumer_group = $1 AND event_id = $2`, [this.group, eventId]);
  }
}
