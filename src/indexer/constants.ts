/** The indexer's loopback port and URL when nothing else is said (INDEXER_URL, --port). */
export const DEFAULT_INDEXER_PORT = 42069;
export const DEFAULT_INDEXER_URL = `http://127.0.0.1:${DEFAULT_INDEXER_PORT}`;
