/**
 * The explorer's operators from L1 (issue 11; node/explorerOperators.ts), on the embedded L1 with
 * the EigenLayer stand-in, an OperatorRegistry, the attested OutputOracle and FraudProofs
 * (bridge/operators/devFraud.ts): four operators staked and registered; three sign an output whose
 * state holds a cheating PASSED record and a watcher's fraud proof slashes exactly those three.
 * Through the REST route and the page (the explorer's real plugins, inject()):
 *
 * - the route lists the four with their allocated and slashable stake and registered keys;
 * - after the attested output, the signers' signed count moves and the non-signer's missed one;
 * - after the slash, the three show it (count, L1 block, 10% as a WAD), the fourth does not;
 * - the page renders them; limit=3 pages to the last page by address; a bad cursor is a 400;
 * - the event scan is incremental: no eth_getLogs range is ever read twice;
 * - an L1 that never answers costs a request `timeoutMs`, not an error.
 */
import {
  type Chain,
  createPublicClient,
  createWalletClient,
  custom,
  type Hex,
  keccak256,
  type PublicClient,
  stringToHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, describe, expect, it } from "vitest";
import { FakeReads } from "../../api/explorer/pages/fakeReads.ts";
import { BadCursorError, type ExplorerReads } from "../../api/explorer/ports.ts";
import { createApiServer } from "../../api/server.ts";
import { FakeBackend } from "../../api/testBackend.ts";
import { claimTuple } from "../../bridge/challenger/invalidComputeProof.ts";
import { createEmbeddedL1 } from "../../bridge/l1/embeddedL1.ts";
import { keyHash } from "../../bridge/operators/bn254Bls.ts";
import { createDevFraud } from "../../bridge/operators/devFraud.ts";
import { bytesToHex } from "../../chain/bytes.ts";
import { outputRoot } from "../../chain/commitment/outputRoot.ts";
import {
  createExplorerOperators,
  DEFAULT_EXPLORER_OPERATORS_OPTS,
  explorerOperatorsFor,
} from "../../node/explorerOperators.ts";
import { buildFraudState, cheatingClaim, fraudVerifierPins } from "../vectors/fraudCases.ts";

const key = (tag: string, i = 0): Hex => keccak256(stringToHex(`flops/test/explorer-operators/${tag}/${i}`));
const WAD = 10n ** 18n;
const STAKE = 1000n * WAD;

interface OperatorJson {
  hash: string;
  stake: string;
  slashable_stake: string;
  key_hash: string | null;
  registered_l1_block_number: string | null;
  attestations: number;
  missed_attestations: number;
  slashings: number;
  last_slashing: { l1_block_number: string; wads: string[] } | null;
}

