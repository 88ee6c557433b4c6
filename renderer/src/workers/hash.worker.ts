/// <reference lib="webworker" />
/** The hash worker: SHA-256 of import files on the second core while the engine worker parses them. */
import { serveHashes } from './hash-service';

declare const self: DedicatedWorkerGlobalScope;

serveHashes(self);
