// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Blockhash} from "@openzeppelin/contracts/utils/Blockhash.sol";

/// @title OutputOracle
/// @notice L2 output roots posted by the proposer, each final `challengeWindow` seconds after it was
///         posted unless the challenger invalidated it first. Invalidating an output invalidates it
///         and every output posted after it up to that moment: none of them can ever finalize. The
///         proposer then continues from the invalidated output's L2 block. (The operator quorum and
///         fraud proofs of docs/PROTOCOL.md §6 replace the proposer and challenger roles later.)
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
    ///         reorg) or no longer in the block hash history. Proposer only.
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

    function _isInvalidated(uint256 outputIndex, uint256 invalidationsBefore) private view returns (bool) {
        uint256 n = _invalidatedFrom.length;
        for (uint256 k = invalidationsBefore; k < n; ++k) {
            if (_invalidatedFrom[k] <= outputIndex) return true;
        }
        return false;
    }
}
