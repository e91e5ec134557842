/**
 * The wire schema (package flops.v1), embedded as text so chain/ stays free of fs, and parsed with
 * protobufjs at module load. protobufjs generates the encode/decode functions of reflected types at
 * runtime, which measures as fast as its static code (docs reference perf-ceilings §4).
 * chain/wire/flops.proto holds the identical text for other tools; schema.test.ts keeps them equal.
 * @module
 */
import protobuf from "protobufjs";

/** The text of chain/wire/flops.proto. */
export const FLOPS_PROTO = `// Flops rollup wire format, version 1 (PROTOCOL.md §5).
//
// Canonical encoding (enforced by chain/wire: every decoder re-encodes and compares bytes):
// - fields in ascending field number, each at most once, no unknown fields, no trailing bytes,
//   minimal varints (tags, lengths and values);
// - fields declared without "optional" are omitted when zero, empty or false (never written
//   explicitly); "optional" fields are written iff the value is present, even when it is zero;
// - exactly one member of every oneof is set; a message-typed member is written even when empty;
// - u64 counters are uint64; amounts and work are uint256 as minimal big-endian bytes
//   (at most 32 bytes, no leading zero byte; zero is the empty string);
// - fixed-size bytes have exactly their size: address 20, hash/root 32, tx signature 65 (r‖s‖v),
//   beacon signature 48; an optional fixed-size field is either absent or exactly that size;
// - enums are never UNSPECIFIED where a value is required, and never a number the enum lacks.
syntax = "proto3";

package flops.v1;

// ---------------------------------------------------------------------------------------------
// Signed transactions
// ---------------------------------------------------------------------------------------------

// What the sender signs (the signing hash covers these exact bytes).
message TxBody {
  // Makes the sender a node.
  message Register {}
  // Requests a challenge at a tier.
  message Challenge {
    uint32 tier = 1;
  }
  // Commits the Merkle root over all result tiles of a challenge.
  message Commit {
    uint64 challenge_id = 1;
    bytes root = 2; // 32 bytes
  }
  // Opens the sampled tiles: 256-byte tiles and 32-byte multiproof hashes, concatenated.
  message Reveal {
    uint64 challenge_id = 1;
    bytes tiles = 2;
    bytes proof = 3;
  }
  // Moves credits to another L2 address.
  message Transfer {
    bytes to = 1; // 20 bytes
    bytes amount = 2; // minimal big-endian
  }
  // Burns credits on L2 and adds a withdrawal leaf payable on L1 to the "to" address.
  message Withdraw {
    bytes to = 1; // 20 bytes
    bytes amount = 2; // minimal big-endian
  }

  uint64 chain_id = 1;
  uint64 nonce = 2;
  oneof action {
    Register register = 3;
    Challenge challenge = 4;
    Commit commit = 5;
    Reveal reveal = 6;
    Transfer transfer = 7;
    Withdraw withdraw = 8;
  }
}

// A signed transaction; its id is keccak256 of these exact bytes.
message Tx {
  bytes body = 1; // canonical TxBody bytes, never empty
  bytes signature = 2; // 65 bytes: r ‖ s ‖ v
}

// ---------------------------------------------------------------------------------------------
// System transactions (unsigned; made only by block building or derivation)
// ---------------------------------------------------------------------------------------------

message SystemTx {
  // A beacon round (drand format).
  message Beacon {
    uint64 round = 1;
    bytes signature = 2; // 48 bytes (BLS12-381 G1)
  }
  // Credits deposited on L1 (Portal event).
  message Deposit {
    uint64 deposit_id = 1;
    bytes to = 2; // 20 bytes
    bytes amount = 3; // minimal big-endian
    uint64 l1_block_number = 4;
  }
  // An L1 fraud verdict against a PASSED record.
  message Revoke {
    uint64 challenge_id = 1;
    uint64 l1_block_number = 2;
  }

  oneof kind {
    Beacon beacon = 1;
    Deposit deposit = 2;
    Revoke revoke = 3;
  }
}

// ---------------------------------------------------------------------------------------------
// Blocks, receipts, batches
// ---------------------------------------------------------------------------------------------

message L1Origin {
  uint64 number = 1;
  bytes hash = 2; // 32 bytes
  uint64 timestamp = 3; // seconds
}

// The block hash is keccak256 of these exact bytes.
message BlockHeader {
  uint64 number = 1;
  bytes parent_hash = 2; // 32 bytes
  uint64 timestamp = 3; // milliseconds
  L1Origin l1_origin = 4; // always present
  bytes state_root = 5; // 32 bytes
  bytes withdrawals_root = 6; // 32 bytes
  bytes tx_root = 7; // 32 bytes
  bytes receipts_root = 8; // 32 bytes
}

message Block {
  BlockHeader header = 1; // always present
  repeated SystemTx system_txs = 2;
  repeated bytes txs = 3; // each a canonical Tx
}

enum ReceiptStatus {
  RECEIPT_STATUS_UNSPECIFIED = 0;
  RECEIPT_STATUS_SUCCESS = 1;
  RECEIPT_STATUS_FAILED = 2;
}

message Receipt {
  bytes tx_hash = 1; // 32 bytes
  ReceiptStatus status = 2;
  optional string error = 3;
  optional uint64 challenge_id = 4;
  optional bytes credits = 5; // minimal big-endian
}

// L2 blocks for posting to L1 (the payload of one channel, PROTOCOL §5 "Batches"); each entry is a
// BatchBlock's bytes (decoded one by one, so one invalid block does not hide the others).
message Batch {
  repeated bytes blocks = 1;
}

// One L2 block as a batch carries it: only what a verifier cannot recompute. The number, the roots,
// the L1 origin's time, the origin's deposits and revokes and its forced txs come from L1.
message BatchBlock {
  bytes parent_hash = 1; // 32 bytes
  uint64 timestamp = 2; // milliseconds
  uint64 l1_origin_number = 3;
  bytes l1_origin_hash = 4; // 32 bytes
  repeated SystemTx.Beacon beacons = 5;
  repeated bytes txs = 6; // each a canonical Tx (decoded one by one by derivation)
}

// ---------------------------------------------------------------------------------------------
// State records
// ---------------------------------------------------------------------------------------------

message Account {
  uint64 nonce = 1;
  bytes credits = 2; // minimal big-endian
}

message NodeRecord {
  uint64 registered_at = 1;
  uint32 streak = 2;
  sint64 last_live_epoch = 3; // -1 when never live
  uint64 current_epoch = 4;
  bytes epoch_work = 5; // minimal big-endian
  bool epoch_failed = 6;
  uint32 open_challenges = 7;
  uint32 passed = 8;
  uint32 failed = 9;
  uint32 expired = 10;
  uint32 cancelled = 11;
  bytes total_work = 12; // minimal big-endian
  bytes total_credits = 13; // minimal big-endian
  bytes last_throughput = 14; // minimal big-endian
}

enum ChallengeStatus {
  CHALLENGE_STATUS_UNSPECIFIED = 0;
  CHALLENGE_STATUS_REQUESTED = 1;
  CHALLENGE_STATUS_ACTIVE = 2;
  CHALLENGE_STATUS_COMMITTED = 3;
  CHALLENGE_STATUS_SAMPLED = 4;
  CHALLENGE_STATUS_PASSED = 5;
  CHALLENGE_STATUS_FAILED = 6;
  CHALLENGE_STATUS_EXPIRED = 7;
  CHALLENGE_STATUS_CANCELLED = 8;
}

message Challenge {
  uint64 id = 1;
  bytes node = 2; // 20 bytes
  uint32 tier = 3;
  ChallengeStatus status = 4; // never UNSPECIFIED
  ChallengeStatus expired_from = 5; // UNSPECIFIED = absent
  uint64 t0 = 6;
  uint64 r1 = 7;
  bytes r1_signature = 8; // absent or 48 bytes
  optional uint64 active_at = 9;
  optional uint64 tc = 10;
  bytes root = 11; // absent or 32 bytes
  optional uint64 r2 = 12;
  bytes r2_signature = 13; // absent or 48 bytes
  uint64 deadline = 14;
  bytes openings_digest = 15; // absent or 32 bytes
  optional bytes credits = 16; // minimal big-endian
  optional uint64 settled_at = 17;
}

message Withdrawal {
  uint64 index = 1;
  bytes from = 2; // 20 bytes
  bytes to = 3; // 20 bytes
  bytes amount = 4; // minimal big-endian
  uint64 l2_block_number = 5;
}
`;

/**
 * The parsed schema, for tooling (JSON views, other payloads). The codecs in this folder are the
 * API for consensus data: they enforce the canonical encoding, raw protobufjs does not.
 */
export const wireRoot: protobuf.Root = protobuf.parse(FLOPS_PROTO, { keepCase: false }).root;
wireRoot.resolveAll();

function lookup(name: string): protobuf.Type {
  return wireRoot.lookupType(`flops.v1.${name}`);
}

/** The reflected message types the codecs use. */
export const PB = {
  TxBody: lookup("TxBody"),
  Tx: lookup("Tx"),
  SystemTx: lookup("SystemTx"),
  L1Origin: lookup("L1Origin"),
  BlockHeader: lookup("BlockHeader"),
  Block: lookup("Block"),
  Receipt: lookup("Receipt"),
  Batch: lookup("Batch"),
  BatchBlock: lookup("BatchBlock"),
  Account: lookup("Account"),
  NodeRecord: lookup("NodeRecord"),
  Challenge: lookup("Challenge"),
  Withdrawal: lookup("Withdrawal"),
} as const;
