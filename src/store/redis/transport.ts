/**
 * Builds the transport under a {@link RedisConnection}: a node-redis client for standalone
 * Redis, or a node-redis cluster client for Redis Cluster, from a URL, options, or a client
 * the caller passes (and keeps owning). The transport routes each command by its first key.
 *
 * Cluster forms:
 * - `redis: { cluster: { rootNodes: [{ url: "redis://10.0.0.1:7000" }], defaults: {...} } }`
 * - `redis: "redis+cluster://[user:pass@]host1:7000,host2:7000"` (`rediss+cluster://` for TLS)
 * - `redis: createCluster({...})` — an existing cluster client.
 *
 * Sentinel forms:
 * - `redis: { sentinel: { name: "mymaster", sentinelRootNodes: [{ host, port }], nodeClientOptions } }`
 * - `redis: "redis+sentinel://[user:pass@]host1:26379,host2:26379/mymaster"` (credentials are
 *   the data nodes'; `rediss+sentinel://` for TLS)
 * - `redis: createSentinel({...})` — an existing sentinel client.
 */
import type { RedisClientOptions, RedisClusterOptions, RedisSentinelOptions } from "redis";
import { ValidationError } from "../../errors.js";
import { keySlot } from "../../keys.js";
import { redisModule } from "./redis-module.js";

/** The part of a node-redis standalone client that convmem uses. */
export interface RedisClientLike {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand(args: readonly string[]): Promise<unknown>;
  on(event: "error", listener: (err: unknown) => void): unknown;
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  destroy?(): unknown;
}

/** The part of a node-redis cluster client that convmem uses. */
export interface RedisClusterLike {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  readonly masters: readonly unknown[];
  /** Slot → shard map (node-redis >= 4); used to tell which node a key's script runs on. */
  readonly slots?: ReadonlyArray<{ master?: { host?: string; port?: number } } | undefined>;
  connect(): Promise<unknown>;
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: readonly string[],
  ): Promise<unknown>;
  on(event: "error", listener: (err: unknown) => void): unknown;
  close?(): Promise<unknown>;
  destroy?(): unknown;
}

/** The part of a node-redis sentinel client that convmem uses. */
export interface RedisSentinelLike {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand(isReadonly: boolean | undefined, args: readonly string[]): Promise<unknown>;
  acquire(): unknown;
  on(event: "error", listener: (err: unknown) => void): unknown;
  close?(): Promise<unknown>;
  destroy?(): unknown;
}

/**
 * Where convmem's Redis is: a URL (`redis://`, `rediss://`, `redis+cluster://`,
 * `redis+sentinel://`), node-redis client options, `{ cluster: <cluster options> }`,
 * `{ sentinel: <sentinel options> }`, or an existing client, cluster client or sentinel client
 * (which convmem never closes).
 */
export type RedisInput =
  | string
  | RedisClientOptions
  | { cluster: RedisClusterOptions }
  | { sentinel: RedisSentinelOptions }
  | RedisClientLike
  | RedisClusterLike
  | RedisSentinelLike;

/** A connected-or-not Redis endpoint that sends commands routed by their first key. */
export interface Transport {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  /** True when convmem created the client (and so closes it). */
  readonly owned: boolean;
  connect(): Promise<unknown>;
  send(args: readonly string[], key: string | undefined): Promise<unknown>;
  /**
   * Which server a command on `key` goes to now ("" when there is only one at a time), so the
   * script runner can tell which servers have seen a script.
   */
  nodeOf(key: string | undefined): string;
  onError(listener: (err: unknown) => void): void;
  /** Calls `listener` when the servers behind the client may have changed (Sentinel promotion). */
  onTopologyChange(listener: () => void): void;
  onReady(listener: () => void): void;
  close(): Promise<void>;
  destroy(): void;
}

function isCluster(input: object): input is RedisClusterLike {
  return "masters" in input && typeof (input as RedisClusterLike).sendCommand === "function";
}

function isSentinel(input: object): input is RedisSentinelLike {
  return typeof (input as RedisSentinelLike).acquire === "function" && "sendCommand" in input;
}

function isClient(input: object): input is RedisClientLike {
  return typeof (input as RedisClientLike).sendCommand === "function";
}

/**
 * Credentials and TLS of a `redis+cluster://` / `redis+sentinel://` URL as client options:
 * `user:pass` (percent-decoded), a lone `pass` (the default user), `user:` (a user, empty
 * password); `rediss` turns TLS on.
 */
export function credentialOptions(userinfo: string | undefined, tls: boolean): RedisClientOptions {
  const options: RedisClientOptions = {};
  if (userinfo) {
    const colon = userinfo.indexOf(":");
    if (colon < 0) options.password = decodeURIComponent(userinfo);
    else {
      const user = decodeURIComponent(userinfo.slice(0, colon));
      if (user) options.username = user;
      options.password = decodeURIComponent(userinfo.slice(colon + 1));
    }
  }
  if (tls) options.socket = { tls: true };
  return options;
}

/**
 * Parses `redis+cluster://[user:pass@]h1:p1,h2:p2` into cluster options: root nodes for
 * discovery, and credentials/TLS as `defaults` (they apply to every discovered node).
 */
export function parseClusterUrl(url: string): RedisClusterOptions | undefined {
  const match = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#]+)/.exec(url);
  if (!match) return undefined;
  const scheme = match[1] as string;
  const rootNodes = (match[3] as string)
    .split(",")
    .filter((h) => h.length > 0)
    .map((host) => ({ url: `${scheme}://${host}` }));
  if (rootNodes.length === 0)
    throw new ValidationError("a redis+cluster:// URL needs at least one host:port");
  return { rootNodes, defaults: credentialOptions(match[2], scheme === "rediss") };
}