describe("integration: the explorer lists the operator set from L1", async () => {
  const operatorKeys = [0, 1, 2, 3].map((i) => key("op", i));
  const l1 = await createEmbeddedL1({
    blockTimeMs: 0,
    gasLimit: 60_000_000n,
    accounts: [key("deployer"), key("avs"), key("watcher"), ...operatorKeys],
  });
  const f = await createDevFraud(l1, {
    deployerKey: key("deployer"),
    avsKey: key("avs"),
    operatorKeys,
    l2ChainId: 1_042_000n,
    windowBlocks: 20,
    stake: STAKE,
    treasury: "0x00000000000000000000000000000000007ea5e7",
    verifier: fraudVerifierPins(),
  });
  await f.join(0, 4);
  const addr = f.operators.map((o) => o.address.toLowerCase());

  // The reader's own client, through a transport that records every eth_getLogs range it asks.
  const ranges: Array<{ from: bigint; to: bigint; address: string; topic: string }> = [];
  const pub = createPublicClient({
    chain: foundry as Chain,
    transport: custom(
      {
        request: async (a: { method: string; params?: unknown }) => {
          if (a.method === "eth_getLogs") {
            const [p] = a.params as [{ fromBlock: Hex; toBlock: Hex; address: string; topics: string[] }];
            ranges.push({
              from: BigInt(p.fromBlock),
              to: BigInt(p.toBlock),
              address: p.address.toLowerCase(),
              topic: p.topics[0]!,
            });
          }
          return l1.request(a as never);
        },
      },
      { retryCount: 0 },
    ),
  }) as PublicClient;
  const operators = createExplorerOperators(
    pub,
    { registry: f.registry, oracle: f.oracle, fromBlock: 0n },
    // Every request refreshes (single-flight); the hand-mined L1 has no reorgs to wait out.
    { ...DEFAULT_EXPLORER_OPERATORS_OPTS, ttlMs: 0, confirmations: 0n, logRange: 7n },
  );
  // The rest of the explorer from fakes: the operators path under test is all real.
  const reads: ExplorerReads = Object.assign(new FakeReads(), { operators });
  const app = await createApiServer({
    rpc: { backend: new FakeBackend() },
    explorer: reads,
    explorerPages: { reads, rateLimit: false },
  });
  afterAll(async () => {
    await app.close();
    await l1.close();
  });

  const list = async (q = "") => {
    const res = await app.inject({ url: `/api/v2/operators${q}` });
    expect(res.statusCode).toBe(200);
    return res.json() as {
      items: OperatorJson[];
      next_page_params: { address_hash: string } | null;
    };
  };
  const byAddress = async () => {
    const p = await list();
    return new Map(p.items.map((o) => [o.hash.toLowerCase(), o]));
  };

  it("lists the four with stake, key and registration; an attested output moves signed and missed", async () => {
    const before = await byAddress();
    expect([...before.keys()]).toEqual([...addr].sort());
    for (let i = 0; i < 4; i++) {
      const o = before.get(addr[i]!)!;
      expect(o.stake).toBe(STAKE.toString());
      expect(o.slashable_stake).toBe(STAKE.toString());
      expect(o.key_hash).toBe(keyHash(f.bls[i]!.pubkeyG1).toLowerCase());
      expect(BigInt(o.registered_l1_block_number!)).toBeGreaterThan(0n);
      expect([o.attestations, o.missed_attestations, o.slashings, o.last_slashing]).toEqual([0, 0, 0, null]);
    }

    const state = buildFraudState();
    const { stateRoot, withdrawalsRoot, l2BlockHash } = state.preimage;
    const root = bytesToHex(outputRoot(stateRoot, withdrawalsRoot, l2BlockHash)) as Hex;
    const posted = await f.proposeAttested(1n, [0, 1, 2, 3], new Set([0, 1, 2]), root);
    expect(posted.receipt.status).toBe("success");
    const after = await byAddress();
    for (let i = 0; i < 3; i++)
      expect([after.get(addr[i]!)!.attestations, after.get(addr[i]!)!.missed_attestations]).toEqual([1, 0]);
    expect([after.get(addr[3]!)!.attestations, after.get(addr[3]!)!.missed_attestations]).toEqual([0, 1]);

    // The fraud proof: the three signers lose 10% (wadInvalidCompute), the fourth nothing.
    const watcher = privateKeyToAccount(key("watcher"));
    const wallet = createWalletClient({ chain: foundry as Chain, transport: custom(l1), account: watcher });
    const hash = await wallet.writeContract({
      address: f.fraudProofs,
      abi: f.fraudAbis.fraudProofs,
      functionName: "proveInvalidCompute",
      args: [0n, f.signersOf(posted.receipt), claimTuple(cheatingClaim(state))],
      gas: 10_000_000n,
    } as never);
    await l1.mine();
    const receipt = await f.pub.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    const slashed = await byAddress();
    for (let i = 0; i < 3; i++) {
      const o = slashed.get(addr[i]!)!;
      expect(o.slashings).toBe(1);
      expect(o.last_slashing).toEqual({
        l1_block_number: receipt.blockNumber.toString(),
        wads: [(WAD / 10n).toString()],
      });
      expect(BigInt(o.slashable_stake)).toBeLessThan(STAKE);
      expect(o.slashable_stake).toBe((await f.slashableStake(i)).toString());
    }
    const honest = slashed.get(addr[3]!)!;
    expect([honest.slashings, honest.last_slashing, honest.slashable_stake]).toEqual([
      0,
      null,
      STAKE.toString(),
    ]);

    // Incremental: every block was read once per event kind, never again.
    const seen = new Map<string, bigint>();
    for (const r of ranges) {
      const k = `${r.address}/${r.topic}`;
      const last = seen.get(k);
      if (last !== undefined) expect(r.from).toBe(last + 1n);
      else expect(r.from).toBe(0n);
      seen.set(k, r.to);
    }
    expect(seen.size).toBe(4);
  });

  it("the page renders them; pagination by address reaches the last page; a bad cursor is a 400", async () => {
    const page = await app.inject({ url: "/operators" });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain("None yet");
    for (const a of addr) expect(page.body.toLowerCase()).toContain(a);
    expect(page.body).toContain("1 signed");
    expect(page.body).toContain("1 missed");
    expect((page.body.match(/last at L1 block \d+: 10%/g) ?? []).length).toBe(3);

    const first = await list("?limit=3");
    expect(first.items.map((o) => o.hash.toLowerCase())).toEqual([...addr].sort().slice(0, 3));
    expect(first.next_page_params?.address_hash.toLowerCase()).toBe([...addr].sort()[2]);
    const last = await list(`?limit=3&address_hash=${first.next_page_params!.address_hash}`);
    expect(last.items.map((o) => o.hash.toLowerCase())).toEqual([...addr].sort().slice(3));
    expect(last.next_page_params).toBeNull();
    const html2 = await app.inject({
      url: `/operators?limit=3&cursor=${first.next_page_params!.address_hash}`,
    });
    expect(html2.body).toContain("last page");

    expect((await app.inject({ url: "/api/v2/operators?address_hash=0xnothex" })).statusCode).toBe(400);
    await expect(operators({ limit: 3, cursor: "<script>" })).rejects.toBeInstanceOf(BadCursorError);
  });

  it("an L1 that never answers: the request answers an empty list in timeoutMs; no registry: no hook", async () => {
    const dead = createPublicClient({
      chain: foundry as Chain,
      transport: custom({ request: () => new Promise(() => undefined) }, { retryCount: 0 }),
    }) as PublicClient;
    const read = createExplorerOperators(
      dead,
      { registry: f.registry, oracle: f.oracle, fromBlock: 0n },
      { ...DEFAULT_EXPLORER_OPERATORS_OPTS, timeoutMs: 100, readTimeoutMs: 200 },
    );
    const t0 = Date.now();
    expect(await read({ limit: 10 })).toEqual({ items: [], next: null });
    expect(Date.now() - t0).toBeLessThan(1_000);
    const d = { contracts: { OutputOracle: f.oracle } as never, deployBlock: 0 };
    expect(explorerOperatorsFor(pub, d)).toEqual({});
    expect(typeof explorerOperatorsFor(pub, { ...d, operatorRegistry: f.registry }).operators).toBe(
      "function",
    );
  });
});
