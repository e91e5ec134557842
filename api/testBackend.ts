/**
 * An in-memory `RpcBackend` for tests of the API (and of anything that talks to it): a chain of
 * fabricated blocks, accounts, nodes and challenges that tests fill in directly. Hashes are
 * keccak256 of labels, not real encodings; nothing here checks signatures. Not for production.
 * @module
 */
import { ZERO_HASH } from "../chain/bytes.ts";
import { TX_ERROR, TX_ERROR_MESSAGE } from "../chain/errors.ts";
import { genesisToJson } from "../chain/genesisDoc.ts";
import { keccak256, utf8 } from "../chain/hash.ts";
import { type ChainParams, defaultParams, QUICKNET } from "../chain/params.ts";
import type {
  Account,
  Action,
  Address,
  Challenge,
  Hash32,
  NodeRecord,
  Receipt,
  SignedTx,
  SystemTx,
} from "../chain/types.ts";
import type {
  Awaitable,
  BlockTag,
  NodePage,
  NodeView,
  ReceiptLookup,
  RpcBackend,
  StoredBlock,
  SubmitResult,
  SyncStatus,
  TxLookup,
} from "./ports.ts";

const key = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** A 20-byte address whose last byte is `n` (and whose first is 0xaa, so it is not zero). */
export function fakeAddress(n: number): Address {
  const a = new Uint8Array(20);
  a[0] = 0xaa;
  a[19] = n & 0xff;
  a[18] = (n >> 8) & 0xff;
  return a;
}

export function fakeHash(label: string): Hash32 {
  return keccak256(utf8(label));
}

/** A signed tx with made-up bytes: hash = keccak256(raw), as on chain. */
export function fakeSignedTx(action: Action, nonce: bigint, label = `${action.kind}-${nonce}`): SignedTx {
  const bodyBytes = utf8(`body:${label}`);
  const signature = new Uint8Array(65).fill(0x11);
  signature[64] = 1;
  const raw = utf8(`raw:${label}`);
  return { body: { chainId: 0xf10b5n, nonce, action }, bodyBytes, signature, raw, hash: keccak256(raw) };
}

export function fakeNodeRecord(overrides: Partial<NodeRecord> = {}): NodeRecord {
  return {
    registeredAt: 1n,
    streak: 2,
    lastLiveEpoch: 7n,
    currentEpoch: 8n,
    epochWork: 16_384n,
    epochFailed: false,
    openChallenges: 1,
    passed: 5,
    failed: 1,
    expired: 2,
    cancelled: 0,
    totalWork: 81_920n,
    totalCredits: 10n ** 20n,
    lastThroughput: 123_456_789n,
    ...overrides,
  };
}

export interface FakeBackendOpts {
  /** Answer every read with a promise (exercises the async paths). Default false. */
  async?: boolean;
  /** Genesis time, ms. Default 1_700_000_000_500 (half a second past, to test ms → s). */
  genesisMs?: bigint;
}

export interface FakeBlockInput {
  txs?: { tx: SignedTx; from: Address; receipt?: Partial<Receipt> }[];
  systemTxs?: SystemTx[];
  /** Label mixed into the hash, to make a competing block at the same height (reorg). */
  fork?: string;
}

export class FakeBackend implements RpcBackend {
  readonly blocks: StoredBlock[] = [];
  readonly byHash = new Map<string, StoredBlock>();
  readonly txs = new Map<string, TxLookup>();
  readonly receipts = new Map<string, ReceiptLookup>();
  readonly accounts = new Map<string, Account>();
  readonly nodes = new Map<string, NodeView>();
  readonly challenges = new Map<bigint, Challenge>();
  readonly listeners = new Set<(head: StoredBlock) => void>();
  readonly chainParams: ChainParams = defaultParams(QUICKNET);
  safeNumber = 0n;
  finalizedNumber = 0n;
  catchingUp: SyncStatus["catchingUp"] = undefined;
  /** What flops_sendRawTransaction answers; replace to test rejections. */
  submit: (raw: Uint8Array) => Awaitable<SubmitResult> = (raw) => {
    if (raw[0] === 0xff) return { ok: false, code: TX_ERROR.MALFORMED, message: TX_ERROR_MESSAGE.MALFORMED };
    return { ok: true, hash: keccak256(raw) };
  };
  readonly submitted: Uint8Array[] = [];
  private readonly async: boolean;
  private readonly genesisMs: bigint;

  constructor(opts: FakeBackendOpts = {}) {
    this.async = opts.async ?? false;
    this.genesisMs = opts.genesisMs ?? 1_700_000_000_500n;
    this.addBlock();
  }

  private answer<T>(value: T): Awaitable<T> {
    return this.async ? Promise.resolve(value) : value;
  }

  get head(): StoredBlock {
    return this.blocks[this.blocks.length - 1]!;
  }

