// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OutputRootLib, OutputRootProof} from "../lib/OutputRootLib.sol";
import {SmtVerifier} from "../lib/SmtVerifier.sol";
import {ChallengeFields, ChallengeRecord} from "./ChallengeRecord.sol";
import {ComputeSample} from "./ComputeSample.sol";
import {DrandBls} from "./DrandBls.sol";

/// @title InvalidComputeProof
/// @notice The invalid-compute fraud proof of docs/PROTOCOL.md §6 (2) and §6.2, checked in one call:
///         an output's state holds a PASSED challenge record whose recorded openings fail one sample
///         of the reveal check (Appendix C §3.I step 5). It only verifies: who may call it, which
///         output is invalidated, who is slashed and paid is the caller's business (a slasher
///         contract passes the oracle's output root and acts on the returned record key and node).
/// @dev Pinned at deployment, from the genesis document: the L2 chain id (it enters the seed), the
///      beacon public key (EIP-2537 G2 encoding, 256 bytes), the beacon's genesis time and period
///      (informational: the record names its rounds, and a round's signature alone proves it), and
///      the tiers (id → n, m, k; the tree depth and the entry count follow from n and m).
contract InvalidComputeProof {
    /// @notice One compute tier of the genesis (chain/params.ts), as PROTOCOL §3.A constrains it.
    struct TierConfig {
        uint32 id;
        uint32 n;
        uint32 m;
        uint32 k;
    }

    /// @notice The proof. `record` is the record's exact state bytes; `beaconY` the y coordinates
    ///         (48 bytes big-endian each) of the record's r1 and r2 signatures, which the record holds
    ///         compressed; `tiles` and `proof` the reveal with the recorded digest; `sampleIndex` the
    ///         failing sample's index in draw order.
    struct Claim {
        bytes32 outputRoot;
        OutputRootProof preimage;
        bytes record;
        bytes recordProof;
        bytes beaconY;
        bytes tiles;
        bytes proof;
        uint256 sampleIndex;
    }

    error InvalidTierConfig(uint32 id);
    error InvalidBeaconPublicKey();
    error OutputRootMismatch();
    error RecordMalformed();
    error RecordNotProven();
    error RecordNotPassed(uint8 status);
    error UnknownTier(uint32 tier);
    error SampleIndexOutOfRange(uint256 sampleIndex, uint256 k);
    error OpeningsDigestMismatch();
    error BeaconSignatureInvalid(uint64 round);
    error OpeningsMalformed();
    error MultiproofRootMismatch();
    /// @notice The named sample is right: nothing is proven (`entry` is its correct value).
    error SampleCorrect(uint256 sampleIndex, int256 entry);

    uint64 public immutable l2ChainId;
    uint64 public immutable beaconGenesisTime;
    uint64 public immutable beaconPeriod;
    bytes32 private immutable _pk0;
    bytes32 private immutable _pk1;
    bytes32 private immutable _pk2;
    bytes32 private immutable _pk3;
    bytes32 private immutable _pk4;
    bytes32 private immutable _pk5;
    bytes32 private immutable _pk6;
    bytes32 private immutable _pk7;

    /// @dev id → n | m << 32 | k << 64 | 1 << 96 (the last bit: the tier exists).
    mapping(uint32 => uint256) private _tiers;

    constructor(
        uint64 l2ChainId_,
        bytes memory beaconPublicKey_,
        uint64 beaconGenesisTime_,
        uint64 beaconPeriod_,
        TierConfig[] memory tiers_
    ) {
        if (beaconPublicKey_.length != 256) revert InvalidBeaconPublicKey();
        l2ChainId = l2ChainId_;
        beaconGenesisTime = beaconGenesisTime_;
        beaconPeriod = beaconPeriod_;
        bytes32[8] memory w;
        for (uint256 i = 0; i < 8; i++) {
            bytes32 x;
            assembly ("memory-safe") {
                x := mload(add(add(beaconPublicKey_, 0x20), mul(i, 0x20)))
            }
            w[i] = x;
        }
        (_pk0, _pk1, _pk2, _pk3, _pk4, _pk5, _pk6, _pk7) = (w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]);
        for (uint256 i = 0; i < tiers_.length; i++) {
            TierConfig memory t = tiers_[i];
            // §3.A: n a power of two in [8, 2^17), m a power of two in [1, 2^16], k in [1, 2^16].
            bool ok = t.n >= 8 && t.n < (1 << 17) && t.n & (t.n - 1) == 0 && t.m >= 1 && t.m <= (1 << 16)
                && t.m & (t.m - 1) == 0 && t.k >= 1 && t.k <= (1 << 16) && _tiers[t.id] == 0;
            if (!ok) revert InvalidTierConfig(t.id);
            _tiers[t.id] = uint256(t.n) | (uint256(t.m) << 32) | (uint256(t.k) << 64) | (1 << 96);
        }
    }

    /// @notice The pinned beacon public key (EIP-2537 G2 encoding).
    function beaconPublicKey() public view returns (bytes memory) {
        return abi.encodePacked(_pk0, _pk1, _pk2, _pk3, _pk4, _pk5, _pk6, _pk7);
    }

    /// @notice (n, m, k) of tier `id`; zeros when the genesis has no such tier.
    function tierOf(uint32 id) public view returns (uint256 n, uint256 m, uint256 k) {
        uint256 t = _tiers[id];
        return (t & 0xffffffff, (t >> 32) & 0xffffffff, (t >> 64) & 0xffffffff);
    }

    /// @notice Returns the proven record's state key and node iff the claim proves invalid compute;
    ///         otherwise reverts with the error of the first step that fails.
    function verifyInvalidCompute(Claim calldata c) external view returns (bytes32 recordKey, address node) {
        if (OutputRootLib.hash(c.preimage) != c.outputRoot) revert OutputRootMismatch();
        (bool ok, ChallengeFields memory f) = ChallengeRecord.decode(c.record);
        if (!ok) revert RecordMalformed();
        recordKey = ChallengeRecord.key(f.id);
        if (!SmtVerifier.verifyInclusion(c.preimage.stateRoot, recordKey, sha256(c.record), c.recordProof)) {
            revert RecordNotProven();
        }
        if (f.status != ChallengeRecord.STATUS_PASSED || f.present != ChallengeRecord.ALL_PRESENT) {
            revert RecordNotPassed(f.status);
        }
        (uint256 n, uint256 m, uint256 k) = tierOf(f.tier);
        if (n == 0) revert UnknownTier(f.tier);
        if (c.sampleIndex >= k) revert SampleIndexOutOfRange(c.sampleIndex, k);
        if (sha256(abi.encodePacked(c.tiles, c.proof)) != f.openingsDigest) revert OpeningsDigestMismatch();
        bytes32 seed = _seeds(c.beaconY, f);
        bytes32 sampleSeed = sha256(abi.encodePacked("flops/sample/v0", seed, f.root, sha256(f.r2Signature)));
        _checkSample(c, f.root, seed, sampleSeed, n, m, k);
        return (recordKey, f.node);
    }

    /// @dev Both rounds verified, then seed = sha256("flops/seed/v0" ‖ u64be l2ChainId ‖ u64be id ‖
    ///      node ‖ randomness(r1)), randomness = sha256(signature) (§3.D).
    function _seeds(bytes calldata beaconY, ChallengeFields memory f) private view returns (bytes32) {
        if (beaconY.length != 96) revert BeaconSignatureInvalid(f.r1);
        bytes memory pk = beaconPublicKey();
        if (!DrandBls.verifyRound(pk, f.r1, f.r1Signature, beaconY[0:48])) revert BeaconSignatureInvalid(f.r1);
        if (!DrandBls.verifyRound(pk, f.r2, f.r2Signature, beaconY[48:96])) revert BeaconSignatureInvalid(f.r2);
        return sha256(abi.encodePacked("flops/seed/v0", l2ChainId, f.id, f.node, sha256(f.r1Signature)));
    }

    /// @dev §3.I steps 2-5 for one sample: the positions, the opened set, the multiproof against the
    ///      committed root (a PASSED reveal always met it), and the sampled entry, which must differ
    ///      from the dot product recomputed from the seed.
    function _checkSample(
        Claim calldata c,
        bytes32 root,
        bytes32 seed,
        bytes32 sampleSeed,
        uint256 n,
        uint256 m,
        uint256 k
    ) private view {
        uint256 e;
        int256 claimed;
        {
            uint256[] memory entries = ComputeSample.samplePositions(sampleSeed, n, m, k);
            e = entries[c.sampleIndex];
            claimed = _openedEntry(c, root, entries, e, _log2(m * (n / 8) * (n / 8)));
        }
        int256 expected = _expectedEntry(seed, n, e);
        if (claimed == expected) revert SampleCorrect(c.sampleIndex, expected);
    }

    /// @dev The claimed value of entry `e` from the reveal, once the reveal is shown to open the root.
    function _openedEntry(Claim calldata c, bytes32 root, uint256[] memory entries, uint256 e, uint256 depth)
        private
        view
        returns (int256)
    {
        uint256[] memory opened = ComputeSample.openedTiles(entries);
        (bool ok, bytes32 got) = ComputeSample.multiproofRoot(opened, c.tiles, c.proof, depth);
        if (!ok) revert OpeningsMalformed();
        if (got != root) revert MultiproofRootMismatch();
        return ComputeSample.tileEntry(c.tiles, ComputeSample.slotOf(opened, e >> 6), (e >> 3) & 7, e & 7);
    }

    /// @dev C_j[r][c] for entry index e: tile t = e >> 6 lies in matrix j = t / (n/8)², at tile row
    ///      and column (t mod (n/8)²) / (n/8) and mod (n/8); the entry's row and column in the tile
    ///      are (e >> 3) & 7 and e & 7.
    function _expectedEntry(bytes32 seed, uint256 n, uint256 e) private pure returns (int256) {
        uint256 tile = e >> 6;
        uint256 side = n / 8;
        uint256 inMatrix = tile % (side * side);
        return ComputeSample.entry(
            seed, n, tile / (side * side), (inMatrix / side) * 8 + ((e >> 3) & 7), (inMatrix % side) * 8 + (e & 7)
        );
    }

    function _log2(uint256 x) private pure returns (uint256 r) {
        while (x > 1) {
            x >>= 1;
            r++;
        }
    }
}
