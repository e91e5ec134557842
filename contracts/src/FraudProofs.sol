// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ChallengeFields, ChallengeRecord} from "./fraud/ChallengeRecord.sol";
import {InvalidComputeProof} from "./fraud/InvalidComputeProof.sol";
import {RedistributingSlasher} from "./fraud/RedistributingSlasher.sol";
import {IAllocationManagerView} from "./interfaces/IAllocationManagerView.sol";
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
///           L2 block and L1 block hash slash that operator (`wadEquivocation`); once the signers
///           of an output that did not equivocate hold less than the quorum of the stake it was
///           counted against, anyone invalidates it (`invalidateBrokenQuorum`);
///         - invalid compute: an attested output's state holds a PASSED challenge record whose
///           recorded openings fail one sample (InvalidComputeProof re-checks it) → every signer of
///           the output is slashed (`wadInvalidCompute`), the output and all later ones are
///           invalidated, and the Portal emits ChallengeInvalidated (derivation: an L2 `revoke`);
///         - availability: anyone demands a PASSED record's openings, or any record's SMT proof
///           (present or absent) in an output's state; unless the answer reaches L1 within
///           `availabilityWindow`, the output and every later one are invalidated and its signers
///           slashed (`wadAvailability`), the demander paid. A demand carries `demandBond` wei: the
///           answerer gets it, or the demander back once the fault is settled.
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
        /// @dev Wei sent with each availability demand: pays the answer's gas, so a demand is not
        ///      free griefing; returned to the demander when the demand goes unanswered.
        uint256 demandBond;
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

    /// @notice One record demand (`demandRecord`): any record id, answered by inclusion or exclusion.
    struct RecordDemand {
        address demander;
        uint64 outputIndex;
        uint64 challengeId;
        /// @dev L1 time (s) by which the proof must be on L1 (inclusive).
        uint64 deadline;
        bool answered;
        bool settled;
    }

    /// @dev Gas a bond transfer may use: enough for a smart wallet's receive, too little to make
    ///      a settlement costly; a recipient that needs more (or refuses) is credited instead.
    uint256 private constant BOND_STIPEND = 50_000;

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
    uint256 public immutable demandBond;

    /// @notice keccak256(abi.encode(outputIndex, recordKey)) → an invalid-compute verdict exists.
    mapping(bytes32 key => bool) public computeVerdicts;
    /// @notice keccak256(abi.encode(operator, l2BlockNumber, l1BlockHash)) → slashed for it.
    mapping(bytes32 key => bool) public equivocations;
    /// @notice Availability demands by keccak256(abi.encode(outputIndex, recordKey)).
    mapping(bytes32 demandKey => Demand) public demands;
    /// @notice Outputs proven fraudulent (at most once each: a proof invalidates its output).
    mapping(uint256 outputIndex => Conviction) public convictions;
    /// @notice Record demands by keccak256(abi.encode("record", outputIndex, challengeId)).
    mapping(bytes32 demandKey => RecordDemand) public recordDemands;
    /// @notice Bonds owed to accounts that did not take a transfer (`withdrawBonds`).
    mapping(address account => uint256) public bondsOwed;

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
    event RecordDemanded(
        bytes32 indexed demandKey,
        uint256 indexed outputIndex,
        uint256 indexed challengeId,
        uint256 deadline,
        address demander
    );
    /// @notice A record demand's answer, on L1: the output root's preimage (an invalid-compute
    ///         claim needs all of it, and only the signers know it) and the record's bytes (empty:
    ///         absent) with their SMT proof under its state root.
    event RecordProvided(bytes32 indexed demandKey, OutputRootProof preimage, bytes record, bytes recordProof);
    /// @notice An unanswered record demand was settled (no Portal verdict: a missing proof says
    ///         nothing about the challenge); `slashed` as in AvailabilityFaultProven.
    event RecordFaultProven(bytes32 indexed demandKey, uint256 indexed outputIndex, bool slashed);
    /// @notice Output `outputIndex`'s signers that did not equivocate hold `remainingStake`, short
    ///         of the quorum of `totalStake`: it and every later output were invalidated.
    event QuorumBroken(
        uint256 indexed outputIndex, uint256 remainingStake, uint256 totalStake, uint256 equivocators, address caller
    );
    /// @notice `account` did not take a bond transfer; `withdrawBonds` pays it.
    event BondCredited(address indexed account, uint256 amount);

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
    /// @notice A demand must carry exactly `demandBond` wei.
    error WrongDemandBond(uint256 sent, uint256 required);
    error RecordIdMismatch(uint64 id, uint64 challengeId);
    /// @notice None of the output's signers has a proven equivocation on its block.
    error NoEquivocation(uint256 outputIndex);
    /// @notice The signers that did not equivocate still hold the quorum.
    error QuorumHolds(uint256 remainingStake, uint256 totalStake);
    error NothingOwed();
    error BondTransferFailed();

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
        demandBond = c.demandBond;
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
    ///         slashable. No output is invalidated here (which root is wrong is not known):
    ///         `invalidateBrokenQuorum` does that once the equivocators' stake is what held the quorum.
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

    /// @notice Invalidates attested output `outputIndex` and every later one when its signers that
    ///         did not equivocate on its (L2 block, L1 block hash) — `proveEquivocation` proven for
    ///         at least one of them — hold less than the quorum of the total stake the oracle counted
    ///         (PROTOCOL §6 item 1). Their stake is read now at the output's stake block: stake added
    ///         since counts for the root, stake lost since against it. No slash (the equivocators
    ///         were slashed by their proofs) and no payout. Anyone; only while the output is open.
    /// @param signers The output's signers, exactly as its `OutputSigners` event lists them.
    function invalidateBrokenQuorum(uint256 outputIndex, address[] calldata signers) external {
        _openOutput(outputIndex);
        _checkSigners(outputIndex, signers);
        OutputOracle.Output memory o = oracle.getOutput(outputIndex);
        address[] memory kept = new address[](signers.length);
        uint256 nKept = 0;
        for (uint256 i = 0; i < signers.length; ++i) {
            if (!equivocations[keccak256(abi.encode(signers[i], uint256(o.l2BlockNumber), o.l1BlockHash))]) {
                kept[nKept++] = signers[i];
            }
        }
        uint256 equivocators = signers.length - nKept;
        if (equivocators == 0) revert NoEquivocation(outputIndex);
        assembly ("memory-safe") {
            mstore(kept, nKept)
        }
        (uint32 stakeBlock, uint224 total) = oracle.attestedStake(outputIndex);
        uint256 remaining = _stakeOf(kept, stakeBlock);
        OutputOracle.AttestationConfig memory q = oracle.attestationConfig();
        if (remaining * q.quorumDenominator >= uint256(total) * q.quorumNumerator) {
            revert QuorumHolds(remaining, total);
        }
        oracle.invalidateOutputs(outputIndex);
        emit QuorumBroken(outputIndex, remaining, total, equivocators, msg.sender);
    }

    // ------------------------------------------------------------------ availability

    /// @notice Demands the openings of the PASSED record `record` in output `outputIndex`'s state
    ///         (proven by `preimage` and `recordProof`). They must reach L1 (`provideOpenings`)
    ///         within `availabilityWindow`; a demand must end at least one availability window
    ///         before the output's `finalizesAt`, so an answer can still be proven fraudulent.
    ///         msg.value must be `demandBond`.
    /// @return demandKey keccak256(abi.encode(outputIndex, recordKey)).
    function demandOpenings(
        uint256 outputIndex,
        OutputRootProof calldata preimage,
        bytes calldata record,
        bytes calldata recordProof
    ) external payable returns (bytes32 demandKey) {
        _checkBond();
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
        uint256 deadline = _demandDeadline(outputIndex);
        demands[demandKey] =
            Demand(f.openingsDigest, msg.sender, uint64(outputIndex), f.id, uint64(deadline), false, false);
        emit OpeningsDemanded(demandKey, outputIndex, f.id, f.openingsDigest, deadline, msg.sender);
    }

    /// @notice Answers demand `demandKey` with the record's openings (anyone may): sha256(tiles ‖
    ///         proof) must equal the recorded digest, by the deadline. The bytes go into the event,
    ///         so whoever checks them reads them from L1's logs. The answerer gets the bond.
    function provideOpenings(bytes32 demandKey, bytes calldata tiles, bytes calldata proof) external {
        Demand storage d = demands[demandKey];
        if (d.deadline == 0) revert UnknownDemand(demandKey);
        if (d.answered) revert DemandAnswered(demandKey);
        if (block.timestamp > d.deadline) revert AvailabilityWindowOver(demandKey, d.deadline);
        if (sha256(abi.encodePacked(tiles, proof)) != d.openingsDigest) revert OpeningsDigestMismatch();
        d.answered = true;
        emit OpeningsProvided(demandKey, tiles, proof);
        _payBond(msg.sender);
    }

    /// @notice Settles an unanswered demand after its deadline (anyone may call): the Portal records
    ///         the verdict on the record; if the output is still open, it and every later output are
    ///         invalidated and its signers slashed by `wadAvailability`, the demander paid. The
    ///         demander gets its bond back either way.
    /// @param signers The output's signers, exactly as its `OutputSigners` event lists them.
    function finalizeAvailability(bytes32 demandKey, address[] calldata signers) external {
        Demand storage d = demands[demandKey];
        _checkSettleable(demandKey, d.deadline, d.answered, d.settled);
        d.settled = true;
        uint256 outputIndex = d.outputIndex;
        portal.recordVerdict(d.challengeId);
        // Settled late (the output final) or after another proof invalidated it: the verdict
        // still stands, but there is no output left to invalidate and no second slash.
        bool open = _stillOpen(outputIndex);
        emit AvailabilityFaultProven(demandKey, outputIndex, open);
        if (open) _convict(outputIndex, signers, d.demander);
        _payBond(d.demander);
    }

    /// @notice Demands the SMT proof of record `challengeId` (present or absent) in output
    ///         `outputIndex`'s state: only the signers hold that state, and a challenger needs the
    ///         proof of a PASSED record to prove invalid compute. It must reach L1 (`provideRecord`)
    ///         within `availabilityWindow`, with the same timing as `demandOpenings`
    ///         (`DemandTooLate`). Anyone, with msg.value = `demandBond`, once per (output, id).
    /// @return demandKey keccak256(abi.encode("record", outputIndex, challengeId)).
    function demandRecord(uint256 outputIndex, uint64 challengeId) external payable returns (bytes32 demandKey) {
        _checkBond();
        _openOutput(outputIndex);
        demandKey = keccak256(abi.encode("record", outputIndex, challengeId));
        if (recordDemands[demandKey].deadline != 0) revert AlreadyProven(demandKey);
        uint256 deadline = _demandDeadline(outputIndex);
        recordDemands[demandKey] =
            RecordDemand(msg.sender, uint64(outputIndex), challengeId, uint64(deadline), false, false);
        emit RecordDemanded(demandKey, outputIndex, challengeId, deadline, msg.sender);
    }

    /// @notice Answers record demand `demandKey` (anyone may, by the deadline): `preimage` hashes
    ///         to the output's root; an empty `record` is proven absent under its state root, any
    ///         other must decode with the demanded id and be proven present (sha256 of its bytes).
    ///         The answer goes into `RecordProvided`; the answerer gets the bond.
    function provideRecord(
        bytes32 demandKey,
        OutputRootProof calldata preimage,
        bytes calldata record,
        bytes calldata recordProof
    ) external {
        RecordDemand storage d = recordDemands[demandKey];
        if (d.deadline == 0) revert UnknownDemand(demandKey);
        if (d.answered) revert DemandAnswered(demandKey);
        if (block.timestamp > d.deadline) revert AvailabilityWindowOver(demandKey, d.deadline);
        (bytes32 root,,) = oracle.outputStatus(d.outputIndex);
        if (OutputRootLib.hash(preimage) != root) revert InvalidOutputRootProof(d.outputIndex);
        bytes32 recordKey = ChallengeRecord.key(d.challengeId);
        bool proven;
        if (record.length == 0) {
            proven = SmtVerifier.verifyExclusion(preimage.stateRoot, recordKey, recordProof);
        } else {
            (bool ok, ChallengeFields memory f) = ChallengeRecord.decode(record);
            // A record the invalid-compute proof cannot read answers nothing.
            if (!ok) revert RecordMalformed();
            if (f.id != d.challengeId) revert RecordIdMismatch(f.id, d.challengeId);
            // An honest PASSED record has every field the invalid-compute proof reads; one that
            // lacks any could answer the demand yet never be proven wrong, so it answers nothing.
            if (f.status == ChallengeRecord.STATUS_PASSED && f.present != ChallengeRecord.ALL_PRESENT) {
                revert RecordMalformed();
            }
            proven = SmtVerifier.verifyInclusion(preimage.stateRoot, recordKey, sha256(record), recordProof);
        }
        if (!proven) revert RecordNotProven();
        d.answered = true;
        emit RecordProvided(demandKey, preimage, record, recordProof);
        _payBond(msg.sender);
    }

    /// @notice Settles an unanswered record demand after its deadline (anyone may call, once): if
    ///         the output is still open, it and every later output are invalidated and its signers
    ///         slashed by `wadAvailability`, the demander paid. No Portal verdict: a missing proof
    ///         says nothing about the challenge itself. The demander gets its bond back.
    /// @param signers The output's signers, exactly as its `OutputSigners` event lists them.
    function finalizeRecordDemand(bytes32 demandKey, address[] calldata signers) external {
        RecordDemand storage d = recordDemands[demandKey];
        _checkSettleable(demandKey, d.deadline, d.answered, d.settled);
        d.settled = true;
        uint256 outputIndex = d.outputIndex;
        bool open = _stillOpen(outputIndex);
        emit RecordFaultProven(demandKey, outputIndex, open);
        if (open) _convict(outputIndex, signers, d.demander);
        _payBond(d.demander);
    }

    /// @dev A demand that may be settled now: made, unanswered, not settled, past its deadline.
    function _checkSettleable(bytes32 demandKey, uint64 deadline, bool answered, bool settled) private view {
        if (deadline == 0) revert UnknownDemand(demandKey);
        if (answered) revert DemandAnswered(demandKey);
        if (settled) revert DemandSettled(demandKey);
        if (block.timestamp <= deadline) revert AvailabilityWindowOpen(demandKey, deadline);
    }

    /// @dev Whether output `outputIndex` can still be convicted: not invalidated, not final.
    function _stillOpen(uint256 outputIndex) private view returns (bool) {
        (, uint256 finalizesAt, bool invalidated) = oracle.outputStatus(outputIndex);
        return !invalidated && block.timestamp < finalizesAt;
    }

    /// @notice Pays the caller the bonds it was credited because a transfer to it failed.
    function withdrawBonds() external {
        uint256 amount = bondsOwed[msg.sender];
        if (amount == 0) revert NothingOwed();
        bondsOwed[msg.sender] = 0;
        (bool ok,) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert BondTransferFailed();
    }

    // ------------------------------------------------------------------ internals

    /// @dev An availability fault on an open output: invalidate it and every later one, slash the
    ///      first batch of its signers by `wadAvailability`, paying the demander.
    function _convict(uint256 outputIndex, address[] calldata signers, address demander) private {
        _checkSigners(outputIndex, signers);
        oracle.invalidateOutputs(outputIndex);
        convictions[outputIndex] = Conviction(demander, uint64(wadAvailability), 0);
        _slashNextBatch(outputIndex, signers);
    }

    /// @dev A demand's deadline; it must leave a whole availability window to act on the answer
    ///      before the output is final.
    function _demandDeadline(uint256 outputIndex) private view returns (uint256 deadline) {
        (, uint256 finalizesAt,) = oracle.outputStatus(outputIndex);
        deadline = block.timestamp + availabilityWindow;
        if (deadline + availabilityWindow > finalizesAt) {
            revert DemandTooLate(deadline, finalizesAt - availabilityWindow);
        }
    }

    function _checkBond() private view {
        if (msg.value != demandBond) revert WrongDemandBond(msg.value, demandBond);
    }

    /// @dev Sends one bond to `to` with a bounded stipend and no return data copied; a recipient
    ///      that refuses it cannot block a settlement (a demander could otherwise hold its demand
    ///      slot forever): it is credited for `withdrawBonds`.
    function _payBond(address to) private {
        uint256 amount = demandBond;
        if (amount == 0) return;
        bool ok;
        assembly ("memory-safe") {
            ok := call(BOND_STIPEND, to, amount, 0, 0, 0, 0)
        }
        if (!ok) {
            bondsOwed[to] += amount;
            emit BondCredited(to, amount);
        }
    }

    /// @dev The summed stake of `operators` in every strategy of the set, slashable up to `stakeBlock`
    ///      (as OutputQuorum counts it).
    function _stakeOf(address[] memory operators, uint32 stakeBlock) private view returns (uint256 sum) {
        if (operators.length == 0) return 0;
        IAllocationManagerView.OperatorSet memory set = IAllocationManagerView.OperatorSet(avs, operatorSetId);
        uint256[][] memory stakes = allocationManager.getMinimumSlashableStake(
            set, operators, allocationManager.getStrategiesInOperatorSet(set), stakeBlock
        );
        for (uint256 i = 0; i < stakes.length; ++i) {
            for (uint256 j = 0; j < stakes[i].length; ++j) {
                sum += stakes[i][j];
            }
        }
    }

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
