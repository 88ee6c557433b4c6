/**
 * The analyze command's store: fake-indexeddb in memory, private to one run and
 * gone when it ends. The import needs it as a store (staging blocks, the one
 * commit, de-duplication keys); the reports need only the working set. Once the
 * import has committed, the facts therefore move block by block from the store
 * into the working set, so a run never holds every fact twice (a 10M-row file
 * makes ~4M facts: ~100 MB as packed blocks, ~200 MB as working-set columns).
 */
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { factsOf, WorkingSet } from '../../shared/engine/working-set';
import { type CloudscopeDb, openDb } from '../../shared/store/db';

export function openScratchDb(): Promise<CloudscopeDb> {
  return openDb(`cloudscope-analyze-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`, {
    indexedDB,
    IDBKeyRange,
  });
}

/**
 * Deletes the run's store. fake-indexeddb lets go of the last records it handed
 * out only when its queued tasks have run, so this waits for one turn of the
 * event loop: the reports that follow are synchronous and would otherwise run
 * with those blocks still alive.
 */
export async function dropScratchDb(db: CloudscopeDb): Promise<void> {
  await db.delete();
  await new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Moves the committed facts of the given imports out of the store into a new
 * working set, in the order `WorkingSet.load` reads them (so string ids and row
 * order are the same), and drops the imports' de-duplication keys: nothing in
 * this run imports again. The store keeps its data source and import records.
 */
export async function moveFactsToWorkingSet(db: CloudscopeDb, importIds: readonly string[]): Promise<WorkingSet> {
  const ws = new WorkingSet();
  ws.reserve(await factsOf(db, importIds));
  for (const id of importIds) {
    await db.keyBlocks.where('importId').equals(id).delete();
    // One block at a time: the store's read copy of a block is the only fact data in flight.
    for (const key of await db.factBlocks.where('importId').equals(id).primaryKeys()) {
      await db.transaction('rw', db.factBlocks, async () => {
        const b = await db.factBlocks.get(key);
        if (b) ws.addBlock(b);
        await db.factBlocks.delete(key);
      });
    }
  }
  return ws;
}
