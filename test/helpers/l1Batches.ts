/**
 * Reads back what a batcher posted: every L1 block of a deployment through bridge/'s L1 reader
 * (successful postBatch calls from the batcher, Portal events), and the batch blocks their
 * channels carry, decoded with chain/derive exactly as derivation does (frames → channel bank →
 * channel → batch blocks), each with the L1 block that completed its channel.
 */
import type { PublicClient } from "viem";
import type { L1Deployment } from "../../bridge/deployment.ts";
import { L1Source } from "../../bridge/derivation/l1Source.ts";
import type { L1BlockInput } from "../../chain/derive/attributes.ts";
import { decodeChannel } from "../../chain/derive/channel.ts";
import { type BankDrop, ChannelBank } from "../../chain/derive/channelBank.ts";
import { parseBatcherData } from "../../chain/derive/frame.ts";
import type { ChainParams } from "../../chain/params.ts";
import { type BatchBlock, decodeBatchBlock } from "../../chain/wire/index.ts";

/** L1 blocks from the deployment's block to L1's latest, as derivation's inputs. */
export async function readL1Inputs(client: PublicClient, d: L1Deployment): Promise<L1BlockInput[]> {
  const source = new L1Source({ batchInbox: d.contracts.BatchInbox, portal: d.contracts.Portal }, { client });
  const latest = await source.blockRef("latest");
  const out: L1BlockInput[] = [];
  for (let n = BigInt(d.deployBlock) - 1n; latest !== undefined && n <= latest.number; n++)
    out.push((await source.fetch(n)).input);
  return out;
}

export interface PostedBatchBlock {
  /** The L1 block whose frame completed the channel. */
  l1Block: bigint;
  /** 0x-hex channel id. */
  channelId: string;
  batch: BatchBlock;
}

/** Every batch block the inputs' channels carry, in L1 order; malformed data fails the test. */
export function postedBatchBlocks(
  inputs: readonly L1BlockInput[],
  params: Pick<ChainParams, "channelTimeout" | "maxChannelBytes">,
): { blocks: PostedBatchBlock[]; drops: BankDrop[]; frames: number; bytes: number } {
  const bank = new ChannelBank({
    channelTimeout: params.channelTimeout,
    maxChannelBytes: params.maxChannelBytes,
  });
  const blocks: PostedBatchBlock[] = [];
  const drops: BankDrop[] = [];
  let frames = 0;
  let bytes = 0;
  for (const input of inputs) {
    bank.startBlock(input.block.number, drops);
    for (const data of input.batcherData) {
      bytes += data.length;
      const parsed = parseBatcherData(data);
      if (!parsed.ok)
        throw new Error(`L1 block ${input.block.number}: batcher data dropped: ${parsed.error}`);
      for (const f of parsed.value) {
        frames++;
        const done = bank.addFrame(f, input.block.number, drops);
        if (done === undefined) continue;
        const entries = decodeChannel(done.data, params.maxChannelBytes);
        if (!entries.ok) throw new Error(`channel ${done.id} dropped: ${entries.error}`);
        for (const e of entries.value)
          blocks.push({ l1Block: input.block.number, channelId: done.id, batch: decodeBatchBlock(e) });
      }
    }
  }
  return { blocks, drops, frames, bytes };
}