  /** Appends a block (or replaces the head's height+1 chain on `fork`) and notifies listeners. */
  addBlock(input: FakeBlockInput = {}): StoredBlock {
    const number = BigInt(this.blocks.length);
    const label = `block-${number}${input.fork === undefined ? "" : `-${input.fork}`}`;
    const parent = this.blocks[this.blocks.length - 1];
    const systemTxs = input.systemTxs ?? [];
    const txs = input.txs ?? [];
    const hash = fakeHash(label);
    const receipts: Receipt[] = [];
    systemTxs.forEach((stx, i) => {
      const txHash = fakeHash(`${label}-system-${i}-${stx.kind}`);
      receipts.push({ txHash, status: "success" });
    });
    for (const t of txs) receipts.push({ txHash: t.tx.hash, status: "success", ...t.receipt });
    const stored: StoredBlock = {
      block: {
        header: {
          number,
          parentHash: parent?.hash ?? ZERO_HASH,
          // 600 ms apart: two blocks can share a second.
          timestamp: this.genesisMs + number * 600n,
          l1Origin: {
            number: 100n + number,
            hash: fakeHash(`l1-${number}`),
            timestamp: 1_700_000_000n + number,
          },
          stateRoot: fakeHash(`${label}-state`),
          withdrawalsRoot: fakeHash(`${label}-withdrawals`),
          txRoot: fakeHash(`${label}-txs`),
          receiptsRoot: fakeHash(`${label}-receipts`),
        },
        systemTxs,
        txs: txs.map((t) => t.tx),
      },
      hash,
      receipts,
      senders: txs.map((t) => t.from),
      size: 200 + txs.reduce((n, t) => n + t.tx.raw.length, 0),
    };
    this.blocks.push(stored);
    this.byHash.set(key(hash), stored);
    receipts.forEach((receipt, index) => {
      const location = { blockNumber: number, blockHash: hash, index };
      this.receipts.set(key(receipt.txHash), { receipt, location });
      if (index < systemTxs.length) {
        this.txs.set(key(receipt.txHash), {
          kind: "system",
          tx: systemTxs[index]!,
          hash: receipt.txHash,
          location,
        });
      } else {
        const t = txs[index - systemTxs.length]!;
        this.txs.set(key(receipt.txHash), { kind: "signed", tx: t.tx, from: t.from, location });
      }
    });
    for (const listener of this.listeners) listener(stored);
    return stored;
  }

  setAccount(address: Address, account: Account): void {
    this.accounts.set(key(address), account);
  }

  addNode(address: Address, overrides: Partial<Omit<NodeView, "address">> = {}): NodeView {
    const view: NodeView = {
      address,
      record: fakeNodeRecord(),
      credits: 10n ** 21n,
      streak: 3,
      multiplierBps: 13_000n,
      ...overrides,
    };
    this.nodes.set(key(address), view);
    return view;
  }

  // --- RpcBackend ---

  chainId(): bigint {
    return this.chainParams.l2ChainId;
  }
  clientVersion(): string {
    return "flops/test";
  }
  headNumber(): Awaitable<bigint> {
    return this.answer(this.head.block.header.number);
  }
  getBlockByNumber(n: bigint | BlockTag): Awaitable<StoredBlock | undefined> {
    let number: bigint;
    if (n === "latest" || n === "pending") number = this.head.block.header.number;
    else if (n === "earliest") number = 0n;
    else if (n === "safe") number = this.safeNumber;
    else if (n === "finalized") number = this.finalizedNumber;
    else number = n;
    return this.answer(number < BigInt(this.blocks.length) ? this.blocks[Number(number)] : undefined);
  }
  getBlockByHash(hash: Hash32): Awaitable<StoredBlock | undefined> {
    return this.answer(this.byHash.get(key(hash)));
  }
  getTransaction(hash: Hash32): Awaitable<TxLookup | undefined> {
    return this.answer(this.txs.get(key(hash)));
  }
  getReceipt(hash: Hash32): Awaitable<ReceiptLookup | undefined> {
    return this.answer(this.receipts.get(key(hash)));
  }
  getAccount(address: Address): Awaitable<Account> {
    return this.answer(this.accounts.get(key(address)) ?? { nonce: 0n, credits: 0n });
  }
  getNode(address: Address): Awaitable<NodeView | undefined> {
    return this.answer(this.nodes.get(key(address)));
  }
  listNodes(opts: { limit: number; cursor?: string }): Awaitable<NodePage> {
    // Cursor = hex of the last address returned; order = address order.
    const all = [...this.nodes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const start = opts.cursor === undefined ? 0 : all.findIndex(([k]) => k > opts.cursor!);
    const from = start < 0 ? all.length : start;
    const page = all.slice(from, from + opts.limit);
    const more = from + opts.limit < all.length;
    return this.answer({
      nodes: page.map(([, v]) => v),
      nextCursor: more && page.length > 0 ? page[page.length - 1]![0] : null,
    });
  }
  getChallenge(id: bigint): Awaitable<Challenge | undefined> {
    return this.answer(this.challenges.get(id));
  }
  syncStatus(): Awaitable<SyncStatus> {
    const ref = (b: StoredBlock) => ({
      number: b.block.header.number,
      hash: b.hash,
      timestamp: b.block.header.timestamp,
    });
    const status: SyncStatus = {
      unsafeL2: ref(this.head),
      safeL2: ref(this.blocks[Number(this.safeNumber)]!),
      finalizedL2: ref(this.blocks[Number(this.finalizedNumber)]!),
      headL1: { number: 200n, hash: fakeHash("l1-head"), timestamp: 1_700_000_100n },
    };
    if (this.catchingUp !== undefined) status.catchingUp = this.catchingUp;
    return this.answer(status);
  }
  params(): ChainParams {
    return this.chainParams;
  }
  genesisJson(): string {
    return genesisToJson({ params: this.chainParams, timestamp: this.genesisMs, alloc: [] });
  }
  submitTransaction(raw: Uint8Array): Awaitable<SubmitResult> {
    this.submitted.push(raw);
    return this.submit(raw);
  }
  onNewHead(listener: (head: StoredBlock) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