/** Parses `redis+sentinel://[user:pass@]h1:p1,h2:p2/<master name>` into sentinel options. */
export function parseSentinelUrl(url: string): RedisSentinelOptions | undefined {
  const match = /^(rediss?)\+sentinel:\/\/(?:([^@/]*)@)?([^/?#]+)\/([^/?#]+)/.exec(url);
  if (!match) return undefined;
  const sentinelRootNodes = (match[3] as string)
    .split(",")
    .filter((h) => h.length > 0)
    .map((hostPort) => {
      const colon = hostPort.lastIndexOf(":");
      return colon < 0
        ? { host: hostPort, port: 26379 }
        : { host: hostPort.slice(0, colon), port: Number(hostPort.slice(colon + 1)) };
    });
  return {
    name: decodeURIComponent(match[4] as string),
    sentinelRootNodes,
    nodeClientOptions: credentialOptions(
      match[2],
      match[1] === "rediss",
    ) as RedisSentinelOptions["nodeClientOptions"],
  } as RedisSentinelOptions;
}

/** What the three node-redis client kinds have in common. */
type AnyClient = RedisClientLike | RedisClusterLike | RedisSentinelLike;

/** A transport over any client kind; only sending (routing) differs between them. */
function wrap(
  client: AnyClient,
  owned: boolean,
  send: Transport["send"],
  nodeOf: Transport["nodeOf"] = () => "",
): Transport {
  return {
    get isOpen() {
      return client.isOpen;
    },
    get isReady() {
      return client.isReady;
    },
    owned,
    connect: () => client.connect(),
    send,
    nodeOf,
    onError: (listener) => void client.on("error", listener),
    onTopologyChange: (listener) =>
      void (client as unknown as NodeJS.EventEmitter).on("topology-change", listener),
    // Standalone clients emit "ready" on every (re)connection; the other kinds may not.
    onReady: (listener) => void (client as unknown as NodeJS.EventEmitter).on("ready", listener),
    close: async () => {
      if (client.close) await client.close();
      else if ("quit" in client && client.quit) await client.quit();
    },
    destroy: () => void client.destroy?.(),
  };
}

const standalone = (client: RedisClientLike, owned: boolean) =>
  wrap(client, owned, (args) => client.sendCommand(args));
const cluster = (client: RedisClusterLike, owned: boolean) =>
  wrap(
    client,
    owned,
    (args, key) => client.sendCommand(key, false, args),
    (key) => {
      const master = key === undefined ? undefined : client.slots?.[keySlot(key)]?.master;
      return master ? `${master.host}:${master.port}` : "?";
    },
  );
const sentinel = (client: RedisSentinelLike, owned: boolean) =>
  wrap(client, owned, (args) => client.sendCommand(false, args));

/**
 * Socket behaviour convmem needs: bounded connects, quick reconnects (so a restarted Redis, or a
 * promoted replica, is used again well within a second), fail fast while offline. The caller's
 * own socket options win.
 */
function tuned<T extends RedisClientOptions>(options: T, timeoutMs: number, maxDelayMs: number): T {
  return {
    ...options,
    disableOfflineQueue: true,
    commandOptions: { timeout: 0, ...options.commandOptions },
    socket: {
      connectTimeout: timeoutMs,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, maxDelayMs),
      ...options.socket,
    },
  } as T;
}

/** Options of one client kind: parsed from its URL scheme, or given as `{ [kind]: options }`. */
function optionsOf<T>(
  input: Exclude<RedisInput, RedisClientLike | RedisClusterLike | RedisSentinelLike>,
  kind: "cluster" | "sentinel",
  parse: (url: string) => T | undefined,
): T | undefined {
  if (typeof input === "string") return parse(input);
  return kind in input ? ((input as Record<string, unknown>)[kind] as T) : undefined;
}

/** The transport for `input`. */
export function createTransport(input: RedisInput, timeoutMs: number): Transport {
  if (typeof input === "object" && input !== null) {
    if (isCluster(input)) return cluster(input, false);
    if (isSentinel(input)) return sentinel(input, false);
    if (isClient(input)) return standalone(input, false);
  }
  const clusterOptions = optionsOf<RedisClusterOptions>(input, "cluster", parseClusterUrl);
  if (clusterOptions) {
    const defaults = tuned((clusterOptions.defaults ?? {}) as RedisClientOptions, timeoutMs, 100);
    const client = redisModule().createCluster({
      ...clusterOptions,
      defaults,
      commandOptions: { timeout: 0, ...clusterOptions.commandOptions },
    } as RedisClusterOptions) as unknown as RedisClusterLike;
    return cluster(client, true);
  }
  const sentinelOptions = optionsOf<RedisSentinelOptions>(input, "sentinel", parseSentinelUrl);
  if (sentinelOptions) {
    const nodeClientOptions = tuned(
      (sentinelOptions.nodeClientOptions ?? {}) as RedisClientOptions,
      timeoutMs,
      100,
    );
    const client = redisModule().createSentinel({
      scanInterval: 1000, // notice a promotion quickly even when no command fails
      ...sentinelOptions,
      nodeClientOptions,
      commandOptions: { timeout: 0, ...sentinelOptions.commandOptions },
    } as RedisSentinelOptions) as unknown as RedisSentinelLike;
    return sentinel(client, true);
  }
  const options: RedisClientOptions =
    typeof input === "string" ? { url: input } : (input as RedisClientOptions);
  return standalone(
    redisModule().createClient(tuned(options, timeoutMs, 250)) as unknown as RedisClientLike,
    true,
  );
}
