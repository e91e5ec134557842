// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Blockhash} from "@openzeppelin/contracts/utils/Blockhash.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {OperatorRegistry} from "./OperatorRegistry.sol";
import {Attestation, OutputQuorum} from "./lib/OutputQuorum.sol";

/// @title OutputOracle
/// @notice L2 output roots posted by the proposer, each final `challengeWindow` seconds after it was
///         posted unless the challenger invalidated it first. Invalidating an output invalidates it
///         and every output posted after it up to that moment: none of them can ever finalize. The
///         proposer then continues from the invalidated output's L2 block. Once the admin enables
///         attestation (`enableAttestation`, once), outputs come only with a stake-weighted quorum of
///         the operators' BLS signatures (`proposeOutputAttested`, anyone may submit) and the
///         proposer role posts nothing more. Fraud proofs (FraudProofs.sol, docs/PROTOCOL.md §6.3)
///         hold the challenger role once deployed.
/// @dev Invalidation is O(1): each invalidation k records `invalidatedFrom[k]`; an output records how
///      many invalidations existed when it was posted (`invalidationsBefore`). Invalidation k covers
///      outputs [invalidatedFrom[k], count at that time), so output i is invalid iff some k at or
///      after its `invalidationsBefore` has invalidatedFrom[k] <= i. Invalidations are rare.
contract OutputOracle is AccessControl {
    /// @notice May post outputs.
    bytes32 public constant PROPOSER_ROLE = keccak256("PROPOSER_ROLE");
    /// @notice May invalidate non-final outputs.
    bytes32 public constant CHALLENGER_ROLE = keccak256("CHALLENGER_ROLE");

    /// @notice One posted output.
    struct Output {
        /// @dev keccak256(abi.encode(0, stateRoot, withdrawalsRoot, l2BlockHash)); never zero.
        bytes32 outputRoot;
        /// @dev The L1 block the output was derived up to; checked against L1 when posted.
        bytes32 l1BlockHash;
        uint64 l2BlockNumber;
        uint64 l1BlockNumber;
        /// @dev L1 time (s) the output was posted; final at timestamp + challengeWindow.
        uint64 timestamp;
        /// @dev Number of invalidations before this output was posted.
        uint64 invalidationsBefore;
    }

    /// @notice keccak256 of the L2 genesis document (chain/genesisDoc.ts) this oracle serves.
    bytes32 public immutable genesisHash;
    /// @notice Seconds from an output's posting to its finality.
    uint256 public immutable challengeWindow;

    // A mapping, not an array: outputStatus reads no length (an unknown index has a zero root).
    mapping(uint256 outputIndex => Output) private _outputs;
    uint256 private _outputCount;
    uint256[] private _invalidatedFrom;
    /// @notice The lowest L2 block number the next output may have.
    uint256 public nextL2BlockNumber = 1;

    /// @notice How attested outputs are checked; all zero until `enableAttestation`.
    struct AttestationConfig {
        /// @dev The operators' keys; zero while outputs come from the proposer role.
        OperatorRegistry registry;
        /// @dev The L2 chain id, part of the signed message (§6).
        uint64 l2ChainId;
        /// @dev L1 blocks from an output's posting to its window's end: stake is counted as
        ///      slashable up to block.number + windowBlocks (must stay below DEALLOCATION_DELAY).
        uint32 windowBlocks;
        /// @dev Quorum: signedStake * quorumDenominator >= totalStake * quorumNumerator.
        uint16 quorumNumerator;
        uint16 quorumDenominator;
    }

    AttestationConfig private _attestation;
    /// @notice keccak256(abi.encodePacked(stakeBlock, nonSignerKeyHashes)) of each attested output:
    ///         with the registry's events it names the output's signers (fraud proofs slash them).
    mapping(uint256 outputIndex => bytes32) public signatoryRecord;
    /// @notice keccak256(abi.encodePacked(signers)) of each attested output (zero for a proposer's
    ///         output): the operators that signed it, as `OutputSigners` lists them. Fraud proofs
    ///         are given the list and slash exactly those operators (FraudProofs.sol).
    mapping(uint256 outputIndex => bytes32) public signersHash;

    /// @notice The stake an attested output's quorum was counted against.
    struct AttestedStake {
        /// @dev The block stake was counted at (slashable up to then).
        uint32 stakeBlock;
        /// @dev The operator set's total stake then: the quorum's denominator.
        uint224 totalStake;
    }

    /// @notice Of each attested output (zero for a proposer's output). Kept because stake changes
    ///         afterwards: FraudProofs recounts the quorum without proven equivocators against this
    ///         total (`invalidateBrokenQuorum`, docs/PROTOCOL.md §6.3).
    mapping(uint256 outputIndex => AttestedStake) public attestedStake;

    /// @notice An output was posted at `outputIndex`.
    event OutputProposed(
        uint256 indexed outputIndex,
        bytes32 indexed outputRoot,
        uint256 indexed l2BlockNumber,
        bytes32 l1BlockHash,
        uint256 l1BlockNumber,
        uint256 timestamp
    );
    /// @notice Outputs [fromIndex, toIndex) were invalidated by `challenger`; the next output may
    ///         again have the L2 block number of output `fromIndex`.
    event OutputsInvalidated(uint256 indexed fromIndex, uint256 toIndex, address indexed challenger);
    /// @notice The operators that signed attested output `outputIndex` (members of the set with a
    ///         registered key, not listed as non-signers, in the AllocationManager's member order).
    event OutputSigners(uint256 indexed outputIndex, address[] signers);
    /// @notice Outputs now need an operator quorum (`registry`, quorum numerator/denominator).
    event AttestationEnabled(
        address indexed registry,
        uint64 l2ChainId,
        uint32 windowBlocks,
        uint16 quorumNumerator,
        uint16 quorumDenominator
    );
    /// @notice Output `outputIndex` was attested by `signedStake` of `totalStake` (stake at
    ///         `stakeBlock`); every registered operator but `nonSignerKeyHashes` signed.
    event OutputAttested(
        uint256 indexed outputIndex,
        uint256 signedStake,
        uint256 totalStake,
        uint32 stakeBlock,
        bytes32[] nonSignerKeyHashes
    );

    /// @notice The zero address or zero hash where a value is needed.
    error ZeroValue();
    /// @notice No output at `outputIndex`.
    error UnknownOutput(uint256 outputIndex);
    /// @notice A zero output root (no output root has one).
    error ZeroOutputRoot();
    /// @notice `l2BlockNumber` is below `nextL2BlockNumber` or does not fit in a uint64.
    error InvalidL2BlockNumber(uint256 l2BlockNumber, uint256 nextL2BlockNumber);
    /// @notice The L1 block is the current one, in the future, or too old for this chain's block
    ///         hash history (256 blocks, or 8191 with EIP-2935).
    error L1BlockUnavailable(uint256 l1BlockNumber);
    /// @notice The L1 block hash is not the canonical hash of that block (an L1 reorg).
    error L1BlockHashMismatch(uint256 l1BlockNumber, bytes32 expected, bytes32 actual);
    /// @notice The output was invalidated already.
    error OutputAlreadyInvalidated(uint256 outputIndex);
    /// @notice The output's challenge window has passed: final outputs cannot be invalidated.
    error OutputAlreadyFinal(uint256 outputIndex);
    /// @notice Outputs need an operator quorum here: `proposeOutputAttested`.
    error AttestationRequired();
    /// @notice Attestation is not enabled.
    error AttestationNotEnabled();
    /// @notice Attestation was enabled already; it cannot change.
    error AttestationAlreadyEnabled();
    /// @notice A quorum fraction outside (0, 1], or a zero window, registry or chain id.
    error InvalidAttestationConfig();
    /// @notice The signers' stake is short of the quorum (or the set has no stake at all).
    error QuorumNotReached(uint256 signedStake, uint256 totalStake);

    /// @param admin Holds DEFAULT_ADMIN_ROLE (grants and revokes the proposer and challenger roles).
    /// @param proposer Holds PROPOSER_ROLE.
    /// @param challenger Holds CHALLENGER_ROLE.
    /// @param genesisHash_ keccak256 of the L2 genesis document.
    /// @param challengeWindow_ Seconds an output stays open to invalidation (at least 1).
    constructor(
        address admin,
        address proposer,
        address challenger,
        bytes32 genesisHash_,
        uint256 challengeWindow_
    ) {
        if (
            admin == address(0) || proposer == address(0) || challenger == address(0)
                || genesisHash_ == bytes32(0) || challengeWindow_ == 0 || challengeWindow_ > type(uint64).max
        ) revert ZeroValue();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PROPOSER_ROLE, proposer);
        _grantRole(CHALLENGER_ROLE, challenger);
        genesisHash = genesisHash_;
        challengeWindow = challengeWindow_;
    }

    /// @notice Posts the output root of L2 block `l2BlockNumber`, derived from L1 up to block
    ///         (`l1BlockNumber`, `l1BlockHash`). Reverts if that L1 block is not canonical (an L1
    ///         reorg) or no longer in the block hash history. Proposer only, and only while
    ///         attestation is not enabled (AttestationRequired).
    /// @param outputRoot keccak256(abi.encode(0, stateRoot, withdrawalsRoot, l2BlockHash)).
    /// @param l2BlockNumber At least `nextL2BlockNumber` (outputs go forward).
    /// @param l1BlockHash The L1 block's hash.
    /// @param l1BlockNumber An L1 block before the current one, within the block hash history.
    /// @return outputIndex The new output's index.
    function proposeOutput(bytes32 outputRoot, uint256 l2BlockNumber, bytes32 l1BlockHash, uint256 l1BlockNumber)
        external
        onlyRole(PROPOSER_ROLE)
        returns (uint256 outputIndex)
    {
        if (address(_attestation.registry) != address(0)) revert AttestationRequired();
        return _record(outputRoot, l2BlockNumber, l1BlockHash, l1BlockNumber);
    }

    /// @notice Enables attested outputs, for good: from now on outputs come only through
    ///         `proposeOutputAttested`. Admin only, once.
    /// @param registry The operators' BLS keys (it names the AllocationManager and operator set).
    /// @param l2ChainId The L2 chain id operators sign for.
    /// @param windowBlocks L1 blocks until an output's window ends (stake counted up to then).
    /// @param quorumNumerator With `quorumDenominator`, the share of stake needed (2/3 by default).
    /// @param quorumDenominator Non-zero, at least `quorumNumerator`.
    function enableAttestation(
        OperatorRegistry registry,
        uint64 l2ChainId,
        uint32 windowBlocks,
        uint16 quorumNumerator,
        uint16 quorumDenominator
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(_attestation.registry) != address(0)) revert AttestationAlreadyEnabled();
        if (
            address(registry) == address(0) || l2ChainId == 0 || windowBlocks == 0 || quorumNumerator == 0
                || quorumNumerator > quorumDenominator
        ) revert InvalidAttestationConfig();
        _attestation = AttestationConfig(registry, l2ChainId, windowBlocks, quorumNumerator, quorumDenominator);
        emit AttestationEnabled(address(registry), l2ChainId, windowBlocks, quorumNumerator, quorumDenominator);
    }

    /// @notice Posts an output as `proposeOutput` does, with the operators' aggregate signature over
    ///         `outputMessageHash(...)` instead of the proposer role: the signers' stake, slashable
    ///         until this output's window ends, must reach the quorum. Anyone may submit it.
    /// @param att The aggregate signature, the signers' G2 key and the non-signers' G1 keys.
    /// @return outputIndex The new output's index.
    function proposeOutputAttested(
        bytes32 outputRoot,
        uint256 l2BlockNumber,
        bytes32 l1BlockHash,
        uint256 l1BlockNumber,
        Attestation calldata att
    ) external returns (uint256 outputIndex) {
        AttestationConfig memory c = _attestation;
        if (address(c.registry) == address(0)) revert AttestationNotEnabled();
        // The uint32 cast of EigenLayer's futureBlock: L1 reaches 2^32 blocks in ~1,600 years.
        uint32 stakeBlock = uint32(block.number + c.windowBlocks);
        (uint256 signed, uint256 total, bytes32[] memory nonSigners, address[] memory signers) = OutputQuorum
            .verifyAndListSigners(c.registry, outputMessageHash(outputRoot, l2BlockNumber, l1BlockHash), att, stakeBlock);
        if (signed == 0 || signed * c.quorumDenominator < total * c.quorumNumerator) {
            revert QuorumNotReached(signed, total);
        }
        outputIndex = _record(outputRoot, l2BlockNumber, l1BlockHash, l1BlockNumber);
        signatoryRecord[outputIndex] = keccak256(abi.encodePacked(stakeBlock, nonSigners));
        signersHash[outputIndex] = keccak256(abi.encodePacked(signers));
        attestedStake[outputIndex] = AttestedStake(stakeBlock, SafeCast.toUint224(total));
        emit OutputAttested(outputIndex, signed, total, stakeBlock, nonSigners);
        emit OutputSigners(outputIndex, signers);
    }

    /// @notice What operators sign for an output (docs/PROTOCOL.md §6): keccak256(abi.encode(
    ///         "flops/output/v0", l1ChainId, outputOracle, l2ChainId, l2BlockNumber, outputRoot,
    ///         l1BlockHash)). Reverts AttestationNotEnabled until the L2 chain id is known.
    function outputMessageHash(bytes32 outputRoot, uint256 l2BlockNumber, bytes32 l1BlockHash)
        public
        view
        returns (bytes32)
    {
        uint64 l2ChainId = _attestation.l2ChainId;
        if (l2ChainId == 0) revert AttestationNotEnabled();
        return OutputQuorum.outputMessageHash(
            block.chainid, address(this), l2ChainId, l2BlockNumber, outputRoot, l1BlockHash
        );
    }

    /// @notice The attestation settings (all zero while outputs come from the proposer role).
    function attestationConfig() external view returns (AttestationConfig memory) {
        return _attestation;
    }

    /// @notice Invalidates output `outputIndex` and every output posted after it: none of them will
    ///         ever finalize, and withdrawals proven against them must be proven again against a
    ///         later valid output. The next output may again have output `outputIndex`'s L2 block
    ///         number. Challenger only; only before the output is final.
    /// @param outputIndex A valid, non-final output.
    function invalidateOutputs(uint256 outputIndex) external onlyRole(CHALLENGER_ROLE) {
        uint256 count = _outputCount;
        if (outputIndex >= count) revert UnknownOutput(outputIndex);
        Output storage o = _outputs[outputIndex];
        if (_isInvalidated(outputIndex, o.invalidationsBefore)) revert OutputAlreadyInvalidated(outputIndex);
        // Outputs after this one were posted no earlier, so none of them is final either.
        if (block.timestamp >= uint256(o.timestamp) + challengeWindow) revert OutputAlreadyFinal(outputIndex);
        _invalidatedFrom.push(outputIndex);
        nextL2BlockNumber = o.l2BlockNumber;
        emit OutputsInvalidated(outputIndex, count, msg.sender);
    }

    /// @notice The number of outputs ever posted (valid or not).
    function outputCount() external view returns (uint256) {
        return _outputCount;
    }

    /// @notice Output `outputIndex`; reverts with UnknownOutput past the end.
    function getOutput(uint256 outputIndex) external view returns (Output memory) {
        if (outputIndex >= _outputCount) revert UnknownOutput(outputIndex);
        return _outputs[outputIndex];
    }

    /// @notice What the Portal needs of output `outputIndex`, in one call; all zero when unknown.
    /// @return outputRoot The output root (zero when there is no such output).
    /// @return finalizesAt The L1 time (s) from which it is final unless invalidated.
    /// @return invalidated Whether it was invalidated (then it never finalizes).
    function outputStatus(uint256 outputIndex)
        external
        view
        returns (bytes32 outputRoot, uint256 finalizesAt, bool invalidated)
    {
        Output storage o = _outputs[outputIndex];
        if (o.outputRoot == bytes32(0)) return (bytes32(0), 0, false);
        return (
            o.outputRoot,
            uint256(o.timestamp) + challengeWindow,
            _isInvalidated(outputIndex, o.invalidationsBefore)
        );
    }

    /// @notice Whether output `outputIndex` was invalidated; reverts with UnknownOutput past the end.
    function isOutputInvalidated(uint256 outputIndex) external view returns (bool) {
        if (outputIndex >= _outputCount) revert UnknownOutput(outputIndex);
        return _isInvalidated(outputIndex, _outputs[outputIndex].invalidationsBefore);
    }

    /// @notice Whether output `outputIndex` is final: its window has passed and it was not
    ///         invalidated. False for an unknown index.
    function isOutputFinalized(uint256 outputIndex) external view returns (bool) {
        if (outputIndex >= _outputCount) return false;
        Output storage o = _outputs[outputIndex];
        return block.timestamp >= uint256(o.timestamp) + challengeWindow
            && !_isInvalidated(outputIndex, o.invalidationsBefore);
    }

    /// @notice The number of invalidations so far.
    function invalidationCount() external view returns (uint256) {
        return _invalidatedFrom.length;
    }

    function _record(bytes32 outputRoot, uint256 l2BlockNumber, bytes32 l1BlockHash, uint256 l1BlockNumber)
        private
        returns (uint256 outputIndex)
    {
        if (outputRoot == bytes32(0)) revert ZeroOutputRoot();
        uint256 next = nextL2BlockNumber;
        if (l2BlockNumber < next || l2BlockNumber > type(uint64).max) {
            revert InvalidL2BlockNumber(l2BlockNumber, next);
        }
        if (l1BlockNumber >= block.number) revert L1BlockUnavailable(l1BlockNumber);
        bytes32 actual = Blockhash.blockHash(l1BlockNumber);
        if (actual == bytes32(0)) revert L1BlockUnavailable(l1BlockNumber);
        if (actual != l1BlockHash) revert L1BlockHashMismatch(l1BlockNumber, l1BlockHash, actual);

        outputIndex = _outputCount++;
        _outputs[outputIndex] = (
            Output({
                outputRoot: outputRoot,
                l1BlockHash: l1BlockHash,
                l2BlockNumber: uint64(l2BlockNumber),
                l1BlockNumber: uint64(l1BlockNumber),
                timestamp: uint64(block.timestamp),
                invalidationsBefore: uint64(_invalidatedFrom.length)
            })
        );
        nextL2BlockNumber = l2BlockNumber + 1;
        emit OutputProposed(outputIndex, outputRoot, l2BlockNumber, l1BlockHash, l1BlockNumber, block.timestamp);
    }

    function _isInvalidated(uint256 outputIndex, uint256 invalidationsBefore) private view returns (bool) {
        uint256 n = _invalidatedFrom.length;
        for (uint256 k = invalidationsBefore; k < n; ++k) {
            if (_invalidatedFrom[k] <= outputIndex) return true;
        }
        return false;
    }
}
