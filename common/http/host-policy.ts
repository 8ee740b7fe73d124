/**
 * Which `Host` names the servers answer to (DNS rebinding defence): a page on `evil.example` that
 * re-points its name at 127.0.0.1 still sends `Host: evil.example`, so a request naming any host
 * outside the list is refused with 421 before a route runs.
 *
 * Defaults: the bind address, `localhost`, `127.0.0.1`, `[::1]`, the machine's hostname and
 * `<hostname>.local`; when bound to a wildcard (0.0.0.0, ::) also the machine's interface
 * addresses, which is how LAN clients reach it. `allowed_hosts` adds names (a reverse proxy's
 * name, a DNS alias); `*` turns the check off. Ports are not compared: any port of an allowed
 * name is the same host.
 */
import { hostname, networkInterfaces } from 'node:os';

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

/** The lower-case host name of an authority (`name[:port]`, `[v6][:port]`), or undefined if it is not one. */
export function hostnameOf(authority: string): string | undefined {
  if (!authority || /[/?#@\\\s]/.test(authority)) return undefined;
  try {
    return new URL(`http://${authority}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** The authority of an absolute-form request target (`http://host:port/path`), or undefined for origin-form. */
export function absoluteAuthority(target: string): { authority: string | undefined } | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return undefined;
  try {
    const url = new URL(target);
    return { authority: url.protocol === 'http:' || url.protocol === 'https:' ? url.host : undefined };
  } catch {
    return { authority: undefined };
  }
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .flatMap((entry) => (entry ? [entry.family === 'IPv6' ? `[${entry.address.split('%')[0] ?? ''}]` : entry.address] : []));
}

/** The default names for a server bound to `bindHost`. */
export function defaultAllowedHosts(bindHost: string): string[] {
  const machine = hostname();
  const names = ['localhost', '127.0.0.1', '[::1]', machine, `${machine}.local`];
  if (WILDCARDS.has(bindHost)) names.push(...interfaceAddresses());
  else names.push(bindHost.includes(':') && !bindHost.startsWith('[') ? `[${bindHost}]` : bindHost);
  return names;
}

export class HostPolicy {
  readonly #names = new Set<string>();
  readonly #any: boolean;

  constructor(bindHost: string, extra: readonly string[] = []) {
    this.#any = extra.includes('*');
    for (const name of [...defaultAllowedHosts(bindHost), ...extra.filter((entry) => entry !== '*')]) {
      const normalized = hostnameOf(name);
      if (normalized) this.#names.add(normalized);
    }
  }

  /** True when `authority` (a Host header value or an absolute target's authority) names this server. */
  allows(authority: string): boolean {
    if (this.#any) return hostnameOf(authority) !== undefined;
    const name = hostnameOf(authority);
    return name !== undefined && this.#names.has(name);
  }
}
