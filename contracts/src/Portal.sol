// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {RateLimiter} from "@openzeppelin/contracts/utils/RateLimiter.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {FlopsCredit} from "./FlopsCredit.sol";
import {OutputRootLib, OutputRootProof} from "./lib/OutputRootLib.sol";
import {SmtVerifier} from "./lib/SmtVerifier.sol";
import {Withdrawal, WithdrawalLib} from "./lib/WithdrawalLib.sol";
import {OutputOracle} from "./OutputOracle.sol";

/// @title Portal
/// @notice The L1 side of the credits bridge and of forced inclusion:
///         - `depositCredits` burns FlopsCredit on L1; derivation turns the event into an L2 `deposit`.
///         - `forceTransaction` puts a signed L2 transaction on L1; derivation includes it.
///         - `proveWithdrawal` checks an L2 withdrawal against an output of the OutputOracle (output
///           root preimage + SMT proof of the withdrawals tree); `finalizeWithdrawal` mints the ERC-20
///           once the output is final, at most once per withdrawal index, never from an invalidated
///           output, within a refilling per-window rate limit.
///         The guardian pauses proving and finalizing; deposits and forced transactions never pause
///         (they are how users get past a censoring or halted operator).
contract Portal is AccessControl, Pausable, ReentrancyGuardTransient {
    using RateLimiter for RateLimiter.RefillingBucket;

    /// @notice May pause and unpause withdrawals.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    /// @notice May record fraud verdicts (granted to FraudProofs): the Portal stays the one
    ///         contract whose logs are L2 inputs.
    bytes32 public constant VERDICT_ROLE = keccak256("VERDICT_ROLE");

    /// @notice A proven withdrawal, keyed by its leaf hash (one slot).
    struct ProvenWithdrawal {
        uint64 outputIndex;
        /// @dev L1 time (s) of the proof; 0 = not proven.
        uint64 provenAt;
    }

    /// @notice keccak256 of the L2 genesis document; equal to the oracle's.
    bytes32 public immutable genesisHash;
    /// @notice The output oracle withdrawals are proven against.
    OutputOracle public immutable oracle;
    /// @notice The ERC-20, created by this Portal (its only minter and burner).
    FlopsCredit public immutable credit;
    /// @notice The L2 genesis' maxTxBytes: the largest transaction `forceTransaction` accepts.
    uint256 public immutable maxTxBytes;

    /// @notice The id the next deposit gets (sequential from 0).
    uint256 public nextDepositId;
    /// @notice The index the next forced transaction gets (sequential from 0).
    uint256 public nextForcedTxIndex;
    /// @notice Proven withdrawals by leaf hash (WithdrawalLib.leafHash).
    mapping(bytes32 leafHash => ProvenWithdrawal) public provenWithdrawals;
    // Bit (index & 255) of word (index >> 8) is set once withdrawal `index` is paid.
    mapping(uint256 word => uint256 bits) private _finalizedBits;
    RateLimiter.RefillingBucket private _finalizationLimit;

    /// @notice `from` burned `amount` on L1 to credit `to` on L2.
    event CreditsDeposited(uint256 indexed depositId, address indexed from, address indexed to, uint256 amount);
    /// @notice `sender` forced `signedTx` (flops.v1 SignedTx bytes) into the L2 chain.
    event TransactionForced(uint256 indexed forcedTxIndex, address indexed sender, bytes signedTx);
    /// @notice Withdrawal `index` (leaf hash `leafHash`) was proven against output `outputIndex`.
    event WithdrawalProven(
        uint256 indexed index, bytes32 indexed leafHash, uint256 indexed outputIndex, address prover
    );
    /// @notice Withdrawal `index` was paid: `amount` FlopsCredit minted to `to`.
    event WithdrawalFinalized(uint256 indexed index, bytes32 indexed leafHash, address indexed to, uint256 amount);
    /// @notice L1 proved challenge `challengeId`'s PASSED record fraudulent (or its openings
    ///         unavailable); derivation turns this into an L2 `revoke` (PROTOCOL §6.3).
    event ChallengeInvalidated(uint256 indexed challengeId);
    /// @notice The admin set the finalization rate limit: at most `capacity` base units at once,
    ///         refilling at `capacity` per `window` seconds.
    event FinalizationRateLimitSet(uint256 window, uint256 capacity);

    /// @notice The zero address or zero value where one is needed.
    error ZeroValue();
    /// @notice The oracle pins a different genesis document.
    error GenesisMismatch(bytes32 portalGenesis, bytes32 oracleGenesis);
    /// @notice A forced transaction of `size` bytes, outside [1, maxTxBytes].
    error ForcedTxSize(uint256 size, uint256 maxTxBytes);
    /// @notice The oracle has no output `outputIndex`.
    error UnknownOutput(uint256 outputIndex);
    /// @notice Output `outputIndex` was invalidated.
    error OutputInvalidated(uint256 outputIndex);
    /// @notice The output root preimage does not hash to the output's root.
    error InvalidOutputRootProof(uint256 outputIndex);
    /// @notice The withdrawal index does not fit in a u64 (L2 indices do).
    error WithdrawalIndexTooLarge(uint256 index);
    /// @notice The SMT proof does not prove the withdrawal under the withdrawals root.
    error InvalidWithdrawalProof(uint256 index);
    /// @notice The withdrawal is already proven against a valid output.
    error WithdrawalAlreadyProven(bytes32 leafHash, uint256 outputIndex);
    /// @notice The withdrawal (by leaf hash) was never proven.
    error WithdrawalNotProven(bytes32 leafHash);
    /// @notice Withdrawal `index` was already paid.
    error WithdrawalAlreadyFinalized(uint256 index);
    /// @notice The output is not final before `finalizesAt` (L1 seconds).
    error ChallengeWindowOpen(uint256 outputIndex, uint256 finalizesAt);
    /// @notice Paying `amount` now would exceed the rate limit; `available` can be paid now.
    error FinalizationRateLimited(uint256 amount, uint256 available);

    /// @param admin Holds DEFAULT_ADMIN_ROLE: sets the rate limit, manages roles.
    /// @param guardian Holds GUARDIAN_ROLE: pauses and unpauses withdrawals.
    /// @param oracle_ The OutputOracle (must pin the same genesis hash).
    /// @param genesisHash_ keccak256 of the L2 genesis document.
    /// @param maxTxBytes_ The L2 genesis' maxTxBytes.
    /// @param rateLimitWindow Seconds for the bucket to refill from empty (at least 1).
    /// @param rateLimitCapacity Base units that can be finalized at once.
    constructor(
        address admin,
        address guardian,
        OutputOracle oracle_,
        bytes32 genesisHash_,
        uint256 maxTxBytes_,
        uint48 rateLimitWindow,
        uint208 rateLimitCapacity
    ) {
        if (
            admin == address(0) || guardian == address(0) || address(oracle_) == address(0)
                || genesisHash_ == bytes32(0) || maxTxBytes_ == 0 || rateLimitWindow == 0
        ) revert ZeroValue();
        bytes32 oracleGenesis = oracle_.genesisHash();
        if (oracleGenesis != genesisHash_) revert GenesisMismatch(genesisHash_, oracleGenesis);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GUARDIAN_ROLE, guardian);
        oracle = oracle_;
        genesisHash = genesisHash_;
        maxTxBytes = maxTxBytes_;
        credit = new FlopsCredit();
        _finalizationLimit.updateSettings(rateLimitWindow, rateLimitCapacity);
        emit FinalizationRateLimitSet(rateLimitWindow, rateLimitCapacity);
    }

    /// @notice Burns `amount` of the caller's FlopsCredit and emits CreditsDeposited with the next
    ///         deposit id; derivation credits `to` on L2. Never paused.
    /// @param to The L2 account to credit (not the zero address).
    /// @param amount Base units (at least 1, at most the caller's balance).
    /// @return depositId The deposit's sequential id.
    function depositCredits(address to, uint256 amount) external nonReentrant returns (uint256 depositId) {
        if (to == address(0) || amount == 0) revert ZeroValue();
        credit.burn(msg.sender, amount);
        depositId = nextDepositId++;
        emit CreditsDeposited(depositId, msg.sender, to, amount);
    }

    /// @notice Forces a signed L2 transaction into the chain: derivation includes it in the first L2
    ///         block whose L1 origin is at or after this L1 block. The L2 checks it like any other
    ///         transaction; here only its size is bounded. Never paused.
    /// @param signedTx The flops.v1 SignedTx bytes, 1 to maxTxBytes long.
    /// @return forcedTxIndex The forced transaction's sequential index.
    function forceTransaction(bytes calldata signedTx) external returns (uint256 forcedTxIndex) {
        uint256 size = signedTx.length;
        if (size == 0 || size > maxTxBytes) revert ForcedTxSize(size, maxTxBytes);
        forcedTxIndex = nextForcedTxIndex++;
        emit TransactionForced(forcedTxIndex, msg.sender, signedTx);
    }

    /// @notice Proves withdrawal `w` against output `outputIndex`: the preimage must hash to the
    ///         output root, and `smtProof` must prove key sha256(u64be w.index) -> WithdrawalLib.leafHash(w)
    ///         under its withdrawalsRoot. A withdrawal proven against an output that was later
    ///         invalidated may be proven again. Anyone may prove. Reverts while paused.
    /// @param outputIndex A posted, not invalidated output (final or not).
    /// @param preimage The output root's preimage.
    /// @param w The withdrawal, as in the L2 withdrawals tree.
    /// @param smtProof The compressed SMT proof (docs/PROTOCOL.md Appendix D).
    function proveWithdrawal(
        uint256 outputIndex,
        OutputRootProof calldata preimage,
        Withdrawal calldata w,
        bytes calldata smtProof
    ) external whenNotPaused {
        (bytes32 root,, bool invalidated) = oracle.outputStatus(outputIndex);
        if (root == bytes32(0)) revert UnknownOutput(outputIndex);
        if (invalidated) revert OutputInvalidated(outputIndex);
        if (OutputRootLib.hash(preimage) != root) revert InvalidOutputRootProof(outputIndex);
        if (w.index > WithdrawalLib.MAX_INDEX) revert WithdrawalIndexTooLarge(w.index);
        bytes32 leafHash = WithdrawalLib.leafHash(w);
        if (!SmtVerifier.verifyInclusion(preimage.withdrawalsRoot, WithdrawalLib.key(w.index), leafHash, smtProof)) {
            revert InvalidWithdrawalProof(w.index);
        }
        ProvenWithdrawal storage p = provenWithdrawals[leafHash];
        if (p.provenAt != 0) {
            (,, bool previousInvalidated) = oracle.outputStatus(p.outputIndex);
            if (!previousInvalidated) revert WithdrawalAlreadyProven(leafHash, p.outputIndex);
        }
        p.outputIndex = uint64(outputIndex);
        p.provenAt = uint64(block.timestamp);
        emit WithdrawalProven(w.index, leafHash, outputIndex, msg.sender);
    }

    /// @notice Pays proven withdrawal `w`: mints `w.amount` FlopsCredit to `w.to` once the output it
    ///         was proven against is final, at most once per withdrawal index, never from an
    ///         invalidated output, within the rate limit. Anyone may finalize. Reverts while paused.
    /// @param w The withdrawal, exactly as proven.
    function finalizeWithdrawal(Withdrawal calldata w) external whenNotPaused nonReentrant {
        bytes32 leafHash = WithdrawalLib.leafHash(w);
        ProvenWithdrawal memory p = provenWithdrawals[leafHash];
        if (p.provenAt == 0) revert WithdrawalNotProven(leafHash);
        uint256 index = w.index;
        uint256 bit = 1 << (index & 255);
        uint256 bits = _finalizedBits[index >> 8];
        if (bits & bit != 0) revert WithdrawalAlreadyFinalized(index);
        (, uint256 finalizesAt, bool invalidated) = oracle.outputStatus(p.outputIndex);
        if (invalidated) revert OutputInvalidated(p.outputIndex);
        if (block.timestamp < finalizesAt) revert ChallengeWindowOpen(p.outputIndex, finalizesAt);
        if (!_finalizationLimit.tryConsume(bytes32(0), w.amount)) {
            revert FinalizationRateLimited(w.amount, _finalizationLimit.available(bytes32(0)));
        }
        _finalizedBits[index >> 8] = bits | bit;
        credit.mint(w.to, w.amount);
        emit WithdrawalFinalized(index, leafHash, w.to, w.amount);
    }

    /// @notice Emits ChallengeInvalidated(challengeId). VERDICT_ROLE only (the fraud-proof
    ///         contract, which proved the verdict); never paused, like deposits: a verdict must
    ///         reach L2 whatever the guardian does.
    function recordVerdict(uint256 challengeId) external onlyRole(VERDICT_ROLE) {
        emit ChallengeInvalidated(challengeId);
    }

    /// @notice Sets the finalization rate limit. Admin only. A withdrawal above `capacity` cannot be
    ///         finalized until the limit is raised.
    /// @param window Seconds for the bucket to refill from empty (at least 1).
    /// @param capacity Base units that can be finalized at once.
    function setFinalizationRateLimit(uint48 window, uint208 capacity) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (window == 0) revert ZeroValue();
        _finalizationLimit.updateSettings(window, capacity);
        emit FinalizationRateLimitSet(window, capacity);
    }

    /// @notice Pauses proving and finalizing withdrawals. Guardian only.
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    /// @notice Unpauses proving and finalizing withdrawals. Guardian only.
    function unpause() external onlyRole(GUARDIAN_ROLE) {
        _unpause();
    }

    /// @notice The rate limit's settings and what can be finalized now.
    /// @return window Seconds to refill from empty.
    /// @return capacity Base units at once.
    /// @return available Base units that can be finalized now.
    function finalizationRateLimit() external view returns (uint256 window, uint256 capacity, uint256 available) {
        return (_finalizationLimit._window, _finalizationLimit._capacity, _finalizationLimit.available(bytes32(0)));
    }

    /// @notice Whether withdrawal `index` was paid.
    function isWithdrawalFinalized(uint256 index) external view returns (bool) {
        return _finalizedBits[index >> 8] & (1 << (index & 255)) != 0;
    }

    /// @notice The withdrawal's leaf hash (its SMT value hash and its key in `provenWithdrawals`).
    function withdrawalLeafHash(Withdrawal calldata w) external pure returns (bytes32) {
        return WithdrawalLib.leafHash(w);
    }
}
