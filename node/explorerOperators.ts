/**
 * The explorer's operators (the `operators` hook of node/explorerReads.ts): the members of the
 * OperatorRegistry's operator set with their stake, BLS key, attestations and slashings, read from
 * L1 with the same contracts, ABIs and rules as `flops operator status`
 * (bridge/operators/operatorStatus.ts), made safe to serve to anyone:
 *
 * - one snapshot for every page, refreshed at most once per `ttlMs` and by one refresh at a time
 *   (a flood of requests is one set of L1 reads, not one per request);
 * - the per-operator reads of a refresh (`registrationOf`) run `concurrency` at a time, and the
 *   stake reads are batched (`getAllocatedStake` / `getMinimumSlashableStake` take a list);
 * - every L1 call gives up after `readTimeoutMs`, and a request waits `timeoutMs` at most for a
 *   refresh: a slow or dead L1 answers the last snapshot (empty before the first), never an error;
 * - events are never rescanned: one cursor walks from the deployment block to `confirmations`
 *   below the head, at most `maxScanBlocks` per refresh in `logRange` slices (public RPCs cap
 *   eth_getLogs), so a node far behind catches up over several refreshes. All four kinds are read
 *   over the same slice and applied in log order, since a registration resets the counts that
 *   follow it.
 *
 * What the counts mean (as operatorStatus): attestations signed (OutputSigners lists the address)
 * and missed (OutputAttested lists its key hash as a non-signer) since the operator's latest
 * registration seen by the scan; slashings are OperatorSlashed events of this operator set.
 * Everything the L1 answers is bounded before it is kept: members and strategies are capped, a
 * log whose arguments do not have the expected shape is skipped.
 * @module
 */
import { type Hex, type PublicClient, parseAbi } from "viem";
import { BadCursorError, type OperatorSummary, type Page, type PageQuery } from "../api/explorer/ports.ts";
import type { L1Deployment } from "../bridge/deployment.ts";
import {
  ALLOCATION_MANAGER_ABI,
  ATTESTED_ORACLE_ABI,
  REGISTRY_ABI,
} from "../bridge/operators/operatorAbi.ts";
import { hexToBytes } from "../chain/bytes.ts";

/** OutputOracle's list of an attested output's signers (contracts/src/OutputOracle.sol). */
const OUTPUT_SIGNERS_ABI = parseAbi(["event OutputSigners(uint256 indexed outputIndex, address[] signers)"]);

export interface ExplorerOperatorContracts {
  registry: Hex;
  /** The attested OutputOracle. */
  oracle: Hex;
  /** Where the event scan starts (the deployment block). */
  fromBlock: bigint;
}

export interface ExplorerOperatorsOpts {
  ttlMs: number;
  /** How long a request waits for a refresh before it answers the last snapshot. */
  timeoutMs: number;
  /** Each L1 call. */
  readTimeoutMs: number;
  concurrency: number;
  logRange: bigint;
  maxScanBlocks: bigint;
  /** Blocks below the head the scan stays (reorgs); the stake reads are at the head. */
  confirmations: bigint;
  /** Members listed at most (the lowest addresses). */
  maxOperators: number;
}

export const DEFAULT_EXPLORER_OPERATORS_OPTS: ExplorerOperatorsOpts = {
  ttlMs: 10_000,
  timeoutMs: 2_000,
  readTimeoutMs: 5_000,
  concurrency: 4,
  logRange: 10_000n,
  maxScanBlocks: 50_000n,
  confirmations: 12n,
  maxOperators: 1_000,
};

/** Strategies in the set summed at most; wads kept per slashing at most. */
const MAX_STRATEGIES = 64;
const MAX_WADS = 16;
/** Rows `getAllocatedStake` is asked for at once. */
const STAKE_CHUNK = 100;
const ZERO_HASH = `0x${"00".repeat(32)}`;
const ADDRESS = /^0x[0-9a-f]{40}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** What the scan learned about one address (only members are ever shown). */
interface Scanned {
  registeredAt?: bigint;
  signed: number;
  slashings: number;
  lastSlash?: { block: bigint; wads: bigint[] };
}

interface Snapshot {
  /** By address, ascending (lowercase hex). */
  rows: Array<{ key: string; summary: OperatorSummary }>;
}

type Log = { blockNumber: bigint | null; logIndex: number | null; eventName?: string; args?: unknown };

