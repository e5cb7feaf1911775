import { Injectable } from '@nestjs/common';
import { schemaOf } from '@labsync/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { labAdapterTables } from '../database/lab-adapter-tables';

/** lab_correlation_status: the lab-adapter's copy of each request's status (from correlation.status). */
@Injectable()
export class CorrelationStatusRepository {
  private readonly table: string;

  constructor(dataSource: DataSource) {
    this.table = labAdapterTables(schemaOf(dataSource)).correlationStatus;
  }

  /** Keeps the newer of the stored and the given snapshot: an older version (a replay, a redelivery) never overwrites. */
  async recordIfNewer(manager: EntityManager, snapshot: { correlationId: string; status: string; version: number }): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.table} (correlation_id, status, version) VALUES ($1, $2, $3)
       ON CONFLICT (correlation_id) DO UPDATE SET status = EXCLUDED.status, version = EXCLUDED.version, updated_at = now()
       WHERE ${this.table}.version < EXCLUDED.version`,
      [snapshot.correlationId, snapshot.status, snapshot.version],
    );
  }

  async remove(manager: EntityManager, correlationId: string): Promise<void> {
    await manager.query(`DELETE FROM ${this.table} WHERE correlation_id = $1`, [correlationId]);
  }
}
