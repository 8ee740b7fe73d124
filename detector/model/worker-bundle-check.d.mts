/** Types of worker-bundle-check.mjs (plain JavaScript: it runs in the worker before any loader). */
export function currentWorkerBundle(distDir: URL): { url: URL } | { reason: string };
