/**
 * TypeBox schemas of the explorer's REST API (Blockscout `/api/v2` shapes: snake_case fields,
 * `items` + `next_page_params`, addresses as `{hash}` objects, integers that can pass 2^53 as
 * decimal strings, times as ISO 8601 UTC). They validate params and queries, drive fastify's
 * response serializer (lists excepted: plugin.ts sends them through JSON.stringify, faster for
 * rows full of nullable fields), and become the OpenAPI document (@fastify/swagger) at /api-docs/json.
 * @module
 */
import { type TSchema, Type } from "typebox";
import { MAX_PAGE_LIMIT } from "./ports.ts";

export const Decimal = Type.String({ pattern: "^-?[0-9]+$", description: "an integer, in decimal" });
export const Hash = Type.String({ pattern: "^0x[0-9a-fA-F]{64}$", description: "32 bytes, 0x-hex" });
export const AddressHash = Type.String({ pattern: "^0x[0-9a-fA-F]{40}$", description: "20 bytes, 0x-hex" });
const Time = Type.String({ format: "date-time" });
const AddressParam = Type.Object({ hash: AddressHash });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Finality = Type.Union([Type.Literal("unsafe"), Type.Literal("safe"), Type.Literal("finalized")]);

/** Page size and the keyset fields of a list (all optional: absent is the first page). */
export function listQuery(keys: Record<string, TSchema>) {
  const fields: Record<string, TSchema> = {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_LIMIT, default: 50 })),
    items_count: Type.Optional(Type.Integer({ minimum: 0 })),
  };
  for (const [k, s] of Object.entries(keys)) fields[k] = Type.Optional(s);
  return Type.Object(fields, { additionalProperties: false });
}

export function listOf<T extends TSchema>(item: T, keys: Record<string, TSchema>) {
  const params: Record<string, TSchema> = { items_count: Type.Integer() };
  for (const [k, s] of Object.entries(keys)) params[k] = s;
  return Type.Object({ items: Type.Array(item), next_page_params: Nullable(Type.Object(params)) });
}

export const U64 = Type.String({ pattern: "^[0-9]{1,20}$" });
export const U32 = Type.String({ pattern: "^[0-9]{1,10}$" });

export const ErrorBody = Type.Object({ message: Type.String() });

const BlockRefSchema = Type.Object({ height: Decimal, hash: Hash, timestamp: Time });

export const Heads = Type.Object({ unsafe: BlockRefSchema, safe: BlockRefSchema, finalized: BlockRefSchema });

export const Block = Type.Object({
  height: Decimal,
  hash: Hash,
  parent_hash: Hash,
  timestamp: Time,
  transactions_count: Type.Integer(),
  signed_transactions_count: Type.Integer(),
  size: Type.Integer(),
  l1_origin: Type.Object({ number: Decimal, hash: Hash, timestamp: Time }),
});

export const BlockDetail = Type.Object({
  ...Block.properties,
  state_root: Hash,
  withdrawals_root: Hash,
  transactions_root: Hash,
  receipts_root: Hash,
  finality: Finality,
});

export const Tx = Type.Object({
  hash: Hash,
  block_number: Decimal,
  position: Type.Integer(),
  timestamp: Time,
  type: Type.String({
    description: "register, challenge, commit, reveal, transfer, withdraw, beacon, deposit, revoke",
  }),
  from: Nullable(AddressParam),
  to: Nullable(AddressParam),
  value: Nullable(Decimal),
  challenge_id: Nullable(Decimal),
  status: Type.Union([Type.Literal("ok"), Type.Literal("error")]),
  result: Type.String({ description: "success, or the error code" }),
  credits: Nullable(Decimal),
  fee: Type.Null({ description: "always null: the chain has no fees" }),
});

export const TxDetail = Type.Object({
  ...Tx.properties,
  block_hash: Hash,
  finality: Finality,
  size: Type.Integer(),
  nonce: Nullable(Decimal),
  decoded_input: Type.Record(Type.String(), Type.Union([Type.String(), Type.Integer()]), {
    description: "the action's or system tx's fields (bytes as 0x-hex, integers as decimal strings)",
  }),
});

