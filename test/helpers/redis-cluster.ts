/**
 * Starts a throwaway Redis Cluster for a test file from the redis-server binary: N masters
 * (and R replicas per master), each a `startRedis` node on free ports (client and bus) in its
 * own temp dir, joined with `redis-cli --cluster create`. Torn down by PID.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createClient } from "redis";
import { freePort, type RedisServer, startRedis } from "./redis-server.js";

const run = promisify(execFile);

export interface RedisCluster {
  /** Root node URLs for `createCluster({ rootNodes })`. */
  rootNodes: Array<{ url: string }>;
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,…` */
  url: string;
  nodes: RedisServer[];
  stop(): Promise<void>;
}

async function info(url: string, command: string[]): Promise<string> {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on("error", () => {});
  try {
    await client.connect();
    return String(await client.sendCommand(command));
  } finally {
    client.destroy();
  }
}

/** Starts the cluster; resolves once every node reports `cluster_state:ok`. */
export async function startCluster(
  options: { masters?: number; replicas?: number } = {},
): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 0;
  const nodes: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const bus = await freePort();
      nodes.push(
        await startRedis({
          args: [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            "2000",
            "--cluster-port",
            String(bus),
            "--repl-diskless-sync-delay",
            "0",
          ],
        }),
      );
    }
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    await run(
      "redis-cli",
      ["--cluster", "create", ...addresses, "--cluster-replicas", String(replicas), "--cluster-yes"],
      {
        timeout: 30_000,
      },
    );
    const deadline = Date.now() + 20_000;
    const waitFor = async (
      node: RedisServer,
      command: string[],
      ok: (text: string) => boolean,
      what: string,
    ) => {
      while (!ok(await info(node.url, command))) {
        if (Date.now() > deadline) throw new Error(`cluster node ${node.port} never reached ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    for (const node of nodes) {
      await waitFor(node, ["CLUSTER", "INFO"], (t) => t.includes("cluster_state:ok"), "cluster_state:ok");
    }
    // `--cluster create` makes the first `masters` nodes the masters; wait for their replicas,
    // and for every node to know the master-replica pairs (a failover needs that gossip).
    const linked = (t: string) =>
      t.includes("role:master") && Number(/connected_slaves:(\d+)/.exec(t)?.[1]) >= replicas;
    const paired = (t: string) => (t.match(/[ ,]slave /g) ?? []).length >= masters * replicas;
    for (const node of replicas > 0 ? nodes : []) {
      const synced = (t: string) => t.includes("master_link_status:up");
      if (nodes.indexOf(node) < masters) await waitFor(node, ["INFO", "replication"], linked, "its replicas");
      else await waitFor(node, ["INFO", "replication"], synced, "a synced replication link");
      await waitFor(node, ["CLUSTER", "NODES"], paired, "replica gossip");
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    rootNodes: nodes.slice(0, masters).map((n) => ({ url: n.url })),
    url: `redis+cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(",")}`,
    nodes,
    stop,
  };
}
