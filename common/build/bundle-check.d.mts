/** Types of bundle-check.mjs (plain JavaScript: it runs before any TypeScript loader). */
export function currentBundle(distDir: URL, manifestFile: string): { url: URL } | { reason: string };
