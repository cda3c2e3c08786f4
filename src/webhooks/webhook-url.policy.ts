// Which URLs an endpoint may have, and which addresses a delivery may connect to (contract,
// "Outbound webhooks"). The address check runs twice: when an admin saves a URL (a clear 400) and
// inside every delivery's connection, on the very addresses the socket is about to connect to, so
// a name that resolves elsewhere later (DNS rebinding) is refused as well. ipaddr.js classifies
// addresses: it knows every special range of both families, which a hand-written list would miss.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { WebhookRules } from '../config/app-config';

export class WebhookUrlRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookUrlRefused';
  }
}

/** Only ordinary public unicast addresses: loopback, private, link-local, CGNAT, multicast… are not. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // ::ffff:127.0.0.1 is 127.0.0.1.
  return ipaddr.process(address).range() === 'unicast';
}

/** Hostnames in a URL may be bracketed IPv6 literals. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') && url.hostname.endsWith(']') ? url.hostname.slice(1, -1) : url.hostname;
}

/** The rules that need no DNS: a well-formed absolute http(s) URL, https where required, no private literal. */
export function checkUrlShape(raw: string, rules: WebhookRules): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlRefused('url must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new WebhookUrlRefused('url must be http or https');
  if (rules.requireHttps && url.protocol !== 'https:') throw new WebhookUrlRefused('url must be https');
  if (url.username || url.password) throw new WebhookUrlRefused('url must not carry credentials');
  const host = hostOf(url);
  if (!rules.allowPrivateUrls && isIP(host) && !isPublicAddress(host)) {
    throw new WebhookUrlRefused(`url points at ${host}, a loopback, private or link-local address`);
  }
  return url;
}

type Resolve = (host: string) => Promise<string[]>;

const resolveAll: Resolve = (host) =>
  new Promise((resolve, reject) => dnsLookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses.map((a) => a.address)))));

/** checkUrlShape, then every address the name resolves to now must be public (unless allowed). */
export async function checkEndpointUrl(raw: string, rules: WebhookRules, resolve: Resolve = resolveAll): Promise<URL> {
  const url = checkUrlShape(raw, rules);
  const host = hostOf(url);
  if (rules.allowPrivateUrls || isIP(host)) return url;
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch {
    throw new WebhookUrlRefused(`url's host ${host} does not resolve`);
  }
  const refused = addresses.find((address) => !isPublicAddress(address));
  if (refused) throw new WebhookUrlRefused(`url's host ${host} resolves to ${refused}, a loopback, private or link-local address`);
  return url;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request: resolves as dns.lookup does, then refuses the connection if any
 * address it would connect to is not public. The socket connects only to what this returns.
 */
export function guardedLookup(hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const refused = addresses.find((a) => !isPublicAddress(a.address));
    if (refused) {
      const denied: NodeJS.ErrnoException = new WebhookUrlRefused(`${hostname} resolves to ${refused.address}, a loopback, private or link-local address`);
      denied.code = 'EWEBHOOKADDRESS';
      return callback(denied, []);
    }
    if ((options as LookupAllOptions).all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
}
