import { Inject, Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { GATEWAY_DATA_SOURCE } from '../infra/infra.module';

/** A running transaction: a repository method that takes one runs its statements inside it. */
export type Tx = EntityManager;

/** What runs a statement: the pool (each statement on its own) or a transaction. */
export type Queryable = Pick<EntityManager, 'query'>;

/**
 * TypeORM answers an UPDATE or a DELETE without RETURNING with `[rows, affectedCount]` on postgres;
 * this reads the count.
 */
export function affectedRows(result: unknown): number {
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
}

/** Runs services' multi-statement changes in one PostgreSQL transaction (READ COMMITTED); a throw rolls it back. */
@Injectable()
export class Transactions {
  constructor(@Inject(GATEWAY_DATA_SOURCE) private readonly dataSource: DataSource) {}

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
