// Starts Gatehouse. The server is not built yet (see the open sync-server issue).
console.error('Gatehouse: the server is not built yet — only the core engine exists so far. Run `npm test`.');
process.exit(1);