export const Address = Type.Object({
  hash: AddressHash,
  coin_balance: Decimal,
  nonce: Decimal,
  transactions_count: Decimal,
  transactions_count_capped: Type.Boolean(),
  is_node: Type.Boolean(),
});

export const Node = Type.Object({
  hash: AddressHash,
  credits: Decimal,
  multiplier_bps: Decimal,
  streak: Type.Integer(),
  registered_block_number: Decimal,
  passed: Type.Integer(),
  failed: Type.Integer(),
  expired: Type.Integer(),
  cancelled: Type.Integer(),
  open_challenges: Type.Integer(),
  total_work: Decimal,
  total_credits: Decimal,
  proven_throughput: Decimal,
});

export const NodeDetail = Type.Object({
  ...Node.properties,
  history: Type.Array(
    Type.Object({
      epoch: Decimal,
      starts_at: Time,
      work: Decimal,
      credits: Decimal,
      passes: Type.Integer(),
      fails: Type.Integer(),
      multiplier_bps: Nullable(Decimal),
    }),
  ),
});

export const Challenge = Type.Object({
  id: Decimal,
  node: AddressParam,
  tier: Type.Integer(),
  status: Type.String(),
  requested_at: Time,
  deadline: Time,
  credits: Nullable(Decimal),
});

export const ChallengeDetail = Type.Object({
  ...Challenge.properties,
  r1: Decimal,
  r2: Nullable(Decimal),
  root: Nullable(Hash),
  timeline: Type.Array(
    Type.Object({
      kind: Type.String(),
      timestamp: Time,
      block_number: Nullable(Decimal),
      transaction_hash: Nullable(Hash),
      round: Nullable(Decimal),
      round_timestamp: Nullable(Time),
    }),
  ),
});

export const Batch = Type.Object({
  number: Decimal,
  l1_block_number: Decimal,
  l1_transaction_hash: Nullable(Hash),
  l2_block_start: Decimal,
  l2_block_end: Decimal,
  size: Type.Integer(),
  frames: Type.Integer(),
});

export const Withdrawal = Type.Object({
  index: Decimal,
  from: AddressParam,
  to: AddressParam,
  value: Decimal,
  l2_block_number: Decimal,
  l2_timestamp: Time,
  l2_transaction_hash: Hash,
  status: Nullable(Type.String()),
  next_action: Nullable(Type.String()),
  eta: Nullable(Time),
  l1_prove_transaction_hash: Nullable(Hash),
  l1_finalize_transaction_hash: Nullable(Hash),
});

export const Deposit = Type.Object({
  deposit_id: Decimal,
  to: AddressParam,
  value: Decimal,
  l1_block_number: Decimal,
  l2_block_number: Decimal,
  l2_timestamp: Time,
  l2_transaction_hash: Hash,
});

export const Operator = Type.Object({
  hash: AddressHash,
  stake: Decimal,
  slashable_stake: Decimal,
  key_hash: Nullable(Hash),
  registered_l1_block_number: Nullable(Decimal),
  attestations: Type.Integer(),
  missed_attestations: Type.Integer(),
  slashings: Type.Integer(),
  last_slashing: Nullable(Type.Object({ l1_block_number: Decimal, wads: Type.Array(Decimal) })),
});

export const Stats = Type.Object({
  heads: Heads,
  total_blocks: Decimal,
  total_transactions: Decimal,
  total_nodes: Decimal,
  total_challenges: Decimal,
  credits_minted: Decimal,
  credits_burned: Decimal,
  average_block_time: Type.Number({ description: "ms" }),
  epoch_ms: Decimal,
});

export const Chart = Type.Object({
  name: Type.String(),
  x_unit: Type.String(),
  y_unit: Type.String(),
  chart_data: Type.Array(Type.Object({ x: Decimal, y: Decimal })),
});

export const SearchResult = Type.Object({
  items: Type.Array(Type.Object({ type: Type.String(), id: Type.String(), url: Type.String() })),
  next_page_params: Type.Null(),
});
