// Starts the history worker thread (history-worker.ts) in TypeScript through tsx, which the server
// itself runs under: a worker does not inherit the parent's module loader.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