const lower = (a: unknown): string | undefined =>
  typeof a === "string" && ADDRESS.test(a.toLowerCase()) ? a.toLowerCase() : undefined;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`L1 ${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

async function mapLimited<T, R>(items: readonly T[], limit: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/** `(page) => Page<OperatorSummary>` over `pub`, by address ascending; cursor: the last address. */
export function createExplorerOperators(
  pub: PublicClient,
  c: ExplorerOperatorContracts,
  opts: ExplorerOperatorsOpts = DEFAULT_EXPLORER_OPERATORS_OPTS,
  now: () => number = Date.now,
): (q: PageQuery) => Promise<Page<OperatorSummary>> {
  const read = <T>(p: Promise<T>, what: string) => withTimeout(p, opts.readTimeoutMs, what);
  let cursor = c.fromBlock;
  const scanned = new Map<string, Scanned>();
  const missedByKey = new Map<string, number>();
  let snapshot: Snapshot = { rows: [] };
  let refreshedAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> | undefined;

  const entry = (a: string): Scanned | undefined => {
    let s = scanned.get(a);
    // Events name anyone; what is kept about non-members is bounded by the same cap as members.
    if (s === undefined && scanned.size < opts.maxOperators * 4) {
      s = { signed: 0, slashings: 0 };
      scanned.set(a, s);
    }
    return s;
  };

  const apply = (l: Log, set: { avs: string; id: number }) => {
    const a = (l.args ?? {}) as Record<string, unknown>;
    const block = l.blockNumber ?? 0n;
    switch (l.eventName) {
      case "OperatorRegistered": {
        const op = lower(a.operator);
        const s = op === undefined ? undefined : entry(op);
        if (s === undefined) return;
        s.registeredAt = block;
        s.signed = 0;
        if (typeof a.keyHash === "string") missedByKey.delete(a.keyHash.toLowerCase());
        return;
      }
      case "OutputSigners": {
        if (!Array.isArray(a.signers)) return;
        for (const x of a.signers) {
          const op = lower(x);
          const s = op === undefined ? undefined : entry(op);
          if (s) s.signed++;
        }
        return;
      }
      case "OutputAttested": {
        if (!Array.isArray(a.nonSignerKeyHashes)) return;
        for (const k of a.nonSignerKeyHashes) {
          if (typeof k !== "string" || !BYTES32.test(k)) continue;
          const key = k.toLowerCase();
          if (missedByKey.has(key) || missedByKey.size < opts.maxOperators * 4)
            missedByKey.set(key, (missedByKey.get(key) ?? 0) + 1);
        }
        return;
      }
      case "OperatorSlashed": {
        const os = a.operatorSet as { avs?: unknown; id?: unknown } | undefined;
        if (lower(os?.avs) !== set.avs || os?.id !== set.id) return;
        const op = lower(a.operator);
        const s = op === undefined ? undefined : entry(op);
        if (s === undefined) return;
        s.slashings++;
        const wads = Array.isArray(a.wadSlashed)
          ? a.wadSlashed.filter((w): w is bigint => typeof w === "bigint").slice(0, MAX_WADS)
          : [];
        s.lastSlash = { block, wads };
        return;
      }
    }
  };

  /** Events from the cursor up to `to` (at most maxScanBlocks of them), applied in log order. */
  const scan = async (to: bigint, am: Hex, set: { avs: string; id: number }) => {
    const end = cursor + opts.maxScanBlocks - 1n < to ? cursor + opts.maxScanBlocks - 1n : to;
    while (cursor <= end) {
      const b = cursor + opts.logRange - 1n < end ? cursor + opts.logRange - 1n : end;
      const range = { fromBlock: cursor, toBlock: b };
      const logs = (
        await Promise.all([
          read(
            pub.getContractEvents({
              address: c.registry,
              abi: REGISTRY_ABI,
              eventName: "OperatorRegistered",
              ...range,
            }),
            "OperatorRegistered logs",
          ),
          read(
            pub.getContractEvents({
              address: c.oracle,
              abi: OUTPUT_SIGNERS_ABI,
              eventName: "OutputSigners",
              ...range,
            }),
            "OutputSigners logs",
          ),
          read(
            pub.getContractEvents({
              address: c.oracle,
              abi: ATTESTED_ORACLE_ABI,
              eventName: "OutputAttested",
              ...range,
            }),
            "OutputAttested logs",
          ),
          read(
            pub.getContractEvents({
              address: am,
              abi: ALLOCATION_MANAGER_ABI,
              eventName: "OperatorSlashed",
              ...range,
            }),
            "OperatorSlashed logs",
          ),
        ])
      ).flat() as Log[];
      logs.sort((x, y) =>
        x.blockNumber !== y.blockNumber
          ? (x.blockNumber ?? 0n) < (y.blockNumber ?? 0n)
            ? -1
            : 1
          : (x.logIndex ?? 0) - (y.logIndex ?? 0),
      );
      for (const l of logs) apply(l, set);
      // Only a slice read whole moves the cursor: a failure above retries it at the next refresh.
      cursor = b + 1n;
    }
  };

  const refresh = async () => {
    const [head, set, am, cfg] = await Promise.all([
      // viem caches the head for its polling interval; a refresh wants it now.
      read(pub.getBlockNumber({ cacheTime: 0 }), "head"),
      read(
        pub.readContract({ address: c.registry, abi: REGISTRY_ABI, functionName: "operatorSet" }),
        "operatorSet",
      ),
      read(
        pub.readContract({ address: c.registry, abi: REGISTRY_ABI, functionName: "allocationManager" }),
        "allocationManager",
      ),
      read(
        pub.readContract({ address: c.oracle, abi: ATTESTED_ORACLE_ABI, functionName: "attestationConfig" }),
        "attestationConfig",
      ),
    ]);
    const setKey = { avs: set.avs.toLowerCase(), id: set.id };
    const [strategiesAll, membersAll] = await Promise.all([
      read(
        pub.readContract({
          address: am,
          abi: ALLOCATION_MANAGER_ABI,
          functionName: "getStrategiesInOperatorSet",
          args: [set],
        }),
        "strategies",
      ),
      read(
        pub.readContract({
          address: am,
          abi: ALLOCATION_MANAGER_ABI,
          functionName: "getMembers",
          args: [set],
        }),
        "members",
      ),
    ]);
    const strategies = strategiesAll.slice(0, MAX_STRATEGIES);
    const members = [...new Set(membersAll.map((m) => m.toLowerCase()))]
      .filter((m) => ADDRESS.test(m))
      .sort()
      .slice(0, opts.maxOperators) as Hex[];
    if (head >= opts.confirmations) await scan(head - opts.confirmations, am, setKey);

    // The stake that counts for a quorum now: slashable until an output posted now leaves its
    // window (operatorStatus's stakeBlock).
    const stakeBlock = Number(head + 1n + BigInt(cfg.windowBlocks));
    const chunks: Hex[][] = [];
    for (let i = 0; i < members.length; i += STAKE_CHUNK) chunks.push(members.slice(i, i + STAKE_CHUNK));
    const sum = (row: readonly bigint[] | undefined) => (row ?? []).reduce((x, y) => x + y, 0n);
    const stakes = (
      await mapLimited(chunks, opts.concurrency, async (ops) => {
        const [alloc, slashable] = await Promise.all([
          read(
            pub.readContract({
              address: am,
              abi: ALLOCATION_MANAGER_ABI,
              functionName: "getAllocatedStake",
              args: [set, ops, strategies],
            }),
            "allocated stake",
          ),
          read(
            pub.readContract({
              address: am,
              abi: ALLOCATION_MANAGER_ABI,
              functionName: "getMinimumSlashableStake",
              args: [set, ops, strategies, stakeBlock],
            }),
            "slashable stake",
          ),
        ]);
        return ops.map((_, i) => ({ allocated: sum(alloc[i]), slashable: sum(slashable[i]) }));
      })
    ).flat();
    const keys = await mapLimited(members, opts.concurrency, async (op) => {
      const [k] = await read(
        pub.readContract({
          address: c.registry,
          abi: REGISTRY_ABI,
          functionName: "registrationOf",
          args: [op],
        }),
        "registration",
      );
      return k;
    });

    snapshot = {
      rows: members.map((op, i) => {
        const s = scanned.get(op);
        const k = keys[i]!;
        const registered = BYTES32.test(k) && k !== ZERO_HASH;
        const summary: OperatorSummary = {
          address: hexToBytes(op),
          stake: stakes[i]?.allocated ?? 0n,
          slashableStake: stakes[i]?.slashable ?? 0n,
          attestations: registered ? (s?.signed ?? 0) : 0,
          missed: registered ? (missedByKey.get(k.toLowerCase()) ?? 0) : 0,
          slashings: s?.slashings ?? 0,
        };
        if (registered) summary.keyHash = hexToBytes(k);
        if (registered && s?.registeredAt !== undefined) summary.registeredL1Block = s.registeredAt;
        if (s?.lastSlash) summary.lastSlashing = { l1Block: s.lastSlash.block, wads: s.lastSlash.wads };
        return { key: op, summary };
      }),
    };
  };

  const fresh = (): Promise<void> => {
    if (inFlight === undefined && now() - refreshedAt >= opts.ttlMs) {
      refreshedAt = now();
      inFlight = refresh()
        // L1 down or answering nonsense: the last snapshot stays until the next TTL.
        .catch(() => undefined)
        .finally(() => {
          inFlight = undefined;
        });
    }
    return inFlight ?? Promise.resolve();
  };

  return async (q) => {
    let after: string | undefined;
    if (q.cursor !== undefined) {
      after = q.cursor.toLowerCase();
      if (!ADDRESS.test(after)) throw new BadCursorError("operators: the cursor is an address (0x + 40 hex)");
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      fresh(),
      new Promise<void>((r) => {
        timer = setTimeout(r, opts.timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    const rows = snapshot.rows;
    // Rows are sorted: binary search for the first address above the cursor.
    let lo = 0;
    if (after !== undefined) {
      let hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (rows[mid]!.key <= after) lo = mid + 1;
        else hi = mid;
      }
    }
    const items = rows.slice(lo, lo + q.limit);
    const more = lo + q.limit < rows.length;
    return { items: items.map((r) => r.summary), next: more ? rows[lo + q.limit - 1]!.key : null };
  };
}

/** The node's wiring: the `operators` hook when the deployment names an OperatorRegistry. */
export function explorerOperatorsFor(
  pub: PublicClient,
  d: Pick<L1Deployment, "operatorRegistry" | "contracts" | "deployBlock">,
): { operators?: (q: PageQuery) => Promise<Page<OperatorSummary>> } {
  if (d.operatorRegistry === undefined) return {};
  return {
    operators: createExplorerOperators(pub, {
      registry: d.operatorRegistry,
      oracle: d.contracts.OutputOracle,
      fromBlock: BigInt(d.deployBlock),
    }),
  };
}
