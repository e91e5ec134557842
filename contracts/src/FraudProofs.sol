// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ChallengeFields, ChallengeRecord} from "./fraud/ChallengeRecord.sol";
import {InvalidComputeProof} from "./fraud/InvalidComputeProof.sol";
import {RedistributingSlasher} from "./fraud/RedistributingSlasher.sol";
import {IAllocationManagerSlashing, IStrategyManagerSlashing} from "./interfaces/IEigenLayerSlashing.sol";
import {Bn254} from "./lib/Bn254.sol";
import {OutputRootLib, OutputRootProof} from "./lib/OutputRootLib.sol";
import {SmtVerifier} from "./lib/SmtVerifier.sol";
import {OperatorRegistry} from "./OperatorRegistry.sol";
import {OutputOracle} from "./OutputOracle.sol";
import {Portal} from "./Portal.sol";

/// @title FraudProofs
/// @notice The three fraud proofs of docs/PROTOCOL.md §6, each settled in one transaction, and what
///         follows a proven one (§6.3):
///         - equivocation: one operator's signatures over two different output roots for the same
///           L2 block and L1 block hash slash that operator (`wadEquivocation`);
///         - invalid compute: an attested output's state holds a PASSED challenge record whose
///           recorded openings fail one sample (InvalidComputeProof re-checks it) → every signer of
///           the output is slashed (`wadInvalidCompute`), the output and all later ones are
///           invalidated, and the Portal emits ChallengeInvalidated (derivation: an L2 `revoke`);
///         - availability: anyone demands a PASSED record's openings; unless bytes matching the
///           record's digest reach L1 within `availabilityWindow`, the same follows
///           (`wadAvailability`), the demander paid.
///         Slashed stake is redistributed to this contract and paid out at once: the challenger's
///         share to whoever proved the fault, the rest to the treasury (RedistributingSlasher).
/// @dev Needs OutputOracle's CHALLENGER_ROLE and the Portal's VERDICT_ROLE, and must be the operator
///      set's slasher and redistribution recipient. Each (output, record) is judged at most once,
///      each (operator, L2 block, L1 block hash) equivocation slashed at most once.
contract FraudProofs is RedistributingSlasher {
    /// @notice The deployment's wiring and parameters (one struct: the constructor has many).
    struct Config {
        OutputOracle oracle;
        Portal portal;
        InvalidComputeProof verifier;
        IStrategyManagerSlashing strategyManager;
        address treasury;
        /// @dev Parts of 1e18 of each signer's allocation slashed per fault kind, each in (0, 1e18].
        uint256 wadEquivocation;
        uint256 wadInvalidCompute;
        uint256 wadAvailability;
        /// @dev The challenger's part of the slashed tokens, in parts of 10,000.
        uint16 challengerShareBps;
        /// @dev Seconds from a demand until its openings must be on L1 (2× it < challengeWindow).
        uint64 availabilityWindow;
        /// @dev L1 blocks operators may take from signing an output to its posting (§6's
        ///      maxPostingDelay): windowBlocks + this must stay below DEALLOCATION_DELAY.
        uint32 maxPostingDelayBlocks;
        /// @dev Signers slashed in the proof's own transaction (~150k gas each); the rest in
        ///      `slashConvicted` batches of the same size, so any set fits EIP-7825's tx cap.
        uint32 maxSlashesPerTx;
    }

    /// @notice A convicted output: who proved it, the WAD and how many of its signers (in list
    ///         order) are slashed so far.
    struct Conviction {
        address challenger;
        uint64 wad;
        uint32 slashed;
    }

    /// @notice One availability demand.
    struct Demand {
        bytes32 openingsDigest;
        address demander;
        uint64 outputIndex;
        uint64 challengeId;
        /// @dev L1 time (s) by which the openings must be on L1 (inclusive).
        uint64 deadline;
        bool answered;
        bool settled;
    }

    OutputOracle public immutable oracle;
    Portal public immutable portal;
    InvalidComputeProof public immutable verifier;
    OperatorRegistry public immutable registry;
    uint256 public immutable wadEquivocation;
    uint256 public immutable wadInvalidCompute;
    uint256 public immutable wadAvailability;
    uint64 public immutable availabilityWindow;
    uint32 public immutable maxPostingDelayBlocks;
    uint32 public immutable maxSlashesPerTx;

    /// @notice keccak256(abi.encode(outputIndex, recordKey)) → an invalid-compute verdict exists.
    mapping(bytes32 key => bool) public computeVerdicts;
    /// @notice keccak256(abi.encode(operator, l2BlockNumber, l1BlockHash)) → slashed for it.
    mapping(bytes32 key => bool) public equivocations;
    /// @notice Availability demands by keccak256(abi.encode(outputIndex, recordKey)).
    mapping(bytes32 demandKey => Demand) public demands;
    /// @notice Outputs proven fraudulent (at most once each: a proof invalidates its output).
    mapping(uint256 outputIndex => Conviction) public convictions;

    event InvalidComputeProven(
        uint256 indexed outputIndex, uint256 indexed challengeId, address indexed challenger, uint256 signers
    );
    event EquivocationProven(
        address indexed operator, uint256 indexed l2BlockNumber, bytes32 l1BlockHash, address indexed challenger
    );
    event OpeningsDemanded(
        bytes32 indexed demandKey,
        uint256 indexed outputIndex,
        uint256 indexed challengeId,
        bytes32 openingsDigest,
        uint256 deadline,
        address demander
    );
    /// @notice The openings of a demanded record, on L1 (tiles ‖ proof hash to the record's digest).
    event OpeningsProvided(bytes32 indexed demandKey, bytes tiles, bytes proof);
    /// @notice An unanswered demand was settled: the verdict went to the Portal; `slashed` says
    ///         whether the output was still open (then it was invalidated and its signers slashed).
    event AvailabilityFaultProven(bytes32 indexed demandKey, uint256 indexed outputIndex, bool slashed);

    /// @notice challengeWindow, windowBlocks, the availability window or the wiring is unusable.
    error InvalidFraudConfig();
    /// @notice windowBlocks + maxPostingDelayBlocks must be below EigenLayer's DEALLOCATION_DELAY:
    ///         signers must stay slashable until every proof against their output is possible.
    error TimingInvariantViolated(uint256 windowBlocks, uint256 maxPostingDelayBlocks, uint256 deallocationDelay);
    error UnknownOutput(uint256 outputIndex);
    error OutputInvalidated(uint256 outputIndex);
    error ChallengeWindowClosed(uint256 outputIndex, uint256 finalizesAt);
    /// @notice The claim is about another output root than the oracle's.
    error ClaimOutputMismatch(uint256 outputIndex);
    error InvalidOutputRootProof(uint256 outputIndex);
    /// @notice The signer list is not the one recorded when the output was attested.
    error SignersMismatch(uint256 outputIndex);
    error AlreadyProven(bytes32 key);
    error RecordMalformed();
    error RecordNotProven();
    error RecordNotPassed(uint8 status);
    /// @notice A demand now would end too late to act on its answer before the output is final.
    error DemandTooLate(uint256 deadline, uint256 latestDeadline);
    error UnknownDemand(bytes32 demandKey);
    error DemandAnswered(bytes32 demandKey);
    error DemandSettled(bytes32 demandKey);
    error AvailabilityWindowOver(bytes32 demandKey, uint256 deadline);
    error AvailabilityWindowOpen(bytes32 demandKey, uint256 deadline);
    error OpeningsDigestMismatch();
    error SameRoot();
    /// @notice The key is not bound to the operator in the registry.
    error KeyNotOperators(address operator);
    error InvalidEquivocationSignature();
    error NotConvicted(uint256 outputIndex);
    error AllSignersSlashed(uint256 outputIndex);

    constructor(Config memory c)
        RedistributingSlasher(
            IAllocationManagerSlashing(address(_registryOf(c.oracle).allocationManager())),
            c.strategyManager,
            _registryOf(c.oracle).avs(),
            _registryOf(c.oracle).operatorSetId(),
            c.treasury,
            c.challengerShareBps
        )
    {
        _checkWad(c.wadEquivocation);
        _checkWad(c.wadInvalidCompute);
        _checkWad(c.wadAvailability);
        if (address(c.portal) == address(0) || address(c.verifier) == address(0)) revert InvalidFraudConfig();
        if (address(c.portal.oracle()) != address(c.oracle)) revert InvalidFraudConfig();
        uint256 window = c.oracle.challengeWindow();
        // A demand's answer must still leave a whole availability window to prove from it.
        if (c.availabilityWindow == 0 || 2 * uint256(c.availabilityWindow) >= window || c.maxSlashesPerTx == 0) {
            revert InvalidFraudConfig();
        }
        uint256 windowBlocks = c.oracle.attestationConfig().windowBlocks;
        uint256 delay = IAllocationManagerSlashing(address(_registryOf(c.oracle).allocationManager()))
            .DEALLOCATION_DELAY();
        if (windowBlocks + c.maxPostingDelayBlocks >= delay) {
            revert TimingInvariantViolated(windowBlocks, c.maxPostingDelayBlocks, delay);
        }
        oracle = c.oracle;
        portal = c.portal;
        verifier = c.verifier;
        registry = _registryOf(c.oracle);
        wadEquivocation = c.wadEquivocation;
        wadInvalidCompute = c.wadInvalidCompute;
        wadAvailability = c.wadAvailability;
        availabilityWindow = c.availabilityWindow;
        maxPostingDelayBlocks = c.maxPostingDelayBlocks;
        maxSlashesPerTx = c.maxSlashesPerTx;
    }

    // ------------------------------------------------------------------ invalid compute

    /// @notice Proves that output `outputIndex` holds a PASSED record whose openings fail a sample
    ///         (`claim`, checked by InvalidComputeProof against the oracle's root): invalidates the
    ///         output and every later one, slashes every signer by `wadInvalidCompute`, pays the
    ///         caller its share and records the verdict in the Portal. Only while the output is
    ///         open (posted, not invalidated, before `finalizesAt`).
    /// @param signers The output's signers, exactly as its `OutputSigners` event lists them.
    function proveInvalidCompute(
        uint256 outputIndex,
        address[] calldata signers,
        InvalidComputeProof.Claim calldata claim
    ) external {
        bytes32 root = _openOutput(outputIndex);
        if (claim.outputRoot != root) revert ClaimOutputMismatch(outputIndex);
        _checkSigners(outputIndex, signers);
        (bytes32 recordKey,) = verifier.verifyInvalidCompute(claim);
        bytes32 key = keccak256(abi.encode(outputIndex, recordKey));
        if (computeVerdicts[key]) revert AlreadyProven(key);
        computeVerdicts[key] = true;
        (, ChallengeFields memory f) = ChallengeRecord.decode(claim.record);
        oracle.invalidateOutputs(outputIndex);
        portal.recordVerdict(f.id);
        emit InvalidComputeProven(outputIndex, f.id, msg.sender, signers.length);
        convictions[outputIndex] = Conviction(msg.sender, uint64(wadInvalidCompute), 0);
        _slashNextBatch(outputIndex, signers);
    }

    /// @notice Slashes the next batch (at most `maxSlashesPerTx`) of a convicted output's signers,
    ///         paying the challenger recorded at conviction. Anyone may call, until every signer is
    ///         slashed; soon after the proof, while EigenLayer keeps them slashable.
    /// @param signers The output's whole signer list, as its `OutputSigners` event lists them.
    function slashConvicted(uint256 outputIndex, address[] calldata signers) external {
        if (convictions[outputIndex].challenger == address(0)) revert NotConvicted(outputIndex);
        _checkSigners(outputIndex, signers);
        if (convictions[outputIndex].slashed >= signers.length) revert AllSignersSlashed(outputIndex);
        _slashNextBatch(outputIndex, signers);
    }

    // ------------------------------------------------------------------ equivocation

    /// @notice Proves that `operator` signed two different output roots for L2 block
    ///         `l2BlockNumber` derived up to `l1BlockHash` (the messages of
    ///         `oracle.outputMessageHash`) and slashes it by `wadEquivocation`, paying the caller.
    ///         The key (pkG1, pkG2) must be bound to `operator` in the registry (bound forever, so a
    ///         deregistered key still names it). Provable while EigenLayer keeps the operator
    ///         slashable; no output is invalidated (which root is wrong is not known here).
    function proveEquivocation(
        address operator,
        uint256 l2BlockNumber,
        bytes32 l1BlockHash,
        bytes32[2] calldata roots,
        Bn254.G1Point calldata pkG1,
        Bn254.G2Point calldata pkG2,
        Bn254.G1Point[2] calldata sigs
    ) external {
        if (roots[0] == roots[1]) revert SameRoot();
        if (registry.keyOwner(Bn254.hashG1(pkG1)) != operator || operator == address(0)) {
            revert KeyNotOperators(operator);
        }
        bytes32 key = keccak256(abi.encode(operator, l2BlockNumber, l1BlockHash));
        if (equivocations[key]) revert AlreadyProven(key);
        for (uint256 i = 0; i < 2; ++i) {
            if (!Bn254.verify(oracle.outputMessageHash(roots[i], l2BlockNumber, l1BlockHash), pkG1, pkG2, sigs[i])) {
                revert InvalidEquivocationSignature();
            }
        }
        equivocations[key] = true;
        emit EquivocationProven(operator, l2BlockNumber, l1BlockHash, msg.sender);
        address[] memory one = new address[](1);
        one[0] = operator;
        _slashAndPay(one, wadEquivocation, msg.sender, "flops: equivocation");
    }

    // ------------------------------------------------------------------ availability

    /// @notice Demands the openings of the PASSED record `record` in output `outputIndex`'s state
    ///         (proven by `preimage` and `recordProof`). They must reach L1 (`provideOpenings`)
    ///         within `availabilityWindow`; a demand must end at least one availability window
    ///         before the output's `finalizesAt`, so an answer can still be proven fraudulent.
    /// @return demandKey keccak256(abi.encode(outputIndex, recordKey)).
    function demandOpenings(
        uint256 outputIndex,
        OutputRootProof calldata preimage,
        bytes calldata record,
        bytes calldata recordProof
    ) external returns (bytes32 demandKey) {
        bytes32 root = _openOutput(outputIndex);
        if (OutputRootLib.hash(preimage) != root) revert InvalidOutputRootProof(outputIndex);
        (bool ok, ChallengeFields memory f) = ChallengeRecord.decode(record);
        if (!ok) revert RecordMalformed();
        bytes32 recordKey = ChallengeRecord.key(f.id);
        if (!SmtVerifier.verifyInclusion(preimage.stateRoot, recordKey, sha256(record), recordProof)) {
            revert RecordNotProven();
        }
        if (f.status != ChallengeRecord.STATUS_PASSED || f.present != ChallengeRecord.ALL_PRESENT) {
            revert RecordNotPassed(f.status);
        }
        demandKey = keccak256(abi.encode(outputIndex, recordKey));
        if (demands[demandKey].deadline != 0) revert AlreadyProven(demandKey);
        (, uint256 finalizesAt,) = oracle.outputStatus(outputIndex);
        uint256 deadline = block.timestamp + availabilityWindow;
        if (deadline + availabilityWindow > finalizesAt) {
            revert DemandTooLate(deadline, finalizesAt - availabilityWindow);
        }
        demands[demandKey] =
            Demand(f.openingsDigest, msg.sender, uint64(outputIndex), f.id, uint64(deadline), false, false);
        emit OpeningsDemanded(demandKey, outputIndex, f.id, f.openingsDigest, deadline, msg.sender);
    }

    /// @notice Answers demand `demandKey` with the record's openings (anyone may): sha256(tiles ‖
    ///         proof) must equal the recorded digest, by the deadline. The bytes go into the event,
    ///         so whoever checks them reads them from L1's logs.
    function provideOpenings(bytes32 demandKey, bytes calldata tiles, bytes calldata proof) external {
        Demand storage d = demands[demandKey];
        if (d.deadline == 0) revert UnknownDemand(demandKey);
        if (d.answered) revert DemandAnswered(demandKey);
        if (block.timestamp > d.deadline) revert AvailabilityWindowOver(demandKey, d.deadline);
        if (sha256(abi.encodePacked(tiles, proof)) != d.openingsDigest) revert OpeningsDigestMismatch();
        d.answered = true;
        emit OpeningsProvided(demandKey, tiles, proof);
    }

    /// @notice Settles an unanswered demand after its deadline (anyone may call): the Portal records
    ///         the verdict on the record; if the output is still open, it and every later output are
    ///         invalidated and its signers slashed by `wadAvailability`, the demander paid.
    /// @param signers The output's signers, exactly as its `OutputSigners` event lists them.
    function finalizeAvailability(bytes32 demandKey, address[] calldata signers) external {
        Demand storage d = demands[demandKey];
        if (d.deadline == 0) revert UnknownDemand(demandKey);
        if (d.answered) revert DemandAnswered(demandKey);
        if (d.settled) revert DemandSettled(demandKey);
        if (block.timestamp <= d.deadline) revert AvailabilityWindowOpen(demandKey, d.deadline);
        d.settled = true;
        uint256 outputIndex = d.outputIndex;
        portal.recordVerdict(d.challengeId);
        (, uint256 finalizesAt, bool invalidated) = oracle.outputStatus(outputIndex);
        // Settled late (the output final) or after another proof invalidated it: the verdict
        // still stands, but there is no output left to invalidate and no second slash.
        bool open = !invalidated && block.timestamp < finalizesAt;
        emit AvailabilityFaultProven(demandKey, outputIndex, open);
        if (!open) return;
        _checkSigners(outputIndex, signers);
        oracle.invalidateOutputs(outputIndex);
        convictions[outputIndex] = Conviction(d.demander, uint64(wadAvailability), 0);
        _slashNextBatch(outputIndex, signers);
    }

    // ------------------------------------------------------------------ internals

    /// @dev Slashes signers [slashed, slashed + maxSlashesPerTx) of a convicted output.
    function _slashNextBatch(uint256 outputIndex, address[] calldata signers) private {
        Conviction storage c = convictions[outputIndex];
        uint256 from = c.slashed;
        uint256 to = from + maxSlashesPerTx;
        if (to > signers.length) to = signers.length;
        c.slashed = uint32(to);
        _slashAndPay(signers[from:to], c.wad, c.challenger, "flops: fraud proof");
    }

    /// @dev The root of an output that may still be judged: posted, not invalidated, not final.
    function _openOutput(uint256 outputIndex) private view returns (bytes32 root) {
        uint256 finalizesAt;
        bool invalidated;
        (root, finalizesAt, invalidated) = oracle.outputStatus(outputIndex);
        if (root == bytes32(0)) revert UnknownOutput(outputIndex);
        if (invalidated) revert OutputInvalidated(outputIndex);
        if (block.timestamp >= finalizesAt) revert ChallengeWindowClosed(outputIndex, finalizesAt);
    }

    /// @dev The list must be the one recorded at attestation; a proposer's output has none.
    function _checkSigners(uint256 outputIndex, address[] calldata signers) private view {
        bytes32 recorded = oracle.signersHash(outputIndex);
        bool ok = recorded == bytes32(0) ? signers.length == 0 : keccak256(abi.encodePacked(signers)) == recorded;
        if (!ok) revert SignersMismatch(outputIndex);
    }

    function _registryOf(OutputOracle o) private view returns (OperatorRegistry r) {
        r = o.attestationConfig().registry;
        if (address(r) == address(0)) revert InvalidFraudConfig();
    }
}
