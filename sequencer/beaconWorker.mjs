// Worker of sequencer/beaconPool.ts: the beacon's BLS work, off the thread that serves the node.
// A round's pairing check costs ~25 ms and the local beacon's signature ~10 ms on the 2-core box
// (bench beacon_verify, beacon_local_sign); on the main thread each was one piece of the block
// build. Plain .mjs so it starts without a loader; it registers tsx itself to run the chain's own
// TypeScript (one definition of the check and of the signature).
// Message in:  { id, op: "verify", config, round, signature }
//              { id, op: "sign", secretKey, config, round } (signs, then verifies its own signature)
//   config: a BeaconConfig (bigints as decimal strings), round: decimal string.
// Message out: { id, ok } (verify: the verdict; sign: whether the signature verified), with
//   `signature` for sign; or { id, error }.
import { parentPort } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
// Listening before the modules load: messages that arrive meanwhile wait for `ready`.
const ready = Promise.all([
  import("../chain/beacon/verifyBeaconRound.ts"),
  import("../chain/beacon/localBeacon.ts"),
]);

/** The BeaconConfig of a message (its bigints come as strings). */
function beaconConfig(c) {
  return {
    publicKey: c.publicKey,
    genesisTime: BigInt(c.genesisTime),
    periodSeconds: BigInt(c.periodSeconds),
    scheme: c.scheme,
  };
}

// The local beacons of the keys met (a public key is a G2 multiplication: made once per key).
const beacons = new Map();
function localBeacon(createLocalBeacon, secretKey, config) {
  const id = `${Buffer.from(secretKey).toString("hex")}:${config.genesisTime}:${config.periodSeconds}`;
  let b = beacons.get(id);
  if (b === undefined) {
    if (beacons.size >= 4) beacons.clear();
    b = createLocalBeacon(secretKey, config);
    beacons.set(id, b);
  }
  return b;
}

parentPort.on("message", async (msg) => {
  const { id } = msg;
  try {
    const [{ verifyBeaconRoundUncached }, { createLocalBeacon }] = await ready;
    const config = beaconConfig(msg.config);
    const round = BigInt(msg.round);
    if (msg.op === "verify") {
      parentPort.postMessage({ id, ok: verifyBeaconRoundUncached(config, round, msg.signature) });
    } else if (msg.op === "sign") {
      const beacon = localBeacon(createLocalBeacon, msg.secretKey, config);
      const signature = beacon.sign(round);
      const ok = verifyBeaconRoundUncached(config, round, signature);
      parentPort.postMessage({ id, ok, signature });
    } else {
      parentPort.postMessage({ id, error: `unknown op ${String(msg.op)}` });
    }
  } catch (e) {
    parentPort.postMessage({ id, error: String(e?.message ?? e) });
  }
});
